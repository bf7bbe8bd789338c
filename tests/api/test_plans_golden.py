"""The golden plan example of docs/examples/: plan a small day, compare with the documented plan.

``plan-day.request.json`` is posted by a coordinator on the checkout territory
(:mod:`tests.store.checkout_seed`) with one van and two orders of platform A made over HTTP
(:data:`tests.api.planned_day.AT_MAIRIE`, :data:`~tests.api.planned_day.HOME`); a queue
worker runs the job; the job's status and the plan (``GET /v1/plans/{plan_id}``) are compared
with ``plan-day.response.json``: ``{"status", "body"}`` of the POST, then ``"job"`` and
``"plan"``.

Volatile values are normalised before comparing (docs/examples/README.md): every UUID becomes
``"<uuid>"`` (an object keyed by UUIDs, such as ``merchant_shares``, gets the keys
``"<uuid 1>"``, ``"<uuid 2>"``... in the order of its values), job ids ``"<job_id>"``,
measured durations (``*_seconds``) ``"<seconds>"``, and ``created_at``, ``updated_at`` and
``published_at`` ``"<timestamp>"``.  ETAs, distances and the order of stops are compared as
they are: the van has costs per km and per hour, so the best round is unique, and the search
is bounded by ``search_limit``.  ``LOGISTICS_WRITE_EXAMPLES=1`` rewrites the response file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.api.checkout_api import start_checkout
from tests.api.planned_day import AT_MAIRIE, HOME
from tests.api.planning_jobs import empty_queue, work
from tests.store.checkout_seed import TERRITORY
from tests.store.plan_seed import ensure_vehicle

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TIMESTAMPS = {"created_at", "updated_at", "published_at"}
JOB_URL = re.compile(r"/v1/plans/jobs/\d+")


def normalise(value: Any, key: str | None = None) -> Any:
    """Replace the values that change on every run with their placeholders."""
    if isinstance(value, dict):
        if value and all(_is_uuid(k) for k in value):  # e.g. merchant_shares: by value
            ordered = sorted(value.values(), key=json.dumps)
            return {f"<uuid {i}>": normalise(v) for i, v in enumerate(ordered, 1)}
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if key == "job_id" and isinstance(value, int):
        return "<job_id>"
    if key is not None and key.endswith("_seconds") and isinstance(value, int | float):
        return "<seconds>"
    if isinstance(value, str):
        if key in TIMESTAMPS:
            assert dt.datetime.fromisoformat(value).utcoffset() is not None, value
            return "<timestamp>"
        return "<uuid>" if _is_uuid(value) else JOB_URL.sub("/v1/plans/jobs/<job_id>", value)
    return value


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@pytest.fixture
def co(client, db_session, api_key, clean_db):
    checkout = start_checkout(client, db_session, api_key)
    ensure_vehicle(db_session, TERRITORY, "Van 1")
    db_session.commit()
    empty_queue(clean_db)
    yield checkout
    empty_queue(clean_db)


def test_plan_example(co, api_key, db_url):
    for body in (AT_MAIRIE, HOME):
        assert co.order(body).status_code == 201
    coordinator = api_key("coordinator", territory=TERRITORY)
    request = json.loads((EXAMPLES / "plan-day.request.json").read_text())
    accepted = co.client.request(
        request["method"], request["path"], json=request["body"], headers=coordinator
    )
    work(db_url)
    job = co.client.get(accepted.json()["status_url"], headers=coordinator).json()
    assert job["status"] == "succeeded", job["error"]
    plan = co.client.get(f"/v1/plans/{job['plan_id']}", headers=coordinator).json()
    got = normalise(
        {"status": accepted.status_code, "body": accepted.json(), "job": job, "plan": plan}
    )
    path = EXAMPLES / "plan-day.response.json"
    if os.environ.get("LOGISTICS_WRITE_EXAMPLES") == "1":
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text())
