import datetime as dt

import pytest

from logistics.store.models import Booking, BookingStatus, Platform, Slot

SAINT_BONNET = "05132"


def point_body(point, **changes):
    body = {
        "name": "Mairie de Saint-Bonnet",
        "kind": "mairie",
        "location": {"lon": point[0], "lat": point[1]},
        "opening_hours": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
    }
    return body | changes


@pytest.fixture
def keys(api_key, two_territories):
    return {
        "platform": api_key("platform", territory="champsaur", platform="Champsaur Market"),
        "other": api_key("platform", territory="champsaur", platform="Other Market"),
        "coordinator": api_key("coordinator", territory="champsaur"),
        "analyst": api_key("analyst", territory="champsaur"),
        "admin": api_key("admin"),
    }


def test_coordinators_write_shared_points_that_platforms_see(client, keys, two_territories):
    here = two_territories[SAINT_BONNET]
    response = client.put(
        "/v1/collection-points/mairie", json=point_body(here), headers=keys["coordinator"]
    )
    assert response.status_code == 201, response.text
    shared = response.json()
    assert (shared["shared"], shared["platform_id"]) == (True, None)
    assert shared["kind"] == "mairie"
    assert shared["capacity"] == 50
    assert shared["commune_code"] == SAINT_BONNET
    for who in ("platform", "other", "analyst"):
        assert client.get("/v1/collection-points/mairie", headers=keys[who]).json() == shared
    # platforms use a shared point but do not change it
    response = client.put(
        "/v1/collection-points/mairie", json=point_body(here), headers=keys["platform"]
    )
    assert response.status_code == 409
    assert "already used by a shared point" in response.json()["error"]["message"]
    response = client.delete("/v1/collection-points/mairie", headers=keys["platform"])
    assert response.status_code == 403
    assert client.delete("/v1/collection-points/mairie", headers=keys["analyst"]).status_code == 403
    assert (
        client.put(
            "/v1/collection-points/x", json=point_body(here), headers=keys["analyst"]
        ).status_code
        == 403
    )
    assert (
        client.delete("/v1/collection-points/mairie", headers=keys["coordinator"]).status_code
        == 204
    )


def test_platform_points_are_private(client, keys, two_territories):
    here = two_territories[SAINT_BONNET]
    body = point_body(here, kind="relay_shop", capacity=12, name="Relais")
    response = client.put("/v1/collection-points/relay", json=body, headers=keys["platform"])
    assert response.status_code == 201
    mine = response.json()
    assert (mine["shared"], mine["capacity"], mine["kind"]) == (False, 12, "relay_shop")
    assert client.get("/v1/collection-points/relay", headers=keys["other"]).status_code == 404
    assert client.get("/v1/collection-points/relay", headers=keys["coordinator"]).json() == mine
    # the other platform may use the same external id for its own point
    response = client.put("/v1/collection-points/relay", json=body, headers=keys["other"])
    assert response.status_code == 201
    assert response.json()["id"] != mine["id"]
    # but a shared point may not take it
    response = client.put("/v1/collection-points/relay", json=body, headers=keys["coordinator"])
    assert response.status_code == 409
    assert "already used by a platform's own point" in response.json()["error"]["message"]
    # a coordinator neither changes nor deletes a platform's point
    chosen = {"platform_id": mine["platform_id"]}
    response = client.delete(
        "/v1/collection-points/relay", params=chosen, headers=keys["coordinator"]
    )
    assert response.status_code == 403
    listed = client.get("/v1/collection-points", headers=keys["coordinator"]).json()
    assert listed["total"] == 2
    assert client.get("/v1/collection-points", headers=keys["platform"]).json()["total"] == 1
    only_shared = client.get(
        "/v1/collection-points", params={"shared": True}, headers=keys["coordinator"]
    ).json()
    assert only_shared["total"] == 0


def test_admins_need_a_territory(client, keys, two_territories):
    body = point_body(two_territories[SAINT_BONNET])
    response = client.put("/v1/collection-points/halle", json=body, headers=keys["admin"])
    assert response.status_code == 422
    assert "territory_id" in response.json()["error"]["message"]
    response = client.put(
        "/v1/collection-points/halle",
        json=body,
        params={"territory_id": "atlantis"},
        headers=keys["admin"],
    )
    assert response.status_code == 404
    response = client.put(
        "/v1/collection-points/halle",
        json=body,
        params={"territory_id": "valgo"},
        headers=keys["admin"],
    )
    assert response.status_code == 201
    assert response.json()["territory_id"] == "valgo"
    # a champsaur coordinator neither sees nor writes valgo's points
    assert client.get("/v1/collection-points/halle", headers=keys["coordinator"]).status_code == 404
    response = client.put(
        "/v1/collection-points/halle",
        json=body,
        params={"territory_id": "valgo"},
        headers=keys["coordinator"],
    )
    assert response.status_code == 404


def test_bulk_and_bad_kind(client, keys, two_territories):
    here = two_territories[SAINT_BONNET]
    items = [{"external_id": f"cp{i}", **point_body(here)} for i in range(3)]
    response = client.post("/v1/collection-points", json=items, headers=keys["coordinator"])
    assert response.status_code == 200
    assert response.json()["created"] == 3
    items[1]["kind"] = "church"
    response = client.post("/v1/collection-points", json=items, headers=keys["coordinator"])
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("body.1.kind: ")


def test_delete_refused_while_bookings_hold_slots(client, keys, two_territories, db_session):
    here = two_territories[SAINT_BONNET]
    point = client.put(
        "/v1/collection-points/mairie", json=point_body(here), headers=keys["coordinator"]
    ).json()
    start = dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC)
    slot = Slot(
        territory_id="champsaur",
        collection_point_id=point["id"],
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        capacity=2,
    )
    db_session.add(slot)
    db_session.flush()
    platform = db_session.query(Platform).filter_by(name="Champsaur Market").one()
    booking = Booking(
        territory_id="champsaur",
        platform_id=platform.id,
        slot_id=slot.id,
        hold_group=platform.id,
        status=BookingStatus.CONFIRMED,
    )
    db_session.add(booking)
    db_session.commit()
    response = client.delete("/v1/collection-points/mairie", headers=keys["coordinator"])
    assert response.status_code == 409
    assert "1 held or confirmed booking" in response.json()["error"]["message"]
    booking.status = BookingStatus.COLLECTED
    db_session.commit()
    assert (
        client.delete("/v1/collection-points/mairie", headers=keys["coordinator"]).status_code
        == 204
    )
    assert db_session.query(Slot).count() == 0
