"""Seeded generator of a realistic day of orders for a territory (pure: no database).

``generate_day(communes, date, params)`` returns a :class:`Day`: merchants, collection points
(mairies), depots, vehicles, customers and orders with their lines.  The same inputs and seed
give an identical day.  Every assumption (ratios, weights, hours, sizes) is a parameter of
:class:`GenerateParams` or a documented table; see ``docs/generator.md``.

Random streams are keyed by entity (``[seed, stream, index]``), so merchant *i* is the same
whatever the number of orders, and order *i* of a date does not depend on the orders after it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
import opening_hours

from logistics.errors import InputError
from logistics.sample._places import XY, Places, to_metric
from logistics.sample.day import (
    REFRIGERATED,
    CollectionPoint,
    Customer,
    Day,
    Depot,
    Merchant,
    Order,
    OrderLine,
    Vehicle,
)
from logistics.sample.profiles import GENERATED_KIND_WEIGHTS, profile_for

__all__ = [
    "CollectionPoint",
    "Customer",
    "Day",
    "Depot",
    "GenerateParams",
    "Merchant",
    "Order",
    "OrderLine",
    "Vehicle",
    "generate_day",
]

GENERATED_PREFIX = "gen-"

_KIND_LABEL = {
    "bakery": "Boulangerie",
    "butcher": "Boucherie",
    "convenience": "Épicerie",
    "farm": "Ferme",
    "cheese": "Fromagerie",
    "greengrocer": "Primeur",
    "wine": "Cave",
    "florist": "Fleuriste",
    "books": "Librairie",
    "hardware": "Quincaillerie",
    "deli": "Charcuterie",
}
_SURNAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "Gauthier",
    "Arnaud",
    "Brun",
    "Roche",
    "Chabert",
    "Jullien",
    "Eymard",
    "Para",
    "Reynaud",
    "Imbert",
    "Pellegrin",
    "Allard",
]
# Opening hours of a mairie used as a collection point: small communes open a few half-days.
MAIRIE_HOURS_TOWN = "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00"
MAIRIE_HOURS_VILLAGE = "Tu,Th 14:00-18:00; Sa 09:00-12:00"


@dataclass(frozen=True)
class GenerateParams:
    """Knobs of the day generator (defaults: the assumptions of ``docs/generator.md``).

    Parameters
    ----------
    orders
        Number of orders of the day.
    seed
        Seed of every random draw.
    orders_per_merchant
        About one active merchant per this many orders.
    orders_per_vehicle
        One vehicle per this many orders (rounded up).
    vehicles_per_depot
        Vehicles per depot (rounded up); depots go to the largest bourgs.
    home_delivery_share, collection_point_share
        Shares of the fulfilment mix; the rest is collected at the shop.
    multi_merchant_share
        Share of delivered orders whose basket comes from 2 or 3 merchants.
    window_share
        Share of home deliveries with a customer time window (others: any time).
    window_minutes
        Length of a customer window.
    collection_point_communes
        Share of communes (the most populous) whose mairie is a collection point.
    customer_offset_m
        A customer lives this far (min, max metres) from the road segment drawn for them.
    merchant_spread_m
        Shops lie on streets within this distance of their commune's bourg.
    delivered_distance_km, at_shop_distance_km
        Decay of the choice of a merchant with its distance to the customer
        (weight ``exp(-d / scale)``): people collect from nearer shops than they order from.
    depot_spacing_km
        Depots are at least this far apart when the territory allows.
    timezone
        Local time zone of the territory.
    """

    orders: int = 200
    seed: int = 0
    orders_per_merchant: float = 8.0
    orders_per_vehicle: float = 50.0
    vehicles_per_depot: int = 4
    home_delivery_share: float = 0.6
    collection_point_share: float = 0.25
    multi_merchant_share: float = 0.15
    window_share: float = 0.5
    window_minutes: int = 120
    collection_point_communes: float = 0.1
    customer_offset_m: tuple[float, float] = (5.0, 30.0)
    merchant_spread_m: float = 400.0
    delivered_distance_km: float = 15.0
    at_shop_distance_km: float = 6.0
    depot_spacing_km: float = 15.0
    timezone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        def bad(name: str, value: object, accepted: str) -> InputError:
            return InputError(
                f"GenerateParams.{name} = {value!r}; expected {accepted}",
                {"field": name, "value": value},
            )

        if not isinstance(self.orders, int) or self.orders < 0:
            raise bad("orders", self.orders, "a whole number >= 0")
        for name in ("orders_per_merchant", "orders_per_vehicle", "merchant_spread_m"):
            if not getattr(self, name) > 0:
                raise bad(name, getattr(self, name), "a number > 0")
        for name in ("delivered_distance_km", "at_shop_distance_km", "depot_spacing_km"):
            if not getattr(self, name) > 0:
                raise bad(name, getattr(self, name), "a number > 0")
        if self.vehicles_per_depot < 1:
            raise bad("vehicles_per_depot", self.vehicles_per_depot, "a whole number >= 1")
        for name in (
            "home_delivery_share",
            "collection_point_share",
            "multi_merchant_share",
            "window_share",
            "collection_point_communes",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise bad(name, getattr(self, name), "a share between 0 and 1")
        if self.home_delivery_share + self.collection_point_share > 1.0:
            raise bad(
                "home_delivery_share + collection_point_share",
                self.home_delivery_share + self.collection_point_share,
                "at most 1 (the rest is at-shop pickup)",
            )
        low, high = self.customer_offset_m
        if not 0 <= low <= high:
            raise bad(
                "customer_offset_m", self.customer_offset_m, "(min, max) with 0 <= min <= max"
            )
        if not 15 <= self.window_minutes <= 720:
            raise bad("window_minutes", self.window_minutes, "15 to 720 minutes")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad(
                "timezone", self.timezone, "an IANA time zone such as 'Europe/Paris'"
            ) from None


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng([abs(k) for k in key])


def _postcode(communes: gpd.GeoDataFrame) -> dict[str, str]:
    out = {}
    for code, name, postcodes in zip(
        communes["code"], communes["name"], communes["postcodes"], strict=True
    ):
        first = postcodes[0] if len(postcodes) else ""
        out[str(code)] = f"{first} {name}".strip()
    return out


def _open_intervals(
    hours: str, day: dt.date, tz: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return the opening intervals of ``hours`` on ``day`` as aware local datetimes."""
    start = dt.datetime.combine(day, dt.time())
    out = []
    for a, b, state, _ in opening_hours.OpeningHours(hours).intervals(
        start, start + dt.timedelta(days=1)
    ):
        if state == opening_hours.State.OPEN:
            out.append((a.replace(tzinfo=tz), b.replace(tzinfo=tz)))
    return out


