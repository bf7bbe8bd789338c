"""Planning as background jobs: queue a plan or a re-plan, read a job's status and progress.

``queue_plan`` writes a :class:`~logistics.store.models.PlanRequest` (its parameters and a
request key) and queues a ``plan_day`` job for it in the caller's transaction.  The task
(:mod:`logistics.jobs.tasks`) calls :func:`logistics.planning.service.plan_day` with the
request's key, so a job retried after its worker died returns the plan it already stored
instead of storing a second one; jobs of the same territory and date never run at once (a
procrastinate lock ``plan:<territory>:<date>``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from logistics.config import Settings
from logistics.errors import InputError, LogisticsError, NotFoundError, SetupError
from logistics.jobs.app import defer_in_transaction
from logistics.store.models import Plan, PlanRequest, PlanRequestStatus, PlanStatus, Territory

__all__ = ["JobStatusView", "job_status", "queue_plan", "queue_replan", "run_request"]


@dataclass(frozen=True)
class JobStatusView:
    """Where a planning job stands.

    ``status`` is ``queued``, ``running``, ``succeeded`` or ``failed``; ``progress`` goes from
    0 to 1 with a ``message``; ``plan_id`` is set once the plan is stored; ``error`` says why a
    job failed (or why its last run failed, while it is retried).
    """

    job_id: int
    kind: str
    territory_id: str
    service_date: dt.date
    status: str
    progress: float
    message: str | None
    plan_id: uuid.UUID | None
    error: str | None
    attempts: int
    source_plan_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _params(params: Any) -> dict[str, Any]:
    # The service (and the engine behind it) is imported only when used: the API and the
    # workers start without loading OR-Tools.
    from logistics.planning.service import params_from_json, params_to_json

    if params is None or isinstance(params, Mapping):
        return params_to_json(params_from_json(params))
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        return params_to_json(params)  # type: ignore[arg-type]
    raise InputError(
        f"params={params!r}; expected solver parameters or a JSON object of them",
        {"field": "params", "value": repr(params)},
    )


def _request(
    session: Session,
    *,
    kind: str,
    task: str,
    territory_id: str,
    service_date: dt.date,
    params: Any,
    request_key: str | None,
    created_by: str | None,
    source_plan_id: uuid.UUID | None = None,
) -> int:
    values = _params(params)
    if request_key is not None:
        if not isinstance(request_key, str) or not 1 <= len(request_key) <= 200:
            raise InputError(
                f"request_key={request_key!r}; expected text of 1 to 200 characters",
                {"field": "request_key", "value": repr(request_key)},
            )
        known = session.scalar(
            sa.select(PlanRequest).where(
                PlanRequest.territory_id == territory_id, PlanRequest.request_key == request_key
            )
        )
        if known is not None and known.job_id is not None:
            return known.job_id
    request = PlanRequest(
        id=uuid.uuid4(),
        territory_id=territory_id,
        service_date=service_date,
        kind=kind,
        request_key=request_key or f"{kind}:{uuid.uuid4()}",
        source_plan_id=source_plan_id,
        params=values,
        created_by=created_by,
    )
    session.add(request)
    session.flush()
    job_id = defer_in_transaction(
        session, task, lock=f"plan:{territory_id}:{service_date}", request_id=str(request.id)
    )
    request.job_id = job_id
    session.flush()
    return job_id


def queue_plan(
    session: Session,
    territory_id: str,
    service_date: dt.date,
    params: Any = None,
    *,
    request_key: str | None = None,
    created_by: str | None = None,
) -> int:
    """Queue a job planning a territory's day (in the caller's transaction).

    Parameters
    ----------
    params
        Solver parameters: a ``Params``, a JSON object of its fields, or None (defaults).
    request_key
        Optional idempotency key: queueing again with the same key returns the first job.

    Returns
    -------
    int
        The job id (read its progress with :func:`job_status`).

    Raises
    ------
    NotFoundError
        Unknown territory.
    InputError
        Bad date, parameters or key.
    """
    if not isinstance(service_date, dt.date) or isinstance(service_date, dt.datetime):
        raise InputError(
            f"service_date={service_date!r}; expected a date (YYYY-MM-DD)",
            {"field": "service_date", "value": repr(service_date)},
        )
    if session.get(Territory, territory_id) is None:
        raise NotFoundError(
            f"no territory {territory_id!r}", {"field": "territory", "value": territory_id}
        )
    return _request(
        session,
        kind="plan",
        task="plan_day",
        territory_id=territory_id,
        service_date=service_date,
        params=params,
        request_key=request_key,
        created_by=created_by,
    )


def queue_replan(
    session: Session,
    plan_id: uuid.UUID,
    params: Any = None,
    *,
    request_key: str | None = None,
    created_by: str | None = None,
) -> int:
    """Queue a job re-planning a plan's day around its locked stops.

    Returns
    -------
    int
        The job id.

    Raises
    ------
    NotFoundError
        Unknown plan.
    ConflictError
        The plan is superseded (checked again when the job runs).
    """
    from logistics.errors import ConflictError

    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFoundError(
            f"no plan {str(plan_id)!r}", {"field": "plan_id", "value": str(plan_id)}
        )
    if plan.status == PlanStatus.SUPERSEDED:
        raise ConflictError(
            f"plan {plan.id} is superseded: re-plan the day's current plan instead",
            {"field": "status", "value": plan.status.value, "accepted": ["draft", "published"]},
        )
    return _request(
        session,
        kind="replan",
        task="replan",
        territory_id=plan.territory_id,
        service_date=plan.service_date,
        params=params,
        request_key=request_key,
        created_by=created_by,
        source_plan_id=plan.id,
    )


_STATUS = {
    "todo": "queued",
    "doing": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "failed",
    "aborting": "running",
    "aborted": "failed",
}


def job_status(session: Session, job_id: int) -> JobStatusView:
    """Return a planning job's status, progress, plan and error.

    Raises
    ------
    NotFoundError
        If no planning job has this id.
    """
    row = session.execute(
        sa.text(
            "SELECT r.job_id, r.kind, r.territory_id, r.service_date, r.status AS request_status, "
            "r.progress, r.message, r.plan_id, r.error, r.source_plan_id, r.created_at, "
            "r.updated_at, j.status AS job_status, coalesce(j.attempts, 0) AS attempts "
            "FROM plan_requests r LEFT JOIN procrastinate_jobs j ON j.id = r.job_id "
            "WHERE r.job_id = :id"
        ),
        {"id": job_id},
    ).first()
    if row is None:
        raise NotFoundError(f"no planning job {job_id!r}", {"field": "job_id", "value": job_id})
    status = str(row.request_status)
    if status not in ("succeeded", "failed"):
        status = _STATUS.get(str(row.job_status), "queued")
    return JobStatusView(
        job_id=row.job_id,
        kind=row.kind,
        territory_id=row.territory_id,
        service_date=row.service_date,
        status=status,
        progress=float(row.progress),
        message=row.message,
        plan_id=row.plan_id,
        error=row.error,
        attempts=int(row.attempts),
        source_plan_id=row.source_plan_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _update(factory: sessionmaker[Session], request_id: uuid.UUID, **values: Any) -> None:
    """Write a request's progress in its own short transaction (visible while planning runs)."""
    with factory() as session, session.begin():
        session.execute(
            sa.update(PlanRequest)
            .where(PlanRequest.id == request_id)
            .values(updated_at=sa.func.now(), **values)
        )


