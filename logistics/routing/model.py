"""The round-planning problem and its solution, as plain data (pure: no database, no HTTP).

A :class:`Problem` is a day's orders, the vehicles and a travel matrix over *locations*
(integer positions ``0..n-1`` in the matrix).  Times are integer seconds from the start of the
planning day (the caller chooses the origin, e.g. midnight local time); quantities are floats
per capacity dimension, in the order of :attr:`Problem.dimensions`.

An order is picked up at one or more merchants (one :class:`Pickup` each) and dropped once, by
the same vehicle, after all its pickups.  The engine (:mod:`logistics.routing.solve`) returns a
:class:`Solution`: the rounds with their stops, the orders it could not serve with a reason, and
totals.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from logistics.errors import InputError

__all__ = [
    "DIMENSIONS",
    "Lock",
    "Order",
    "Pickup",
    "Problem",
    "Route",
    "Solution",
    "StopRef",
    "Totals",
    "Unserved",
    "Vehicle",
    "Visit",
    "Window",
]

DIMENSIONS: tuple[str, ...] = ("kg", "litres", "parcels")
"""Default capacity dimensions."""

StopKind = Literal["start", "pickup", "drop", "end"]


@dataclass(frozen=True)
class Window:
    """A time window ``[start, end]`` in seconds; service must *start* inside it."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                f"time window [{self.start}, {self.end}]: end must be >= start",
                {"start": self.start, "end": self.end},
            )


def _windows(owner: str, windows: tuple[Window, ...]) -> None:
    if not windows:
        raise InputError(f"{owner}: at least one time window is required", {"field": "windows"})
    for a, b in itertools.pairwise(windows):
        if b.start <= a.end:
            raise InputError(
                f"{owner}: time windows must be sorted and disjoint, got "
                f"[{a.start}, {a.end}] then [{b.start}, {b.end}]",
                {"field": "windows"},
            )


def _amount(owner: str, amount: tuple[float, ...]) -> None:
    if any(not math.isfinite(q) or q < 0 for q in amount):
        raise InputError(
            f"{owner}: quantities must be finite and >= 0, got {list(amount)}",
            {"field": "amount", "value": list(amount)},
        )


@dataclass(frozen=True)
class Pickup:
    """Where and when one merchant hands over its part of an order.

    Parameters
    ----------
    location
        Matrix position of the merchant.
    windows
        When the pickup may start: the merchant's opening intervals after the goods are ready
        (sorted, disjoint).
    service_s
        Time spent at the stop for this pickup.
    amount
        Quantities loaded, one per dimension of the problem.
    site
        The merchant's id (used for reports and each merchant's share of the cost).
    """

    location: int
    windows: tuple[Window, ...]
    service_s: int
    amount: tuple[float, ...]
    site: str

    def __post_init__(self) -> None:
        _windows(f"pickup at {self.site}", self.windows)
        _amount(f"pickup at {self.site}", self.amount)
        if self.service_s < 0:
            raise InputError(f"pickup at {self.site}: service_s={self.service_s} must be >= 0")


@dataclass(frozen=True)
class Order:
    """An order: one or more pickups, then one drop by the same vehicle.

    Parameters
    ----------
    id
        The order's id.
    pickups
        One per merchant the order draws on (at least one).
    drop_location
        Matrix position of the customer's address or of the collection point.
    drop_windows
        When the drop may start (customer window or the collection point's receiving hours).
    drop_service_s
        Time spent at the drop.
    drop_site
        Id of the collection point or delivery address (reports only).
    skills
        Skills a vehicle must have (e.g. ``"refrigerated"``).
    """

    id: str
    pickups: tuple[Pickup, ...]
    drop_location: int
    drop_windows: tuple[Window, ...]
    drop_service_s: int = 0
    drop_site: str | None = None
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.pickups:
            raise InputError(f"order {self.id}: at least one pickup is required")
        _windows(f"drop of order {self.id}", self.drop_windows)
        if self.drop_service_s < 0:
            raise InputError(f"order {self.id}: drop_service_s must be >= 0")

    @property
    def amount(self) -> tuple[float, ...]:
        """Total quantities of the order (sum over its pickups)."""
        return tuple(float(sum(q)) for q in zip(*(p.amount for p in self.pickups), strict=True))


@dataclass(frozen=True)
class Vehicle:
    """A vehicle: depot(s), shift, capacities, costs and skills.

    ``cost_per_km`` and ``cost_per_hour`` price the route's distance and duration;
    ``fixed_cost`` is paid once if the vehicle is used.
    """

    id: str
    start_location: int
    end_location: int
    shift: Window
    capacity: tuple[float, ...]
    max_duration_s: int | None = None
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    skills: frozenset[str] = frozenset()
    co2_g_per_km: float = 0.0

    def __post_init__(self) -> None:
        _amount(f"vehicle {self.id} capacity", self.capacity)
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            raise InputError(f"vehicle {self.id}: max_duration_s must be > 0")
        if min(self.cost_per_km, self.cost_per_hour, self.fixed_cost) < 0:
            raise InputError(f"vehicle {self.id}: costs must be >= 0")


