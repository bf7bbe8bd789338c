"""The platform's flow over HTTP, end to end: from a merchant to the order's ETA.

merchant upsert → options for a basket → hold a collection-point slot → confirm it with the
order → the coordinator's plan job (run by a real queue worker) → the platform's schedule
shows the order with its ETA and pickup time, the order reads it too, and an
``order.planned`` webhook event is queued for the platform (and for it only).
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.api.checkout_api import start_checkout
from tests.api.planning_jobs import empty_queue, work
from tests.store.checkout_seed import DAY, TERRITORY
from tests.store.plan_seed import ensure_vehicle

CHEESE = {
    "name": "Fromagerie du Drac",
    "kind": "cheese",
    "address": "Route du Drac, 05500 La Fare-en-Champsaur",
    "location": {"lon": 6.0602, "lat": 44.6671},
    "opening_hours": "Mo-Sa 08:00-19:00",
    "slot_settings": {"slot_minutes": 30, "slot_capacity": 2, "notice_minutes": 60},
}


@pytest.fixture
def co(client, db_session, api_key, clean_db):
    checkout = start_checkout(client, db_session, api_key)
    ensure_vehicle(db_session, TERRITORY, "Van 1")
    db_session.commit()
    empty_queue(clean_db)
    yield checkout
    empty_queue(clean_db)


def test_platform_flow(co, api_key, db_url):
    client = co.client
    hook = client.post(
        "/v1/webhooks",
        json={"url": "https://market.example/hooks", "event_types": ["order.planned"]},
        headers=co.a,
    )
    assert hook.status_code == 201, hook.text
    other_hook = client.post(
        "/v1/webhooks", json={"url": "https://b.example/hooks"}, headers=co.b
    ).json()
    # 1. the platform registers its merchant
    merchant = client.put("/v1/merchants/m-cheese", json=CHEESE, headers=co.a)
    assert merchant.status_code == 201, merchant.text
    # 2. options for a basket from it, collected at the shared mairie
    basket = {"merchants": ["m-cheese"], "parcels": 2, "lon": 6.0601, "lat": 44.6672}
    options = client.post(
        "/v1/options", json={**basket, "date": DAY.isoformat()}, headers=co.a
    ).json()
    mairie = next(
        p for p in options["collection_points"] if p["site"]["external_id"] == "cp-mairie"
    )
    offer = next(s for s in mairie["slots"] if s["available"] and s["starts_at"] >= f"{DAY}T14")
    # 3. hold it while the customer pays, 4. confirm it with the order
    hold = co.hold([offer["id"]], basket["merchants"])
    assert hold.status_code == 201, hold.text
    order = co.order(
        {
            "external_id": "A-2026-000777",
            "fulfilment": "collection_point",
            "collection_point": "cp-mairie",
            "lines": [{"merchant": "m-cheese", "parcels": 2, "weight_kg": 3.5}],
            "hold_id": hold.json()["id"],
        }
    )
    assert order.status_code == 201, order.text
    order = order.json()
    assert order["bookings"][0]["status"] == "confirmed" and order["planned"] is None
    # 5. the coordinator plans the day (a job, run by a worker)
    coordinator = api_key("coordinator", territory=TERRITORY)
    accepted = client.post(
        "/v1/plans",
        json={"territory": TERRITORY, "date": DAY.isoformat(), "time_limit_s": 1},
        headers=coordinator,
    )
    assert accepted.status_code == 202, accepted.text
    work(db_url)
    job = client.get(accepted.json()["status_url"], headers=coordinator).json()
    assert job["status"] == "succeeded", job["error"]
    # 6. the platform's schedule shows the order with its ETA, before the drop's slot
    schedule = client.get("/v1/schedules", params={"date": DAY.isoformat()}, headers=co.a)
    assert schedule.status_code == 200, schedule.text
    schedule = schedule.json()
    assert schedule["plan"]["id"] == job["plan_id"]
    [entry] = schedule["orders"]
    assert (entry["order_id"], entry["status"]) == (order["id"], "planned")
    assert entry["eta"] is not None and entry["round_id"] is not None
    assert entry["eta"].startswith(DAY.isoformat())
    [pickup] = entry["pickups"]
    assert pickup["merchant"] == "m-cheese" and pickup["eta"] < entry["eta"]
    assert entry["bookings"][0]["slot_id"] == offer["id"]
    assert entry["collection_point"]["external_id"] == "cp-mairie"
    read = client.get(f"/v1/orders/{order['id']}", headers=co.a).json()
    assert read["planned"]["eta"] == entry["eta"]
    # platform B's schedule is empty
    assert (
        client.get("/v1/schedules", params={"date": DAY.isoformat()}, headers=co.b).json()["orders"]
        == []
    )
    # 7. an order.planned event waits for the platform's webhook, none for platform B's
    events = co.session.execute(
        sa.text(
            "SELECT e.event_type, e.payload, e.platform_id, d.webhook_id FROM webhook_events e "
            "JOIN webhook_deliveries d ON d.event_id = e.id ORDER BY e.created_at"
        )
    ).all()
    assert [(e.event_type, e.platform_id, str(e.webhook_id)) for e in events] == [
        ("order.planned", co.seed.platform_a, hook.json()["id"])
    ]
    assert events[0].payload["order_id"] == order["id"]
    assert other_hook["id"] not in {str(e.webhook_id) for e in events}
    deliveries = client.get(f"/v1/webhooks/{hook.json()['id']}/deliveries", headers=co.a).json()
    assert [d["event_type"] for d in deliveries["items"]] == ["order.planned"]
    assert uuid.UUID(deliveries["items"][0]["id"])
