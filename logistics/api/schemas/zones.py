"""Bodies of ``/v1/zones``: zones as GeoJSON, and the zone and next delivery of a point."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logistics.api.schemas.common import MultiPolygon


class CutOffOut(BaseModel):
    """An order cut-off: local time, some days before the round."""

    time: str = Field(description="Local time of day, HH:MM.", examples=["18:00"])
    days_before: int = Field(description="Days between the cut-off and the round.", examples=[1])
    description: str = Field(examples=["18:00 the day before"])


class HubOut(BaseModel):
    """The depot a zone's rounds start from."""

    depot_id: uuid.UUID | None = Field(examples=["0cbbe3a1-b923-4018-8186-e02832dc8453"])
    name: str | None = Field(examples=["Zone 1 hub"])
    commune: str | None = Field(description="Commune the hub is in.", examples=["Gap"])
    lon: float | None = Field(examples=[6.064946])
    lat: float | None = Field(examples=[44.580135])


_ZONE_EXAMPLE: dict[str, Any] = {
    "id": "fab6bb83-beb1-4ea0-aaa6-202a8cdca98d",
    "name": "Zone 1",
    "round_days": [1],
    "round_day_names": ["Mon"],
    "cutoff": {"time": "18:00", "days_before": 1, "description": "18:00 the day before"},
    "hub": {
        "depot_id": "0cbbe3a1-b923-4018-8186-e02832dc8453",
        "name": "Zone 1 hub",
        "commune": "Gap",
        "lon": 6.064946,
        "lat": 44.580135,
    },
    "timezone": "Europe/Paris",
}
_PROPERTIES_EXAMPLE: dict[str, Any] = {
    **_ZONE_EXAMPLE,
    "population": 46680,
    "area_km2": 249.1,
    "n_communes": 6,
    "communes": ["05059", "05060", "05061", "05075", "05087", "05179"],
}
_FEATURE_EXAMPLE: dict[str, Any] = {
    "type": "Feature",
    "id": _ZONE_EXAMPLE["id"],
    "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[[[6.05, 44.55], [6.1, 44.55], [6.1, 44.6], [6.05, 44.55]]]],
    },
    "properties": _PROPERTIES_EXAMPLE,
}


class ZoneSummary(BaseModel):
    """A zone without its outline."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ZONE_EXAMPLE]})

    id: uuid.UUID = Field(examples=["fab6bb83-beb1-4ea0-aaa6-202a8cdca98d"])
    name: str = Field(examples=["Zone 1"])
    round_days: list[int] = Field(
        description="ISO weekdays of the rounds (1 = Monday ... 7 = Sunday).", examples=[[1, 4]]
    )
    round_day_names: list[str] = Field(examples=[["Mon", "Thu"]])
    cutoff: CutOffOut
    hub: HubOut
    timezone: str = Field(
        description="IANA time zone of days and times.", examples=["Europe/Paris"]
    )


class ZoneProperties(ZoneSummary):
    """Properties of a zone feature."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PROPERTIES_EXAMPLE]})

    population: int = Field(description="Sum of its communes' populations.", examples=[46680])
    area_km2: float = Field(examples=[249.1])
    n_communes: int = Field(examples=[6])
    communes: list[str] = Field(
        description="INSEE codes of its communes (empty for a zone drawn as a polygon).",
        examples=[["05059", "05060", "05061"]],
    )


class ZoneFeature(BaseModel):
    """A zone as a GeoJSON Feature (``id`` = zone id)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_FEATURE_EXAMPLE]})

    type: Literal["Feature"]
    id: uuid.UUID
    geometry: MultiPolygon
    properties: ZoneProperties


class ZoneFeatureCollection(BaseModel):
    """The zones of a territory as a GeoJSON FeatureCollection (RFC 7946, EPSG:4326)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "FeatureCollection",
                    "territory": "ecrins",
                    "features": [_FEATURE_EXAMPLE],
                }
            ]
        }
    )

    type: Literal["FeatureCollection"]
    territory: str = Field(description="The territory the zones belong to.")
    features: list[ZoneFeature]


class DeliveryOut(BaseModel):
    """The first round an order placed at ``ordered_at`` can go on."""

    date: dt.date = Field(description="Local date of the round.", examples=["2026-05-04"])
    round_day: dt.date = Field(
        description="The round day the order made (differs from ``date`` when a holiday "
        "postponed it).",
        examples=["2026-05-04"],
    )
    cutoff: dt.datetime = Field(
        description="The cut-off the order beat, ISO 8601 with the zone's offset.",
        examples=["2026-05-03T18:00:00+02:00"],
    )
    postponed_from: dt.date | None = Field(None, examples=[None])


class ZoneLookupOut(BaseModel):
    """The zone serving a point and its next delivery, or ``zone: null`` with the reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "territory": "ecrins",
                    "lon": 6.0795,
                    "lat": 44.5589,
                    "ordered_at": "2026-04-30T11:00:00+02:00",
                    "zone": _ZONE_EXAMPLE,
                    "delivery": {
                        "date": "2026-05-04",
                        "round_day": "2026-05-04",
                        "cutoff": "2026-05-03T18:00:00+02:00",
                        "postponed_from": None,
                    },
                    "reason": None,
                    "message": None,
                },
                {
                    "territory": "ecrins",
                    "lon": 2.35,
                    "lat": 48.85,
                    "ordered_at": "2026-04-30T11:00:00+02:00",
                    "zone": None,
                    "delivery": None,
                    "reason": "outside_zones",
                    "message": "the point is in none of the 5 zones of territory 'ecrins'",
                },
            ]
        }
    )

    territory: str | None = Field(
        description="Territory searched (the zone's, when the key is bound to none)."
    )
    lon: float
    lat: float
    ordered_at: dt.datetime = Field(description="When the order is placed (default: now).")
    zone: ZoneSummary | None = Field(description="The zone, or null outside every zone.")
    delivery: DeliveryOut | None = Field(description="Next delivery, null outside every zone.")
    reason: Literal["outside_zones", "no_zones"] | None = Field(
        None,
        description="Why ``zone`` is null: the point is in no zone, or the territory has no "
        "zones yet.",
    )
    message: str | None = Field(None, description="The reason, in words.")
