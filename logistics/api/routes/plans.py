"""``/v1/plans``: plan a day as a background job, read plans, publish, lock or move a stop.

Coordinators of the territory (and administrators) plan and edit; analysts read plans and
their jobs (writes: 403); platforms do not read plans (403): they read ``/v1/schedules``.
Planning runs on the job queue (``logistics serve``'s in-process worker or ``logistics
worker``): ``POST`` answers 202 with the job to follow.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from logistics.api.auth import Principal, ReaderPrincipal, require_roles
from logistics.api.deps import SessionDep
from logistics.api.routes._responses import error_responses
from logistics.api.routes._territory import TerritoryQuery, resolve_territory
from logistics.api.schemas.common import IsoDate
from logistics.api.schemas.plans import (
    PLAN_CREATE_EXAMPLE,
    JobAccepted,
    JobOut,
    PlanCreate,
    PlanList,
    PlanOut,
    PlanSummaryOut,
    ReplanIn,
    RoundOut,
    StopOut,
    StopPatch,
    UnservedOut,
)
from logistics.errors import NotFoundError
from logistics.planning.jobs import job_status, queue_plan, queue_replan
from logistics.planning.service import (
    PlanSummary,
    get_plan,
    list_plans,
    lock_stop,
    move_stop,
    publish_plan,
)
from logistics.store.models import Role
from logistics.store.schedules import RoundView, get_plan_ref, plan_rounds
from logistics.store.territory import get_territory

router = APIRouter(prefix="/v1/plans", tags=["plans"])

Planner = Annotated[Principal, require_roles(Role.COORDINATOR)]
"""Coordinators of the territory, and administrators."""
PlanId = Annotated[
    uuid.UUID,
    Path(description="The plan's id.", examples=["3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13"]),
]
JobId = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="The planning job's id.", examples=[42])
]
StopId = Annotated[
    uuid.UUID,
    Path(description="The stop's id.", examples=["6b8d0f2a-4c6e-4a8b-9d1f-3a5c7e9b1d57"]),
]
RequestKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Optional: a retry with the same key returns the first job, queues nothing.",
        examples=["plan-champsaur-2026-06-16-1"],
    ),
]
_JOB_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _local(value: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    return None if value is None else value.astimezone(tz)


def _unserved(items: list[dict[str, Any]]) -> list[UnservedOut]:
    return [
        UnservedOut(
            order_id=str(u.get("order_id")),
            code=None if u.get("code") is None else str(u["code"]),
            reason=str(u.get("reason") or ""),
        )
        for u in items
        if isinstance(u, dict)
    ]


def _summary_fields(plan: PlanSummary, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": plan.id,
        "territory": plan.territory_id,
        "date": plan.service_date,
        "status": str(plan.status),
        "created_at": _local(plan.created_at, tz),
        "published_at": _local(plan.published_at, tz),
        "replaces_plan_id": plan.replaces_plan_id,
        "rounds_count": plan.rounds_count,
        "totals": dict(plan.totals or {}),
        "params": dict(plan.params or {}),
        "unserved": _unserved(list(plan.unserved or [])),
    }


def _round_out(r: RoundView) -> RoundOut:
    return RoundOut(
        id=r.id,
        vehicle_id=r.vehicle_id,
        vehicle=r.vehicle,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        km=round(r.distance_m / 1000, 3),
        hours=round(r.duration_s / 3600, 3),
        stops=[
            StopOut(
                id=s.id,
                seq=s.seq,
                kind=s.kind,
                eta=s.arrival,
                departure=s.departure,
                waiting_s=round(s.waiting_s),
                place=s.place,
                address=s.address,
                site_kind=s.site_kind,
                site_id=s.site_id,
                lon=s.lon,
                lat=s.lat,
                order_ids=list(s.order_ids),
                parcels=s.parcels,
                kg=s.kg,
                locked=s.locked,
            )
            for s in r.stops
        ],
    )


def plan_body(session: Any, plan_id: uuid.UUID, principal: Principal) -> PlanOut:
    """Return a plan with its rounds, or 404 when the caller may not see it."""
    ref = get_plan_ref(session, plan_id, principal.owns)
    plan = get_plan(session, plan_id)
    rounds = [_round_out(r) for r in plan_rounds(session, plan_id)]
    return PlanOut(**_summary_fields(plan, ZoneInfo(ref.timezone)), rounds=rounds)


def _job_out(session: Any, job_id: int, principal: Principal) -> JobOut:
    job = job_status(session, job_id)
    if not principal.owns(None, job.territory_id):
        raise NotFoundError(f"no planning job {job_id!r}", {"field": "job_id", "value": job_id})
    tz = ZoneInfo(get_territory(session, job.territory_id).timezone)
    return JobOut(
        job_id=job.job_id,
        kind=job.kind,
        territory=job.territory_id,
        date=job.service_date,
        status=job.status,
        progress=job.progress,
        message=job.message,
        plan_id=job.plan_id,
        source_plan_id=job.source_plan_id,
        error=job.error,
        attempts=job.attempts,
        created_at=job.created_at.astimezone(tz),
        updated_at=job.updated_at.astimezone(tz),
    )


def _accepted(response: Response, job_id: int) -> JobAccepted:
    url = f"/v1/plans/jobs/{job_id}"
    response.headers["Location"] = url
    return JobAccepted(job_id=job_id, status_url=url)


@router.post(
    "",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Plan a territory's day (a background job)",
    responses=_JOB_ERRORS,
)
def create_plan(
    body: Annotated[PlanCreate, Body(examples=[PLAN_CREATE_EXAMPLE])],
    response: Response,
    session: SessionDep,
    principal: Planner,
    request_key: RequestKey = None,
) -> JobAccepted:
    """Queue a job that plans the day's rounds and stores them as a draft plan.

    The job reads the day's home-delivery and collection-point orders and the territory's
    active vehicles, solves the rounds (pickups at the merchants after their goods are ready,
    drops in the customers' windows) and stores them; orders it cannot serve are listed with
    a reason. Follow it at `status_url`; when it succeeded, `plan_id` names the plan.
    Coordinators of the territory (and administrators) only.
    """
    principal.check_territory(body.territory)
    job_id = queue_plan(
        session,
        body.territory,
        body.date,
        body.params(),
        request_key=request_key,
        created_by=principal.name,
    )
    return _accepted(response, job_id)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="A planning job's status and progress",
    responses=error_responses(401, 403, 404, 422),
)
def read_job(job_id: JobId, session: SessionDep, principal: ReaderPrincipal) -> JobOut:
    """Return where a planning job stands.

    `queued`, `running` (with its progress), `succeeded` (with `plan_id`) or `failed` (with
    `error`).
    A job of another territory answers 404, like an unknown id.
    """
    return _job_out(session, job_id, principal)


@router.get(
    "",
    response_model=PlanList,
    summary="A territory's plans",
    responses=error_responses(401, 403, 404, 422),
)
def plans(
    session: SessionDep,
    principal: ReaderPrincipal,
    territory: TerritoryQuery = None,
    date: Annotated[
        IsoDate | None,
        Query(description="Only the plans of this service date.", examples=["2026-06-16"]),
    ] = None,
) -> PlanList:
    """List a territory's plans (of a date when given), newest first, without their rounds."""
    territory_id = resolve_territory(principal, territory)
    tz = ZoneInfo(get_territory(session, territory_id).timezone)
    found = list_plans(session, territory_id, date)
    return PlanList(
        territory=territory_id,
        date=date,
        plans=[PlanSummaryOut(**_summary_fields(p, tz)) for p in found],
    )


@router.get(
    "/{plan_id}",
    response_model=PlanOut,
    summary="A plan with its rounds",
    responses=error_responses(401, 403, 404, 422),
)
def read_plan(plan_id: PlanId, session: SessionDep, principal: ReaderPrincipal) -> PlanOut:
    """Return a plan with its rounds.

    Status, totals, unserved orders with their reasons, and the rounds with their stops and
    ETAs.
    A plan of another territory answers 404, like an unknown id.
    """
    return plan_body(session, plan_id, principal)


@router.post(
    "/{plan_id}/publish",
    response_model=PlanOut,
    summary="Publish a draft plan",
    responses=error_responses(401, 403, 404, 409, 422),
)
def publish(plan_id: PlanId, session: SessionDep, principal: Planner) -> PlanOut:
    """Publish a draft plan.

    It becomes what platforms (schedules, ETAs) and drivers see; the day's previously
    published plan becomes `superseded`.
    409 if the plan is not a draft.
    """
    get_plan_ref(session, plan_id, principal.owns)
    publish_plan(session, plan_id)
    return plan_body(session, plan_id, principal)


@router.patch(
    "/{plan_id}/stops/{stop_id}",
    response_model=PlanOut,
    summary="Lock or move a stop of a draft plan",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def edit_stop(
    plan_id: PlanId,
    stop_id: StopId,
    body: StopPatch,
    session: SessionDep,
    principal: Planner,
) -> PlanOut:
    """Lock (or unlock) a stop, or move it to a position of a round (moved stops are locked).

    A re-plan keeps locked stops on their vehicle in their order. Moving a stop to another
    round moves every stop of its orders with it; the ETAs of the changed rounds are cleared
    until the plan is re-planned. 409 if the plan is not a draft or the move would drop an
    order before its pickup; 422 for a depot stop or a position outside the round.
    """
    get_plan_ref(session, plan_id, principal.owns)
    if body.round_id is not None and body.position is not None:
        move_stop(session, plan_id, stop_id, body.round_id, body.position)
    if body.locked is not None:
        lock_stop(session, plan_id, stop_id, body.locked)
    return plan_body(session, plan_id, principal)


@router.post(
    "/{plan_id}/replan",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Re-plan around the locked stops (a background job)",
    responses=_JOB_ERRORS,
)
def replan(
    plan_id: PlanId,
    response: Response,
    session: SessionDep,
    principal: Planner,
    body: Annotated[ReplanIn | None, Body(examples=[{"time_limit_s": 5}])] = None,
    request_key: RequestKey = None,
) -> JobAccepted:
    """Queue a job that plans the day again around the locked stops.

    Locked stops stay on their vehicles in their order; the result is a new draft (the plan
    it starts from becomes `superseded`).
    409 if the plan is superseded.
    """
    get_plan_ref(session, plan_id, principal.owns)
    job_id = queue_replan(
        session,
        plan_id,
        (body or ReplanIn()).params(),
        request_key=request_key,
        created_by=principal.name,
    )
    return _accepted(response, job_id)