def _generated_merchants(
    places: Places, addresses: dict[str, str], count: int, params: GenerateParams
) -> list[Merchant]:
    kinds = list(GENERATED_KIND_WEIGHTS)
    kind_p = np.array([GENERATED_KIND_WEIGHTS[k] for k in kinds])
    kind_p = kind_p / kind_p.sum()
    merchants = []
    for i in range(count):
        rng = _rng(params.seed, 1, i)
        code = places.codes[int(rng.choice(len(places.codes), p=places.population_weights))]
        kind = kinds[int(rng.choice(len(kinds), p=kind_p))]
        surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
        where = places.near(places.bourg(code), code, params.merchant_spread_m, rng)
        lon, lat = where.lonlat()
        profile = profile_for(kind)
        merchants.append(
            Merchant(
                external_id=f"{GENERATED_PREFIX}m-{i + 1:04d}",
                name=f"{_KIND_LABEL[kind]} {surname}",
                kind=kind,
                address=f"Centre-bourg, {addresses[code]}",
                commune_code=code,
                lon=lon,
                lat=lat,
                opening_hours=profile.opening_hours,
                accepts_pickup=profile.accepts_pickup,
                refrigerated=profile.refrigerated,
            )
        )
    return merchants


def _real_merchants(real: gpd.GeoDataFrame, count: int, params: GenerateParams) -> list[Merchant]:
    """Pick ``count`` of the real merchants that accept pickups (a seeded random subset)."""
    usable = real[real["accepts_pickup"].astype(bool)].sort_values("external_id")
    order = _rng(params.seed, 2).permutation(len(usable))[:count]
    out = []
    for _, row in usable.iloc[sorted(order)].iterrows():
        out.append(
            Merchant(
                external_id=str(row["external_id"]),
                name=str(row["name"]),
                kind=str(row["kind"]),
                address=str(row.get("address") or ""),
                commune_code=str(row["commune_code"]),
                lon=round(float(row.geometry.x), 7),
                lat=round(float(row.geometry.y), 7),
                opening_hours=str(row["opening_hours"]),
                accepts_pickup=True,
                refrigerated=profile_for(str(row["kind"])).refrigerated,
                generated=False,
            )
        )
    return out


