"""Planning jobs: queueing, a real worker running them, progress, idempotent retries."""

import uuid

import pytest
import sqlalchemy as sa

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.planning.jobs import job_status, queue_plan, queue_replan, run_request
from logistics.planning.service import get_plan, publish_plan
from logistics.store.db import make_sessionmaker
from logistics.store.models import Plan, PlanRequest
from tests.api.planning_jobs import empty_queue, work
from tests.planning.conftest import DAY, TERRITORY

FAST = {"time_limit_s": 2.0, "seed": 1}


@pytest.fixture
def queue(db_session, small_day, clean_db, db_url):
    """The test database URL; the queue's tables are emptied after the test."""
    yield db_url
    db_session.rollback()  # an open transaction would block the TRUNCATE
    empty_queue(clean_db)


def test_a_worker_plans_a_queued_day(db_session, queue):
    job_id = queue_plan(db_session, TERRITORY, DAY, FAST, created_by="test")
    db_session.commit()
    status = job_status(db_session, job_id)
    assert (status.status, status.progress, status.plan_id) == ("queued", 0.0, None)
    assert status.kind == "plan" and status.territory_id == TERRITORY
    lock = db_session.scalar(
        sa.text("SELECT lock FROM procrastinate_jobs WHERE id = :i"), {"i": job_id}
    )
    assert lock == f"plan:{TERRITORY}:{DAY}"
    work(queue)
    db_session.expire_all()
    status = job_status(db_session, job_id)
    assert status.status == "succeeded" and status.progress == 1.0 and status.error is None
    plan = get_plan(db_session, status.plan_id)
    assert plan.job_id == job_id and plan.created_by == "test" and plan.rounds
    assert plan.params["time_limit_s"] == 2.0


def test_queueing_twice_with_a_key_gives_the_same_job(db_session, queue):
    first = queue_plan(db_session, TERRITORY, DAY, request_key="k-1")
    db_session.commit()
    assert queue_plan(db_session, TERRITORY, DAY, request_key="k-1") == first
    assert queue_plan(db_session, TERRITORY, DAY, request_key="k-2") != first


def test_queueing_refuses_bad_input(db_session, queue):
    with pytest.raises(NotFoundError):
        queue_plan(db_session, "nowhere", DAY)
    with pytest.raises(InputError, match="accepted"):
        queue_plan(db_session, TERRITORY, DAY, {"time_limit": 3})
    with pytest.raises(InputError, match="service_date"):
        queue_plan(db_session, TERRITORY, "2025-06-03")
    with pytest.raises(NotFoundError):
        job_status(db_session, 123456)
    with pytest.raises(NotFoundError):
        queue_replan(db_session, uuid.uuid4())


def test_a_retried_run_never_stores_a_second_plan(db_session, queue, clean_db):
    job_id = queue_plan(db_session, TERRITORY, DAY, FAST)
    db_session.commit()
    request_id = db_session.scalar(sa.select(PlanRequest.id).where(PlanRequest.job_id == job_id))
    factory = make_sessionmaker(clean_db)
    first = run_request(factory, request_id, job_id=job_id)
    # the worker "died" after committing: the queue runs the job again
    second = run_request(factory, request_id, job_id=job_id)
    assert first == second and "plan_id" in first
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1


def test_a_failed_request_reports_its_error(db_session, queue, clean_db):
    job_id = queue_plan(db_session, TERRITORY, DAY, FAST)
    db_session.commit()
    # the territory disappears before the job runs: a deliberate error, not retried
    request_id = db_session.scalar(sa.select(PlanRequest.id).where(PlanRequest.job_id == job_id))
    db_session.execute(sa.update(PlanRequest).values(territory_id=TERRITORY, params={"nope": 1}))
    db_session.commit()
    result = run_request(make_sessionmaker(clean_db), request_id, job_id=job_id)
    assert "unknown planning parameter" in result["error"]
    db_session.expire_all()
    status = job_status(db_session, job_id)
    assert status.status == "failed" and "nope" in status.error


def test_replan_job_supersedes_the_plan(db_session, queue):
    job_id = queue_plan(db_session, TERRITORY, DAY, FAST)
    db_session.commit()
    work(queue)
    db_session.expire_all()
    plan_id = job_status(db_session, job_id).plan_id
    again = queue_replan(db_session, plan_id, FAST)
    db_session.commit()
    work(queue)
    db_session.expire_all()
    status = job_status(db_session, again)
    assert status.status == "succeeded" and status.source_plan_id == plan_id
    assert get_plan(db_session, plan_id).status == "superseded"
    assert get_plan(db_session, status.plan_id).replaces_plan_id == plan_id
    with pytest.raises(ConflictError, match="superseded"):
        queue_replan(db_session, plan_id)
    publish_plan(db_session, status.plan_id)
