"""Build the routing core's :class:`~logistics.routing.model.Problem` for a day.

A day is first read into plain records (:class:`DayInput`: sites, vehicles, orders with their
lines) — from the store (:func:`logistics.planning.inputs.read_day`) or from a generated day
(:func:`logistics.planning.inputs.day_input`) — then :func:`build_problem` turns it into the
engine's problem on a travel matrix.

Rules (each a documented constant below)
----------------------------------------
- Only orders delivered at home or at a collection point need a round; orders collected at the
  shop (``at_shop``) do not, and cancelled or delivered orders are left out.
- One :class:`~logistics.routing.model.Pickup` per merchant of the order (lines of the same
  merchant are added up).  Its windows are the merchant's opening intervals that day (OSM
  ``opening_hours`` read as the slot calendars read them, public holidays closed) after the
  line's ``ready_at``.
- The drop is at the customer's address within the customer's window, or within
  :data:`DEFAULT_DELIVERY_HOURS` when the order has none; or at the collection point within its
  opening hours that day (its receiving hours).
- Time at a stop = a fixed part once per visit (parking, walking in: the merchant's or the
  collection point's ``service_minutes``, :data:`ADDRESS_STOP_S` at a home) + a handling part
  per order (:data:`PICKUP_HANDLING_S` per pickup, :data:`DROP_HANDLING_S` per drop at a
  collection point, :data:`DEFAULT_DROP_SERVICE_S` at a home).  The engine charges service per
  order, so the fixed part is added to the travel time *into* a location (never between two
  orders at the same place): a van collecting eight orders at a bakery parks once.  Times the
  engine reports at a stop are therefore after parking.
- An order whose merchant is closed (or whose goods are ready only after closing), or whose
  collection point is closed that day, is not given to the engine: it is reported unserved with
  the reason (:attr:`BuiltProblem.rejected`).
- Times are integer seconds from local midnight of the service date in the territory's zone.
- The matrix is the fastest route on the territory's road network when it has one; points
  farther than :data:`MAX_SNAP_M` from every road are kept but unreachable (``inf``), so the
  engine reports their orders "unreachable by road".  Without a road network the straight-line
  estimate is used (and said so in :attr:`BuiltProblem.matrix_method`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from logistics.errors import InputError
from logistics.routing.matrix import straight_line_matrix, travel_matrix
from logistics.routing.model import Lock, Order, Pickup, Problem, Unserved, Vehicle, Window
from logistics.routing.network import Network
from logistics.routing.snapping import SnapResult, snap_points
from logistics.slots import open_intervals

__all__ = [
    "ADDRESS_STOP_S",
    "CO2_G_PER_KM",
    "DEFAULT_DELIVERY_HOURS",
    "DEFAULT_DROP_SERVICE_S",
    "DROP_HANDLING_S",
    "MAX_SNAP_M",
    "PICKUP_HANDLING_S",
    "PLANNED_FULFILMENTS",
    "BuiltProblem",
    "DayInput",
    "LineInput",
    "OrderInput",
    "SiteInput",
    "VehicleInput",
    "build_problem",
    "network_for",
]

PLANNED_FULFILMENTS = ("home_delivery", "collection_point")
"""Fulfilments that need a round (``at_shop`` orders are collected by the customer)."""
DEFAULT_DROP_SERVICE_S = 120
"""Seconds handing an order over at a customer's door (after parking)."""
ADDRESS_STOP_S = 60
"""Seconds to park and walk to a customer's door (once per visit)."""
PICKUP_HANDLING_S = 60
"""Seconds loading one order at a merchant (after the merchant's fixed stop time)."""
DROP_HANDLING_S = 60
"""Seconds unloading one order at a collection point (after its fixed stop time)."""
DEFAULT_DELIVERY_HOURS = (dt.time(8, 0), dt.time(20, 0))
"""Local hours a home delivery may happen when the customer gave no window."""
CO2_G_PER_KM = 250.0
"""Estimated CO₂ of a diesel light commercial van, grams per km (order of magnitude of the
ADEME Base Carbone figures for vans; an estimate, shown as such)."""
MAX_SNAP_M = 2000.0
"""A point farther than this from every road is unreachable."""

Position = tuple[float, float]


@dataclass(frozen=True)
class SiteInput:
    """A merchant or a collection point: where, when open, and the time a van spends there."""

    id: str
    lon: float
    lat: float
    opening_hours: str
    service_s: int
    name: str = ""


@dataclass(frozen=True)
class LineInput:
    """What one merchant prepares for an order: kg, litres, parcels and when it is ready."""

    merchant_id: str
    kg: float
    litres: float
    parcels: int
    ready_at: dt.datetime | None = None


