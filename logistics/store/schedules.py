"""Read the stored plans as rounds, driver sheets, platform schedules and merchant pickups.

Every reader works on one plan of a territory's day, chosen by :func:`day_plan`: the published
plan of that day, or — when ``drafts`` is allowed (coordinators, and platforms before anything
is published) — the latest draft.  Times are returned in the territory's time zone.

The functions return plain frozen dataclasses; :func:`round_features` turns rounds into GeoJSON
features (RFC 7946, WGS 84, 6 decimals).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import NotFoundError

__all__ = [
    "PickupView",
    "PlanRef",
    "RoundView",
    "StopView",
    "day_plan",
    "get_plan_ref",
    "get_round",
    "merchant_pickups",
    "order_stops",
    "plan_rounds",
    "round_features",
    "sheet_rows",
]

Visible = Callable[[uuid.UUID | None, str], bool]
"""``visible(platform_id, territory_id)``: whether the caller may see an object."""


@dataclass(frozen=True)
class PlanRef:
    """A stored plan's identity and state (without its rounds)."""

    id: uuid.UUID
    territory_id: str
    service_date: dt.date
    status: str
    created_at: dt.datetime
    published_at: dt.datetime | None
    unserved: tuple[dict[str, Any], ...]
    timezone: str


@dataclass(frozen=True)
class StopView:
    """A stop of a round with its place, its orders and what is loaded or dropped there."""

    id: uuid.UUID
    round_id: uuid.UUID
    seq: int
    kind: str
    arrival: dt.datetime | None
    departure: dt.datetime | None
    waiting_s: float
    lon: float
    lat: float
    place: str | None
    address: str | None
    site_kind: str | None
    site_id: uuid.UUID | None
    order_ids: tuple[uuid.UUID, ...]
    order_refs: tuple[str, ...]
    parcels: int
    kg: float
    locked: bool
    notes: str


@dataclass(frozen=True)
class RoundView:
    """One vehicle's round of a plan, with its stops in visiting order."""

    id: uuid.UUID
    plan_id: uuid.UUID
    plan_status: str
    territory_id: str
    service_date: dt.date
    vehicle_id: uuid.UUID
    vehicle: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    distance_m: float
    duration_s: float
    geometry: dict[str, Any] | None
    stops: tuple[StopView, ...]

    @property
    def order_ids(self) -> tuple[uuid.UUID, ...]:
        """The orders dropped on this round, in drop order."""
        return tuple(o for s in self.stops if s.kind == "delivery" for o in s.order_ids)


@dataclass(frozen=True)
class PickupView:
    """A planned pickup at a merchant: when, on which round, for which orders."""

    stop_id: uuid.UUID
    round_id: uuid.UUID
    plan_id: uuid.UUID
    plan_status: str
    vehicle: str
    arrival: dt.datetime | None
    departure: dt.datetime | None
    order_refs: tuple[str, ...]
    parcels: int
    kg: float


_PLAN = (
    "SELECT p.id, p.territory_id, p.service_date, p.status, p.created_at, p.published_at, "
    "p.unserved, t.timezone FROM plans p JOIN territories t ON t.id = p.territory_id "
)


def _plan_ref(row: Any) -> PlanRef:
    tz = ZoneInfo(row.timezone)
    unserved = row.unserved if isinstance(row.unserved, list) else []
    return PlanRef(
        id=row.id,
        territory_id=row.territory_id,
        service_date=row.service_date,
        status=row.status,
        created_at=row.created_at.astimezone(tz),
        published_at=None if row.published_at is None else row.published_at.astimezone(tz),
        unserved=tuple(u for u in unserved if isinstance(u, dict)),
        timezone=row.timezone,
    )


def get_plan_ref(session: Session, plan_id: uuid.UUID, visible: Visible | None = None) -> PlanRef:
    """Return a plan's identity and state.

    Raises
    ------
    NotFoundError
        No such plan, or ``visible`` says the caller may not see its territory (same error).
    """
    row = session.execute(sa.text(_PLAN + "WHERE p.id = :id"), {"id": plan_id}).first()
    if row is None or (visible is not None and not visible(None, row.territory_id)):
        raise NotFoundError(
            f"no plan {str(plan_id)!r}", {"field": "plan_id", "value": str(plan_id)}
        )
    return _plan_ref(row)


