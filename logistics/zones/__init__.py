"""Delivery zones, round days and coverage analytics (pure core: no database, no HTTP).

Build zones from communes (:func:`build_zones`), find the zone of a point
(:func:`lookup_zones`), the next delivery date of an order (:func:`next_delivery_date`),
isochrones from reachable roads (:func:`isochrones`), the population they reach
(:func:`population_reached`, :func:`white_zones`) and what a change would do
(:func:`what_if_collection_points`, :func:`what_if_round_days`).  See ``docs/zones.md``.
"""

from typing import TYPE_CHECKING, Any

from logistics.zones._geo import to_geojson
from logistics.zones.analysis import (
    CoverageReport,
    coverage_report,
    parse_minutes,
    straight_line_isochrones,
)
from logistics.zones.coverage import (
    AREAL_METHOD,
    SETTLED_METHOD,
    Coverage,
    isochrones,
    population_reached,
    white_zones,
)
from logistics.zones.delivery import (
    Delivery,
    HolidayRule,
    french_holidays,
    next_delivery,
    next_delivery_date,
    parse_ordered_at,
)
from logistics.zones.lookup import (
    ZoneLookup,
    lookup_zone,
    lookup_zones,
    unzoned_communes,
    zones_frame,
)
from logistics.zones.model import CutOff, Hub, Zone, parse_weekdays
from logistics.zones.roads import (
    ROAD_METHOD,
    RoadTravelTimes,
    isochrone_edges,
    road_corridor,
    road_isochrones,
)
from logistics.zones.travel import StraightLineEstimate, TravelTimeFn
from logistics.zones.whatif import (
    RoundEstimate,
    RoundModel,
    WhatIf,
    expected_round,
    what_if_collection_points,
    what_if_round_days,
)

if TYPE_CHECKING:
    from logistics.zones.build import BuildParams, ZoneReport, build_zones

_LAZY = frozenset({"BuildParams", "ZoneReport", "build_zones"})
"""Names of :mod:`logistics.zones.build`, imported on first use: regionalisation pulls in spopt
and libpysal, seconds of start-up that serving the API and planning never need."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from logistics.zones import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AREAL_METHOD",
    "ROAD_METHOD",
    "SETTLED_METHOD",
    "BuildParams",
    "Coverage",
    "CoverageReport",
    "CutOff",
    "Delivery",
    "HolidayRule",
    "Hub",
    "RoadTravelTimes",
    "RoundEstimate",
    "RoundModel",
    "StraightLineEstimate",
    "TravelTimeFn",
    "WhatIf",
    "Zone",
    "ZoneLookup",
    "ZoneReport",
    "build_zones",
    "coverage_report",
    "expected_round",
    "french_holidays",
    "isochrone_edges",
    "isochrones",
    "lookup_zone",
    "lookup_zones",
    "next_delivery",
    "next_delivery_date",
    "parse_minutes",
    "parse_ordered_at",
    "parse_weekdays",
    "population_reached",
    "road_corridor",
    "road_isochrones",
    "straight_line_isochrones",
    "to_geojson",
    "unzoned_communes",
    "what_if_collection_points",
    "what_if_round_days",
    "white_zones",
    "zones_frame",
]
