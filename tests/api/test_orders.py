"""``/v1/orders`` over HTTP: create (idempotent, with a hold), read, list, cancel, ETA."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.api.checkout_api import at_shop_order, not_found, start_checkout
from tests.store.checkout_seed import DAY, TERRITORY, paris, plan_stop

HOME = {
    "external_id": "A-home-1",
    "fulfilment": "home_delivery",
    "service_date": "2026-06-17",
    "lines": [
        {"merchant": "m-bakery", "parcels": 1, "weight_kg": 2.5, "volume_litres": 12},
        {
            "merchant": "m-farm",
            "parcels": 2,
            "weight_kg": 6,
            "ready_at": "2026-06-17T08:00:00+02:00",
        },
    ],
    "delivery_address": {
        "lon": 6.0601,
        "lat": 44.6672,
        "address": "12 route de Gap, 05500 La Fare-en-Champsaur",
        "label": "Mme Martin",
    },
    "window": {"start": "2026-06-17T14:00:00+02:00", "end": "2026-06-17T18:00:00+02:00"},
    "required_skills": ["refrigerated"],
}


@pytest.fixture
def co(client, db_session, api_key):
    return start_checkout(client, db_session, api_key)


def test_home_delivery_order(co):
    response = co.order(HOME)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "received"
    assert order["service_date"] == "2026-06-17"
    assert order["fulfilment"] == "home_delivery"
    assert [(line["merchant"], line["parcels"]) for line in order["lines"]] == [
        ("m-bakery", 1),
        ("m-farm", 2),
    ]
    assert order["lines"][1]["ready_at"] == "2026-06-17T08:00:00+02:00"
    address = order["delivery_address"]
    assert address["commune_code"] == "05054"  # La Fare-en-Champsaur, found in PostGIS
    assert (address["lon"], address["lat"]) == pytest.approx((6.0601, 44.6672))
    assert order["window"] == HOME["window"]
    assert order["required_skills"] == ["refrigerated"]
    assert order["bookings"] == [] and order["planned"] is None
    assert co.client.get(f"/v1/orders/{order['id']}", headers=co.a).json() == order


def test_same_key_same_order_other_body_refused(co):
    first = co.order(HOME, key="order-7")
    again = co.order(HOME, key="order-7")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    changed = {**HOME, "required_skills": []}
    response = co.order(changed, key="order-7")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    # a new key for an external id already used
    response = co.order(HOME, key="order-8")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "order_exists"
    assert error["details"]["order_id"] == first.json()["id"]
    listed = co.client.get("/v1/orders", params={"date": "2026-06-17"}, headers=co.a).json()
    assert [o["id"] for o in listed["orders"]] == [first.json()["id"]]


def test_order_with_a_hold_confirms_it_atomically(co):
    slot = co.slot(co.seed.bakery, "09:30")
    hold = co.hold([slot["id"]]).json()
    response = co.order(at_shop_order("A-1", ["m-bakery"], hold["id"]))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["service_date"] == DAY.isoformat()  # from the slot
    [booking] = order["bookings"]
    assert (booking["status"], booking["order_id"], booking["hold_id"]) == (
        "confirmed",
        order["id"],
        hold["id"],
    )
    co.clock.advance(hours=2)  # a confirmed booking never lapses
    assert co.occupancy(slot["id"]) == 1
    # the hold is now used: a second order with it is refused, and nothing is written
    response = co.order(at_shop_order("A-2", ["m-bakery"], hold["id"]))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"
    listed = co.client.get("/v1/orders", params={"date": DAY.isoformat()}, headers=co.a).json()
    assert [o["external_id"] for o in listed["orders"]] == ["A-1"]


def test_order_with_a_lapsed_or_mismatched_hold_is_not_created(co):
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    body = {
        "external_id": "A-cp",
        "fulfilment": "collection_point",
        "collection_point": "cp-mairie",
        "lines": [{"merchant": "m-bakery"}],
        "hold_id": hold["id"],
    }
    response = co.order(body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "hold_mismatch"
    assert "collected at the shops of exactly the hold's merchants 'm-bakery'" in error["message"]
    co.clock.advance(minutes=10)
    response = co.order(at_shop_order("A-late", ["m-bakery"], hold["id"]))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_expired"
    listed = co.client.get("/v1/orders", params={"date": DAY.isoformat()}, headers=co.a).json()
    assert listed["orders"] == []
    # the order's day must agree with the hold's
    hold = co.hold([co.slot(co.seed.bakery, "10:00")["id"]]).json()
    response = co.order(
        {**at_shop_order("A-3", ["m-bakery"], hold["id"]), "service_date": "2026-06-20"}
    )
    assert response.json()["error"]["code"] == "service_date_mismatch"


def test_collection_point_order_with_its_hold(co):
    slot = co.slot(co.seed.shared_point, "16:00")
    hold = co.hold([slot["id"]], ["m-bakery", "m-farm"]).json()
    body = {
        "external_id": "A-cp-1",
        "fulfilment": "collection_point",
        "collection_point": "cp-mairie",
        "lines": [{"merchant": "m-bakery"}, {"merchant": "m-farm", "parcels": 3}],
        "hold_id": hold["id"],
    }
    response = co.order(body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["collection_point"] == {
        "id": str(co.seed.shared_point.id),
        "external_id": "cp-mairie",
        "name": "Mairie de Saint-Bonnet",
    }
    assert [b["site"]["external_id"] for b in order["bookings"]] == ["cp-mairie"]


def test_cancel_order_frees_its_places(co):
    bread = co.slot(co.seed.bakery, "09:30")
    eggs = co.slot(co.seed.farm, "09:30")
    hold = co.hold([bread["id"], eggs["id"]], ["m-bakery", "m-farm"]).json()
    order = co.order(at_shop_order("A-1", ["m-bakery", "m-farm"], hold["id"])).json()
    assert co.occupancy(bread["id"]) == co.occupancy(eggs["id"]) == 1
    response = co.client.post(f"/v1/orders/{order['id']}/cancel", headers=co.a)
    assert response.status_code == 200
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert {b["status"] for b in cancelled["bookings"]} == {"cancelled"}
    assert co.occupancy(bread["id"]) == co.occupancy(eggs["id"]) == 0
    again = co.client.post(f"/v1/orders/{order['id']}/cancel", headers=co.a)
    assert again.status_code == 409
    assert "already cancelled" in again.json()["error"]["message"]
    # a cancelled order cannot take a hold
    other = co.hold([bread["id"]]).json()
    response = co.client.post(
        f"/v1/holds/{other['id']}/confirm", json={"order_id": order["id"]}, headers=co.a
    )
    assert response.json()["error"]["code"] == "order_cancelled"


def test_collected_order_cannot_be_cancelled(co):
    hold = co.hold([co.slot(co.seed.bakery, "09:30")["id"]]).json()
    order = co.order(at_shop_order("A-1", ["m-bakery"], hold["id"])).json()
    co.clock.now = paris(2026, 6, 16, 9, 35)
    co.client.post(f"/v1/bookings/{order['bookings'][0]['id']}/collect", headers=co.a)
    response = co.client.post(f"/v1/orders/{order['id']}/cancel", headers=co.a)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_collected"
    assert co.client.get(f"/v1/orders/{order['id']}", headers=co.a).json()["status"] == "received"


def test_planned_eta_is_read_from_the_plan(co):
    order = co.order(HOME).json()
    plan_stop(
        co.session,
        arrival=paris(2026, 6, 17, 15, 20),
        order_ids=(uuid.UUID(order["id"]),),
        lon=6.0601,
        lat=44.6672,
    )
    planned = co.client.get(f"/v1/orders/{order['id']}", headers=co.a).json()["planned"]
    assert planned["eta"] == "2026-06-17T15:20:00+02:00"
    assert planned["plan_status"] == "draft"
    # a published plan wins over a draft
    published = plan_stop(
        co.session,
        arrival=paris(2026, 6, 17, 16, 5),
        order_ids=(uuid.UUID(order["id"]),),
        plan_status="published",
    )
    planned = co.client.get(f"/v1/orders/{order['id']}", headers=co.a).json()["planned"]
    assert (planned["plan_id"], planned["eta"]) == (str(published), "2026-06-17T16:05:00+02:00")


def test_bad_orders_answer_422_naming_the_field(co):
    cases = [
        ({**HOME, "lines": [{"merchant": "m-butcher"}]}, "lines.merchant[0]='m-butcher'"),
        ({**HOME, "delivery_address": None}, "delivery_address is missing"),
        (
            {**HOME, "delivery_address": {**HOME["delivery_address"], "lon": 2.35, "lat": 48.85}},
            "outside territory 'champsaur'",
        ),
        ({**HOME, "fulfilment": "collection_point"}, "delivery_address is given"),
        (
            {**HOME, "fulfilment": "collection_point", "delivery_address": None},
            "collection_point is missing",
        ),
        (
            {
                **HOME,
                "delivery_address": None,
                "fulfilment": "collection_point",
                "collection_point": "cp-nope",
            },
            "no collection point with external id 'cp-nope'",
        ),
        ({**HOME, "service_date": None}, "service_date is missing"),
        (
            {
                **HOME,
                "window": {
                    "start": "2026-06-17T18:00:00+02:00",
                    "end": "2026-06-17T14:00:00+02:00",
                },
            },
            "window.end",
        ),
        (
            {**HOME, "window": {"start": "2026-06-17T14:00:00", "end": "2026-06-17T18:00:00"}},
            "body.window.start",
        ),
        ({**HOME, "lines": []}, "body.lines"),
        ({**HOME, "lines": [{"merchant": "m-bakery", "parcels": 0}]}, "body.lines.0.parcels"),
        (
            {**HOME, "lines": [{"merchant": "m-bakery"}, {"merchant": "m-bakery"}]},
            "one line per merchant",
        ),
        ({**HOME, "fulfilment": "drone"}, "body.fulfilment"),
    ]
    for body, words in cases:
        response = co.order(body)
        assert response.status_code == 422, (words, response.text)
        assert words in response.json()["error"]["message"], response.json()
    assert (
        co.client.get("/v1/orders", params={"date": "2026-06-17"}, headers=co.a).json()["orders"]
        == []
    )


def test_orders_are_private_to_their_platform(co):
    order = co.order(HOME).json()
    unknown = str(uuid.uuid4())
    for order_id in (order["id"], unknown):
        expected = not_found("order", order_id, "order_id")
        response = co.client.get(f"/v1/orders/{order_id}", headers=co.b)
        assert (response.status_code, response.json()) == (404, expected)
        response = co.client.post(f"/v1/orders/{order_id}/cancel", headers=co.b)
        assert (response.status_code, response.json()) == (404, expected)
    assert (
        co.client.get("/v1/orders", params={"date": "2026-06-17"}, headers=co.b).json()["orders"]
        == []
    )
    b_order = co.order(
        {**HOME, "external_id": "B-1", "lines": [{"merchant": "m-butcher"}]}, headers=co.b
    ).json()
    coordinator = co.make_key("coordinator", territory=TERRITORY)
    listed = co.client.get("/v1/orders", params={"date": "2026-06-17"}, headers=coordinator)
    assert {o["id"] for o in listed.json()["orders"]} == {order["id"], b_order["id"]}
    assert co.client.get(f"/v1/orders/{order['id']}", headers=coordinator).status_code == 200
    assert co.order(HOME, headers=coordinator).status_code == 403
    admin = co.make_key("admin")
    response = co.client.get("/v1/orders", params={"date": "2026-06-17"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("territory: this key is bound to no")
    response = co.client.get(
        "/v1/orders", params={"date": "2026-06-17", "territory": TERRITORY}, headers=admin
    )
    assert len(response.json()["orders"]) == 2
    response = co.client.get(
        "/v1/orders", params={"date": "2026-06-17", "territory": "ecrins"}, headers=co.a
    )
    assert response.status_code == 404


def test_list_pages(co):
    ids = [co.order({**HOME, "external_id": f"A-{i}"}).json()["id"] for i in range(3)]
    page = co.client.get(
        "/v1/orders", params={"date": "2026-06-17", "limit": 2, "offset": 1}, headers=co.a
    ).json()
    assert [o["id"] for o in page["orders"]] == ids[1:]
    assert (page["limit"], page["offset"]) == (2, 1)


def test_sites_loaded_by_the_cli_keep_their_ids(co):
    """A merchant loaded from OpenStreetMap (``osm:node/…``) can be named in an order and options.

    Those ids are wider than the ones the API writes; references accept any storable id.
    """
    co.session.execute(
        sa.text("UPDATE merchants SET external_id = 'osm:node/25209105' WHERE external_id = :e"),
        {"e": "m-farm"},
    )
    co.session.commit()
    lines = [{"merchant": "osm:node/25209105", "parcels": 1}]
    response = co.order({**HOME, "lines": lines})
    assert response.status_code == 201, response.text
    assert response.json()["lines"][0]["merchant"] == "osm:node/25209105"
    params = {"merchants": ["osm:node/25209105"], "lon": 6.06, "lat": 44.667, "date": "2026-06-17"}
    response = co.client.get("/v1/options", params=params, headers=co.a)
    assert response.status_code == 200, response.text
    # text PostgreSQL cannot store is refused, naming the field (it was a 503)
    response = co.order({**HOME, "external_id": "A-\x00"})
    assert response.status_code == 422 and "body.external_id" in response.json()["error"]["message"]