def day_plan(
    session: Session, territory_id: str, service_date: dt.date, *, drafts: bool
) -> PlanRef | None:
    """Return the plan that stands for a territory's day, or None.

    The published plan of the day; when none is published and ``drafts`` is true, the latest
    draft (superseded plans never stand).
    """
    statuses = ["published", "draft"] if drafts else ["published"]
    row = session.execute(
        sa.text(
            _PLAN + "WHERE p.territory_id = :t AND p.service_date = :d AND p.status = ANY(:s) "
            "ORDER BY p.status = 'published' DESC, p.created_at DESC, p.id LIMIT 1"
        ),
        {"t": territory_id, "d": service_date, "s": statuses},
    ).first()
    return None if row is None else _plan_ref(row)


_STOPS = """
SELECT st.id, st.round_id, st.seq, st.kind, st.arrival, st.departure, st.waiting_s,
       ST_X(st.geom) AS lon, ST_Y(st.geom) AS lat, st.order_ids, st.locked,
       COALESCE(d.name, m.name, c.name, a.label) AS place,
       COALESCE(d.address, m.address, c.address, a.address) AS address,
       CASE WHEN st.merchant_id IS NOT NULL THEN 'merchant'
            WHEN st.collection_point_id IS NOT NULL THEN 'collection_point'
            WHEN st.delivery_address_id IS NOT NULL THEN 'delivery_address'
            WHEN st.depot_id IS NOT NULL THEN 'depot' END AS site_kind,
       COALESCE(st.merchant_id, st.collection_point_id, st.delivery_address_id, st.depot_id)
           AS site_id,
       goods.parcels, goods.kg, goods.refs, goods.windows
FROM stops st
LEFT JOIN depots d ON d.id = st.depot_id
LEFT JOIN merchants m ON m.id = st.merchant_id
LEFT JOIN collection_points c ON c.id = st.collection_point_id
LEFT JOIN delivery_addresses a ON a.id = st.delivery_address_id
LEFT JOIN LATERAL (
    SELECT sum(l.parcels)::int AS parcels, sum(l.weight_kg) AS kg,
           array_agg(DISTINCT o.external_id) AS refs,
           array_agg(DISTINCT to_char(o.window_start AT TIME ZONE :tz, 'HH24:MI') || '-' ||
                     to_char(o.window_end AT TIME ZONE :tz, 'HH24:MI'))
               FILTER (WHERE o.window_start IS NOT NULL) AS windows
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    WHERE l.order_id = ANY(st.order_ids)
      AND (st.kind <> 'pickup' OR l.merchant_id = st.merchant_id)
) goods ON true
WHERE st.round_id = ANY(:rounds)
ORDER BY st.round_id, st.seq
"""


def _notes(row: Any) -> str:
    notes = []
    if row.kind == "delivery" and row.windows:
        notes.append("customer window " + ", ".join(sorted(row.windows)))
    if row.waiting_s and row.waiting_s >= 60:
        notes.append(f"wait {round(row.waiting_s / 60)} min before service")
    if row.locked:
        notes.append("locked by the coordinator")
    return "; ".join(notes)


