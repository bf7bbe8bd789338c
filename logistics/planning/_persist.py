"""Write a solution into the store: the plan, its rounds and stops, order statuses and events."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.planning.problem import BuiltProblem
from logistics.routing.model import Route, Solution, Unserved, Visit
from logistics.store.models import Order, Plan, Round, Stop, StopKind
from logistics.store.territory import wkb
from logistics.store.webhooks import DEFAULT_ETA_MARGIN, emit_event, eta_moved

__all__ = ["current_etas", "store_solution"]

_KINDS = {
    "start": StopKind.START,
    "pickup": StopKind.PICKUP,
    "drop": StopKind.DELIVERY,
    "end": StopKind.END,
}
_COLUMNS = {
    "depot": "depot_id",
    "merchant": "merchant_id",
    "collection_point": "collection_point_id",
    "address": "delivery_address_id",
}


def current_etas(
    session: Session, territory_id: str, service_date: dt.date
) -> dict[uuid.UUID, dt.datetime | None]:
    """Return each order's ETA in the day's current plan (published first, then newest draft)."""
    rows = session.execute(
        sa.text(
            "SELECT DISTINCT ON (u.oid) u.oid, st.arrival FROM stops st "
            "JOIN rounds r ON r.id = st.round_id JOIN plans p ON p.id = r.plan_id "
            "CROSS JOIN LATERAL unnest(st.order_ids) AS u(oid) "
            "WHERE p.territory_id = :t AND p.service_date = :d AND st.kind = 'delivery' "
            "AND p.status <> 'superseded' "
            "ORDER BY u.oid, p.status = 'published' DESC, p.created_at DESC"
        ),
        {"t": territory_id, "d": service_date},
    )
    return {oid: arrival for oid, arrival in rows}


def _geometry(built: BuiltProblem, route: Route, network: Any) -> tuple[Any, str]:
    """Return the round's line (road geometry when a network was used) and how it was drawn."""
    positions = [v.location for v in route.visits]
    if route.geometry is not None:
        return shapely.geometry.shape(route.geometry), "engine"  # type: ignore[arg-type]
    if network is not None and built.snap is not None:
        from logistics.routing.geometry import route_geometry

        try:
            line = route_geometry(network, built.snap.subset(positions))
            geom = shapely.geometry.shape(line)
            if isinstance(geom, shapely.LineString) and len(geom.coords) >= 2:
                return geom, "road"
        except Exception:
            pass
    coords = [tuple(built.lonlat[p]) for p in positions]
    if len(coords) < 2:
        coords = coords * 2
    return shapely.LineString(coords), "straight line"


def _stop_row(
    built: BuiltProblem, round_id: uuid.UUID, seq: int, visit: Visit, dims: Sequence[str]
) -> dict[str, Any]:
    kind, ident = built.key(visit.location)
    lon, lat = built.lonlat[visit.location]
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "round_id": round_id,
        "territory_id": built.day.territory_id,
        "seq": seq,
        "kind": _KINDS[visit.kind],
        "order_ids": [uuid.UUID(o) for o in visit.order_ids],
        "arrival": built.at(visit.arrival_s),
        "departure": built.at(visit.departure_s),
        "waiting_s": float(visit.waiting_s),
        "load": {d: float(q) for d, q in zip(dims, visit.load, strict=False)},
        "locked": visit.locked,
        "geom": wkb(shapely.Point(float(lon), float(lat))),
        "depot_id": None,
        "merchant_id": None,
        "collection_point_id": None,
        "delivery_address_id": None,
    }
    row[_COLUMNS[kind]] = uuid.UUID(ident)
    return row


def unserved_rows(built: BuiltProblem, solution: Solution) -> list[dict[str, str]]:
    """Return the unserved orders (engine's and refused before solving) as JSON rows."""
    items: list[Unserved] = [*built.rejected, *solution.unserved]
    return [{"order_id": u.order_id, "code": u.code, "reason": u.reason} for u in items]


