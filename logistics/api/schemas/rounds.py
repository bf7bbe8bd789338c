"""Bodies of ``/v1/rounds``: a day's rounds as GeoJSON (round lines and stop points)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

StopKindName = Literal["start", "pickup", "delivery", "end"]

ROUND_PROPERTIES_EXAMPLE: dict[str, Any] = {
    "feature": "round",
    "round_id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24",
    "plan_id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13",
    "plan_status": "published",
    "vehicle_id": "4f2a6c8e-0b1d-4e3f-9a5c-7e9b1d3f5a46",
    "vehicle": "Van 1",
    "km": 48.215,
    "hours": 3.25,
    "starts_at": "2026-06-16T08:00:00+02:00",
    "ends_at": "2026-06-16T11:15:00+02:00",
    "stops": 4,
    "orders": 1,
}
STOP_PROPERTIES_EXAMPLE: dict[str, Any] = {
    "feature": "stop",
    "stop_id": "6b8d0f2a-4c6e-4a8b-9d1f-3a5c7e9b1d57",
    "round_id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24",
    "seq": 1,
    "kind": "pickup",
    "eta": "2026-06-16T08:20:00+02:00",
    "departure": "2026-06-16T08:25:00+02:00",
    "waiting_s": 0,
    "place": "Boulangerie du Champsaur",
    "address": "2 place de l'Église, 05500 La Fare-en-Champsaur",
    "site_kind": "merchant",
    "site_id": "1d4b6f2a-9c3e-4e7b-8a5d-6f0c2b9e3a71",
    "order_ids": ["5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02"],
    "parcels": 1,
    "kg": 2.5,
    "locked": False,
}
ROUND_FEATURE_EXAMPLE: dict[str, Any] = {
    "type": "Feature",
    "id": ROUND_PROPERTIES_EXAMPLE["round_id"],
    "geometry": {
        "type": "LineString",
        "coordinates": [[6.08, 44.68], [6.059908, 44.666725], [6.10281, 44.6917], [6.08, 44.68]],
    },
    "properties": ROUND_PROPERTIES_EXAMPLE,
}
STOP_FEATURE_EXAMPLE: dict[str, Any] = {
    "type": "Feature",
    "id": STOP_PROPERTIES_EXAMPLE["stop_id"],
    "geometry": {"type": "Point", "coordinates": [6.059908, 44.666725]},
    "properties": STOP_PROPERTIES_EXAMPLE,
}
PLAN_REF_EXAMPLE: dict[str, Any] = {
    "id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13",
    "status": "published",
    "territory": "champsaur",
    "date": "2026-06-16",
    "published_at": "2026-06-15T18:30:00+02:00",
}


class LineString(BaseModel):
    """A GeoJSON LineString in WGS 84 longitude/latitude (6 decimals)."""

    type: Literal["LineString"] = Field(examples=["LineString"])
    coordinates: list[list[float]] = Field(examples=[[[6.08, 44.68], [6.059908, 44.666725]]])


class Point(BaseModel):
    """A GeoJSON Point in WGS 84 longitude/latitude (6 decimals)."""

    type: Literal["Point"] = Field(examples=["Point"])
    coordinates: list[float] = Field(examples=[[6.059908, 44.666725]])


class RoundProperties(BaseModel):
    """What a round feature says about its vehicle's day."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUND_PROPERTIES_EXAMPLE]})

    feature: Literal["round"] = Field(description="Tells round lines from stop points.")
    round_id: uuid.UUID
    plan_id: uuid.UUID
    plan_status: Literal["draft", "published", "superseded"]
    vehicle_id: uuid.UUID
    vehicle: str = Field(description="The vehicle's name.")
    km: float = Field(description="Length of the round on the roads, km.")
    hours: float = Field(description="Duration from leaving the depot to returning, hours.")
    starts_at: dt.datetime | None = Field(description="Departure from the depot.")
    ends_at: dt.datetime | None = Field(description="Return to the depot.")
    stops: int = Field(description="Number of stops, depot start and end included.")
    orders: int = Field(description="Number of orders dropped on the round.")


class StopProperties(BaseModel):
    """What a stop feature says: when the vehicle is there, what it does, for which orders."""

    model_config = ConfigDict(json_schema_extra={"examples": [STOP_PROPERTIES_EXAMPLE]})

    feature: Literal["stop"] = Field(description="Tells round lines from stop points.")
    stop_id: uuid.UUID
    round_id: uuid.UUID
    seq: int = Field(description="Position in the round (the depot start is 0).")
    kind: StopKindName = Field(
        description="`start` and `end` at the depot, `pickup` at a merchant, `delivery` at "
        "the customer or the collection point."
    )
    eta: dt.datetime | None = Field(description="Planned arrival (ISO 8601, local offset).")
    departure: dt.datetime | None = Field(description="Planned departure.")
    waiting_s: int = Field(description="Seconds waited before service (early arrival).")
    place: str | None = Field(description="Name of the depot, merchant, point or customer.")
    address: str | None = Field(description="Postal address, when known.")
    site_kind: Literal["depot", "merchant", "collection_point", "delivery_address"] | None
    site_id: uuid.UUID | None = Field(description="Id of the depot, merchant, point or address.")
    order_ids: list[uuid.UUID] = Field(description="Orders picked up or dropped here.")
    parcels: int = Field(description="Parcels loaded (pickup) or unloaded (delivery) here.")
    kg: float = Field(description="Weight loaded or unloaded here, kg.")
    locked: bool = Field(description="Locked by a coordinator: re-planning keeps it in place.")


class RoundFeature(BaseModel):
    """A round as a GeoJSON Feature: the road line (``id`` = round id)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUND_FEATURE_EXAMPLE]})

    type: Literal["Feature"]
    id: uuid.UUID
    geometry: LineString | None = Field(
        description="The road geometry; the straight legs between stops when none is stored."
    )
    properties: RoundProperties


class StopFeature(BaseModel):
    """A stop as a GeoJSON Feature: a point (``id`` = stop id)."""

    model_config = ConfigDict(json_schema_extra={"examples": [STOP_FEATURE_EXAMPLE]})

    type: Literal["Feature"]
    id: uuid.UUID
    geometry: Point
    properties: StopProperties


class PlanRefOut(BaseModel):
    """The plan the rounds come from."""

    model_config = ConfigDict(json_schema_extra={"examples": [PLAN_REF_EXAMPLE]})

    id: uuid.UUID
    status: Literal["draft", "published", "superseded"]
    territory: str
    date: dt.date
    published_at: dt.datetime | None


class RoundFeatureCollection(BaseModel):
    """Rounds as a GeoJSON FeatureCollection (RFC 7946, EPSG:4326).

    For each round, its line feature then its stops' point features in visiting order;
    ``properties.feature`` tells them apart. ``plan`` names the plan they come from.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "FeatureCollection",
                    "plan": PLAN_REF_EXAMPLE,
                    "features": [ROUND_FEATURE_EXAMPLE, STOP_FEATURE_EXAMPLE],
                }
            ]
        }
    )

    type: Literal["FeatureCollection"]
    plan: PlanRefOut
    features: list[RoundFeature | StopFeature]
