"""Body of ``/v1/coverage``: population within reach of hubs or collection points."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_THRESHOLD_EXAMPLE: dict[str, Any] = {
    "minutes": 10,
    "population": 119533,
    "reached": 78574,
    "share": 0.6573,
    "communes_reached": 58,
    "white_zones": 56,
    "white_zone_communes": [{"code": "38456", "name": "Valjouffrey", "population": 167}],
    "communes": None,
}
_METHOD_EXAMPLE: dict[str, Any] = {
    "travel_times": "road graph: driving time from the nearest origin snapped to the road, "
    "reached roads buffered by 150 m",
    "population": "dasymetric areal interpolation in EPSG:2154: population of each commune x "
    "share of its settled land (land within the road buffer of any road) inside the isochrone",
    "estimate": False,
}


class CommuneReach(BaseModel):
    """How much of one commune is within reach."""

    code: str = Field(description="INSEE code.", examples=["05061"])
    name: str = Field(examples=["Gap"])
    population: int = Field(examples=[40909])
    share: float = Field(
        description="Share of the commune's land (road-side land with a road graph) within "
        "reach, 0 to 1.",
        examples=[0.93],
    )
    reached: float = Field(description="population x share.", examples=[38045.4])


class WhiteZone(BaseModel):
    """A commune not reached at all."""

    code: str = Field(examples=["38456"])
    name: str = Field(examples=["Valjouffrey"])
    population: int = Field(examples=[167])


class ThresholdReach(BaseModel):
    """Population within one travel time."""

    model_config = ConfigDict(json_schema_extra={"examples": [_THRESHOLD_EXAMPLE]})

    minutes: float = Field(examples=[20])
    population: int = Field(description="Population of all the communes.", examples=[119533])
    reached: int = Field(description="Population within reach.", examples=[103147])
    share: float = Field(description="reached / population.", examples=[0.8629])
    communes_reached: int = Field(examples=[75])
    white_zones: int = Field(description="Communes not reached at all.", examples=[39])
    white_zone_communes: list[WhiteZone]
    communes: list[CommuneReach] | None = Field(
        None, description="Every commune (with ``per_commune=true``)."
    )


class CoverageMethod(BaseModel):
    """How the figures were obtained."""

    model_config = ConfigDict(json_schema_extra={"examples": [_METHOD_EXAMPLE]})

    travel_times: str = Field(
        description="Road graph, or ``ESTIMATE: ...`` for the straight-line estimate.",
        examples=[
            "road graph: driving time from the nearest origin snapped to the road, reached "
            "roads buffered by 150 m"
        ],
    )
    population: str = Field(description="How population is spread over each commune.")
    estimate: bool = Field(description="True when no road graph was used.", examples=[False])


class CoverageOrigins(BaseModel):
    """The points reach is measured from."""

    count: int = Field(examples=[16])
    by_kind: dict[str, int] = Field(examples=[{"hub": 5, "collection_point": 11}])
    left_out: list[str] = Field(description="Origins left out: no road within 2 km.", examples=[[]])


class CoverageOut(BaseModel):
    """Population within reach of a territory's hubs and/or collection points."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "territory": "ecrins",
                    "from": "both",
                    "thresholds": [_THRESHOLD_EXAMPLE],
                    "method": _METHOD_EXAMPLE,
                    "origins": {
                        "count": 16,
                        "by_kind": {"collection_point": 11, "hub": 5},
                        "left_out": [],
                    },
                    "computed_at": "2026-05-12T09:30:00+00:00",
                    "seconds": 7.5,
                    "cached": False,
                }
            ]
        },
        populate_by_name=True,
    )

    territory: str
    from_: Literal["hubs", "collection-points", "both"] = Field(alias="from")
    thresholds: list[ThresholdReach]
    method: CoverageMethod
    origins: CoverageOrigins
    computed_at: dt.datetime = Field(description="When the figures were computed.")
    seconds: float = Field(description="Seconds the computation took.")
    cached: bool = Field(description="True when served from the cache (same inputs).")
