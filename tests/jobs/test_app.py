import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from procrastinate import RetryStrategy
from procrastinate.jobs import Job

from logistics.errors import ConflictError, InputError
from logistics.jobs.app import JobParams, conninfo, defer_in_transaction, make_app, retry_stalled
from logistics.jobs.registry import TASK_RETRY, full_name, task, tasks
from logistics.store import migrate


def _jobs(engine, task_name):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT id, status::text AS status, attempts FROM procrastinate_jobs "
                "WHERE task_name = :t ORDER BY id"
            ),
            {"t": task_name},
        ).all()


def test_conninfo_turns_a_sqlalchemy_url_into_libpq():
    url = "postgresql+psycopg://u:p@127.0.0.1:5432/db?sslmode=disable"
    assert conninfo(url) == "postgresql://u:p@127.0.0.1:5432/db?sslmode=disable"
    with pytest.raises(InputError, match="needs PostgreSQL"):
        conninfo("sqlite:///x.db")
    with pytest.raises(InputError, match="not a SQLAlchemy URL"):
        conninfo("nope")


def test_params_check_themselves():
    with pytest.raises(InputError, match="heartbeat_s"):
        JobParams(heartbeat_s=30, stalled_after_s=20)
    with pytest.raises(InputError, match="pool_size"):
        JobParams(pool_size=1)


def test_every_task_retries_with_exponential_back_off():
    waits = []
    for attempts in range(5):  # retries made so far
        job = Job(
            id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts
        )
        before = dt.datetime.now(dt.UTC)
        decision = TASK_RETRY.get_retry_decision(exception=RuntimeError(), job=job)
        waits.append(
            None if decision is None else round((decision.retry_at - before).total_seconds())
        )
    assert waits == [5, 25, 125, 625, None]  # then it gives up
    declared = tasks()
    assert {"dispatch_webhooks", "notify_expired_holds", "retry_stalled_jobs", "prune_jobs"} <= set(
        declared
    )
    assert all(spec.retry is not None for spec in declared.values())
    app = make_app("postgresql+psycopg://x@127.0.0.1/none")
    assert app.tasks[full_name("dispatch_webhooks")].retry_strategy is TASK_RETRY
    periodic = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic[full_name("dispatch_webhooks")] == "* * * * * */10"


def test_task_names_are_unique():
    @task(name="unique-check")
    def first(context):
        return None

    with pytest.raises(ValueError, match="already used"):

        @task(name="unique-check")
        def second(context):
            return None


def test_a_failing_task_is_retried_until_it_succeeds(queue_db, clean_db):
    app = make_app(queue_db)
    calls = []

    @app.task(name="flaky", queue="test", retry=RetryStrategy(max_attempts=3))
    async def flaky(n: int) -> int:
        calls.append(n)
        if len(calls) < 3:
            raise RuntimeError(f"failure {len(calls)}")
        return n

    async def scenario():
        async with app.open_async():
            await flaky.defer_async(n=7)
            await app.run_worker_async(queues=["test"], wait=False, install_signal_handlers=False)

    asyncio.run(scenario())
    assert calls == [7, 7, 7]
    [job] = _jobs(clean_db, "flaky")
    assert (job.status, job.attempts) == ("succeeded", 3)


def test_a_task_failing_every_time_ends_failed(queue_db, clean_db):
    app = make_app(queue_db)
    calls = []

    @app.task(name="doomed", queue="test", retry=RetryStrategy(max_attempts=2))
    def doomed() -> None:
        calls.append(1)
        raise RuntimeError("always")

    async def scenario():
        async with app.open_async():
            await doomed.defer_async()
            await app.run_worker_async(queues=["test"], wait=False, install_signal_handlers=False)

    asyncio.run(scenario())
    assert len(calls) == 3  # the first run, then max_attempts=2 retries
    [job] = _jobs(clean_db, "doomed")
    assert job.status == "failed"


def test_the_job_of_a_dead_worker_is_retried(queue_db, clean_db):
    app = make_app(queue_db)
    runs = []

    @app.task(name="survivor", queue="test")
    async def survivor() -> None:
        runs.append(1)

    async def scenario():
        async with app.open_async():
            job_id = await survivor.defer_async()
            # a worker takes the job, then dies: its heartbeat stops
            dead = await app.job_manager.register_worker()
            taken = await app.job_manager.fetch_job(queues=["test"], worker_id=dead)
            assert taken.id == job_id
            await app.job_manager.update_heartbeat(dead)
            assert await retry_stalled(app.job_manager, 60) == []  # still beating
            await app.job_manager.connector.execute_query_async(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '2 minutes'"
            )
            # the periodic maintenance task finds it and puts it back in the queue
            await app.configure_task(full_name("retry_stalled_jobs"), queue="test").defer_async(
                timestamp=0
            )
            await app.run_worker_async(queues=["test"], wait=False, install_signal_handlers=False)
            return job_id

    job_id = asyncio.run(scenario())
    assert runs == [1]
    [job] = _jobs(clean_db, "survivor")
    assert (job.id, job.status, job.attempts) == (job_id, "succeeded", 2)  # taken twice
    # the one deferred on the test queue ran (the worker's scheduler also queued its own)
    statuses = {job.status for job in _jobs(clean_db, full_name("retry_stalled_jobs"))}
    assert "succeeded" in statuses


def test_defer_in_transaction_queues_only_on_commit(queue_db, db_session, clean_db):
    job_id = defer_in_transaction(db_session, "dispatch_webhooks")
    assert isinstance(job_id, int)
    db_session.rollback()
    assert _jobs(clean_db, full_name("dispatch_webhooks")) == []
    job_id = defer_in_transaction(db_session, "dispatch_webhooks")
    # its queueing lock: a second one may not wait at the same time
    with pytest.raises(ConflictError, match="already waiting"):
        defer_in_transaction(db_session, "dispatch_webhooks")
    db_session.commit()
    [job] = _jobs(clean_db, full_name("dispatch_webhooks"))
    assert (job.id, job.status) == (job_id, "todo")
    with pytest.raises(InputError, match="no task 'nope'"):
        defer_in_transaction(db_session, "nope")
    with pytest.raises(InputError, match="JSON"):
        defer_in_transaction(db_session, "prune_jobs", when=object())


def test_migration_creates_and_drops_the_queue(queue_db, clean_db):
    def objects():
        with clean_db.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM pg_class WHERE relname LIKE 'procrastinate%'), "
                    "(SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'), "
                    "(SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%')"
                )
            ).one()

    assert all(n > 0 for n in objects())
    try:
        migrate.downgrade(queue_db, "0001_initial")
        assert tuple(objects()) == (0, 0, 0)
    finally:
        migrate.upgrade(queue_db, "head")
    assert all(n > 0 for n in objects())

    async def check():
        app = make_app(queue_db)
        async with app.open_async():
            return await app.check_connection_async()

    assert asyncio.run(check())