@dataclass(frozen=True)
class OrderInput:
    """An order to deliver (home or collection point), with its lines."""

    id: str
    fulfilment: str
    lines: tuple[LineInput, ...]
    address_id: str | None = None
    collection_point_id: str | None = None
    window: tuple[dt.datetime, dt.datetime] | None = None
    skills: frozenset[str] = frozenset()
    platform_id: str | None = None


@dataclass(frozen=True)
class VehicleInput:
    """A van: depot, capacities (kg, litres, parcels), shift, costs and skills."""

    id: str
    depot_id: str
    capacity: tuple[float, float, float]
    shift_start: dt.time
    shift_end: dt.time
    max_duration_minutes: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    skills: frozenset[str] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class DayInput:
    """Everything needed to plan a territory's day, as plain records keyed by id."""

    territory_id: str
    service_date: dt.date
    timezone: str
    depots: Mapping[str, Position]
    merchants: Mapping[str, SiteInput]
    collection_points: Mapping[str, SiteInput]
    addresses: Mapping[str, Position]
    vehicles: tuple[VehicleInput, ...]
    orders: tuple[OrderInput, ...]

    @property
    def origin(self) -> dt.datetime:
        """Local midnight of the service date: time 0 of the problem."""
        return dt.datetime.combine(self.service_date, dt.time(), ZoneInfo(self.timezone))


@dataclass(frozen=True)
class BuiltProblem:
    """A problem with what is needed to read its solution back.

    Attributes
    ----------
    problem
        The engine's problem.
    day
        The records it was built from.
    keys
        Key of each matrix position: ``"depot:<id>"``, ``"merchant:<id>"``,
        ``"collection_point:<id>"`` or ``"address:<id>"``.
    lonlat
        ``n x 2`` positions of the matrix points.
    rejected
        Orders not given to the engine, with the reason.
    matrix_seconds
        Time spent snapping and computing the matrix.
    matrix_method
        How travel times were obtained (road graph or straight-line estimate).
    far
        ``(key, metres to the nearest road)`` of the points treated as unreachable.
    snap
        The snapped points (road geometry), or None for the straight-line estimate.
    """

    problem: Problem
    day: DayInput
    keys: tuple[str, ...]
    lonlat: np.ndarray
    rejected: tuple[Unserved, ...]
    matrix_seconds: float
    matrix_method: str
    far: tuple[tuple[str, float], ...] = ()
    snap: SnapResult | None = field(default=None, repr=False)

    def at(self, seconds: float) -> dt.datetime:
        """Return the instant ``seconds`` after the day's origin (aware, local zone)."""
        return self.day.origin + dt.timedelta(seconds=float(seconds))

    def key(self, position: int) -> tuple[str, str]:
        """Return ``(kind, id)`` of a matrix position."""
        kind, _, ident = self.keys[position].partition(":")
        return kind, ident


_NETWORKS: dict[str, Network] = {}
_NETWORKS_LOCK = threading.Lock()


def network_for(territory_id: str, data_dir: Path, cache_dir: Path | None) -> Network | None:
    """Return the territory's road network, loaded once per process (None: it has none).

    The first load in a process reads the prepared graph from ``cache_dir`` (a few seconds; about
    30 s the first time the layer is prepared).
    """
    from logistics.store.zones import territory_roads

    path = territory_roads(territory_id, data_dir)
    if path is None:
        return None
    key = str(path.resolve())
    with _NETWORKS_LOCK:
        if key not in _NETWORKS:
            from logistics.routing.network import load_network

            _NETWORKS[key] = load_network(path, cache_dir=cache_dir)
        return _NETWORKS[key]


def _seconds(instant: dt.datetime, origin: dt.datetime) -> int:
    return round((instant - origin).total_seconds())


def _windows(
    intervals: Sequence[tuple[dt.datetime, dt.datetime]],
    origin: dt.datetime,
    after: dt.datetime | None = None,
) -> tuple[Window, ...]:
    """Return the intervals (after ``after``) as windows in seconds from ``origin``."""
    out: list[Window] = []
    for lo, hi in intervals:
        start = lo if after is None else max(lo, after)
        a, b = _seconds(start, origin), _seconds(hi, origin)
        if b > a and (not out or a > out[-1].end):
            out.append(Window(a, b))
    return tuple(out)


class _Hours:
    """Opening intervals of the day per site, computed once per site."""

    def __init__(self, day: DayInput) -> None:
        self._day = day
        self._cache: dict[str, list[tuple[dt.datetime, dt.datetime]] | str] = {}

    def of(self, site: SiteInput) -> list[tuple[dt.datetime, dt.datetime]] | str:
        """Return the site's open intervals that day, or an error message."""
        if site.id not in self._cache:
            try:
                self._cache[site.id] = open_intervals(
                    site.opening_hours, self._day.service_date, timezone=self._day.timezone
                )
            except InputError as exc:
                self._cache[site.id] = exc.message
        return self._cache[site.id]


