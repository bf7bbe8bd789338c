import datetime as dt
import json
import uuid
from typing import get_args

import pytest

from logistics.api.schemas.webhooks import EventType
from logistics.jobs.delivery import WebhookParams, dispatch_due
from logistics.jobs.signing import verify_signature
from logistics.jobs.testing import WebhookReceiver
from logistics.store.db import make_sessionmaker
from logistics.store.models import Platform
from logistics.store.webhooks import EVENT_TYPES, emit_event


@pytest.fixture
def platform(api_key, two_territories):
    return api_key("platform", territory="champsaur", platform="Champsaur Market")


def test_the_api_lists_every_event_type():
    assert set(get_args(EventType)) == set(EVENT_TYPES)


def test_register_read_list_delete(client, platform, api_key):
    response = client.post(
        "/v1/webhooks",
        json={"url": "https://market.example/hooks", "event_types": ["order.planned"]},
        headers=platform,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["secret_hint"] == secret[:10] + "…"
    assert created["event_types"] == ["order.planned"]
    hook_id = created["id"]
    read = client.get(f"/v1/webhooks/{hook_id}", headers=platform).json()
    assert "secret" not in read  # shown once
    assert read == {k: v for k, v in created.items() if k != "secret"}
    assert client.get("/v1/webhooks", headers=platform).json() == [read]
    # the same URL twice is a conflict; the default event types are all of them
    again = client.post(
        "/v1/webhooks", json={"url": "https://market.example/hooks"}, headers=platform
    )
    assert again.status_code == 409
    other = client.post(
        "/v1/webhooks", json={"url": "https://market.example/all"}, headers=platform
    )
    assert sorted(other.json()["event_types"]) == sorted(EVENT_TYPES)
    # another platform sees nothing of it
    rival = api_key("platform", territory="champsaur", platform="Rival Market")
    assert client.get(f"/v1/webhooks/{hook_id}", headers=rival).status_code == 404
    assert client.delete(f"/v1/webhooks/{hook_id}", headers=rival).status_code == 404
    assert client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=rival).status_code == 404
    assert client.get("/v1/webhooks", headers=rival).json() == []
    assert client.delete(f"/v1/webhooks/{hook_id}", headers=platform).status_code == 204
    assert client.get(f"/v1/webhooks/{hook_id}", headers=platform).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://market.example/x"}, "body.url"),
        ({"url": "not a url"}, "body.url"),
        ({"url": "https://m.example/x", "event_types": []}, "body.event_types"),
        ({"url": "https://m.example/x", "event_types": ["order.lost"]}, "body.event_types.0"),
    ],
)
def test_bad_webhooks_are_422(client, platform, body, field):
    response = client.post("/v1/webhooks", json=body, headers=platform)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(f"{field}: ")


def test_only_platform_keys_manage_webhooks(client, api_key, two_territories):
    for role in ("coordinator", "analyst", "admin"):
        headers = api_key(role, territory="champsaur")
        response = client.post("/v1/webhooks", json={"url": "https://m.example/x"}, headers=headers)
        assert response.status_code == 403, role
        assert client.get("/v1/webhooks", headers=headers).status_code == 403
    assert client.get("/v1/webhooks").status_code == 401


def test_delivery_log_over_http(client, platform, clean_db):
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        created = client.post(
            "/v1/webhooks",
            json={"url": receiver.url, "event_types": ["order.planned"]},
            headers=platform,
        ).json()
        factory = make_sessionmaker(clean_db)
        with factory() as session:
            platform_id = session.query(Platform).filter_by(name="Champsaur Market").one().id
            event = emit_event(
                session, platform_id, "champsaur", "order.planned", {"order_id": "o1"}
            )
            session.commit()
        start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        params = WebhookParams()
        dispatch_due(factory, params, now=start)
        log = client.get(f"/v1/webhooks/{created['id']}/deliveries", headers=platform).json()
        [pending] = log["items"]
        assert (pending["status"], pending["attempts"]) == ("pending", 1)
        assert dt.datetime.fromisoformat(pending["next_attempt_at"]) == start + dt.timedelta(
            minutes=1
        )
        dispatch_due(factory, params, now=start + dt.timedelta(minutes=1))
        _, second = receiver.wait_for(2)
    log = client.get(f"/v1/webhooks/{created['id']}/deliveries", headers=platform).json()
    assert log["total"] == 1
    [delivery] = log["items"]
    assert delivery["event_id"] == str(event)
    assert delivery["event_type"] == "order.planned"
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
    assert delivery["next_attempt_at"] is None
    assert [(a["attempt"], a["status_code"]) for a in delivery["log"]] == [(1, 500), (2, 200)]
    assert delivery["log"][0]["error"].startswith("HTTP 500")
    assert delivery["log"][1]["error"] is None
    assert all(a["duration_ms"] > 0 for a in delivery["log"])
    assert second.headers["X-Logistics-Delivery"] == delivery["id"]
    assert verify_signature(
        created["secret"],
        second.headers["X-Logistics-Timestamp"],
        second.body,
        second.headers["X-Logistics-Signature"],
        now=float(second.headers["X-Logistics-Timestamp"]),
    )
    assert json.loads(second.body)["data"] == {"order_id": "o1"}
    missing = client.get(f"/v1/webhooks/{uuid.uuid4()}/deliveries", headers=platform)
    assert missing.status_code == 404
