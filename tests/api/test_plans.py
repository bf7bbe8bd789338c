"""``/v1/plans`` over HTTP on stored plans: list, read, publish, lock and move stops, jobs.

Plans here are stored rows (:mod:`tests.store.plan_seed`); planning jobs that run the solver
are exercised by ``test_coordinator_flow.py`` and ``test_platform_flow.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from logistics.store.models import PlanRequest
from tests.api.planned_day import START, planned_day
from tests.api.planning_jobs import empty_queue, work
from tests.store.checkout_seed import DAY, TERRITORY
from tests.store.plan_seed import store_round


@pytest.fixture
def day(client, db_session, api_key):
    return planned_day(client, db_session, api_key)


def _plan(day, plan_id, headers=None):
    return day.co.client.get(f"/v1/plans/{plan_id}", headers=headers or day.coordinator)


def test_list_and_read_plans(day):
    client = day.co.client
    listed = client.get("/v1/plans", params={"date": DAY.isoformat()}, headers=day.analyst)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["territory"], body["date"]) == (TERRITORY, DAY.isoformat())
    [summary] = body["plans"]
    assert (summary["id"], summary["status"], summary["rounds_count"]) == (
        str(day.stored.plan_id),
        "draft",
        1,
    )
    assert (
        client.get("/v1/plans", params={"date": "2026-06-17"}, headers=day.analyst).json()["plans"]
        == []
    )
    plan = _plan(day, day.stored.plan_id, day.analyst).json()
    [round_] = plan["rounds"]
    assert round_["id"] == str(day.stored.round_id) and round_["vehicle"] == "Van 1"
    assert [s["kind"] for s in round_["stops"]][::7] == ["start", "end"]
    drop = round_["stops"][4]
    assert drop["eta"] == f"{DAY}T09:00:00+02:00"
    assert drop["order_ids"] == [day.orders["A-100"]["id"]]
    offset = dt.datetime.fromisoformat(plan["created_at"]).utcoffset()
    assert offset in (dt.timedelta(hours=1), dt.timedelta(hours=2))  # the territory's time


def test_unserved_orders_come_with_their_reason(day):
    order = day.orders["A-101"]["id"]
    stored = store_round(
        day.co.session,
        TERRITORY,
        DAY,
        [day.orders["A-100"]["id"]],
        START,
        unserved=[{"order_id": order, "code": "time_window", "reason": "window closes at 08:30"}],
    )
    plan = _plan(day, stored.plan_id).json()
    assert plan["unserved"] == [
        {"order_id": order, "code": "time_window", "reason": "window closes at 08:30"}
    ]


def test_read_errors(day):
    client = day.co.client
    unknown = _plan(day, uuid.uuid4())
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"]["field"] == "plan_id"
    assert client.get("/v1/plans/nope", headers=day.coordinator).status_code == 422
    assert _plan(day, day.stored.plan_id, day.co.a).status_code == 403  # platforms: schedules
    bad = client.get("/v1/plans", params={"date": "16-06-2026"}, headers=day.coordinator)
    assert bad.status_code == 422 and "query.date" in bad.json()["error"]["message"]
    other = client.get("/v1/plans", params={"territory": "valgo"}, headers=day.coordinator)
    assert other.status_code == 404


def test_publish(day):
    client = day.co.client
    url = f"/v1/plans/{day.stored.plan_id}/publish"
    assert client.post(url, headers=day.analyst).status_code == 403
    published = client.post(url, headers=day.coordinator)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert published.json()["published_at"] is not None
    again = client.post(url, headers=day.coordinator)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    # publishing a newer draft supersedes the first one
    newer = store_round(day.co.session, TERRITORY, DAY, [day.orders["A-101"]["id"]], START)
    assert (
        client.post(f"/v1/plans/{newer.plan_id}/publish", headers=day.coordinator).json()["status"]
        == "published"
    )
    assert _plan(day, day.stored.plan_id).json()["status"] == "superseded"
    rounds = client.get("/v1/rounds", params={"date": DAY.isoformat()}, headers=day.analyst)
    assert rounds.json()["plan"]["id"] == str(newer.plan_id)


def _patch(day, stop_id, body, plan_id=None, headers=None):
    return day.co.client.patch(
        f"/v1/plans/{plan_id or day.stored.plan_id}/stops/{stop_id}",
        json=body,
        headers=headers or day.coordinator,
    )


def test_lock_and_unlock_a_stop(day):
    stop = day.stored.stop_ids[4]
    locked = _patch(day, stop, {"locked": True})
    assert locked.status_code == 200, locked.text
    stops = locked.json()["rounds"][0]["stops"]
    assert [s["locked"] for s in stops] == [False] * 4 + [True] + [False] * 3
    assert _patch(day, stop, {"locked": False}).json()["rounds"][0]["stops"][4]["locked"] is False
    assert _patch(day, stop, {"locked": True}, headers=day.analyst).status_code == 403


def test_move_a_stop(day):
    stop = day.stored.stop_ids[6]  # B-200's drop, last before the depot
    moved = _patch(day, stop, {"round_id": str(day.stored.round_id), "position": 3})
    assert moved.status_code == 200, moved.text
    stops = moved.json()["rounds"][0]["stops"]
    assert stops[4]["id"] == str(stop) and stops[4]["locked"] is True
    assert stops[4]["eta"] is None  # until re-planned


def test_stop_edit_errors(day):
    stop = day.stored.stop_ids[1]
    empty = _patch(day, stop, {})
    assert empty.status_code == 422 and "locked" in empty.json()["error"]["message"]
    half = _patch(day, stop, {"position": 1})
    assert half.status_code == 422
    assert _patch(day, uuid.uuid4(), {"locked": True}).status_code == 404
    depot = _patch(day, day.stored.stop_ids[0], {"locked": True})
    assert depot.status_code == 422 and depot.json()["error"]["details"]["field"] == "stop_id"
    far = _patch(day, stop, {"round_id": str(day.stored.round_id), "position": 99})
    assert far.status_code == 422 and "position" in far.json()["error"]["message"]
    other_round = _patch(day, stop, {"round_id": str(uuid.uuid4()), "position": 0})
    assert other_round.status_code == 404
    # a drop before its pickup
    drop = day.stored.stop_ids[4]
    early = _patch(day, drop, {"round_id": str(day.stored.round_id), "position": 0})
    assert early.status_code == 409
    # a published plan is no longer edited
    day.publish()
    assert _patch(day, stop, {"locked": True}).status_code == 409


def test_job_status(day):
    request = PlanRequest(
        territory_id=TERRITORY,
        service_date=DAY,
        kind="plan",
        request_key="test",
        job_id=2**40,
        status="failed",
        progress=0.1,
        error="no active vehicle in territory 'champsaur'",
    )
    day.co.session.add(request)
    day.co.session.commit()
    client = day.co.client
    job = client.get(f"/v1/plans/jobs/{2**40}", headers=day.analyst)
    assert job.status_code == 200, job.text
    body = job.json()
    assert (body["status"], body["territory"], body["date"]) == ("failed", TERRITORY, str(DAY))
    assert body["error"] == "no active vehicle in territory 'champsaur'" and body["plan_id"] is None
    assert client.get("/v1/plans/jobs/7", headers=day.coordinator).status_code == 404
    assert client.get("/v1/plans/jobs/seven", headers=day.coordinator).status_code == 422
    assert client.get(f"/v1/plans/jobs/{2**40}", headers=day.co.a).status_code == 403


def test_plan_request_errors(day):
    client = day.co.client

    def post(body, headers=None):
        return client.post("/v1/plans", json=body, headers=headers or day.coordinator)

    bad_date = post({"territory": TERRITORY, "date": "2026-13-01"})
    assert bad_date.status_code == 422 and "body.date" in bad_date.json()["error"]["message"]
    zero = post({"territory": TERRITORY, "date": "2026-06-16", "time_limit_s": 0})
    assert zero.status_code == 422 and "body.time_limit_s" in zero.json()["error"]["message"]
    unknown = post({"territory": TERRITORY, "date": "2026-06-16", "speed": "max"})
    assert unknown.status_code == 422 and "speed" in unknown.json()["error"]["message"]
    assert post({"territory": "valgo", "date": "2026-06-16"}).status_code == 404
    assert post({"territory": TERRITORY, "date": "2026-06-16"}, day.analyst).status_code == 403
    assert post({"territory": TERRITORY, "date": "2026-06-16"}, day.co.a).status_code == 403
    # nothing was queued
    count = day.co.session.execute(sa.text("SELECT count(*) FROM plan_requests")).scalar_one()
    assert count == 0


@pytest.fixture
def queue(clean_db):
    empty_queue(clean_db)
    yield
    empty_queue(clean_db)


def test_a_job_that_cannot_plan_fails_with_its_reason(day, queue, db_url):
    # a re-plan is queued, then its plan is superseded before a worker runs it
    client = day.co.client
    accepted = client.post(
        f"/v1/plans/{day.stored.plan_id}/replan",
        json={"time_limit_s": 1},
        headers=day.coordinator,
    )
    assert accepted.status_code == 202, accepted.text
    day.publish()
    newer = store_round(day.co.session, TERRITORY, DAY, [day.orders["A-101"]["id"]], START)
    client.post(f"/v1/plans/{newer.plan_id}/publish", headers=day.coordinator)
    work(db_url)
    job = client.get(accepted.json()["status_url"], headers=day.analyst).json()
    assert (job["status"], job["plan_id"]) == ("failed", None)
    assert "superseded" in job["error"]
    plans = client.get("/v1/plans", headers=day.coordinator).json()["plans"]
    assert len(plans) == 2  # nothing more was written


def test_plan_jobs_are_idempotent_with_a_key(day, queue):
    client = day.co.client
    body = {"territory": TERRITORY, "date": DAY.isoformat()}
    headers = {**day.coordinator, "Idempotency-Key": "plan-tuesday"}
    first = client.post("/v1/plans", json=body, headers=headers).json()
    again = client.post("/v1/plans", json=body, headers=headers).json()
    assert first == again
    other = client.post("/v1/plans", json=body, headers=day.coordinator).json()
    assert other["job_id"] != first["job_id"]


def test_replan_errors(day, queue):
    client = day.co.client
    newer = store_round(day.co.session, TERRITORY, DAY, [day.orders["A-101"]["id"]], START)
    day.publish()
    client.post(f"/v1/plans/{newer.plan_id}/publish", headers=day.coordinator)
    superseded = client.post(
        f"/v1/plans/{day.stored.plan_id}/replan", json={}, headers=day.coordinator
    )
    assert superseded.status_code == 409
    assert "superseded" in superseded.json()["error"]["message"]
    missing = client.post(f"/v1/plans/{uuid.uuid4()}/replan", headers=day.coordinator)
    assert missing.status_code == 404
    bad = client.post(
        f"/v1/plans/{newer.plan_id}/replan", json={"seed": -1}, headers=day.coordinator
    )
    assert bad.status_code == 422 and "body.seed" in bad.json()["error"]["message"]
    assert client.post(f"/v1/plans/{newer.plan_id}/replan", headers=day.analyst).status_code == 403
    accepted = client.post(f"/v1/plans/{newer.plan_id}/replan", headers=day.coordinator)
    assert accepted.status_code == 202, accepted.text
    job = client.get(accepted.json()["status_url"], headers=day.coordinator).json()
    assert (job["kind"], job["source_plan_id"], job["status"]) == (
        "replan",
        str(newer.plan_id),
        "queued",
    )
