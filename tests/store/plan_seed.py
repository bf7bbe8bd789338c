"""Store a plan's rows directly (plans, rounds, stops) for the tests of the read side.

:func:`store_round` writes one round of a plan that picks up the given orders at their
merchants then drops each at its collection point or address, a stop every 15 minutes from
the start time, as the planning service would (road geometry left out).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class StoredRound:
    """Ids of what :func:`store_round` wrote."""

    plan_id: uuid.UUID
    round_id: uuid.UUID
    stop_ids: tuple[uuid.UUID, ...]


def ensure_vehicle(session: Session, territory: str, name: str) -> uuid.UUID:
    """Store (once) the depot ``Hub`` and a van ``name`` (07:00-19:00, 0.40/km, 20/hour)."""
    depot = session.execute(
        sa.text(
            "INSERT INTO depots (territory_id, name, address, geom) VALUES (:t, 'Hub', "
            "'Zone artisanale, 05500 Saint-Bonnet', ST_SetSRID(ST_MakePoint(6.08, 44.68), 4326)) "
            "ON CONFLICT (territory_id, name) DO UPDATE SET name = excluded.name RETURNING id"
        ),
        {"t": territory},
    ).scalar_one()
    return session.execute(
        sa.text(
            "INSERT INTO vehicles (territory_id, depot_id, name, capacity_kg, capacity_litres, "
            "capacity_parcels, shift_start, shift_end, cost_per_km, cost_per_hour) VALUES "
            "(:t, :d, :n, 600, 3000, 60, '07:00', '19:00', 0.4, 20) "
            "ON CONFLICT (territory_id, name) DO UPDATE SET "
            "name = excluded.name RETURNING id"
        ),
        {"t": territory, "d": depot, "n": name},
    ).scalar_one()


def store_round(
    session: Session,
    territory: str,
    service_date: dt.date,
    order_ids: list[uuid.UUID],
    start: dt.datetime,
    *,
    status: str = "draft",
    plan_id: uuid.UUID | None = None,
    vehicle: str = "Van 1",
    unserved: list[dict[str, str]] | None = None,
    commit: bool = True,
) -> StoredRound:
    """Store a round serving ``order_ids`` (a new plan unless ``plan_id``); commit."""
    vehicle_id = ensure_vehicle(session, territory, vehicle)
    depot_id = session.execute(
        sa.text("SELECT depot_id FROM vehicles WHERE id = :v"), {"v": vehicle_id}
    ).scalar_one()
    if plan_id is None:
        plan_id = session.execute(
            sa.text(
                "INSERT INTO plans (territory_id, service_date, status, unserved, published_at) "
                "VALUES (:t, :d, :s, CAST(:u AS jsonb), "
                "CASE WHEN :published THEN now() END) RETURNING id"
            ),
            {
                "t": territory,
                "d": service_date,
                "s": status,
                "u": json.dumps(unserved or []),
                "published": status == "published",
            },
        ).scalar_one()
    lines = session.execute(
        sa.text(
            "SELECT l.merchant_id, array_agg(DISTINCT l.order_id) AS orders FROM order_lines l "
            "WHERE l.order_id = ANY(:ids) GROUP BY l.merchant_id ORDER BY l.merchant_id"
        ),
        {"ids": order_ids},
    ).all()
    drops = session.execute(
        sa.text(
            "SELECT id, collection_point_id, delivery_address_id FROM orders "
            "WHERE id = ANY(:ids) ORDER BY external_id"
        ),
        {"ids": order_ids},
    ).all()
    stops: list[dict[str, object]] = [{"kind": "start", "depot_id": depot_id, "orders": []}]
    stops += [{"kind": "pickup", "merchant_id": m, "orders": list(orders)} for m, orders in lines]
    stops += [
        {
            "kind": "delivery",
            "collection_point_id": d.collection_point_id,
            "delivery_address_id": d.delivery_address_id,
            "orders": [d.id],
        }
        for d in drops
    ]
    stops.append({"kind": "end", "depot_id": depot_id, "orders": []})
    minutes = 15 * (len(stops) - 1)
    round_id = session.execute(
        sa.text(
            "INSERT INTO rounds (plan_id, territory_id, vehicle_id, service_date, starts_at, "
            "ends_at, distance_m, duration_s) VALUES (:p, :t, :v, :d, :s, :e, :m, :dur) "
            "RETURNING id"
        ),
        {
            "p": plan_id,
            "t": territory,
            "v": vehicle_id,
            "d": service_date,
            "s": start,
            "e": start + dt.timedelta(minutes=minutes),
            "m": 1000.0 * minutes / 2,
            "dur": 60.0 * minutes,
        },
    ).scalar_one()
    ids = []
    for seq, stop in enumerate(stops):
        arrival = start + dt.timedelta(minutes=15 * seq)
        ids.append(
            session.execute(
                sa.text(
                    "INSERT INTO stops (round_id, territory_id, seq, kind, depot_id, merchant_id, "
                    "collection_point_id, delivery_address_id, order_ids, arrival, departure, "
                    "waiting_s, geom) VALUES (:r, :t, :seq, :kind, :depot, :merchant, :cp, :da, "
                    ":orders, :arrival, :departure, 0, COALESCE("
                    "(SELECT geom FROM depots WHERE id = :depot), "
                    "(SELECT geom FROM merchants WHERE id = :merchant), "
                    "(SELECT geom FROM collection_points WHERE id = :cp), "
                    "(SELECT geom FROM delivery_addresses WHERE id = :da), "
                    "ST_SetSRID(ST_MakePoint(6.08, 44.68), 4326))) RETURNING id"
                ),
                {
                    "r": round_id,
                    "t": territory,
                    "seq": seq,
                    "kind": stop["kind"],
                    "depot": stop.get("depot_id"),
                    "merchant": stop.get("merchant_id"),
                    "cp": stop.get("collection_point_id"),
                    "da": stop.get("delivery_address_id"),
                    "orders": stop["orders"],
                    "arrival": arrival,
                    "departure": arrival + dt.timedelta(minutes=5)
                    if stop["kind"] in ("pickup", "delivery")
                    else arrival,
                },
            ).scalar_one()
        )
    if commit:
        session.commit()
    return StoredRound(plan_id, round_id, tuple(ids))