def _stops(session: Session, round_ids: Sequence[uuid.UUID], tz: ZoneInfo) -> list[StopView]:
    def local(value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else value.astimezone(tz)

    rows = session.execute(sa.text(_STOPS), {"rounds": list(round_ids), "tz": tz.key})
    return [
        StopView(
            id=r.id,
            round_id=r.round_id,
            seq=r.seq,
            kind=r.kind,
            arrival=local(r.arrival),
            departure=local(r.departure),
            waiting_s=float(r.waiting_s or 0),
            lon=round(float(r.lon), 6),
            lat=round(float(r.lat), 6),
            place=r.place,
            address=r.address,
            site_kind=r.site_kind,
            site_id=r.site_id,
            order_ids=tuple(r.order_ids or ()),
            order_refs=tuple(sorted(r.refs or ())),
            parcels=int(r.parcels or 0),
            kg=round(float(r.kg or 0), 3),
            locked=bool(r.locked),
            notes=_notes(r),
        )
        for r in rows
    ]


_ROUNDS = """
SELECT r.id, r.plan_id, p.status AS plan_status, r.territory_id, r.service_date, r.vehicle_id,
       v.name AS vehicle, r.starts_at, r.ends_at, r.distance_m, r.duration_s,
       ST_AsGeoJSON(r.geom, 6) AS geometry, t.timezone
FROM rounds r JOIN plans p ON p.id = r.plan_id JOIN vehicles v ON v.id = r.vehicle_id
JOIN territories t ON t.id = r.territory_id
"""


def _rounds(session: Session, where: str, params: dict[str, Any]) -> list[RoundView]:
    rows = session.execute(sa.text(_ROUNDS + where + " ORDER BY v.name, r.id"), params).all()
    if not rows:
        return []
    tz = ZoneInfo(rows[0].timezone)
    stops: dict[uuid.UUID, list[StopView]] = {}
    for stop in _stops(session, [r.id for r in rows], tz):
        stops.setdefault(stop.round_id, []).append(stop)
    return [
        RoundView(
            id=r.id,
            plan_id=r.plan_id,
            plan_status=r.plan_status,
            territory_id=r.territory_id,
            service_date=r.service_date,
            vehicle_id=r.vehicle_id,
            vehicle=r.vehicle,
            starts_at=None if r.starts_at is None else r.starts_at.astimezone(tz),
            ends_at=None if r.ends_at is None else r.ends_at.astimezone(tz),
            distance_m=float(r.distance_m or 0),
            duration_s=float(r.duration_s or 0),
            geometry=None if r.geometry is None else json.loads(r.geometry),
            stops=tuple(stops.get(r.id, ())),
        )
        for r in rows
    ]


def plan_rounds(session: Session, plan_id: uuid.UUID) -> list[RoundView]:
    """Return the rounds of a plan (by vehicle name), each with its stops in order."""
    return _rounds(session, "WHERE r.plan_id = :p", {"p": plan_id})


def get_round(session: Session, round_id: uuid.UUID, visible: Visible | None = None) -> RoundView:
    """Return one round with its stops.

    Raises
    ------
    NotFoundError
        No such round, or ``visible`` says the caller may not see its territory (same error).
    """
    found = _rounds(session, "WHERE r.id = :id", {"id": round_id})
    if not found or (visible is not None and not visible(None, found[0].territory_id)):
        raise NotFoundError(
            f"no round {str(round_id)!r}", {"field": "round_id", "value": str(round_id)}
        )
    return found[0]


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def round_features(round_: RoundView) -> list[dict[str, Any]]:
    """Return a round as GeoJSON features: its line, then one point per stop.

    The line is the stored road geometry, or the straight legs between the stops when the
    plan has none.
    """
    geometry = round_.geometry
    if geometry is None and len(round_.stops) >= 2:
        geometry = {"type": "LineString", "coordinates": [[s.lon, s.lat] for s in round_.stops]}
    km = round(round_.distance_m / 1000, 3)
    hours = round(round_.duration_s / 3600, 3)
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": str(round_.id),
            "geometry": geometry,
            "properties": {
                "feature": "round",
                "round_id": str(round_.id),
                "plan_id": str(round_.plan_id),
                "plan_status": round_.plan_status,
                "vehicle_id": str(round_.vehicle_id),
                "vehicle": round_.vehicle,
                "km": km,
                "hours": hours,
                "starts_at": _iso(round_.starts_at),
                "ends_at": _iso(round_.ends_at),
                "stops": len(round_.stops),
                "orders": len(round_.order_ids),
            },
        }
    ]
    for stop in round_.stops:
        features.append(
            {
                "type": "Feature",
                "id": str(stop.id),
                "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                "properties": {
                    "feature": "stop",
                    "stop_id": str(stop.id),
                    "round_id": str(round_.id),
                    "seq": stop.seq,
                    "kind": stop.kind,
                    "eta": _iso(stop.arrival),
                    "departure": _iso(stop.departure),
                    "waiting_s": round(stop.waiting_s),
                    "place": stop.place,
                    "address": stop.address,
                    "site_kind": stop.site_kind,
                    "site_id": None if stop.site_id is None else str(stop.site_id),
                    "order_ids": [str(o) for o in stop.order_ids],
                    "parcels": stop.parcels,
                    "kg": stop.kg,
                    "locked": stop.locked,
                },
            }
        )
    return features


SHEET_COLUMNS: tuple[str, ...] = (
    "seq",
    "kind",
    "eta",
    "departure",
    "place",
    "address",
    "orders",
    "parcels",
    "kg",
    "notes",
)
"""Columns of a driver sheet, in order."""


