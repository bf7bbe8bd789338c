"""The coordinator's flow over HTTP, end to end on a real PostGIS with a real queue worker.

plan job → its status → the day's rounds (GeoJSON) → lock stops → re-plan job → the locked
stops are still on their vehicle, in their order → publish → rounds served from the published
plan (analysts too) → a driver sheet.

The day is generated (20 orders, its vans) on the three Champsaur test communes, without a road
layer (straight-line travel times); the solver gets 1 second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from logistics.sample.generate import GenerateParams
from logistics.store.loaders import generate_and_store, load_communes_file
from tests.api.planning_jobs import empty_queue, work

TERRITORY = "champsaur"
DAY = dt.date(2026, 6, 16)
FAST = {"time_limit_s": 1, "seed": 0}


@pytest.fixture
def generated(db_session, test_data, data_dir, clean_db):
    load_communes_file(db_session, test_data / "communes-valid.geojson", TERRITORY)
    generate_and_store(
        db_session, TERRITORY, DAY, GenerateParams(orders=20, seed=3), data_dir=data_dir
    )
    db_session.commit()
    empty_queue(clean_db)
    yield
    empty_queue(clean_db)


def _job(client, headers, accepted, db_url):
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == job["status_url"] == f"/v1/plans/jobs/{job['job_id']}"
    queued = client.get(job["status_url"], headers=headers).json()
    assert (queued["status"], queued["plan_id"]) == ("queued", None)
    work(db_url)
    done = client.get(job["status_url"], headers=headers).json()
    assert done["status"] == "succeeded", (done["error"], done["message"], done["attempts"])
    assert done["progress"] == 1.0 and done["error"] is None
    return done


def _sequence(plan, vehicle):
    """The (kind, orders, site) of a vehicle's pickups and deliveries, in order."""
    [round_] = [r for r in plan["rounds"] if r["vehicle"] == vehicle]
    return [
        (s["kind"], tuple(s["order_ids"]), s["site_id"], s["locked"])
        for s in round_["stops"]
        if s["kind"] in ("pickup", "delivery")
    ]


def test_coordinator_flow(client, api_key, generated, db_url, db_session):
    coordinator = api_key("coordinator", territory=TERRITORY)
    analyst = api_key("analyst", territory=TERRITORY)
    # 1. plan the day as a job, follow it to its plan
    accepted = client.post(
        "/v1/plans",
        json={"territory": TERRITORY, "date": DAY.isoformat(), **FAST},
        headers=coordinator,
    )
    job = _job(client, coordinator, accepted, db_url)
    first = client.get(f"/v1/plans/{job['plan_id']}", headers=coordinator).json()
    assert first["status"] == "draft" and first["rounds"]
    assert first["params"]["time_limit_s"] == 1
    served = {o for r in first["rounds"] for s in r["stops"] for o in s["order_ids"]}
    unserved = {u["order_id"] for u in first["unserved"]}
    to_plan = db_session.execute(
        sa.text("SELECT id::text FROM orders WHERE service_date = :d AND fulfilment <> 'at_shop'"),
        {"d": DAY},
    ).scalars()
    assert served | unserved == set(to_plan) and not served & unserved  # at-shop: no round
    assert all(u["reason"] for u in first["unserved"])
    # 2. the day's rounds as GeoJSON: the draft, for the coordinator; analysts wait
    rounds = client.get("/v1/rounds", params={"date": DAY.isoformat()}, headers=coordinator)
    assert rounds.status_code == 200 and rounds.json()["plan"]["id"] == first["id"]
    lines = [f for f in rounds.json()["features"] if f["properties"]["feature"] == "round"]
    assert len(lines) == len(first["rounds"])
    assert all(f["geometry"]["type"] == "LineString" for f in lines)
    stops = [f for f in rounds.json()["features"] if f["properties"]["feature"] == "stop"]
    assert all(s["properties"]["eta"] for s in stops)
    waiting = client.get("/v1/rounds", params={"date": DAY.isoformat()}, headers=analyst)
    assert waiting.status_code == 404
    # 3. lock the first two stops of the longest round
    longest = max(first["rounds"], key=lambda r: len(r["stops"]))
    vehicle = longest["vehicle"]
    middle = [s for s in longest["stops"] if s["kind"] in ("pickup", "delivery")]
    assert len(middle) >= 2
    for stop in middle[:2]:
        locked = client.patch(
            f"/v1/plans/{first['id']}/stops/{stop['id']}",
            json={"locked": True},
            headers=coordinator,
        )
        assert locked.status_code == 200, locked.text
    kept = [seq[:3] for seq in _sequence(locked.json(), vehicle) if seq[3]]
    assert len(kept) == 2
    # 4. re-plan around them
    accepted = client.post(f"/v1/plans/{first['id']}/replan", json=FAST, headers=coordinator)
    job = _job(client, coordinator, accepted, db_url)
    assert job["kind"] == "replan" and job["source_plan_id"] == first["id"]
    second = client.get(f"/v1/plans/{job['plan_id']}", headers=coordinator).json()
    assert second["id"] != first["id"] and second["replaces_plan_id"] == first["id"]
    after = [seq[:3] for seq in _sequence(second, vehicle)]
    positions = [after.index(stop) for stop in kept]  # still on that vehicle...
    assert positions == sorted(positions)  # ...in the same order
    old = client.get(f"/v1/plans/{first['id']}", headers=coordinator).json()
    assert old["status"] == "superseded"
    # 5. publish: every reader now gets the published plan's rounds
    published = client.post(f"/v1/plans/{second['id']}/publish", headers=coordinator)
    assert published.status_code == 200 and published.json()["status"] == "published"
    for headers in (coordinator, analyst):
        day = client.get("/v1/rounds", params={"date": DAY.isoformat()}, headers=headers).json()
        assert (day["plan"]["id"], day["plan"]["status"]) == (second["id"], "published")
    # 6. the driver sheet of the vehicle's round
    [round_] = [r for r in second["rounds"] if r["vehicle"] == vehicle]
    sheet = client.get(f"/v1/rounds/{round_['id']}/sheet.csv", headers=coordinator)
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [r["kind"] for r in rows][:: len(rows) - 1] == ["start", "end"]
    assert len(rows) == len(round_["stops"])
    assert all(r["eta"] for r in rows)
