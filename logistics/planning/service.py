"""Plan a territory's day and edit plans: the functions the API, the jobs and the CLI call.

Every function takes an open SQLAlchemy session and leaves committing to the caller.

Life of a plan
--------------
``plan_day`` (or ``replan``) stores a **draft**; ``publish_plan`` makes it **published** and the
day's previously published plan **superseded**; ``replan`` supersedes the plan it starts from.
Drafts can be edited (``lock_stop``, ``move_stop``); published and superseded plans cannot
(:class:`~logistics.errors.ConflictError` naming the state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from logistics.config import Settings
from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.planning._persist import store_solution
from logistics.planning.inputs import read_day
from logistics.planning.problem import BuiltProblem, build_problem, network_for
from logistics.planning.views import PlanSummary, PlanView, get_plan, list_plans
from logistics.routing.model import Lock, StopRef
from logistics.store.models import Plan, PlanStatus, Round, Stop, StopKind

if TYPE_CHECKING:
    from logistics.routing.solve import Params

__all__ = [
    "PlanSummary",
    "PlanView",
    "Progress",
    "get_plan",
    "list_plans",
    "lock_stop",
    "move_stop",
    "params_from_json",
    "params_to_json",
    "plan_day",
    "publish_plan",
    "replan",
]

Progress = Callable[[float, str], None]


def _no_progress(share: float, message: str) -> None:
    return None


def params_to_json(params: Params) -> dict[str, Any]:
    """Return solver parameters as JSON values (stored with the plan, sent to jobs)."""
    return dataclasses.asdict(params)


def params_from_json(data: Mapping[str, Any] | None) -> Params:
    """Build solver parameters from JSON values (unknown fields are refused).

    Raises
    ------
    InputError
        An unknown field (the message lists the accepted ones) or a bad value.
    """
    from logistics.routing.solve import Params

    data = dict(data or {})
    accepted = {f.name: f for f in dataclasses.fields(Params)}
    unknown = sorted(set(data) - set(accepted))
    if unknown:
        raise InputError(
            f"unknown planning parameter(s) {unknown}; accepted: {sorted(accepted)}",
            {"field": unknown[0], "value": data[unknown[0]], "accepted": sorted(accepted)},
        )
    defaults = Params()
    for name, value in list(data.items()):
        current = getattr(defaults, name)
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            try:
                data[name] = dataclasses.replace(current, **value)  # type: ignore[type-var]
            except TypeError as exc:
                raise InputError(
                    f"planning parameter {name}={value!r}: {exc}",
                    {"field": name, "value": value},
                ) from exc
    try:
        return Params(**data)
    except TypeError as exc:
        raise InputError(f"planning parameters {data!r}: {exc}", {"field": "params"}) from exc


def _check_params(params: Params | None) -> Params:
    from logistics.routing.solve import Params

    if params is None:
        return Params()
    if not isinstance(params, Params):
        raise InputError(
            f"params={params!r}; expected logistics.routing.solve.Params",
            {"field": "params", "value": repr(params)},
        )
    return params


def _existing(session: Session, territory_id: str, request_key: str | None) -> uuid.UUID | None:
    if request_key is None:
        return None
    return session.scalar(
        sa.select(Plan.id).where(Plan.territory_id == territory_id, Plan.request_key == request_key)
    )


def _check_key(request_key: str | None) -> None:
    if request_key is not None and not (
        isinstance(request_key, str) and 1 <= len(request_key) <= 200 and "\x00" not in request_key
    ):
        raise InputError(
            f"request_key={request_key!r}; expected text of 1 to 200 characters",
            {"field": "request_key", "value": repr(request_key)},
        )


def _solve_and_store(
    session: Session,
    built: BuiltProblem,
    params: Params,
    *,
    network: Any,
    request_key: str | None,
    job_id: int | None,
    created_by: str | None,
    replaces: uuid.UUID | None,
    progress: Progress,
) -> uuid.UUID:
    from logistics.routing.solve import solve

    progress(
        0.3, f"solving {len(built.problem.orders)} orders, {len(built.problem.vehicles)} vehicles"
    )
    started = time.perf_counter()
    solution = solve(built.problem, params)
    solve_s = time.perf_counter() - started
    progress(0.9, "storing the rounds")
    extra = {
        "orders": len(built.problem.orders) + len(built.rejected),
        "matrix_seconds": round(built.matrix_seconds, 3),
        "solve_seconds": round(solve_s, 3),
        "matrix": built.matrix_method,
        "solver_status": solution.status,
        "far_from_roads": [k for k, _ in built.far],
    }
    try:
        with session.begin_nested():
            plan_id = store_solution(
                session,
                built,
                solution,
                params=params_to_json(params),
                extra_totals=extra,
                request_key=request_key,
                job_id=job_id,
                created_by=created_by,
                replaces=replaces,
                network=network,
            )
    except IntegrityError:
        # Another run stored a plan under the same key meanwhile: that one is the plan.
        found = _existing(session, built.day.territory_id, request_key)
        if found is None:
            raise
        return found
    progress(1.0, "done")
    return plan_id


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings()


def plan_day(
    session: Session,
    territory_id: str,
    service_date: dt.date,
    params: Params | None = None,
    *,
    request_key: str | None = None,
    progress: Progress | None = None,
    job_id: int | None = None,
    created_by: str | None = None,
    settings: Settings | None = None,
) -> uuid.UUID:
    """Plan a territory's day and store the result as a draft plan.

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id, service_date
        The day to plan: its home-delivery and collection-point orders, its active vehicles.
    params
        Solver parameters (default ``Params()``).
    request_key
        Idempotency key: when a plan of the territory was stored under it, its id is returned
        and nothing is solved or stored again.
    progress
        Called with (share done 0..1, message) as planning goes.
    job_id, created_by
        Recorded with the plan.
    settings
        Where the road layers and their cache are (default: from the environment).

    Returns
    -------
    uuid.UUID
        The plan id.

    Raises
    ------
    InputError
        Bad parameters or date.
    NotFoundError
        Unknown territory.
    """
    if not isinstance(service_date, dt.date) or isinstance(service_date, dt.datetime):
        raise InputError(
            f"service_date={service_date!r}; expected a date (YYYY-MM-DD)",
            {"field": "service_date", "value": repr(service_date)},
        )
    _check_key(request_key)
    report = progress or _no_progress
    found = _existing(session, territory_id, request_key)
    if found is not None:
        report(1.0, "already planned under this request key")
        return found
    params = _check_params(params)
    report(0.0, "reading the day")
    day = read_day(session, territory_id, service_date)
    cfg = _settings(settings)
    report(0.1, "road matrix")
    network = network_for(territory_id, cfg.data_dir, cfg.cache_dir)
    built = build_problem(day, network)
    return _solve_and_store(
        session,
        built,
        params,
        network=network,
        request_key=request_key,
        job_id=job_id,
        created_by=created_by,
        replaces=None,
        progress=report,
    )


def _plan_for_update(session: Session, plan_id: uuid.UUID) -> Plan:
    if not isinstance(plan_id, uuid.UUID):
        raise InputError(
            f"plan_id={plan_id!r}; expected a UUID", {"field": "plan_id", "value": repr(plan_id)}
        )
    plan = session.scalar(sa.select(Plan).where(Plan.id == plan_id).with_for_update())
    if plan is None:
        raise NotFoundError(
            f"no plan {str(plan_id)!r}", {"field": "plan_id", "value": str(plan_id)}
        )
    return plan


def _require_draft(plan: Plan, action: str) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ConflictError(
            f"plan {plan.id} is {plan.status.value}: only a draft plan can be edited ({action}); "
            "re-plan it to get a new draft",
            {"field": "status", "value": plan.status.value, "accepted": ["draft"]},
        )


def _locks(session: Session, plan_id: uuid.UUID, built: BuiltProblem) -> tuple[Lock, ...]:
    """Return the plan's locked stops as locks on the new problem (same vehicle, same order)."""
    orders = {o.id: o for o in built.problem.orders}
    rows = session.execute(
        sa.select(Round.vehicle_id, Stop.kind, Stop.order_ids, Stop.merchant_id)
        .join(Round, Round.id == Stop.round_id)
        .where(Round.plan_id == plan_id, Stop.locked)
        .order_by(Round.vehicle_id, Stop.seq)
    ).all()
    refs: dict[str, list[StopRef]] = {}
    for vehicle_id, kind, order_ids, merchant_id in rows:
        for oid in order_ids:
            order = orders.get(str(oid))
            if order is None:
                continue  # cancelled or no longer plannable: nothing to keep
            if kind == StopKind.DELIVERY:
                refs.setdefault(str(vehicle_id), []).append(StopRef(order.id))
            elif kind == StopKind.PICKUP:
                sites = [p.site for p in order.pickups]
                if str(merchant_id) in sites:
                    refs.setdefault(str(vehicle_id), []).append(
                        StopRef(order.id, sites.index(str(merchant_id)))
                    )
    vehicles = {v.id for v in built.problem.vehicles}
    return tuple(Lock(v, tuple(r)) for v, r in refs.items() if v in vehicles)