def sheet_rows(round_: RoundView) -> list[dict[str, Any]]:
    """Return a round's driver sheet: one row per stop (:data:`SHEET_COLUMNS`).

    Times are local ``HH:MM``; orders are the platforms' order numbers (external ids).
    """

    def hhmm(value: dt.datetime | None) -> str:
        return "" if value is None else value.strftime("%H:%M")

    return [
        {
            "seq": stop.seq,
            "kind": stop.kind,
            "eta": hhmm(stop.arrival),
            "departure": hhmm(stop.departure),
            "place": stop.place or "",
            "address": stop.address or "",
            "orders": " ".join(stop.order_refs),
            "parcels": stop.parcels if stop.kind in ("pickup", "delivery") else "",
            "kg": f"{stop.kg:g}" if stop.kind in ("pickup", "delivery") else "",
            "notes": stop.notes,
        }
        for stop in round_.stops
    ]


@dataclass(frozen=True)
class OrderStops:
    """Where one order stands in a plan: its round, drop ETA and pickup ETAs by merchant."""

    round_id: uuid.UUID
    eta: dt.datetime | None
    pickups: tuple[tuple[uuid.UUID, dt.datetime | None], ...]


def order_stops(
    session: Session, plan: PlanRef, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, OrderStops]:
    """Return the round, drop ETA and pickup ETAs of each of ``order_ids`` in ``plan``.

    Orders the plan does not serve are absent.
    """
    if not order_ids:
        return {}
    tz = ZoneInfo(plan.timezone)
    rows = session.execute(
        sa.text(
            "SELECT u.oid, st.round_id, st.kind, st.merchant_id, st.arrival FROM stops st "
            "JOIN rounds r ON r.id = st.round_id "
            "CROSS JOIN LATERAL unnest(st.order_ids) AS u(oid) "
            "WHERE r.plan_id = :p AND st.order_ids && CAST(:ids AS uuid[]) "
            "AND u.oid = ANY(:ids) AND st.kind IN ('pickup', 'delivery') ORDER BY st.seq"
        ),
        {"p": plan.id, "ids": list(order_ids)},
    )
    drops: dict[uuid.UUID, tuple[uuid.UUID, dt.datetime | None]] = {}
    pickups: dict[uuid.UUID, list[tuple[uuid.UUID, dt.datetime | None]]] = {}
    for r in rows:
        arrival = None if r.arrival is None else r.arrival.astimezone(tz)
        if r.kind == "delivery":
            drops[r.oid] = (r.round_id, arrival)
        elif r.merchant_id is not None:
            pickups.setdefault(r.oid, []).append((r.merchant_id, arrival))
    return {
        oid: OrderStops(round_id, eta, tuple(pickups.get(oid, ())))
        for oid, (round_id, eta) in drops.items()
    }


def merchant_pickups(session: Session, plan: PlanRef, merchant_id: uuid.UUID) -> list[PickupView]:
    """Return the pickup stops at a merchant in ``plan``, by arrival."""
    tz = ZoneInfo(plan.timezone)
    rows = session.execute(
        sa.text(
            "SELECT st.id, st.round_id, v.name AS vehicle, st.arrival, st.departure, "
            "goods.parcels, goods.kg, goods.refs FROM stops st "
            "JOIN rounds r ON r.id = st.round_id JOIN vehicles v ON v.id = r.vehicle_id "
            "LEFT JOIN LATERAL (SELECT sum(l.parcels)::int AS parcels, sum(l.weight_kg) AS kg, "
            "array_agg(DISTINCT o.external_id) AS refs FROM order_lines l "
            "JOIN orders o ON o.id = l.order_id WHERE l.order_id = ANY(st.order_ids) "
            "AND l.merchant_id = st.merchant_id) goods ON true "
            "WHERE r.plan_id = :p AND st.kind = 'pickup' AND st.merchant_id = :m "
            "ORDER BY st.arrival, st.id"
        ),
        {"p": plan.id, "m": merchant_id},
    )
    return [
        PickupView(
            stop_id=r.id,
            round_id=r.round_id,
            plan_id=plan.id,
            plan_status=plan.status,
            vehicle=r.vehicle,
            arrival=None if r.arrival is None else r.arrival.astimezone(tz),
            departure=None if r.departure is None else r.departure.astimezone(tz),
            order_refs=tuple(sorted(r.refs or ())),
            parcels=int(r.parcels or 0),
            kg=round(float(r.kg or 0), 3),
        )
        for r in rows
    ]
