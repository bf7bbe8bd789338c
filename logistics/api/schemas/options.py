"""Options for a basket (``/v1/options``): pickup slots and home-delivery days."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logistics.api.schemas.bookings import SITE_EXAMPLE, SiteRef
from logistics.api.schemas.common import ExternalRef, IsoDate
from logistics.api.schemas.slots import FULL_SLOT_EXAMPLE, SLOT_EXAMPLE, SlotOut
from logistics.store.bookings import MAX_BASKET

SiteReason = Literal[
    "no_pickup",
    "closed",
    "full",
    "storage_full",
    "before_drop",
    "booking_closed",
    "booking_not_open",
    "slot_started",
]

OPTIONS_REQUEST_EXAMPLE: dict[str, Any] = {
    "merchants": ["m-bakery", "m-farm"],
    "parcels": 2,
    "lon": 6.0601,
    "lat": 44.6672,
    "radius_km": 15,
    "date": "2026-06-16",
    "days": 1,
    "limit": 20,
}
_POINT_EXAMPLE: dict[str, Any] = {
    "kind": "collection_point",
    "id": "7a2c4e6f-8b0d-4f1a-9c3e-5d7f9b1a3c05",
    "external_id": "cp-mairie",
    "name": "Mairie de Saint-Bonnet",
}
OPTIONS_EXAMPLE: dict[str, Any] = {
    "first_day": "2026-06-16",
    "last_day": "2026-06-16",
    "at_shop": [
        {
            "site": SITE_EXAMPLE,
            "available": True,
            "reason": None,
            "message": None,
            "slots": [SLOT_EXAMPLE, FULL_SLOT_EXAMPLE],
        }
    ],
    "collection_points": [
        {
            "site": _POINT_EXAMPLE,
            "distance_m": 4012.5,
            "available": True,
            "reason": None,
            "message": None,
            "slots": [{**SLOT_EXAMPLE, "id": 7301}],
        }
    ],
    "home_delivery": {
        "zone": None,
        "round_weekdays": [],
        "days": [],
        "reason": "no zones defined for this territory",
    },
}


class OptionsRequest(BaseModel):
    """A basket and where its customer is.

    With `GET`, give the fields as query parameters (`merchants` repeated:
    `?merchants=m-bakery&merchants=m-farm&lon=6.06&lat=44.667`); with `POST`, as a JSON body.
    """

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [OPTIONS_REQUEST_EXAMPLE]}
    )

    merchants: list[ExternalRef] = Field(
        min_length=1,
        max_length=MAX_BASKET,
        description="External ids of the basket's merchants (on your platform).",
        examples=[["m-bakery", "m-farm"]],
    )
    parcels: int = Field(
        1,
        ge=1,
        le=1000,
        description="Parcels of the basket (a collection point must have room to store them).",
        examples=[2],
    )
    lon: float = Field(
        ge=-180,
        le=180,
        allow_inf_nan=False,
        description="Customer longitude (WGS 84 degrees).",
        examples=[6.0601],
    )
    lat: float = Field(
        ge=-90,
        le=90,
        allow_inf_nan=False,
        description="Customer latitude (WGS 84 degrees).",
        examples=[44.6672],
    )
    radius_km: float = Field(
        15.0,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description="List the collection points within this distance of the customer (km).",
        examples=[15],
    )
    date: IsoDate | None = Field(
        None, description="First day (Europe/Paris); default: today.", examples=["2026-06-16"]
    )
    days: int = Field(
        1, ge=1, le=14, description="Number of days from `date` (1 to 14).", examples=[1]
    )
    limit: int = Field(
        20, ge=1, le=500, description="Most slots listed per site (1 to 500).", examples=[20]
    )


class SiteOptions(BaseModel):
    """The pickup slots of one site, the least crowded first, then those that cannot be held."""

    site: SiteRef
    available: bool = Field(description="Whether at least one slot can be held.")
    reason: SiteReason | None = Field(
        description="When none can: `no_pickup` (the site offers no pickup), `closed` (no "
        "opening on these days), or the slots' reason (`full`, `booking_closed`...)."
    )
    message: str | None
    slots: list[SlotOut] = Field(
        description="Slots that can be held, least crowded first (ties: earliest), then the "
        "others in time order, each with its reason."
    )


class ShopOptions(SiteOptions):
    """Collection at one of the basket's shops (a basket needs one slot at each)."""

    model_config = ConfigDict(json_schema_extra={"examples": [OPTIONS_EXAMPLE["at_shop"][0]]})


class PointOptions(SiteOptions):
    """Collection at a nearby collection point (one slot for the whole basket)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [OPTIONS_EXAMPLE["collection_points"][0]]}
    )

    distance_m: float = Field(description="Distance from the customer (metres, geodesic).")


class ZoneRef(BaseModel):
    """A delivery zone."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "2f4a6c8e-0b1d-4e3f-8a5c-7e9b1d3f5a07", "name": "Champsaur"}]
        }
    )

    id: uuid.UUID
    name: str


class DeliveryDay(BaseModel):
    """A home-delivery day and the deadline to order for it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"date": "2026-06-16", "order_by": "2026-06-15T18:00:00+02:00"}]
        }
    )

    date: dt.date
    order_by: dt.datetime


class HomeDeliveryOptions(BaseModel):
    """Home-delivery days for the customer's address (from the zone containing it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                OPTIONS_EXAMPLE["home_delivery"],
                {
                    "zone": {"id": "2f4a6c8e-0b1d-4e3f-8a5c-7e9b1d3f5a07", "name": "Champsaur"},
                    "round_weekdays": [2, 5],
                    "days": [
                        {"date": "2026-06-16", "order_by": "2026-06-15T18:00:00+02:00"},
                        {"date": "2026-06-19", "order_by": "2026-06-18T18:00:00+02:00"},
                    ],
                    "reason": None,
                },
            ]
        }
    )

    zone: ZoneRef | None
    round_weekdays: list[int] = Field(description="ISO weekdays of the zone's rounds (1 = Mon).")
    days: list[DeliveryDay] = Field(description="The next round days still open for orders.")
    reason: str | None = Field(description="Why there is no day, when there is none.")


class OptionsOut(BaseModel):
    """Every way the basket can reach the customer over the days asked."""

    model_config = ConfigDict(json_schema_extra={"examples": [OPTIONS_EXAMPLE]})

    first_day: dt.date
    last_day: dt.date
    at_shop: list[ShopOptions] = Field(description="One entry per merchant of the basket.")
    collection_points: list[PointOptions] = Field(description="Nearest first.")
    home_delivery: HomeDeliveryOptions


__all__ = [
    "OPTIONS_EXAMPLE",
    "DeliveryDay",
    "HomeDeliveryOptions",
    "OptionsOut",
    "OptionsRequest",
    "PointOptions",
    "ShopOptions",
    "SiteOptions",
    "ZoneRef",
]
