"""Store a generated day (:class:`logistics.sample.day.Day`) and summarise a stored day.

Storing is idempotent: generated entities are upserted by their external ids or names, the
platform's generated orders (and their customers' addresses) for the date are replaced (the
date's plans, which refer to them, are deleted), and
generated merchants, collection points and vehicles that no longer belong to the day are
removed when nothing refers to them; the territory's vehicles not in the day are deactivated.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import geopandas as gpd
import shapely
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from logistics.errors import InputError
from logistics.sample.day import Day
from logistics.sample.generate import GENERATED_PREFIX
from logistics.store.models import (
    CollectionPoint,
    Commune,
    DeliveryAddress,
    Depot,
    Merchant,
    Order,
    OrderLine,
    Plan,
    Stop,
    Vehicle,
)
from logistics.store.territory import upsert_merchants, wkb

__all__ = ["day_summary", "store_day"]


def _point(lon: float, lat: float) -> Any:
    return wkb(shapely.Point(lon, lat))


def _upsert(session: Session, model: Any, rows: list[dict[str, Any]], keys: list[Any]) -> dict:
    """Upsert ``rows`` on the unique ``keys`` and return ``{key value: id}``."""
    if not rows:
        return {}
    stmt = insert(model).values(rows)
    names = {k.key for k in keys}
    stmt = stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c: stmt.excluded[c] for c in rows[0] if c not in names},
    )
    key_col = keys[-1]
    return {k: i for k, i in session.execute(stmt.returning(key_col, model.id)).all()}


def _prune(session: Session, model: Any, where: Any, referenced: list[Any]) -> None:
    """Delete generated rows matching ``where`` that no other row refers to."""
    stmt = sa.delete(model).where(where)
    for column in referenced:
        stmt = stmt.where(~sa.exists().where(column == model.id))
    session.execute(stmt)


def store_day(
    session: Session, territory_id: str, platform_id: uuid.UUID, day: Day
) -> dict[str, int]:
    """Write a generated day into the store (in the caller's transaction).

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id
        The territory whose communes the day was generated on.
    platform_id
        The platform owning the merchants, customers and orders.
    day
        The generated day.

    Returns
    -------
    dict
        Rows written per table.

    Raises
    ------
    InputError
        If the day refers to a real merchant that is not in the store, or to a commune outside
        the territory.
    """
    codes = set(
        session.scalars(sa.select(Commune.insee_code).where(Commune.territory_id == territory_id))
    )
    used = {m.commune_code for m in day.merchants} | {c.commune_code for c in day.customers}
    if not used <= codes:
        raise InputError(
            f"the day refers to communes {sorted(used - codes)[:5]} that are not in territory "
            f"{territory_id!r}",
            {"field": "commune_code", "value": sorted(used - codes)},
        )
    generated = [m for m in day.merchants if m.generated]
    fields = ("external_id", "name", "kind", "address", "commune_code", "opening_hours")
    frame = gpd.GeoDataFrame(
        {f: [getattr(m, f) for m in generated] for f in (*fields, "accepts_pickup")},
        geometry=[shapely.Point(m.lon, m.lat) for m in generated],
        crs=4326,
    )
    merchant_ids = upsert_merchants(session, territory_id, platform_id, frame)
    real = [m.external_id for m in day.merchants if not m.generated]
    if real:
        found = dict(
            session.execute(
                sa.select(Merchant.external_id, Merchant.id).where(
                    Merchant.platform_id == platform_id, Merchant.external_id.in_(real)
                )
            ).all()
        )
        if len(found) != len(set(real)):
            missing = sorted(set(real) - set(found))
            raise InputError(
                f"the day uses merchants not in the store: {missing[:5]}",
                {"field": "merchant", "value": missing},
            )
        merchant_ids.update(found)

    cp_ids = _upsert(
        session,
        CollectionPoint,
        [
            {
                "territory_id": territory_id,
                "platform_id": None,
                "external_id": c.external_id,
                "name": c.name,
                "kind": c.kind,
                "address": c.address,
                "commune_code": c.commune_code,
                "geom": _point(c.lon, c.lat),
                "opening_hours": c.opening_hours,
                "capacity": c.capacity,
                "slot_capacity": c.slot_capacity,
            }
            for c in day.collection_points
        ],
        [CollectionPoint.territory_id, CollectionPoint.platform_id, CollectionPoint.external_id],
    )
    depot_ids = _upsert(
        session,
        Depot,
        [
            {
                "territory_id": territory_id,
                "name": d.name,
                "address": d.address,
                "geom": _point(d.lon, d.lat),
            }
            for d in day.depots
        ],
        [Depot.territory_id, Depot.name],
    )
    vehicle_ids = _upsert(
        session,
        Vehicle,
        [
            {
                "territory_id": territory_id,
                "depot_id": depot_ids[v.depot],
                "name": v.name,
                "capacity_kg": v.capacity_kg,
                "capacity_litres": v.capacity_litres,
                "capacity_parcels": v.capacity_parcels,
                "shift_start": v.shift_start,
                "shift_end": v.shift_end,
                "max_duration_minutes": v.max_duration_minutes,
                "cost_per_km": v.cost_per_km,
                "cost_per_hour": v.cost_per_hour,
                "fixed_cost": v.fixed_cost,
                "skills": list(v.skills),
                "active": True,
            }
            for v in day.vehicles
        ],
        [Vehicle.territory_id, Vehicle.name],
    )

    # Replace the platform's generated orders of the date, and their customers' addresses.
    # The date's plans refer to them (stops at the replaced addresses): they go too.
    stamp = day.service_date.strftime("%Y%m%d")
    session.execute(
        sa.delete(Plan).where(
            Plan.territory_id == territory_id, Plan.service_date == day.service_date
        )
    )
    session.execute(
        sa.delete(Order).where(
            Order.platform_id == platform_id,
            Order.service_date == day.service_date,
            Order.external_id.startswith(GENERATED_PREFIX, autoescape=True),
        )
    )
    session.execute(
        sa.delete(DeliveryAddress).where(
            DeliveryAddress.platform_id == platform_id,
            DeliveryAddress.external_id.startswith(
                f"{GENERATED_PREFIX}c-{stamp}-", autoescape=True
            ),
        )
    )
    address_ids = _upsert(
        session,
        DeliveryAddress,
        [
            {
                "territory_id": territory_id,
                "platform_id": platform_id,
                "external_id": c.external_id,
                "label": c.label,
                "address": c.address,
                "commune_code": c.commune_code,
                "geom": _point(c.lon, c.lat),
            }
            for c in day.customers
        ],
        [DeliveryAddress.platform_id, DeliveryAddress.external_id],
    )
    order_rows = [
        {
            "id": uuid.uuid4(),
            "territory_id": territory_id,
            "platform_id": platform_id,
            "external_id": o.external_id,
            "service_date": day.service_date,
            "fulfilment": o.fulfilment,
            "delivery_address_id": address_ids[o.customer],
            "collection_point_id": cp_ids[o.collection_point] if o.collection_point else None,
            "window_start": o.window_start,
            "window_end": o.window_end,
            "required_skills": list(o.required_skills),
            "status": "received",
        }
        for o in day.orders
    ]
    line_rows = [
        {
            "order_id": row["id"],
            "territory_id": territory_id,
            "merchant_id": merchant_ids[line.merchant],
            "parcels": line.parcels,
            "weight_kg": line.weight_kg,
            "volume_litres": line.volume_litres,
            "ready_at": line.ready_at,
        }
        for row, o in zip(order_rows, day.orders, strict=True)
        for line in o.lines
    ]
    if order_rows:
        session.execute(insert(Order), order_rows)
        session.execute(insert(OrderLine), line_rows)

    pattern = f"{GENERATED_PREFIX}%"
    _prune(
        session,
        Merchant,
        sa.and_(
            Merchant.platform_id == platform_id,
            Merchant.external_id.like(pattern),
            Merchant.id.not_in(list(merchant_ids.values()) or [uuid.uuid4()]),
        ),
        [OrderLine.merchant_id, Stop.merchant_id],
    )
    _prune(
        session,
        CollectionPoint,
        sa.and_(
            CollectionPoint.territory_id == territory_id,
            CollectionPoint.external_id.like(pattern),
            CollectionPoint.id.not_in(list(cp_ids.values()) or [uuid.uuid4()]),
        ),
        [Order.collection_point_id, Stop.collection_point_id],
    )
    # The generated fleet is the territory's fleet for the day: other vans are deactivated
    # (kept, since past rounds refer to them).
    session.execute(
        sa.update(Vehicle)
        .where(Vehicle.territory_id == territory_id, Vehicle.id.not_in(list(vehicle_ids.values())))
        .values(active=False)
    )
    return {
        "merchants": len(merchant_ids),
        "collection_points": len(cp_ids),
        "depots": len(depot_ids),
        "vehicles": len(vehicle_ids),
        "delivery_addresses": len(address_ids),
        "orders": len(order_rows),
        "order_lines": len(line_rows),
    }


def day_summary(session: Session, territory_id: str, service_date: dt.date) -> dict[str, Any]:
    """Return headline figures of a territory and its stored day (for ``logistics demo``)."""
    one = sa.text(
        """
        SELECT
          (SELECT count(*) FROM communes WHERE territory_id = :t) AS communes,
          (SELECT coalesce(sum(population), 0) FROM communes WHERE territory_id = :t)
            AS population,
          (SELECT count(*) FROM merchants WHERE territory_id = :t) AS merchants,
          (SELECT count(*) FROM collection_points WHERE territory_id = :t) AS collection_points,
          (SELECT count(DISTINCT depot_id) FROM vehicles WHERE territory_id = :t AND active)
            AS depots,
          (SELECT count(*) FROM vehicles WHERE territory_id = :t AND active) AS vehicles,
          (SELECT count(*) FROM orders WHERE territory_id = :t AND service_date = :d) AS orders,
          (SELECT count(DISTINCT l.merchant_id) FROM order_lines l JOIN orders o
             ON o.id = l.order_id WHERE o.territory_id = :t AND o.service_date = :d)
            AS active_merchants,
          (SELECT count(*) FROM orders o WHERE o.territory_id = :t AND o.service_date = :d
             AND (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) > 1)
            AS multi_merchant_orders,
          (SELECT coalesce(sum(l.parcels), 0) FROM order_lines l JOIN orders o
             ON o.id = l.order_id WHERE o.territory_id = :t AND o.service_date = :d) AS parcels,
          (SELECT coalesce(round(sum(l.weight_kg)::numeric, 1), 0) FROM order_lines l
             JOIN orders o ON o.id = l.order_id
             WHERE o.territory_id = :t AND o.service_date = :d) AS weight_kg
        """
    )
    row = dict(session.execute(one, {"t": territory_id, "d": service_date}).one()._mapping)
    mix = session.execute(
        sa.select(Order.fulfilment, sa.func.count())
        .where(Order.territory_id == territory_id, Order.service_date == service_date)
        .group_by(Order.fulfilment)
    ).all()
    row["fulfilment"] = {str(k): int(v) for k, v in mix}
    row["weight_kg"] = float(row["weight_kg"])
    return row
