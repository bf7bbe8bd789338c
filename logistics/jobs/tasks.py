"""The tasks of the job queue.

Adding a task
-------------
Declare a function with :func:`~logistics.jobs.registry.task`; every worker then knows it::

    @task(name="plan_day", queue="planning", lock="plan:{territory}")  # options: see task()
    def plan_day(context: JobContext, *, territory_id: str, service_date: str) -> dict:
        with session_scope(resources(context).sessionmaker) as session:
            ...
        return {"plan_id": ...}   # kept with the job (JSON)

and queue a job from a request in the same transaction as the change that asks for it::

    job_id = defer_in_transaction(session, "plan_day", territory_id="ecrins",
                                  service_date="2026-03-03")

Arguments are JSON values.  A task that raises is retried (``retry``, default
:data:`~logistics.jobs.registry.TASK_RETRY`); a task whose worker dies is retried by
``retry_stalled_jobs``, so a task must be safe to run twice (e.g. a plan is written under a
unique key, never twice).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict
from typing import Any

from procrastinate import JobContext, RetryStrategy

from logistics.jobs.app import resources, retry_stalled
from logistics.jobs.delivery import dispatch_due
from logistics.jobs.registry import task
from logistics.store.db import session_scope
from logistics.store.webhooks import emit_expired_holds

__all__ = [
    "dispatch_webhooks",
    "notify_expired_holds",
    "plan_day",
    "prune_jobs",
    "replan",
    "retry_stalled_jobs",
]

PLANNING_RETRY = RetryStrategy(max_attempts=3, exponential_wait=5)
"""Planning jobs that crash are run again up to 3 times (after 5 s, 25 s, ~2 min)."""


@task(
    name="dispatch_webhooks",
    queue="webhooks",
    queueing_lock="dispatch_webhooks",
    cron="* * * * * */10",
)
def dispatch_webhooks(context: JobContext, timestamp: int | None = None) -> dict[str, Any]:
    """Send the webhook deliveries that are due (every 10 seconds)."""
    res = resources(context)
    report = dispatch_due(res.sessionmaker, res.params.webhooks)
    return asdict(report)


@task(
    name="notify_expired_holds",
    queue="webhooks",
    queueing_lock="notify_expired_holds",
    cron="* * * * *",
)
def notify_expired_holds(context: JobContext, timestamp: int | None = None) -> int:
    """Emit ``hold.expired`` for holds that expired unconfirmed (every minute)."""
    with session_scope(resources(context).sessionmaker) as session:
        return emit_expired_holds(session, now=dt.datetime.now(dt.UTC))


@task(
    name="retry_stalled_jobs",
    queue="maintenance",
    queueing_lock="retry_stalled_jobs",
    cron="* * * * *",
)
async def retry_stalled_jobs(context: JobContext, timestamp: int | None = None) -> list[int]:
    """Retry the jobs of workers that died (no heartbeat), every minute."""
    return await retry_stalled(context.app.job_manager, resources(context).params.stalled_after_s)


@task(name="prune_jobs", queue="maintenance", queueing_lock="prune_jobs", cron="17 3 * * *")
async def prune_jobs(context: JobContext, timestamp: int | None = None) -> None:
    """Delete finished jobs older than ``keep_jobs_hours`` (every night; failed ones stay)."""
    hours = resources(context).params.keep_jobs_hours
    await context.app.job_manager.delete_old_jobs(nb_hours=hours)


@task(name="plan_day", queue="planning", retry=PLANNING_RETRY)
def plan_day(context: JobContext, *, request_id: str) -> dict[str, Any]:
    """Plan a territory's day for a queued request (``logistics.planning.jobs.queue_plan``).

    Queued with the lock ``plan:<territory>:<date>``; the plan is stored under the request's
    key, so a retried job never stores a second plan.
    """
    from logistics.planning.jobs import run_request  # heavy (the engine): import when needed

    job_id = context.job.id if context.job is not None else None
    return run_request(resources(context).sessionmaker, uuid.UUID(request_id), job_id=job_id)


@task(name="replan", queue="planning", retry=PLANNING_RETRY)
def replan(context: JobContext, *, request_id: str) -> dict[str, Any]:
    """Re-plan a plan's day around its locked stops (``logistics.planning.jobs.queue_replan``)."""
    from logistics.planning.jobs import run_request

    job_id = context.job.id if context.job is not None else None
    return run_request(resources(context).sessionmaker, uuid.UUID(request_id), job_id=job_id)
