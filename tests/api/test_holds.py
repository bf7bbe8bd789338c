"""``/v1/holds`` over HTTP: hold, basket, idempotency, expiry, release, refusals, tenancy."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.api.checkout_api import at_shop_order, not_found, start_checkout
from tests.store.checkout_seed import TERRITORY, paris


@pytest.fixture
def co(client, db_session, api_key):
    return start_checkout(client, db_session, api_key)


def test_hold_a_slot_and_read_it(co):
    slot = co.slot(co.seed.bakery, "09:30")
    assert (slot["capacity"], slot["occupancy"], slot["available"]) == (2, 0, True)
    response = co.hold([slot["id"]])
    assert response.status_code == 201, response.text
    assert response.headers["Idempotent-Replayed"] == "false"
    hold = response.json()
    assert hold["status"] == "held"
    assert hold["expires_at"] == "2026-06-15T17:10:00+02:00"  # 10 minutes, Paris offset
    assert hold["order_id"] is None
    [booking] = hold["bookings"]
    assert booking["slot_id"] == slot["id"]
    assert booking["status"] == "held"
    assert booking["starts_at"] == "2026-06-16T09:30:00+02:00"
    assert booking["site"] == {
        "kind": "merchant",
        "id": str(co.seed.bakery.id),
        "external_id": "m-bakery",
        "name": "Boulangerie du Champsaur",
    }
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=co.a).json() == hold
    assert co.client.get(f"/v1/bookings/{booking['id']}", headers=co.a).json() == booking
    after = co.slot(co.seed.bakery, "09:30")
    assert (after["occupancy"], after["remaining"]) == (1, 1)


def test_same_key_gives_the_same_hold_and_takes_one_place(co):
    slot = co.slot(co.seed.bakery, "09:30")
    first = co.hold([slot["id"]], key="checkout-42")
    again = co.hold([slot["id"]], key="checkout-42")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert co.occupancy(slot["id"]) == 1
    # the same key with another request is refused, and holds nothing
    other = co.slot(co.seed.bakery, "10:00")
    response = co.hold([other["id"]], key="checkout-42")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "checkout-42" in error["message"] and "different" in error["message"]
    assert co.occupancy(other["id"]) == 0
    # keys are per platform: B may use the same key for its own request
    butcher = co.slot(co.seed.butcher, "09:30")
    assert co.hold([butcher["id"]], key="checkout-42", headers=co.b).status_code == 201


def test_idempotency_key_is_required(co):
    slot = co.slot(co.seed.bakery, "09:30")
    response = co.client.post("/v1/holds", json={"slot_ids": [slot["id"]]}, headers=co.a)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith("header.Idempotency-Key")
    assert co.occupancy(slot["id"]) == 0


def test_expired_hold_frees_its_place_without_any_process(co):
    slot = co.slot(co.seed.bakery, "09:30")
    first = co.hold([slot["id"]]).json()
    second = co.hold([slot["id"]]).json()
    refused = co.hold([slot["id"]])
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "slot_full"
    assert "2 of 2 places taken" in refused.json()["error"]["message"]
    co.clock.advance(minutes=9, seconds=59)
    assert co.hold([slot["id"]]).status_code == 409
    co.clock.advance(seconds=1)  # 10 minutes: both holds lapse
    assert co.client.get(f"/v1/holds/{first['id']}", headers=co.a).json()["status"] == "expired"
    booking = co.client.get(f"/v1/bookings/{second['bookings'][0]['id']}", headers=co.a).json()
    assert booking["status"] == "expired"
    listed = co.slot(co.seed.bakery, "09:30")
    assert (listed["occupancy"], listed["available"]) == (0, True)
    assert co.hold([slot["id"]]).status_code == 201
    # confirming a lapsed hold says why
    order = co.order(at_shop_order("A-1", ["m-bakery"], None)).json()
    response = co.client.post(
        f"/v1/holds/{first['id']}/confirm", json={"order_id": order["id"]}, headers=co.a
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "hold_expired"
    assert "expired at 2026-06-15T17:10:00+02:00" in error["message"]


def test_hold_time_to_live_is_configurable(co):
    app = co.client.app
    app.state.settings = app.state.settings.model_copy(update={"hold_ttl_minutes": 2})
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    assert hold["expires_at"] == "2026-06-15T17:02:00+02:00"


def test_basket_is_held_all_or_nothing(co):
    bread = co.slot(co.seed.bakery, "09:30")
    eggs = co.slot(co.seed.farm, "10:00")
    response = co.hold([bread["id"], eggs["id"]], ["m-bakery", "m-farm"])
    assert response.status_code == 201, response.text
    hold = response.json()
    assert [b["site"]["external_id"] for b in hold["bookings"]] == ["m-bakery", "m-farm"]
    assert len({b["hold_id"] for b in hold["bookings"]}) == 1
    # fill the farm's slot; a basket needing it holds nothing, not even the bakery's place
    co.hold([eggs["id"]])
    assert co.occupancy(eggs["id"]) == 2
    before = co.occupancy(bread["id"])
    response = co.hold([bread["id"], eggs["id"]], ["m-bakery", "m-farm"])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "basket_refused"
    assert error["message"].startswith("cannot hold the basket, nothing was held")
    assert [r["slot_id"] for r in error["details"]["refusals"]] == [eggs["id"]]
    assert error["details"]["refusals"][0]["reason"] == "full"
    assert co.occupancy(bread["id"]) == before


def test_basket_shape_is_checked(co):
    bread = co.slot(co.seed.bakery, "09:30")
    other_bread = co.slot(co.seed.bakery, "10:00")
    point = co.slot(co.seed.shared_point, "15:00")
    cases = [
        # a merchant of the basket without a slot
        ([bread["id"]], ["m-bakery", "m-farm"], "no slot for merchant"),
        # two slots at one merchant
        ([bread["id"], other_bread["id"]], ["m-bakery"], "more than one slot"),
        # several slots without the basket's merchants
        ([bread["id"], point["id"]], None, "basket hold"),
    ]
    for slot_ids, merchants, words in cases:
        response = co.hold(slot_ids, merchants)
        assert response.status_code == 422, response.text
        assert words in response.json()["error"]["message"]
    # a merchant that is not the platform's
    response = co.hold([bread["id"]], ["m-butcher"])
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "merchants.0", "value": "m-butcher"}
    # one collection-point slot for the whole basket
    response = co.hold([point["id"]], ["m-bakery", "m-farm"])
    assert response.status_code == 201, response.text
    assert response.json()["bookings"][0]["site"]["kind"] == "collection_point"
    assert co.occupancy(bread["id"]) == 0


def test_refusals_say_why(co):
    early = co.slot(co.seed.bakery, "09:00")
    late = co.slot(co.seed.bakery, "17:30")
    co.clock.now = paris(2026, 6, 16, 8, 30)  # 60 min notice: 09:00 closed at 08:00
    response = co.hold([early["id"]])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "booking_closed"
    assert "closed for booking at 2026-06-16T08:00:00+02:00 (minimum notice)" in error["message"]
    co.clock.now = paris(2026, 6, 16, 9, 5)
    response = co.hold([early["id"]])
    assert response.json()["error"]["code"] == "slot_started"
    assert "is in the past" in response.json()["error"]["message"]
    co.clock.now = paris(2026, 6, 1, 12, 0)  # horizon: 14 days
    response = co.hold([late["id"]])
    assert response.json()["error"]["code"] == "booking_not_open"
    assert (
        "opens for booking only at 2026-06-02T00:00:00+02:00" in response.json()["error"]["message"]
    )
    assert co.occupancy(early["id"]) == co.occupancy(late["id"]) == 0
    # a basket collects every refusal
    co.clock.now = paris(2026, 6, 16, 8, 30)
    eggs = co.slot(co.seed.farm, "09:00")
    response = co.hold([early["id"], eggs["id"]], ["m-bakery", "m-farm"])
    assert response.json()["error"]["code"] == "basket_refused"
    reasons = {r["reason"] for r in response.json()["error"]["details"]["refusals"]}
    assert reasons == {"booking_closed"}


def test_unknown_and_foreign_slots_answer_404(co):
    butcher = co.slot(co.seed.butcher, "09:30")  # platform B's merchant
    own_point = co.slot(co.seed.own_point, "09:30")  # platform A's own collection point
    shared = co.slot(co.seed.shared_point, "09:30")
    for slot_id in (999_999, butcher["id"]):
        response = co.hold([slot_id])
        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"no slot {slot_id}"
    response = co.hold([own_point["id"]], headers=co.b)
    assert response.status_code == 404
    assert co.hold([shared["id"]], headers=co.b).status_code == 201  # shared points are for all


def test_release_and_its_refusals(co):
    slot = co.slot(co.seed.bakery, "09:30")
    hold = co.hold([slot["id"]]).json()
    response = co.client.delete(f"/v1/holds/{hold['id']}", headers=co.a)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert co.occupancy(slot["id"]) == 0
    again = co.client.delete(f"/v1/holds/{hold['id']}", headers=co.a)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"
    assert "it was cancelled" in again.json()["error"]["message"]
    confirmed = co.hold([slot["id"]]).json()
    co.order(at_shop_order("A-1", ["m-bakery"], confirmed["id"]))
    response = co.client.delete(f"/v1/holds/{confirmed['id']}", headers=co.a)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_confirmed"
    lapsed = co.hold([slot["id"]]).json()
    co.clock.advance(minutes=11)
    response = co.client.delete(f"/v1/holds/{lapsed['id']}", headers=co.a)
    assert response.json()["error"]["code"] == "hold_expired"


def test_confirm_hold_with_an_order(co):
    slot = co.slot(co.seed.bakery, "09:30")
    hold = co.hold([slot["id"]]).json()
    order = co.order(at_shop_order("A-1", ["m-bakery"], None)).json()
    url = f"/v1/holds/{hold['id']}/confirm"
    response = co.client.post(url, json={"order_id": order["id"]}, headers=co.a)
    assert response.status_code == 200, response.text
    confirmed = response.json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["order_id"] == order["id"]
    assert [b["status"] for b in confirmed["bookings"]] == ["confirmed"]
    # a retried confirmation is a no-op; the hold no longer expires
    again = co.client.post(url, json={"order_id": order["id"]}, headers=co.a)
    assert again.json() == confirmed
    co.clock.advance(hours=1)
    assert co.occupancy(slot["id"]) == 1
    # the order must use the hold's sites
    farm_hold = co.hold([co.slot(co.seed.farm, "09:30")["id"]]).json()
    response = co.client.post(
        f"/v1/holds/{farm_hold['id']}/confirm", json={"order_id": order["id"]}, headers=co.a
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_mismatch"
    # an unknown order, and a body that is not an order id
    missing = str(uuid.uuid4())
    response = co.client.post(
        f"/v1/holds/{farm_hold['id']}/confirm", json={"order_id": missing}, headers=co.a
    )
    assert response.json() == not_found("order", missing, "order_id")
    response = co.client.post(
        f"/v1/holds/{farm_hold['id']}/confirm", json={"order_id": "x"}, headers=co.a
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("body.order_id")


def test_other_tenants_get_404_like_unknown_ids(co):
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    order = co.order(at_shop_order("A-1", ["m-bakery"], None)).json()
    unknown = str(uuid.uuid4())
    for hold_id in (hold["id"], unknown):
        expected = not_found("hold", hold_id, "hold_id")
        assert co.client.get(f"/v1/holds/{hold_id}", headers=co.b).json() == expected
        assert co.client.delete(f"/v1/holds/{hold_id}", headers=co.b).json() == expected
        response = co.client.post(
            f"/v1/holds/{hold_id}/confirm", json={"order_id": order["id"]}, headers=co.b
        )
        assert (response.status_code, response.json()) == (404, expected)
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=co.a).json()["status"] == "held"
    # B cannot confirm its own hold with A's order either
    b_hold = co.hold([co.slot(co.seed.butcher, "09:30")["id"]], headers=co.b).json()
    response = co.client.post(
        f"/v1/holds/{b_hold['id']}/confirm", json={"order_id": order["id"]}, headers=co.b
    )
    assert response.json() == not_found("order", order["id"], "order_id")


def test_roles(co):
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    coordinator = co.make_key("coordinator", territory=TERRITORY)
    analyst = co.make_key("analyst", territory=TERRITORY)
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=coordinator).status_code == 200
    # analysts read zones, coverage and rounds, not a platform's holds
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=analyst).status_code == 403
    response = co.hold([co.slot(co.seed.bakery, "10:00")["id"]], headers=coordinator)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    response = co.client.post("/v1/holds", json={"slot_ids": [1]})
    assert response.status_code == 401
    admin = co.make_key("admin")
    response = co.hold([co.slot(co.seed.bakery, "10:00")["id"]], headers=admin)
    assert response.status_code == 403
    assert "platform keys" in response.json()["error"]["message"]
    # an admin reads a platform's hold but neither releases nor confirms it
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=admin).status_code == 200
    response = co.client.delete(f"/v1/holds/{hold['id']}", headers=admin)
    assert response.status_code == 403
    assert "platform keys" in response.json()["error"]["message"]
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=co.a).json()["status"] == "held"


def test_bad_bodies_answer_422(co):
    for body in ({}, {"slot_ids": []}, {"slot_ids": ["a"]}, {"slot_ids": [1], "extra": 1}):
        response = co.client.post(
            "/v1/holds", json=body, headers={**co.a, "Idempotency-Key": co.key()}
        )
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_input"
    response = co.hold([0])
    assert response.status_code == 422
    assert "slot_ids=[0]" in response.json()["error"]["message"]
    response = co.hold([5, 5], ["m-bakery"])
    assert "repeats a slot" in response.json()["error"]["message"]
    assert co.client.get("/v1/holds/not-a-uuid", headers=co.a).status_code == 422


def test_winter_offsets(co):
    """Holds taken in winter carry the +01:00 offset."""
    co.clock.now = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    slot = co.slot(co.seed.bakery, "14:00", dt.date(2026, 12, 2))
    hold = co.hold([slot["id"]]).json()
    assert hold["expires_at"] == "2026-12-01T09:10:00+01:00"
    assert hold["bookings"][0]["starts_at"] == "2026-12-02T14:00:00+01:00"
