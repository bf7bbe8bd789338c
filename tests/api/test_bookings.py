"""``/v1/bookings`` over HTTP: every lifecycle transition and refusal, roles and tenancy."""

from __future__ import annotations

import uuid

import pytest

from tests.api.checkout_api import at_shop_order, not_found, start_checkout
from tests.store.checkout_seed import TERRITORY, paris


@pytest.fixture
def co(client, db_session, api_key):
    return start_checkout(client, db_session, api_key)


def _confirmed(co, hhmm="09:30", external_id="A-1"):
    """Hold a bakery slot and confirm it with a new order; return the booking."""
    hold = co.hold([co.slot(co.seed.bakery, hhmm)["id"]]).json()
    order = co.order(at_shop_order(external_id, ["m-bakery"], hold["id"]))
    assert order.status_code == 201, order.text
    [booking] = order.json()["bookings"]
    assert booking["status"] == "confirmed"
    return booking


def _post(co, booking_id, action, headers=None):
    return co.client.post(f"/v1/bookings/{booking_id}/{action}", headers=headers or co.a)


def test_confirmed_then_collected(co):
    booking = _confirmed(co)
    co.clock.now = paris(2026, 6, 16, 9, 40)
    response = _post(co, booking["id"], "collect")
    assert response.status_code == 200
    collected = response.json()
    assert collected["status"] == "collected"
    assert collected["updated_at"] == "2026-06-16T09:40:00+02:00"
    assert co.occupancy(booking["slot_id"]) == 1  # the customer was there: it still counts
    for action, words in (
        ("collect", "it is already final (collected)"),
        ("cancel", "it is already final (collected)"),
        ("no-show", "it is already final (collected)"),
    ):
        response = _post(co, booking["id"], action)
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "illegal_transition"
        assert words in error["message"]
        assert error["details"]["status"] == "collected"


def test_no_show_only_after_the_slot_ends(co):
    booking = _confirmed(co)
    co.clock.now = paris(2026, 6, 16, 9, 45)
    response = _post(co, booking["id"], "no-show")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_not_ended"
    assert "its slot ends at 2026-06-16T10:00:00+02:00" in error["message"]
    co.clock.now = paris(2026, 6, 16, 10, 0)
    response = _post(co, booking["id"], "no-show")
    assert (response.status_code, response.json()["status"]) == (200, "no_show")
    assert _post(co, booking["id"], "collect").json()["error"]["code"] == "illegal_transition"


def test_cancel_frees_the_place_and_cancelled_cannot_be_collected(co):
    booking = _confirmed(co)
    assert co.occupancy(booking["slot_id"]) == 1
    response = _post(co, booking["id"], "cancel")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert co.occupancy(booking["slot_id"]) == 0
    response = _post(co, booking["id"], "collect")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "cannot collect" in error["message"] and "it was cancelled" in error["message"]
    assert _post(co, booking["id"], "cancel").status_code == 409


def test_held_bookings(co):
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    [booking] = hold["bookings"]
    response = _post(co, booking["id"], "collect")
    assert response.json()["error"]["code"] == "illegal_transition"
    assert "it is only held; confirm it with the order first" in response.json()["error"]["message"]
    response = _post(co, booking["id"], "cancel")  # a hold may be cancelled like a booking
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    lapsed = co.hold([co.slot(co.seed.bakery, "10:00")["id"]]).json()["bookings"][0]
    co.clock.advance(minutes=10)
    response = _post(co, lapsed["id"], "cancel")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_expired"
    assert co.client.get(f"/v1/bookings/{lapsed['id']}", headers=co.a).json()["status"] == (
        "expired"
    )


def test_cancel_at_any_time_before_collection(co):
    booking = _confirmed(co)
    co.clock.now = paris(2026, 6, 16, 11, 0)  # after the slot: not collected, not no-show yet
    assert _post(co, booking["id"], "cancel").json()["status"] == "cancelled"


def test_tenancy_and_roles(co):
    booking = _confirmed(co)
    unknown = str(uuid.uuid4())
    for booking_id in (booking["id"], unknown):
        expected = not_found("booking", booking_id, "booking_id")
        response = co.client.get(f"/v1/bookings/{booking_id}", headers=co.b)
        assert (response.status_code, response.json()) == (404, expected)
        for action in ("cancel", "collect", "no-show"):
            response = _post(co, booking_id, action, headers=co.b)
            assert (response.status_code, response.json()) == (404, expected)
    assert co.occupancy(booking["slot_id"]) == 1
    # analysts read zones, coverage and rounds, not a platform's bookings; admins read them
    # but do not change a platform's objects
    analyst = co.make_key("analyst", territory=TERRITORY)
    assert co.client.get(f"/v1/bookings/{booking['id']}", headers=analyst).status_code == 403
    assert _post(co, booking["id"], "collect", headers=analyst).status_code == 403
    admin = co.make_key("admin")
    assert co.client.get(f"/v1/bookings/{booking['id']}", headers=admin).status_code == 200
    assert _post(co, booking["id"], "collect", headers=admin).status_code == 403
    # a coordinator of the territory (at the collection point's desk) may mark collection
    coordinator = co.make_key("coordinator", territory=TERRITORY)
    response = _post(co, booking["id"], "collect", headers=coordinator)
    assert (response.status_code, response.json()["status"]) == (200, "collected")
    assert co.client.get(f"/v1/bookings/{booking['id']}").status_code == 401


def test_unknown_action_path(co):
    booking = _confirmed(co)
    assert _post(co, booking["id"], "confirm").status_code in (404, 405)
    assert co.client.get("/v1/bookings/123", headers=co.a).status_code == 422
