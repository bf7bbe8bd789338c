"""A small real territory for the checkout tests (slots, holds, bookings, orders, options).

Three communes of the Champsaur (``tests/data/communes-valid.geojson``), two platforms, shops
of each, a shared collection point, platform A's own point and a point 30 km away.  Imported by
the store and API tests: ``from tests.store.checkout_seed import seed_checkout``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.store.bookings import Tenant
from logistics.store.loaders import load_communes_file
from logistics.store.models import CollectionPoint, Merchant
from logistics.store.slots import Site, get_site
from logistics.store.territory import ensure_platform, wkb

PARIS = ZoneInfo("Europe/Paris")
TERRITORY = "champsaur"
HOURS = "Mo-Sa 09:00-12:00,14:00-18:00"
DAY = dt.date(2026, 6, 16)  # an ordinary Tuesday
NOW = dt.datetime(2026, 6, 15, 17, 0, tzinfo=PARIS)  # the evening before
COMMUNES = Path(__file__).resolve().parents[1] / "data" / "communes-valid.geojson"


def paris(*args: int) -> dt.datetime:
    """Return an aware Europe/Paris datetime."""
    return dt.datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@dataclass(frozen=True)
class Seed:
    """What :func:`seed_checkout` stored."""

    territory: str
    platform_a: uuid.UUID
    platform_b: uuid.UUID
    bakery: Site  # platform A, La Fare-en-Champsaur
    farm: Site  # platform A, Poligny
    butcher: Site  # platform B
    shared_point: Site  # no platform, Saint-Bonnet
    own_point: Site  # platform A's, La Fare
    far_point: Site  # shared, 30 km north-east

    @property
    def tenant_a(self) -> Tenant:
        return Tenant(self.platform_a, self.territory)

    @property
    def tenant_b(self) -> Tenant:
        return Tenant(self.platform_b, self.territory)


def seed_checkout(session: Session, *, capacity: int = 2, notice_minutes: int = 60) -> Seed:
    """Store the checkout territory and commit; return its ids."""
    load_communes_file(session, COMMUNES, TERRITORY, "Champsaur")
    platform_a = ensure_platform(session, TERRITORY, "A")
    platform_b = ensure_platform(session, TERRITORY, "B")
    settings = {
        "opening_hours": HOURS,
        "slot_minutes": 30,
        "slot_capacity": capacity,
        "notice_minutes": notice_minutes,
        "horizon_days": 14,
        "handling_minutes": 15,
    }
    merchants = [
        ("m-bakery", "Boulangerie du Champsaur", "bakery", platform_a, 6.059908, 44.666725),
        ("m-farm", "Ferme des Ricous", "farm", platform_a, 6.038605, 44.685905),
        ("m-butcher", "Boucherie Bernard", "butcher", platform_b, 6.06, 44.667),
    ]
    ids = {}
    for external_id, name, kind, platform, lon, lat in merchants:
        row = Merchant(
            territory_id=TERRITORY,
            platform_id=platform,
            external_id=external_id,
            name=name,
            kind=kind,
            geom=wkb(shapely.Point(lon, lat)),
            **settings,
        )
        session.add(row)
        session.flush()
        ids[external_id] = row.id
    points = [
        ("cp-mairie", "Mairie de Saint-Bonnet", None, 6.102810, 44.691700, 20),
        ("cp-relay", "Relais de La Fare", platform_a, 6.0599, 44.6668, 20),
        ("cp-far", "Mairie lointaine", None, 6.40, 44.85, 20),
    ]
    for external_id, name, platform, lon, lat, storage in points:
        point = CollectionPoint(
            territory_id=TERRITORY,
            platform_id=platform,
            external_id=external_id,
            name=name,
            kind="mairie",
            geom=wkb(shapely.Point(lon, lat)),
            capacity=storage,
            **settings,
        )
        session.add(point)
        session.flush()
        ids[external_id] = point.id
    session.commit()
    return Seed(
        territory=TERRITORY,
        platform_a=platform_a,
        platform_b=platform_b,
        bakery=get_site(session, ids["m-bakery"]),
        farm=get_site(session, ids["m-farm"]),
        butcher=get_site(session, ids["m-butcher"]),
        shared_point=get_site(session, ids["cp-mairie"]),
        own_point=get_site(session, ids["cp-relay"]),
        far_point=get_site(session, ids["cp-far"]),
    )


def count_over_capacity(session: Session, now: dt.datetime) -> int:
    """Count, in SQL, the slots holding more occupying bookings at `now` than their capacity."""
    return session.execute(
        sa.text(
            "SELECT count(*) FROM (SELECT s.id FROM slots s JOIN bookings b ON b.slot_id = s.id "
            "WHERE b.status IN ('confirmed', 'collected', 'no_show') OR (b.status = 'held' AND "
            "b.expires_at > :now) GROUP BY s.id HAVING count(*) > max(s.capacity)) x"
        ),
        {"now": now},
    ).scalar_one()


def plan_stop(
    session: Session,
    *,
    arrival: dt.datetime,
    collection_point_id: uuid.UUID | None = None,
    order_ids: tuple[uuid.UUID, ...] = (),
    plan_status: str = "draft",
    lon: float = 6.1028,
    lat: float = 44.6917,
) -> uuid.UUID:
    """Store a plan with one round and one delivery stop arriving at `arrival`; commit.

    Returns the plan's id.  The depot and van are created once per territory.
    """
    params = {"t": TERRITORY}
    depot = session.execute(
        sa.text(
            "INSERT INTO depots (territory_id, name, geom) VALUES (:t, 'Hub', "
            "ST_SetSRID(ST_MakePoint(6.08, 44.68), 4326)) ON CONFLICT (territory_id, name) "
            "DO UPDATE SET name = excluded.name RETURNING id"
        ),
        params,
    ).scalar_one()
    vehicle = session.execute(
        sa.text(
            "INSERT INTO vehicles (territory_id, depot_id, name, capacity_kg, capacity_litres, "
            "capacity_parcels, shift_start, shift_end) VALUES (:t, :d, 'Van 1', 600, 3000, 60, "
            "'07:00', '19:00') ON CONFLICT (territory_id, name) DO UPDATE SET "
            "name = excluded.name RETURNING id"
        ),
        {**params, "d": depot},
    ).scalar_one()
    day = arrival.astimezone(PARIS).date()
    plan = session.execute(
        sa.text(
            "INSERT INTO plans (territory_id, service_date, status) VALUES (:t, :day, :s) "
            "RETURNING id"
        ),
        {**params, "day": day, "s": plan_status},
    ).scalar_one()
    round_id = session.execute(
        sa.text(
            "INSERT INTO rounds (plan_id, territory_id, vehicle_id, service_date) "
            "VALUES (:p, :t, :v, :day) RETURNING id"
        ),
        {**params, "p": plan, "v": vehicle, "day": day},
    ).scalar_one()
    session.execute(
        sa.text(
            "INSERT INTO stops (round_id, territory_id, seq, kind, collection_point_id, "
            "order_ids, arrival, geom) VALUES (:r, :t, 1, 'delivery', :cp, :orders, :at, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
        ),
        {
            **params,
            "r": round_id,
            "cp": collection_point_id,
            "orders": list(order_ids),
            "at": arrival,
            "lon": lon,
            "lat": lat,
        },
    )
    session.commit()
    return plan
