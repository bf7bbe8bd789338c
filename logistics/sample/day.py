"""The plain data of a generated day (frozen dataclasses that check themselves).

Positions are lon/lat degrees (EPSG:4326); times are timezone-aware local datetimes; entities
refer to each other by ``external_id`` (or ``name`` for depots), so a day can be stored, sent
over HTTP or handed to the routing core without a database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from logistics.errors import InputError

if TYPE_CHECKING:
    from logistics.sample.generate import GenerateParams

__all__ = [
    "FULFILMENTS",
    "REFRIGERATED",
    "CollectionPoint",
    "Customer",
    "Day",
    "Depot",
    "Merchant",
    "Order",
    "OrderLine",
    "Site",
    "Vehicle",
]

FULFILMENTS = ("home_delivery", "collection_point", "at_shop")
REFRIGERATED = "refrigerated"


def _check_lonlat(owner: str, lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(
            f"{owner}: ({lon}, {lat}) is not a lon/lat position", {"value": [lon, lat]}
        )


@dataclass(frozen=True)
class Site:
    """A place customers or vans go to, with opening hours (base of merchants and points)."""

    external_id: str
    name: str
    kind: str
    address: str
    commune_code: str
    lon: float
    lat: float
    opening_hours: str

    def __post_init__(self) -> None:
        _check_lonlat(f"{type(self).__name__} {self.external_id}", self.lon, self.lat)


@dataclass(frozen=True)
class Merchant(Site):
    """A shop selling on the platform (real when ``generated`` is false)."""

    accepts_pickup: bool = True
    refrigerated: bool = False
    generated: bool = True


@dataclass(frozen=True)
class CollectionPoint(Site):
    """A shared collection point (the mairie of a larger commune)."""

    capacity: int = 40
    slot_capacity: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.capacity < 0 or self.slot_capacity < 0:
            raise InputError(
                f"collection point {self.external_id}: capacity={self.capacity} and "
                f"slot_capacity={self.slot_capacity} must be >= 0"
            )


@dataclass(frozen=True)
class Depot:
    """A hub where rounds start and end."""

    name: str
    address: str
    commune_code: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        _check_lonlat(f"depot {self.name}", self.lon, self.lat)


@dataclass(frozen=True)
class Vehicle:
    """A delivery van with capacities, shift and costs."""

    name: str
    depot: str
    capacity_kg: float
    capacity_litres: float
    capacity_parcels: int
    shift_start: dt.time
    shift_end: dt.time
    max_duration_minutes: int
    cost_per_km: float
    cost_per_hour: float
    fixed_cost: float
    skills: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.shift_end <= self.shift_start:
            raise InputError(
                f"vehicle {self.name}: shift_end {self.shift_end} must be after shift_start "
                f"{self.shift_start}"
            )
        if min(self.capacity_kg, self.capacity_litres, self.capacity_parcels) < 0:
            raise InputError(f"vehicle {self.name}: capacities must be >= 0")


@dataclass(frozen=True)
class Customer:
    """A customer's address (a point near a road of their commune)."""

    external_id: str
    label: str
    address: str
    commune_code: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        _check_lonlat(f"customer {self.external_id}", self.lon, self.lat)


@dataclass(frozen=True)
class OrderLine:
    """What one merchant prepares for an order."""

    merchant: str
    parcels: int
    weight_kg: float
    volume_litres: float
    ready_at: dt.datetime

    def __post_init__(self) -> None:
        if self.parcels < 1 or self.weight_kg < 0 or self.volume_litres < 0:
            raise InputError(
                f"order line of {self.merchant}: parcels={self.parcels} must be >= 1, "
                f"weight_kg={self.weight_kg} and volume_litres={self.volume_litres} >= 0"
            )
        if self.ready_at.tzinfo is None:
            raise InputError(f"order line of {self.merchant}: ready_at must be timezone-aware")


@dataclass(frozen=True)
class Order:
    """A customer's order: one line per merchant, a fulfilment and maybe a time window."""

    external_id: str
    fulfilment: str
    customer: str
    lines: tuple[OrderLine, ...]
    collection_point: str | None = None
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None
    required_skills: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.fulfilment not in FULFILMENTS:
            raise InputError(
                f"order {self.external_id}: fulfilment {self.fulfilment!r}; expected one of "
                f"{', '.join(FULFILMENTS)}"
            )
        if not self.lines:
            raise InputError(f"order {self.external_id}: no lines")
        if (self.fulfilment == "collection_point") != (self.collection_point is not None):
            raise InputError(
                f"order {self.external_id}: collection_point={self.collection_point!r} does "
                f"not match fulfilment {self.fulfilment!r}"
            )
        if (self.window_start is None) != (self.window_end is None) or (
            self.window_start is not None
            and self.window_end is not None
            and self.window_end <= self.window_start
        ):
            raise InputError(
                f"order {self.external_id}: window {self.window_start} - {self.window_end} "
                "must have both ends, the end after the start"
            )


@dataclass(frozen=True)
class Day:
    """A generated day: everything needed to plan rounds and book slots for a date."""

    service_date: dt.date
    params: GenerateParams
    merchants: tuple[Merchant, ...]
    collection_points: tuple[CollectionPoint, ...]
    depots: tuple[Depot, ...]
    vehicles: tuple[Vehicle, ...]
    customers: tuple[Customer, ...]
    orders: tuple[Order, ...]
    customers_near_roads: bool = field(default=False)

    def summary(self) -> dict[str, int | float]:
        """Return headline counts (merchants, orders by fulfilment, parcels, kg...)."""
        mix = Counter(o.fulfilment for o in self.orders)
        lines = [line for o in self.orders for line in o.lines]
        return {
            "merchants": len(self.merchants),
            "collection_points": len(self.collection_points),
            "depots": len(self.depots),
            "vehicles": len(self.vehicles),
            "orders": len(self.orders),
            **{f"orders_{k}": mix.get(k, 0) for k in FULFILMENTS},
            "multi_merchant_orders": sum(len(o.lines) > 1 for o in self.orders),
            "refrigerated_orders": sum(REFRIGERATED in o.required_skills for o in self.orders),
            "windowed_orders": sum(o.window_start is not None for o in self.orders),
            "parcels": sum(line.parcels for line in lines),
            "weight_kg": round(sum(line.weight_kg for line in lines), 1),
            "volume_litres": round(sum(line.volume_litres for line in lines), 1),
        }
