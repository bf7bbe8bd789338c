"""Read a day into :class:`~logistics.planning.problem.DayInput`: from the store or a generated day.

Both readers produce the same records, so the store path (``plan_day``) and the database-free
path (``benchmarks/plan_day.py``) build their problems with the same code.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import NotFoundError
from logistics.planning.problem import (
    PLANNED_FULFILMENTS,
    DayInput,
    LineInput,
    OrderInput,
    SiteInput,
    VehicleInput,
)
from logistics.sample.day import Day
from logistics.store.models import Territory

__all__ = ["day_input", "read_day"]

SAMPLE_SERVICE_MINUTES = 5
"""Minutes at a generated merchant or collection point (the store's default ``service_minutes``)."""


def read_day(session: Session, territory_id: str, service_date: dt.date) -> DayInput:
    """Read a territory's day from the store: active vehicles, and the orders to deliver.

    Orders collected at the shop, cancelled or delivered are left out.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFoundError(
            f"no territory {territory_id!r}", {"field": "territory", "value": territory_id}
        )
    params = {"t": territory_id, "d": service_date, "f": list(PLANNED_FULFILMENTS)}
    orders = session.execute(
        sa.text(
            "SELECT id, platform_id, fulfilment, delivery_address_id, collection_point_id, "
            "window_start, window_end, required_skills FROM orders WHERE territory_id = :t "
            "AND service_date = :d AND fulfilment = ANY(:f) "
            "AND status NOT IN ('cancelled', 'delivered') ORDER BY created_at, id"
        ),
        params,
    ).all()
    ids = [o.id for o in orders]
    lines: dict[uuid.UUID, list[LineInput]] = {}
    for row in session.execute(
        sa.text(
            "SELECT order_id, merchant_id, weight_kg, volume_litres, parcels, ready_at "
            "FROM order_lines WHERE order_id = ANY(:ids) ORDER BY order_id, merchant_id, id"
        ),
        {"ids": ids},
    ):
        lines.setdefault(row.order_id, []).append(
            LineInput(
                str(row.merchant_id), row.weight_kg, row.volume_litres, row.parcels, row.ready_at
            )
        )
    merchant_ids = sorted({line.merchant_id for ls in lines.values() for line in ls})
    point_ids = sorted({str(o.collection_point_id) for o in orders if o.collection_point_id})
    address_ids = sorted({str(o.delivery_address_id) for o in orders if o.delivery_address_id})

    def sites(table: str, wanted: list[str]) -> dict[str, SiteInput]:
        rows = session.execute(
            sa.text(
                f"SELECT id, name, opening_hours, service_minutes, ST_X(geom) AS lon, "
                f"ST_Y(geom) AS lat FROM {table} WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": wanted},
        )
        return {
            str(r.id): SiteInput(
                str(r.id), r.lon, r.lat, r.opening_hours, r.service_minutes * 60, r.name
            )
            for r in rows
        }

    addresses = {
        str(r.id): (r.lon, r.lat)
        for r in session.execute(
            sa.text(
                "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM delivery_addresses "
                "WHERE id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": address_ids},
        )
    }
    vehicles = session.execute(
        sa.text(
            "SELECT id, name, depot_id, capacity_kg, capacity_litres, capacity_parcels, "
            "shift_start, shift_end, max_duration_minutes, cost_per_km, cost_per_hour, "
            "fixed_cost, skills FROM vehicles WHERE territory_id = :t AND active ORDER BY name"
        ),
        params,
    ).all()
    depots = {
        str(r.id): (r.lon, r.lat)
        for r in session.execute(
            sa.text(
                "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM depots "
                "WHERE territory_id = :t"
            ),
            params,
        )
    }
    return DayInput(
        territory_id=territory_id,
        service_date=service_date,
        timezone=territory.timezone,
        depots=depots,
        merchants=sites("merchants", merchant_ids),
        collection_points=sites("collection_points", point_ids),
        addresses=addresses,
        vehicles=tuple(
            VehicleInput(
                id=str(v.id),
                depot_id=str(v.depot_id),
                capacity=(v.capacity_kg, v.capacity_litres, float(v.capacity_parcels)),
                shift_start=v.shift_start,
                shift_end=v.shift_end,
                max_duration_minutes=v.max_duration_minutes,
                cost_per_km=v.cost_per_km,
                cost_per_hour=v.cost_per_hour,
                fixed_cost=v.fixed_cost,
                skills=frozenset(v.skills),
                name=v.name,
            )
            for v in vehicles
        ),
        orders=tuple(
            OrderInput(
                id=str(o.id),
                fulfilment=o.fulfilment,
                lines=tuple(lines.get(o.id, ())),
                address_id=None if o.delivery_address_id is None else str(o.delivery_address_id),
                collection_point_id=(
                    None if o.collection_point_id is None else str(o.collection_point_id)
                ),
                window=None if o.window_start is None else (o.window_start, o.window_end),
                skills=frozenset(o.required_skills),
                platform_id=str(o.platform_id),
            )
            for o in orders
        ),
    )


def day_input(day: Day, territory_id: str = "sample") -> DayInput:
    """Return the records of a generated day (ids are the day's external ids and names).

    Merchants and collection points get :data:`SAMPLE_SERVICE_MINUTES` of service, as when the
    day is stored with the store's defaults.
    """
    service_s = SAMPLE_SERVICE_MINUTES * 60
    return DayInput(
        territory_id=territory_id,
        service_date=day.service_date,
        timezone=day.params.timezone,
        depots={d.name: (d.lon, d.lat) for d in day.depots},
        merchants={
            m.external_id: SiteInput(
                m.external_id, m.lon, m.lat, m.opening_hours, service_s, m.name
            )
            for m in day.merchants
        },
        collection_points={
            c.external_id: SiteInput(
                c.external_id, c.lon, c.lat, c.opening_hours, service_s, c.name
            )
            for c in day.collection_points
        },
        addresses={c.external_id: (c.lon, c.lat) for c in day.customers},
        vehicles=tuple(
            VehicleInput(
                id=v.name,
                depot_id=v.depot,
                capacity=(v.capacity_kg, v.capacity_litres, float(v.capacity_parcels)),
                shift_start=v.shift_start,
                shift_end=v.shift_end,
                max_duration_minutes=v.max_duration_minutes,
                cost_per_km=v.cost_per_km,
                cost_per_hour=v.cost_per_hour,
                fixed_cost=v.fixed_cost,
                skills=frozenset(v.skills),
                name=v.name,
            )
            for v in day.vehicles
        ),
        orders=tuple(
            OrderInput(
                id=o.external_id,
                fulfilment=o.fulfilment,
                lines=tuple(
                    LineInput(
                        line.merchant,
                        line.weight_kg,
                        line.volume_litres,
                        line.parcels,
                        line.ready_at,
                    )
                    for line in o.lines
                ),
                address_id=o.customer if o.fulfilment == "home_delivery" else None,
                collection_point_id=o.collection_point,
                window=None
                if o.window_start is None or o.window_end is None
                else (o.window_start, o.window_end),
                skills=frozenset(o.required_skills),
            )
            for o in day.orders
        ),
    )