@dataclass(frozen=True)
class StopRef:
    """A stop of an order: its drop (``pickup is None``) or its pickup number ``pickup``."""

    order_id: str
    pickup: int | None = None


@dataclass(frozen=True)
class Lock:
    """Stops that stay on a vehicle in this relative order (done or locked by a coordinator).

    With ``prefix=True`` the stops are the start of the round (already done): nothing is
    inserted before or between them.
    """

    vehicle_id: str
    stops: tuple[StopRef, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Problem:
    """A day's planning problem.

    Parameters
    ----------
    seconds
        ``n x n`` travel times in seconds (``inf`` where there is no route).
    metres
        ``n x n`` distances in metres (``inf`` where there is no route).
    orders, vehicles
        What to serve and with what.
    locks
        Stops that must stay where they are (re-planning).
    dimensions
        Names of the capacity dimensions (length of every amount and capacity).
    location_ids
        Optional ids of the matrix positions (reports, road geometry).
    """

    seconds: np.ndarray
    metres: np.ndarray
    orders: tuple[Order, ...]
    vehicles: tuple[Vehicle, ...]
    locks: tuple[Lock, ...] = ()
    dimensions: tuple[str, ...] = DIMENSIONS
    location_ids: tuple[object, ...] | None = None

    def __post_init__(self) -> None:
        n = self.seconds.shape[0] if self.seconds.ndim == 2 else -1
        if self.seconds.shape != (n, n) or self.metres.shape != (n, n):
            raise InputError(
                f"seconds {self.seconds.shape} and metres {self.metres.shape} must both be n x n"
            )
        ids = [o.id for o in self.orders]
        if len(set(ids)) != len(ids):
            raise InputError("order ids must be unique", {"field": "orders"})
        vids = [v.id for v in self.vehicles]
        if len(set(vids)) != len(vids):
            raise InputError("vehicle ids must be unique", {"field": "vehicles"})
        k = len(self.dimensions)
        for o in self.orders:
            for loc in (o.drop_location, *(p.location for p in o.pickups)):
                if not 0 <= loc < n:
                    raise InputError(f"order {o.id}: location {loc} outside 0..{n - 1}")
            if any(len(p.amount) != k for p in o.pickups):
                raise InputError(f"order {o.id}: amounts must have {k} values {self.dimensions}")
        for v in self.vehicles:
            if not (0 <= v.start_location < n and 0 <= v.end_location < n):
                raise InputError(f"vehicle {v.id}: depot location outside 0..{n - 1}")
            if len(v.capacity) != k:
                raise InputError(f"vehicle {v.id}: capacity must have {k} values")
        by_id = {o.id: o for o in self.orders}
        for lock in self.locks:
            if lock.vehicle_id not in vids:
                raise InputError(f"lock: unknown vehicle {lock.vehicle_id!r}")
            for ref in lock.stops:
                order = by_id.get(ref.order_id)
                if order is None:
                    raise InputError(f"lock on {lock.vehicle_id}: unknown order {ref.order_id!r}")
                if ref.pickup is not None and not 0 <= ref.pickup < len(order.pickups):
                    raise InputError(
                        f"lock on {lock.vehicle_id}: order {ref.order_id} has no pickup "
                        f"{ref.pickup}"
                    )


@dataclass(frozen=True)
class Visit:
    """A stop of a round, with its schedule and the load after it."""

    kind: StopKind
    location: int
    order_ids: tuple[str, ...]
    site: str | None
    arrival_s: int
    waiting_s: int
    start_s: int
    departure_s: int
    load: tuple[float, ...]
    refs: tuple[StopRef, ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class Route:
    """One vehicle's round: depot, stops, depot."""

    vehicle_id: str
    visits: tuple[Visit, ...]
    distance_m: float
    duration_s: int
    cost: float
    co2_kg: float = 0.0
    geometry: object | None = None


@dataclass(frozen=True)
class Unserved:
    """An order left out, with the reason found by checking it."""

    order_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class Totals:
    """Totals of a solution."""

    vehicles: int
    km: float
    hours: float
    cost: float
    co2_kg: float
    served: int
    unserved: int


@dataclass(frozen=True)
class Solution:
    """The rounds, the unserved orders with reasons, totals and each merchant's cost share."""

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    totals: Totals
    merchant_shares: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    status: str = ""
    engine: str = ""
    """How it was found, e.g. ``"pyvrp+ortools"`` (warm start, then OR-Tools) or ``"ortools"``."""