def run_request(
    factory: sessionmaker[Session],
    request_id: uuid.UUID,
    *,
    job_id: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Run a queued planning request (what the ``plan_day`` and ``replan`` tasks do).

    The plan is stored under the request's key, in the same transaction as the request's
    outcome: a run that dies before committing leaves nothing, a retried run that finds the
    plan returns it.  Deliberate errors (bad input, unknown or superseded plan) mark the request
    failed and are not retried; anything else is re-raised so that the queue retries it.

    Returns
    -------
    dict
        ``{"plan_id": ...}`` or ``{"error": ...}`` (kept with the job).
    """
    from logistics.planning import service
    from logistics.planning.service import params_from_json

    with factory() as session:
        request = session.get(PlanRequest, request_id)
        if request is None:
            raise NotFoundError(
                f"no planning request {request_id}",
                {"field": "request_id", "value": str(request_id)},
            )
        kind, key = request.kind, request.request_key
        territory_id, service_date = request.territory_id, request.service_date
        source, raw = request.source_plan_id, dict(request.params)
        created_by = request.created_by
    _update(factory, request_id, status=PlanRequestStatus.RUNNING, progress=0.0, error=None)

    def progress(share: float, message: str) -> None:
        _update(factory, request_id, progress=min(max(share, 0.0), 1.0), message=message)

    try:
        with factory() as session, session.begin():
            params = params_from_json(raw)
            if kind == "replan":
                if source is None:
                    raise NotFoundError("the plan to re-plan was deleted", {"field": "plan_id"})
                plan_id = service.replan(
                    session,
                    source,
                    params,
                    request_key=key,
                    progress=progress,
                    job_id=job_id,
                    created_by=created_by,
                    settings=settings,
                )
            else:
                plan_id = service.plan_day(
                    session,
                    territory_id,
                    service_date,
                    params,
                    request_key=key,
                    progress=progress,
                    job_id=job_id,
                    created_by=created_by,
                    settings=settings,
                )
            session.execute(
                sa.update(PlanRequest)
                .where(PlanRequest.id == request_id)
                .values(
                    status=PlanRequestStatus.SUCCEEDED,
                    plan_id=plan_id,
                    progress=1.0,
                    message="done",
                    error=None,
                    updated_at=sa.func.now(),
                )
            )
    except LogisticsError as exc:
        if isinstance(exc, SetupError):
            _update(factory, request_id, error=exc.message)
            raise
        _update(factory, request_id, status=PlanRequestStatus.FAILED, error=exc.message)
        return {"error": exc.message}
    except Exception as exc:
        _update(factory, request_id, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    return {"plan_id": str(plan_id)}