class _Locations:
    """Matrix positions by key, in order of first use, with their fixed stop time."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lonlat: list[Position] = []
        self.stop_s: list[int] = []
        self._index: dict[str, int] = {}

    def add(self, key: str, where: Position, stop_s: int = 0) -> int:
        if key not in self._index:
            self._index[key] = len(self.keys)
            self.keys.append(key)
            self.lonlat.append(where)
            self.stop_s.append(stop_s)
        return self._index[key]


def _pickups(
    order: OrderInput, day: DayInput, hours: _Hours, places: _Locations
) -> tuple[Pickup, ...] | Unserved:
    by_merchant: dict[str, list[LineInput]] = {}
    for line in order.lines:
        by_merchant.setdefault(line.merchant_id, []).append(line)
    pickups = []
    for merchant_id in sorted(by_merchant):
        lines = by_merchant[merchant_id]
        site = day.merchants.get(merchant_id)
        if site is None:
            return Unserved(order.id, "unknown_merchant", f"merchant {merchant_id} is not stored")
        intervals = hours.of(site)
        if isinstance(intervals, str):
            return Unserved(order.id, "bad_opening_hours", f"merchant {site.name}: {intervals}")
        ready = [line.ready_at for line in lines if line.ready_at is not None]
        after = max(ready) if ready else None
        windows = _windows(intervals, day.origin, after)
        if not windows:
            why = (
                f"closed on {day.service_date}"
                if not intervals
                else f"goods ready at {after:%H:%M}, after the last opening of the day"
                if after is not None
                else "no opening left that day"
            )
            return Unserved(order.id, "merchant_closed", f"merchant {site.name or site.id}: {why}")
        amount = (
            float(sum(line.kg for line in lines)),
            float(sum(line.litres for line in lines)),
            float(sum(line.parcels for line in lines)),
        )
        location = places.add(f"merchant:{site.id}", (site.lon, site.lat), site.service_s)
        pickups.append(Pickup(location, windows, PICKUP_HANDLING_S, amount, site.id))
    return tuple(pickups)


def _order(order: OrderInput, day: DayInput, hours: _Hours, places: _Locations) -> Order | Unserved:
    if not order.lines:
        return Unserved(order.id, "no_lines", "the order has no lines")
    pickups = _pickups(order, day, hours, places)
    if isinstance(pickups, Unserved):
        return pickups
    origin = day.origin
    if order.fulfilment == "collection_point":
        point = day.collection_points.get(order.collection_point_id or "")
        if point is None:
            return Unserved(order.id, "unknown_collection_point", "collection point not stored")
        intervals = hours.of(point)
        if isinstance(intervals, str):
            return Unserved(order.id, "bad_opening_hours", f"collection point: {intervals}")
        windows = _windows(intervals, origin)
        if not windows:
            return Unserved(
                order.id,
                "collection_point_closed",
                f"collection point {point.name or point.id} is closed on {day.service_date}",
            )
        location = places.add(
            f"collection_point:{point.id}", (point.lon, point.lat), point.service_s
        )
        return Order(order.id, pickups, location, windows, DROP_HANDLING_S, point.id, order.skills)
    where = day.addresses.get(order.address_id or "")
    if where is None:
        return Unserved(order.id, "unknown_address", "delivery address not stored")
    if order.window is not None:
        windows = (Window(_seconds(order.window[0], origin), _seconds(order.window[1], origin)),)
    else:
        lo, hi = DEFAULT_DELIVERY_HOURS
        tz = ZoneInfo(day.timezone)
        windows = (
            Window(
                _seconds(dt.datetime.combine(day.service_date, lo, tz), origin),
                _seconds(dt.datetime.combine(day.service_date, hi, tz), origin),
            ),
        )
    location = places.add(f"address:{order.address_id}", where, ADDRESS_STOP_S)
    return Order(
        order.id,
        pickups,
        location,
        windows,
        DEFAULT_DROP_SERVICE_S,
        str(order.address_id),
        order.skills,
    )


def _vehicle(v: VehicleInput, day: DayInput, places: _Locations) -> Vehicle:
    tz = ZoneInfo(day.timezone)
    depot = places.add(f"depot:{v.depot_id}", day.depots[v.depot_id])
    start = _seconds(dt.datetime.combine(day.service_date, v.shift_start, tz), day.origin)
    end = _seconds(dt.datetime.combine(day.service_date, v.shift_end, tz), day.origin)
    return Vehicle(
        id=v.id,
        start_location=depot,
        end_location=depot,
        shift=Window(start, end),
        capacity=tuple(float(c) for c in v.capacity),
        max_duration_s=None if v.max_duration_minutes is None else v.max_duration_minutes * 60,
        cost_per_km=v.cost_per_km,
        cost_per_hour=v.cost_per_hour,
        fixed_cost=v.fixed_cost,
        skills=v.skills,
        co2_g_per_km=CO2_G_PER_KM,
    )


def _matrix(
    keys: list[str], lonlat: np.ndarray, network: Network | None
) -> tuple[np.ndarray, np.ndarray, str, tuple[tuple[str, float], ...], SnapResult | None]:
    n = len(keys)
    if n == 0:
        return np.zeros((0, 0)), np.zeros((0, 0)), "empty", (), None
    if network is None:
        m = straight_line_matrix(keys, lonlat[:, 0], lonlat[:, 1])
        return np.array(m.seconds), np.array(m.metres), m.method, (), None
    snap = snap_points(network, lonlat[:, 0], lonlat[:, 1], keys, max_distance_m=MAX_SNAP_M)
    ok = np.flatnonzero(snap.ok)
    seconds = np.full((n, n), np.inf)
    metres = np.full((n, n), np.inf)
    np.fill_diagonal(seconds, 0.0)
    np.fill_diagonal(metres, 0.0)
    method = "road graph: fastest route"
    if len(ok):
        m = travel_matrix(network, snap.subset(ok))
        seconds[np.ix_(ok, ok)] = m.seconds
        metres[np.ix_(ok, ok)] = m.metres
        method = m.method
    far = tuple((str(k), float(d)) for k, d in snap.far)
    return seconds, metres, method, far, snap


def _locks(
    locks: Sequence[Lock], orders: Sequence[Order], vehicles: Sequence[Vehicle]
) -> tuple[Lock, ...]:
    """Keep the locked stops whose order and vehicle are still in the problem."""
    known = {o.id: o for o in orders}
    vids = {v.id for v in vehicles}
    kept = []
    for lock in locks:
        refs = tuple(
            r
            for r in lock.stops
            if r.order_id in known
            and (r.pickup is None or 0 <= r.pickup < len(known[r.order_id].pickups))
        )
        if refs and lock.vehicle_id in vids:
            kept.append(Lock(lock.vehicle_id, refs, lock.prefix))
    return tuple(kept)


def build_problem(
    day: DayInput, network: Network | None = None, locks: Sequence[Lock] = ()
) -> BuiltProblem:
    """Turn a day's records into the engine's problem on a travel matrix.

    Parameters
    ----------
    day
        The day's sites, vehicles and orders (only ``home_delivery`` and ``collection_point``
        orders are planned).
    network
        The territory's road network, or None for the straight-line estimate.
    locks
        Stops that must stay on their vehicle in this order (re-planning); stops of orders
        that are no longer planned are dropped from them.

    Returns
    -------
    BuiltProblem
        The problem, the matrix positions' keys and the orders refused before solving.

    Raises
    ------
    InputError
        If a vehicle's depot is unknown or a record is malformed (e.g. a window whose end is
        before its start).
    """
    places = _Locations()
    for v in day.vehicles:
        if v.depot_id not in day.depots:
            raise InputError(
                f"vehicle {v.name or v.id}: unknown depot {v.depot_id!r}",
                {"field": "depot_id", "value": v.depot_id},
            )
    vehicles = tuple(_vehicle(v, day, places) for v in day.vehicles)
    hours = _Hours(day)
    orders: list[Order] = []
    rejected: list[Unserved] = []
    for o in day.orders:
        if o.fulfilment not in PLANNED_FULFILMENTS:
            continue
        built = _order(o, day, hours, places)
        (rejected if isinstance(built, Unserved) else orders).append(built)  # type: ignore[arg-type]
    lonlat = np.array(places.lonlat, dtype=float).reshape(-1, 2)
    started = time.perf_counter()
    seconds, metres, method, far, snap = _matrix(places.keys, lonlat, network)
    elapsed = time.perf_counter() - started
    # Integer seconds and metres (the engine's unit); inf stays inf.  The fixed time of a stop
    # is paid on arriving from another place (see the module doc).
    arrive = np.array(places.stop_s, dtype=float)[None, :] * (1 - np.eye(len(places.keys)))
    seconds = np.where(np.isfinite(seconds), np.round(seconds) + arrive, np.inf)
    metres = np.where(np.isfinite(metres), np.round(metres), np.inf)
    problem = Problem(
        seconds=seconds,
        metres=metres,
        orders=tuple(orders),
        vehicles=vehicles,
        locks=_locks(locks, orders, vehicles),
        location_ids=tuple(places.keys),
    )
    return BuiltProblem(
        problem=problem,
        day=day,
        keys=tuple(places.keys),
        lonlat=lonlat,
        rejected=tuple(rejected),
        matrix_seconds=elapsed,
        matrix_method=method,
        far=far,
        snap=snap,
    )