def _collection_points(
    places: Places, communes: gpd.GeoDataFrame, addresses: dict[str, str], params: GenerateParams
) -> list[CollectionPoint]:
    count = max(1, round(params.collection_point_communes * len(communes)))
    largest = communes.sort_values(["population", "code"], ascending=[False, True]).head(count)
    points = []
    for code, name, population in zip(
        largest["code"], largest["name"], largest["population"], strict=True
    ):
        lon, lat = places.bourg(code).lonlat()
        points.append(
            CollectionPoint(
                external_id=f"{GENERATED_PREFIX}cp-{code}",
                name=f"Mairie de {name}",
                kind="mairie",
                address=f"Place de la Mairie, {addresses[code]}",
                commune_code=str(code),
                lon=lon,
                lat=lat,
                opening_hours=MAIRIE_HOURS_TOWN if population >= 2000 else MAIRIE_HOURS_VILLAGE,
            )
        )
    return points


def _depots(
    places: Places,
    communes: gpd.GeoDataFrame,
    addresses: dict[str, str],
    count: int,
    params: GenerateParams,
) -> list[Depot]:
    ranked = communes.sort_values(["population", "code"], ascending=[False, True])
    chosen: list[tuple[str, str, XY]] = []
    for code, name in zip(ranked["code"], ranked["name"], strict=True):
        where = places.bourg(code)
        if all(where.distance(c[2]) >= params.depot_spacing_km * 1000 for c in chosen):
            chosen.append((str(code), str(name), where))
        if len(chosen) == count:
            break
    depots = []
    for code, name, where in chosen:
        lon, lat = where.lonlat()
        depots.append(Depot(f"Hub {name}", f"Zone artisanale, {addresses[code]}", code, lon, lat))
    return depots


def _vehicles(depots: list[Depot], count: int) -> list[Vehicle]:
    vehicles = []
    for i in range(count):
        medium = i % 4 == 3  # one van in four is a medium van (Trafic class), others light
        early = i % 2 == 1
        vehicles.append(
            Vehicle(
                name=f"Van {i + 1:02d}",
                depot=depots[i % len(depots)].name,
                capacity_kg=1100.0 if medium else 650.0,
                capacity_litres=6000.0 if medium else 3300.0,
                capacity_parcels=120 if medium else 60,
                shift_start=dt.time(7, 30) if early else dt.time(8, 0),
                shift_end=dt.time(17, 30) if early else dt.time(18, 0),
                max_duration_minutes=540,
                cost_per_km=0.38 if medium else 0.30,
                cost_per_hour=24.0,
                fixed_cost=55.0 if medium else 40.0,
                skills=(REFRIGERATED,) if i % 3 == 0 else (),
            )
        )
    return vehicles


def _line(
    merchant: Merchant,
    rng: np.random.Generator,
    day: dt.date,
    tz: ZoneInfo,
) -> OrderLine:
    profile = profile_for(merchant.kind)
    parcels = 1 + min(int(rng.poisson(0.5)), 3)
    weight = max(0.2, round(profile.weight_kg * parcels**0.8 * rng.lognormal(0.0, 0.4), 1))
    volume = round(weight * profile.litres_per_kg * rng.uniform(0.8, 1.25), 1)
    intervals = _open_intervals(merchant.opening_hours, day, tz)
    if intervals:
        opens, closes = intervals[0]
        delay = min(30 + rng.uniform(0, 150), (closes - opens).total_seconds() / 60)
        ready = opens + dt.timedelta(minutes=5 * math.floor(delay / 5))
    else:
        ready = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz)
    return OrderLine(merchant.external_id, parcels, weight, volume, ready)


