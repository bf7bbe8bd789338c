"""Plain views of stored plans (what the API serialises): :class:`PlanView` and its parts."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import InputError, NotFoundError

__all__ = ["PlanSummary", "PlanView", "RoundView", "StopView", "get_plan", "list_plans"]


@dataclass(frozen=True)
class StopView:
    """A stop of a round, in visiting order (``kind``: start, pickup, delivery or end)."""

    id: uuid.UUID
    seq: int
    kind: str
    arrival: dt.datetime | None
    departure: dt.datetime | None
    waiting_s: float
    load: dict[str, Any]
    order_ids: tuple[uuid.UUID, ...]
    locked: bool
    lon: float
    lat: float
    depot_id: uuid.UUID | None = None
    merchant_id: uuid.UUID | None = None
    collection_point_id: uuid.UUID | None = None
    delivery_address_id: uuid.UUID | None = None
    name: str | None = None


@dataclass(frozen=True)
class RoundView:
    """One vehicle's round: times, distance, road geometry (GeoJSON) and stops."""

    id: uuid.UUID
    vehicle_id: uuid.UUID
    vehicle_name: str
    service_date: dt.date
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    distance_m: float
    duration_s: float
    totals: dict[str, Any]
    geometry: dict[str, Any] | None
    stops: tuple[StopView, ...] = ()


@dataclass(frozen=True)
class PlanSummary:
    """A plan without its rounds: status, totals (km, hours, cost…) and unserved orders."""

    id: uuid.UUID
    territory_id: str
    service_date: dt.date
    status: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    params: dict[str, Any]
    totals: dict[str, Any]
    unserved: list[dict[str, Any]]
    rounds_count: int
    request_key: str | None = None
    job_id: int | None = None
    created_by: str | None = None
    replaces_plan_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlanView(PlanSummary):
    """A plan with its rounds and their stops."""

    rounds: tuple[RoundView, ...] = field(default=())


_PLAN_SQL = (
    "SELECT p.id, p.territory_id, p.service_date, p.status, p.created_at, p.published_at, "
    "p.params, p.totals, p.unserved, p.request_key, p.job_id, p.created_by, "
    "p.replaces_plan_id, (SELECT count(*) FROM rounds r WHERE r.plan_id = p.id) AS rounds_count "
    "FROM plans p "
)


def _summary(row: Any) -> dict[str, Any]:
    return dict(row._mapping)


def list_plans(
    session: Session, territory_id: str, service_date: dt.date | None = None
) -> list[PlanSummary]:
    """Return a territory's plans (of one date when given), newest first."""
    if service_date is not None and not isinstance(service_date, dt.date):
        raise InputError(
            f"service_date={service_date!r}; expected a date (YYYY-MM-DD)",
            {"field": "service_date", "value": repr(service_date)},
        )
    sql = _PLAN_SQL + "WHERE p.territory_id = :t"
    if service_date is not None:
        sql += " AND p.service_date = :d"
    rows = session.execute(
        sa.text(sql + " ORDER BY p.service_date DESC, p.created_at DESC, p.id"),
        {"t": territory_id, "d": service_date},
    )
    return [PlanSummary(**_summary(r)) for r in rows]


def get_plan(session: Session, plan_id: uuid.UUID) -> PlanView:
    """Return a plan with its rounds (vehicle, times, geometry) and their stops.

    Raises
    ------
    NotFoundError
        If there is no such plan.
    """
    row = session.execute(sa.text(_PLAN_SQL + "WHERE p.id = :id"), {"id": plan_id}).first()
    if row is None:
        raise NotFoundError(
            f"no plan {str(plan_id)!r}", {"field": "plan_id", "value": str(plan_id)}
        )
    stops: dict[uuid.UUID, list[StopView]] = {}
    for s in session.execute(
        sa.text(
            "SELECT s.round_id, s.id, s.seq, s.kind, s.arrival, s.departure, s.waiting_s, "
            "s.load, s.order_ids, s.locked, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, "
            "s.depot_id, s.merchant_id, s.collection_point_id, s.delivery_address_id, "
            "coalesce(d.name, m.name, c.name, a.label) AS name "
            "FROM stops s JOIN rounds r ON r.id = s.round_id "
            "LEFT JOIN depots d ON d.id = s.depot_id "
            "LEFT JOIN merchants m ON m.id = s.merchant_id "
            "LEFT JOIN collection_points c ON c.id = s.collection_point_id "
            "LEFT JOIN delivery_addresses a ON a.id = s.delivery_address_id "
            "WHERE r.plan_id = :id ORDER BY s.round_id, s.seq"
        ),
        {"id": plan_id},
    ):
        values = dict(s._mapping)
        round_id = values.pop("round_id")
        values["order_ids"] = tuple(values["order_ids"] or ())
        stops.setdefault(round_id, []).append(StopView(**values))
    rounds = tuple(
        RoundView(
            id=r.id,
            vehicle_id=r.vehicle_id,
            vehicle_name=r.vehicle_name,
            service_date=r.service_date,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            distance_m=r.distance_m,
            duration_s=r.duration_s,
            totals=r.totals,
            geometry=None if r.geometry is None else json.loads(r.geometry),
            stops=tuple(stops.get(r.id, ())),
        )
        for r in session.execute(
            sa.text(
                "SELECT r.id, r.vehicle_id, v.name AS vehicle_name, r.service_date, r.starts_at, "
                "r.ends_at, r.distance_m, r.duration_s, r.totals, ST_AsGeoJSON(r.geom) AS geometry "
                "FROM rounds r JOIN vehicles v ON v.id = r.vehicle_id WHERE r.plan_id = :id "
                "ORDER BY v.name, r.id"
            ),
            {"id": plan_id},
        )
    )
    return PlanView(**_summary(row), rounds=rounds)