def replan(
    session: Session,
    plan_id: uuid.UUID,
    params: Params | None = None,
    *,
    request_key: str | None = None,
    progress: Progress | None = None,
    job_id: int | None = None,
    created_by: str | None = None,
    settings: Settings | None = None,
) -> uuid.UUID:
    """Re-plan a plan's day around its locked stops; the old plan becomes superseded.

    The day's orders are read again (new orders are inserted, cancelled ones dropped); each
    locked stop stays on its vehicle, in the same relative order.

    Returns
    -------
    uuid.UUID
        The new draft plan's id (the existing one when ``request_key`` was used before).

    Raises
    ------
    NotFoundError
        Unknown plan.
    ConflictError
        The plan is already superseded.
    InputError
        Bad parameters.
    """
    _check_key(request_key)
    params = _check_params(params)
    report = progress or _no_progress
    plan = _plan_for_update(session, plan_id)
    found = _existing(session, plan.territory_id, request_key)
    if found is not None:
        report(1.0, "already re-planned under this request key")
        return found
    if plan.status == PlanStatus.SUPERSEDED:
        raise ConflictError(
            f"plan {plan.id} is superseded: re-plan the day's current plan instead",
            {"field": "status", "value": plan.status.value, "accepted": ["draft", "published"]},
        )
    report(0.0, "reading the day")
    day = read_day(session, plan.territory_id, plan.service_date)
    cfg = _settings(settings)
    report(0.1, "road matrix")
    network = network_for(plan.territory_id, cfg.data_dir, cfg.cache_dir)
    built = build_problem(day, network)
    locks = _locks(session, plan.id, built)
    built = dataclasses.replace(built, problem=dataclasses.replace(built.problem, locks=locks))
    new_id = _solve_and_store(
        session,
        built,
        params,
        network=network,
        request_key=request_key,
        job_id=job_id,
        created_by=created_by,
        replaces=plan.id,
        progress=report,
    )
    if new_id != plan.id:
        plan.status = PlanStatus.SUPERSEDED
        session.flush()
    return new_id