def _orders(
    places: Places,
    addresses: dict[str, str],
    merchants: list[Merchant],
    points: list[CollectionPoint],
    day: dt.date,
    params: GenerateParams,
) -> tuple[list[Customer], list[Order]]:
    tz = ZoneInfo(params.timezone)
    open_today = [
        m for m in merchants if m.accepts_pickup and _open_intervals(m.opening_hours, day, tz)
    ]
    candidates = open_today or [m for m in merchants if m.accepts_pickup] or merchants
    m_xy = np.array([to_metric(m.lon, m.lat) for m in candidates])
    cp_xy = np.array([to_metric(c.lon, c.lat) for c in points])
    stamp = day.strftime("%Y%m%d")
    window_starts = [dt.time(12 + h // 2, 30 * (h % 2)) for h in range(8)]  # 12:00 ... 15:30
    customers, orders = [], []
    for i in range(params.orders):
        rng = _rng(params.seed, 3, day.toordinal(), i)
        code = places.codes[int(rng.choice(len(places.codes), p=places.population_weights))]
        home = places.near_road(code, rng, params.customer_offset_m)
        lon, lat = home.lonlat()
        customer = Customer(
            f"{GENERATED_PREFIX}c-{stamp}-{i + 1:05d}",
            f"Client {stamp}-{i + 1:05d}",
            addresses[code],
            code,
            lon,
            lat,
        )
        customers.append(customer)
        u = rng.random()
        fulfilment = (
            "home_delivery"
            if u < params.home_delivery_share
            else "collection_point"
            if u < params.home_delivery_share + params.collection_point_share
            else "at_shop"
        )
        n_merchants = 1
        if fulfilment != "at_shop" and rng.random() < params.multi_merchant_share:
            n_merchants = min(len(candidates), 2 + int(rng.integers(2)))
        scale = (
            params.at_shop_distance_km if fulfilment == "at_shop" else params.delivered_distance_km
        )
        dist_km = np.hypot(m_xy[:, 0] - home.x, m_xy[:, 1] - home.y) / 1000.0
        weights = np.exp(-(dist_km - dist_km.min()) / scale)
        picks = rng.choice(
            len(candidates), size=n_merchants, replace=False, p=weights / weights.sum()
        )
        chosen = [candidates[int(k)] for k in sorted(picks)]
        lines = tuple(_line(m, rng, day, tz) for m in chosen)
        collection_point = None
        if fulfilment == "collection_point":
            nearest = int(np.argmin(np.hypot(cp_xy[:, 0] - home.x, cp_xy[:, 1] - home.y)))
            collection_point = points[nearest].external_id
        window_start = window_end = None
        if fulfilment == "home_delivery" and rng.random() < params.window_share:
            start = window_starts[int(rng.integers(len(window_starts)))]
            window_start = dt.datetime.combine(day, start, tzinfo=tz)
            window_end = window_start + dt.timedelta(minutes=params.window_minutes)
        cold = fulfilment != "at_shop" and any(m.refrigerated for m in chosen)
        orders.append(
            Order(
                external_id=f"{GENERATED_PREFIX}{stamp}-{i + 1:05d}",
                fulfilment=fulfilment,
                customer=customer.external_id,
                lines=lines,
                collection_point=collection_point,
                window_start=window_start,
                window_end=window_end,
                required_skills=(REFRIGERATED,) if cold else (),
            )
        )
    return customers, orders


def generate_day(
    communes: gpd.GeoDataFrame,
    service_date: dt.date,
    params: GenerateParams | None = None,
    *,
    merchants: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
) -> Day:
    """Generate a realistic, seeded day of orders for a territory.

    Parameters
    ----------
    communes
        The territory's communes (columns ``code, name, population, postcodes, geometry``,
        EPSG:4326), e.g. :func:`logistics.sample.territory.sample_communes`.
    service_date
        The day the orders are to be delivered or collected.
    params
        Generator knobs; defaults to :class:`GenerateParams` ().
    merchants
        Real merchants (columns ``external_id, name, kind, address, opening_hours,
        accepts_pickup, commune_code, geometry``): when given and not empty, the day's merchants
        are a seeded subset of those accepting pickups; otherwise merchants are generated in
        bourgs, weighted by population.
    roads
        Road segments (LineStrings): customers then live a few metres off a road of their
        commune and bourgs are found from road density; otherwise uniformly in the commune.

    Returns
    -------
    Day
        The generated day; the same arguments always give an equal :class:`Day`.

    Raises
    ------
    InputError
        If ``communes`` is empty or lacks a column, or ``params`` is invalid.
    """
    params = params or GenerateParams()
    missing = {"code", "name", "population", "postcodes", "geometry"} - set(communes.columns)
    if communes.empty or missing:
        raise InputError(
            f"communes: expected a non-empty frame with columns code, name, population, "
            f"postcodes, geometry; got {len(communes)} rows, missing {sorted(missing)}",
            {"field": "communes", "value": sorted(missing)},
        )
    communes = communes.to_crs(4326).sort_values("code", ignore_index=True)
    places = Places(communes, roads)
    addresses = _postcode(communes)
    wanted = max(1, math.ceil(params.orders / params.orders_per_merchant))
    chosen: list[Merchant] = []
    if merchants is not None and len(merchants):
        chosen = _real_merchants(merchants, wanted, params)
    if not chosen:
        chosen = _generated_merchants(places, addresses, wanted, params)
    points = _collection_points(places, communes, addresses, params)
    n_vehicles = max(1, math.ceil(params.orders / params.orders_per_vehicle))
    depots = _depots(
        places, communes, addresses, math.ceil(n_vehicles / params.vehicles_per_depot), params
    )
    vehicles = _vehicles(depots, n_vehicles)
    customers, orders = _orders(places, addresses, chosen, points, service_date, params)
    return Day(
        service_date=service_date,
        params=params,
        merchants=tuple(chosen),
        collection_points=tuple(points),
        depots=tuple(depots),
        vehicles=tuple(vehicles),
        customers=tuple(customers),
        orders=tuple(orders),
        customers_near_roads=places.has_roads,
    )
