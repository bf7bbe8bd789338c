"""The job queue: a procrastinate app on the service's own PostgreSQL database.

Its tables and functions are created by the Alembic migration ``0003_api`` (``logistics db
upgrade``), not by procrastinate's CLI.  Workers (:mod:`logistics.jobs.worker`) run in
``logistics serve`` (one in-process worker) and in ``logistics worker`` (more machines).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import sqlalchemy as sa
from procrastinate import JobContext
from procrastinate.manager import JobManager
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from logistics.errors import ConflictError, InputError
from logistics.jobs.delivery import WebhookParams
from logistics.jobs.registry import NAMESPACE, full_name, make_blueprint, tasks
from logistics.store.db import make_engine, make_sessionmaker

__all__ = [
    "JobParams",
    "JobResources",
    "conninfo",
    "defer_in_transaction",
    "make_app",
    "resources",
    "retry_stalled",
]


def conninfo(database_url: str) -> str:
    """Return the libpq connection string of a SQLAlchemy URL (``postgresql+psycopg://…``).

    Raises
    ------
    InputError
        If the URL cannot be parsed or is not a PostgreSQL URL.
    """
    try:
        url = sa.make_url(database_url)
    except sa.exc.ArgumentError as exc:
        raise InputError(
            f"database URL {database_url!r} is not a SQLAlchemy URL",
            {"field": "database_url", "value": database_url},
        ) from exc
    if url.get_backend_name() != "postgresql":
        raise InputError(
            f"the job queue needs PostgreSQL; got a {url.get_backend_name()!r} URL",
            {"field": "database_url", "value": url.render_as_string(hide_password=True)},
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class JobParams:
    """Settings of the queue and its workers.

    Parameters
    ----------
    webhooks
        How webhooks are sent.
    heartbeat_s
        Seconds between a worker's heartbeats.
    stalled_after_s
        A running job whose worker has not beaten for this long is retried (its worker died).
    keep_jobs_hours
        Finished jobs are deleted after this many hours (failed ones are kept).
    pool_size
        Most database connections a worker's queue pool opens.
    """

    webhooks: WebhookParams = field(default_factory=WebhookParams)
    heartbeat_s: float = 10.0
    stalled_after_s: float = 60.0
    keep_jobs_hours: int = 72
    pool_size: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.heartbeat_s < self.stalled_after_s:
            raise InputError(
                f"heartbeat_s = {self.heartbeat_s} and stalled_after_s = "
                f"{self.stalled_after_s}: expected 0 < heartbeat_s < stalled_after_s, or live "
                "workers would look dead",
                {"field": "stalled_after_s", "value": self.stalled_after_s},
            )
        if self.keep_jobs_hours < 1 or self.pool_size < 2:
            raise InputError(
                f"keep_jobs_hours = {self.keep_jobs_hours} (>= 1) and pool_size = "
                f"{self.pool_size} (>= 2: one connection listens for new jobs)",
                {"field": "pool_size", "value": self.pool_size},
            )


class JobResources:
    """What tasks use: the store's session factory and the queue's settings.

    One per app; reached from a task with :func:`resources`.
    """

    def __init__(self, database_url: str, params: JobParams) -> None:
        self.database_url = database_url
        self.params = params
        self.engine = make_engine(database_url)  # connects on first use only
        self.sessionmaker: sessionmaker[Session] = make_sessionmaker(self.engine)

    def close(self) -> None:
        """Close the store's connections."""
        self.engine.dispose()


def make_app(database_url: str, params: JobParams | None = None) -> procrastinate.App:
    """Build the queue app on the database at ``database_url``, with every declared task.

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the service's database (``LOGISTICS_DATABASE_URL``).
    params
        Queue and worker settings (defaults: :class:`JobParams`).

    Returns
    -------
    procrastinate.App
        Not opened: use ``async with app.open_async()`` (workers) or ``with app.open()``.
        ``app.logistics_resources`` holds the :class:`JobResources` its tasks use.
    """
    params = params or JobParams()
    shared = JobResources(database_url, params)
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=params.pool_size
    )
    app = procrastinate.App(
        connector=connector,
        worker_defaults={
            "additional_context": {"resources": shared},
            "update_heartbeat_interval": params.heartbeat_s,
            "stalled_worker_timeout": params.stalled_after_s,
        },
    )
    app.add_tasks_from(make_blueprint(), namespace=NAMESPACE)
    app.logistics_resources = shared  # type: ignore[attr-defined]
    return app


def resources(context: JobContext) -> JobResources:
    """Return the resources of the app running a task (its first argument, ``context``)."""
    found = context.additional_context.get("resources")
    if not isinstance(found, JobResources):
        raise RuntimeError(
            "this job runs on a worker without logistics resources; start workers with "
            "logistics.jobs.worker (or `logistics worker`)"
        )
    return found


def defer_in_transaction(
    session: Session, name: str, *, lock: str | None = None, **task_kwargs: Any
) -> int:
    """Queue a job for task ``name`` in the caller's transaction.

    The job exists (and workers are notified) only if the caller commits: a request that fails
    after this call leaves no job behind, and a committed change always has its job.

    Parameters
    ----------
    session
        The session of the change (the caller commits).
    name
        A task declared with :func:`logistics.jobs.registry.task`; its queue and locks apply.
    lock
        This job's lock instead of the task's (e.g. one per territory and date): jobs with the
        same lock never run at the same time.
    **task_kwargs
        The job's arguments (JSON values).

    Returns
    -------
    int
        The job id.

    Raises
    ------
    InputError
        Unknown task, or arguments that are not JSON.
    ConflictError
        A job with the task's queueing lock is already waiting.
    """
    spec = tasks().get(name)
    if spec is None:
        raise InputError(
            f"no task {name!r}; declared tasks: {', '.join(sorted(tasks()))}",
            {"field": "task", "value": name},
        )
    try:
        args = json.dumps(task_kwargs)
    except TypeError as exc:
        raise InputError(
            f"arguments of task {name!r} must be JSON values ({exc})",
            {"field": "task_kwargs", "value": repr(task_kwargs)},
        ) from exc
    # procrastinate's own (versioned) SQL function, as its defer does.
    stmt = sa.text(
        "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :qlock, "
        "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))"
    ).bindparams(
        queue=spec.queue,
        task=full_name(name),
        lock=lock if lock is not None else spec.lock,
        qlock=spec.queueing_lock,
        args=args,
    )
    try:
        with session.begin_nested():
            return int(session.execute(stmt).scalar_one())
    except IntegrityError as exc:
        raise ConflictError(
            f"a {name!r} job is already waiting (queueing lock {spec.queueing_lock!r})",
            {"field": "task", "value": name},
        ) from exc


async def retry_stalled(job_manager: JobManager, stalled_after_s: float) -> list[int]:
    """Put back in the queue the running jobs whose worker stopped beating (it died).

    Returns
    -------
    list of int
        Ids of the jobs retried.
    """
    stalled = await job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s)
    retried = []
    for job in stalled:
        await job_manager.retry_job(job)
        assert job.id is not None
        retried.append(job.id)
    return retried