def _stop_of(session: Session, plan_id: uuid.UUID, stop_id: uuid.UUID) -> Stop:
    stop = session.scalar(
        sa.select(Stop)
        .join(Round, Round.id == Stop.round_id)
        .where(Stop.id == stop_id, Round.plan_id == plan_id)
    )
    if stop is None:
        raise NotFoundError(
            f"plan {plan_id} has no stop {str(stop_id)!r}",
            {"field": "stop_id", "value": str(stop_id)},
        )
    if stop.kind in (StopKind.START, StopKind.END):
        raise InputError(
            f"stop {stop_id} is the depot {stop.kind.value} of its round; only pickups and "
            "deliveries can be locked or moved",
            {"field": "stop_id", "value": str(stop_id), "accepted": ["pickup", "delivery"]},
        )
    return stop


def lock_stop(
    session: Session, plan_id: uuid.UUID, stop_id: uuid.UUID, locked: bool = True
) -> None:
    """Lock (or unlock) a stop of a draft plan: re-planning keeps it on its vehicle, in order.

    Raises
    ------
    NotFoundError
        Unknown plan, or a stop of another plan.
    ConflictError
        The plan is published or superseded.
    InputError
        The stop is a depot start or end.
    """
    plan = _plan_for_update(session, plan_id)
    _require_draft(plan, "lock a stop")
    stop = _stop_of(session, plan_id, stop_id)
    stop.locked = bool(locked)
    session.flush()


def _check_precedence(stops: list[Stop], round_id: uuid.UUID) -> None:
    """Refuse an order of a round whose delivery comes before one of its pickups."""
    delivered: dict[uuid.UUID, int] = {}
    for i, s in enumerate(stops):
        if s.kind == StopKind.DELIVERY:
            for o in s.order_ids:
                delivered[o] = i
    for i, s in enumerate(stops):
        if s.kind == StopKind.PICKUP:
            for o in s.order_ids:
                if o in delivered and delivered[o] < i:
                    raise ConflictError(
                        f"this move puts the delivery of order {o} before its pickup at stop "
                        f"{s.id} on round {round_id}; move the pickup first",
                        {"field": "position", "value": i},
                    )


def _group(stops: list[Stop], stop: Stop) -> list[Stop]:
    """Return the stops of a round that serve the orders of ``stop`` (transitively)."""
    orders = set(stop.order_ids)
    while True:
        group = [s for s in stops if set(s.order_ids) & orders]
        grown = {o for s in group for o in s.order_ids}
        if grown == orders:
            return group
        orders = grown