def store_solution(
    session: Session,
    built: BuiltProblem,
    solution: Solution,
    *,
    params: Mapping[str, Any],
    extra_totals: Mapping[str, Any],
    request_key: str | None = None,
    job_id: int | None = None,
    created_by: str | None = None,
    replaces: uuid.UUID | None = None,
    network: Any = None,
) -> uuid.UUID:
    """Store a solution as a draft plan of the day (in the caller's transaction).

    Served orders become ``planned`` (orders of the day left unserved go back to ``received``);
    ``order.planned`` is emitted for an order planned for the first time and
    ``order.eta_changed`` when its ETA moved by more than the margin since the current plan.

    Returns
    -------
    uuid.UUID
        The new plan's id.
    """
    day = built.day
    previous = current_etas(session, day.territory_id, day.service_date)
    totals = {**asdict(solution.totals), "merchant_shares": dict(solution.merchant_shares)}
    totals.update(extra_totals)
    plan = Plan(
        id=uuid.uuid4(),
        territory_id=day.territory_id,
        service_date=day.service_date,
        params=dict(params),
        totals=totals,
        unserved=unserved_rows(built, solution),
        request_key=request_key,
        job_id=job_id,
        created_by=created_by,
        replaces_plan_id=replaces,
    )
    session.add(plan)
    session.flush()
    dims = built.problem.dimensions
    stop_rows: list[dict[str, Any]] = []
    etas: dict[str, tuple[uuid.UUID, dt.datetime]] = {}
    for route in solution.routes:
        if not any(v.kind in ("pickup", "drop") for v in route.visits):
            continue
        round_id = uuid.uuid4()
        geom, drawn = _geometry(built, route, network)
        first, last = route.visits[0], route.visits[-1]
        session.add(
            Round(
                id=round_id,
                plan_id=plan.id,
                territory_id=day.territory_id,
                vehicle_id=uuid.UUID(route.vehicle_id),
                service_date=day.service_date,
                starts_at=built.at(first.departure_s),
                ends_at=built.at(last.arrival_s),
                distance_m=float(route.distance_m),
                duration_s=float(route.duration_s),
                geom=wkb(geom),
                totals={
                    "cost": route.cost,
                    "co2_kg": route.co2_kg,
                    "km": route.distance_m / 1000,
                    "hours": route.duration_s / 3600,
                    "stops": sum(v.kind in ("pickup", "drop") for v in route.visits),
                    "orders": len(
                        {o for v in route.visits if v.kind == "drop" for o in v.order_ids}
                    ),
                    "geometry": drawn,
                },
            )
        )
        for seq, visit in enumerate(route.visits):
            row = _stop_row(built, round_id, seq, visit, dims)
            stop_rows.append(row)
            if visit.kind == "drop":
                for order_id in visit.order_ids:
                    etas[order_id] = (round_id, row["arrival"])
    session.flush()
    if stop_rows:
        session.execute(sa.insert(Stop), stop_rows)
    day_orders = [uuid.UUID(o.id) for o in built.problem.orders] + [
        uuid.UUID(u.order_id) for u in built.rejected
    ]
    served = [uuid.UUID(o) for o in etas]
    if served:
        session.execute(sa.update(Order).where(Order.id.in_(served)).values(status="planned"))
    left = sorted(set(day_orders) - set(served))
    if left:
        session.execute(
            sa.update(Order)
            .where(Order.id.in_(left), Order.status == "planned")
            .values(status="received")
        )
    _emit(session, plan.id, day.territory_id, etas, previous)
    return plan.id


def _emit(
    session: Session,
    plan_id: uuid.UUID,
    territory_id: str,
    etas: Mapping[str, tuple[uuid.UUID, dt.datetime]],
    previous: Mapping[uuid.UUID, dt.datetime | None],
) -> None:
    if not etas:
        return
    owners = session.execute(
        sa.select(Order.id, Order.platform_id, Order.external_id, Order.service_date).where(
            Order.id.in_([uuid.UUID(o) for o in etas])
        )
    ).all()
    for order_id, platform_id, external_id, service_date in owners:
        round_id, eta = etas[str(order_id)]
        payload = {
            "order_id": str(order_id),
            "external_id": external_id,
            "service_date": service_date.isoformat(),
            "plan_id": str(plan_id),
            "round_id": str(round_id),
            "eta": eta.isoformat(),
        }
        old = previous.get(order_id)
        if order_id not in previous:
            emit_event(
                session,
                platform_id,
                territory_id,
                "order.planned",
                payload,
                dedupe_key=f"order.planned:{order_id}:{plan_id}",
            )
        elif eta_moved(old, eta, DEFAULT_ETA_MARGIN):
            assert old is not None
            emit_event(
                session,
                platform_id,
                territory_id,
                "order.eta_changed",
                {**payload, "previous_eta": old.isoformat()},
                dedupe_key=f"order.eta_changed:{order_id}:{plan_id}",
            )
