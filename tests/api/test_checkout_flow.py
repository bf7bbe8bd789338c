"""The platform's checkout flow over HTTP, end to end on a real PostGIS.

options → hold (the basket at a collection point) → order with the hold → read the order →
a plan drops the goods (ETA, later slots only) → cancel → the place is free again.
"""

from __future__ import annotations

import uuid

import pytest

from tests.api.checkout_api import start_checkout
from tests.store.checkout_seed import DAY, paris, plan_stop


@pytest.fixture
def co(client, db_session, api_key):
    return start_checkout(client, db_session, api_key, capacity=1)


def test_checkout_flow(co):
    basket = {"merchants": ["m-bakery", "m-farm"], "parcels": 3, "lon": 6.0601, "lat": 44.6672}
    # 1. options for the basket, for tomorrow
    options = co.client.post(
        "/v1/options", json={**basket, "date": DAY.isoformat()}, headers=co.a
    ).json()
    assert [s["site"]["external_id"] for s in options["at_shop"]] == ["m-bakery", "m-farm"]
    mairie = next(
        p for p in options["collection_points"] if p["site"]["external_id"] == "cp-mairie"
    )
    offer = next(s for s in mairie["slots"] if s["starts_at"] >= f"{DAY}T14:00")
    assert (offer["available"], offer["occupancy"], offer["capacity"]) == (True, 0, 1)
    # 2. hold it while the customer pays (a retry of the same request is harmless)
    key = str(uuid.uuid4())
    hold = co.hold([offer["id"]], basket["merchants"], key=key)
    assert hold.status_code == 201
    assert co.hold([offer["id"]], basket["merchants"], key=key).json() == hold.json()
    hold = hold.json()
    # the place is taken: another customer is told why
    other = co.hold([offer["id"]], headers=co.b)
    assert other.json()["error"]["code"] == "slot_full"
    # 3. the payment succeeded: create the order with the hold
    co.clock.advance(minutes=4)
    order = co.order(
        {
            "external_id": "A-2026-000123",
            "fulfilment": "collection_point",
            "collection_point": "cp-mairie",
            "lines": [
                {"merchant": "m-bakery", "parcels": 1, "weight_kg": 1.2},
                {"merchant": "m-farm", "parcels": 2, "weight_kg": 7.5, "volume_litres": 20},
            ],
            "hold_id": hold["id"],
        }
    )
    assert order.status_code == 201, order.text
    order = order.json()
    assert order["service_date"] == DAY.isoformat()
    [booking] = order["bookings"]
    assert (booking["status"], booking["slot_id"]) == ("confirmed", offer["id"])
    # 4. long after the hold's ten minutes, the booking holds
    co.clock.advance(hours=3)
    assert co.client.get(f"/v1/holds/{hold['id']}", headers=co.a).json()["status"] == "confirmed"
    listed = co.client.get(
        "/v1/slots",
        params={"site": "collection_point:cp-mairie", "date": DAY.isoformat()},
        headers=co.a,
    ).json()["slots"]
    assert next(s for s in listed if s["id"] == offer["id"])["reason"] == "full"
    # 5. the coordinator's plan drops the goods at 11:10: the order gets its ETA, and the
    #    point's slots of that day open only from 11:25
    plan_stop(
        co.session,
        arrival=paris(2026, 6, 16, 11, 10),
        collection_point_id=co.seed.shared_point.id,
        order_ids=(uuid.UUID(order["id"]),),
    )
    read = co.client.get(f"/v1/orders/{order['id']}", headers=co.a).json()
    assert read["planned"]["eta"] == "2026-06-16T11:10:00+02:00"
    options = co.client.get(
        "/v1/options", params={**basket, "date": DAY.isoformat(), "limit": 50}, headers=co.a
    ).json()
    mairie = next(
        p for p in options["collection_points"] if p["site"]["external_id"] == "cp-mairie"
    )
    open_now = sorted(s["starts_at"][11:16] for s in mairie["slots"] if s["available"])
    assert open_now[0] == "11:30"
    # 6. the customer cancels: the place is free again for everyone
    cancelled = co.client.post(f"/v1/orders/{order['id']}/cancel", headers=co.a).json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["bookings"][0]["status"] == "cancelled"
    assert co.occupancy(offer["id"]) == 0