def _resequence(session: Session, round_id: uuid.UUID, middle: list[Stop]) -> None:
    """Write the round's stops in order: its depot start, ``middle``, its depot end."""
    ends = session.scalars(
        sa.select(Stop)
        .where(Stop.round_id == round_id, Stop.kind.in_([StopKind.START, StopKind.END]))
        .order_by(Stop.seq)
    ).all()
    start = [s for s in ends if s.kind == StopKind.START]
    end = [s for s in ends if s.kind == StopKind.END]
    ordered = [*start, *middle, *end]
    # Two passes so that the unique (round_id, seq) never sees two stops on one number.
    session.execute(
        sa.update(Stop)
        .where(Stop.round_id == round_id)
        .values(seq=-Stop.seq - 1)
        .execution_options(synchronize_session="fetch")
    )
    for seq, s in enumerate(ordered):
        s.round_id = round_id
        s.seq = seq
    session.flush()


def move_stop(
    session: Session, plan_id: uuid.UUID, stop_id: uuid.UUID, round_id: uuid.UUID, position: int
) -> None:
    """Move a stop of a draft plan to ``position`` of a round, and lock it.

    ``position`` counts the round's pickups and deliveries from 0 (the depot start and end do
    not count).  Within its round the stop alone moves, and a delivery may not come before one
    of its order's pickups.  To another round, the stop moves with every stop of its orders
    (pickups and delivery, in their order), since one vehicle carries an order from its pickups
    to its drop.  Moved stops are locked; the ETAs of the rounds changed are cleared until the
    plan is re-planned (``replan``), which recomputes them around the locked stops.

    Raises
    ------
    NotFoundError
        Unknown plan, stop or round of this plan.
    ConflictError
        The plan is not a draft, or the move would deliver an order before picking it up.
    InputError
        A position outside ``0..n`` or a depot stop.
    """
    plan = _plan_for_update(session, plan_id)
    _require_draft(plan, "move a stop")
    stop = _stop_of(session, plan_id, stop_id)
    target = session.scalar(sa.select(Round).where(Round.id == round_id, Round.plan_id == plan_id))
    if target is None:
        raise NotFoundError(
            f"plan {plan_id} has no round {str(round_id)!r}",
            {"field": "round_id", "value": str(round_id)},
        )

    def middle(rid: uuid.UUID) -> list[Stop]:
        return list(
            session.scalars(
                sa.select(Stop)
                .where(Stop.round_id == rid, Stop.kind.in_([StopKind.PICKUP, StopKind.DELIVERY]))
                .order_by(Stop.seq)
            )
        )

    source_id = stop.round_id
    source = middle(source_id)
    moving = [stop] if source_id == round_id else _group(source, stop)
    rest = [s for s in (source if source_id == round_id else middle(round_id)) if s not in moving]
    if not isinstance(position, int) or not 0 <= position <= len(rest):
        raise InputError(
            f"position={position!r}; expected 0 to {len(rest)} (stops of the round, depot "
            "excluded, counted from 0)",
            {"field": "position", "value": position, "accepted": [0, len(rest)]},
        )
    placed = rest[:position] + moving + rest[position:]
    _check_precedence(placed, round_id)
    if source_id != round_id:
        _resequence(session, source_id, [s for s in source if s not in moving])
    _resequence(session, round_id, placed)
    for s in moving:
        s.locked = True
    changed = [source_id, round_id]
    session.execute(
        sa.update(Stop)
        .where(Stop.round_id.in_(changed), Stop.kind != StopKind.START)
        .values(arrival=None, departure=None)
    )
    totals = dict(plan.totals or {})
    totals["edited"] = True
    plan.totals = totals
    session.flush()


def publish_plan(session: Session, plan_id: uuid.UUID) -> None:
    """Publish a draft plan; the day's previously published plan becomes superseded.

    Raises
    ------
    NotFoundError
        Unknown plan.
    ConflictError
        The plan is not a draft.
    """
    plan = _plan_for_update(session, plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise ConflictError(
            f"plan {plan.id} is {plan.status.value}: only a draft plan can be published",
            {"field": "status", "value": plan.status.value, "accepted": ["draft"]},
        )
    session.execute(
        sa.update(Plan)
        .where(
            Plan.territory_id == plan.territory_id,
            Plan.service_date == plan.service_date,
            Plan.status == PlanStatus.PUBLISHED,
            Plan.id != plan.id,
        )
        .values(status=PlanStatus.SUPERSEDED)
    )
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = dt.datetime.now(dt.UTC)
    session.flush()
