"""``/v1/zones``: a territory's delivery zones, and the zone and next delivery of a point."""

from __future__ import annotations

from typing import Annotated, Any

import geopandas as gpd
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from logistics.api.auth import AnyPrincipal, ReaderPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._responses import error_responses
from logistics.api.routes._territory import TerritoryQuery, resolve_territory
from logistics.api.schemas.zones import ZoneFeatureCollection, ZoneLookupOut
from logistics.store.territory import get_territory
from logistics.store.zones import count_zones, lookup_zone_sql, read_zones, zone_objects
from logistics.zones import CutOff, next_delivery, parse_ordered_at, to_geojson

router = APIRouter(prefix="/v1/zones", tags=["zones"])

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _summary(row: Any) -> dict[str, Any]:
    days = [int(d) for d in row["round_days"]]
    cutoff = CutOff(row["cutoff_time"], int(row["cutoff_days_before"]))
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "round_days": days,
        "round_day_names": [WEEKDAYS[d - 1] for d in days],
        "cutoff": {
            "time": row["cutoff_time"],
            "days_before": int(row["cutoff_days_before"]),
            "description": str(cutoff),
        },
        "hub": {
            "depot_id": None if row["hub_depot_id"] is None else str(row["hub_depot_id"]),
            "name": row["hub_name"],
            "commune": row["hub_commune"],
            "lon": None if row["hub_lon"] is None else round(float(row["hub_lon"]), 6),
            "lat": None if row["hub_lat"] is None else round(float(row["hub_lat"]), 6),
        },
        "timezone": row["timezone"],
    }


@router.get(
    "",
    response_model=ZoneFeatureCollection,
    summary="Delivery zones of a territory as GeoJSON",
    responses=error_responses(401, 403, 404, 422),
)
def zones(
    session: SessionDep, principal: ReaderPrincipal, territory: TerritoryQuery = None
) -> JSONResponse:
    """Return the zones (outline, round days, cut-off, hub, population, communes)."""
    territory = resolve_territory(principal, territory)
    frame = read_zones(session, territory)
    geometry = to_geojson(gpd.GeoDataFrame(geometry=frame.geometry, crs=frame.crs))["features"]
    features = []
    for (_, row), shape in zip(frame.iterrows(), geometry, strict=True):
        properties = _summary(row) | {
            "population": int(row["population"]),
            "area_km2": round(float(row["area_km2"]), 3),
            "n_communes": int(row["n_communes"]),
            "communes": list(row["commune_codes"]),
        }
        features.append(
            {
                "type": "Feature",
                "id": properties["id"],
                "geometry": shape["geometry"],
                "properties": properties,
            }
        )
    body = {"type": "FeatureCollection", "territory": territory, "features": features}
    return JSONResponse(body, media_type="application/geo+json")


@router.get(
    "/lookup",
    response_model=ZoneLookupOut,
    summary="Zone serving a point and its next delivery date",
    responses=error_responses(401, 404, 422),
)
def lookup(
    session: SessionDep,
    principal: AnyPrincipal,
    lon: Annotated[
        float, Query(ge=-180, le=180, description="Longitude, WGS 84.", examples=[6.0795])
    ],
    lat: Annotated[
        float, Query(ge=-90, le=90, description="Latitude, WGS 84.", examples=[44.5589])
    ],
    territory: TerritoryQuery = None,
    ordered_at: Annotated[
        str | None,
        Query(
            description="When the order is placed, ISO 8601 with offset (default: now).",
            examples=["2026-04-30T11:00:00+02:00"],
            max_length=64,
        ),
    ] = None,
) -> dict[str, Any]:
    """Find the zone containing the point and the first round an order placed then makes.

    The round respects the zone's round days, its cut-off (local time, some days before) and
    French public holidays (no round on a holiday: the next round day serves the zone).  A
    point outside every zone is not an error: ``zone`` and ``delivery`` are null and
    ``reason`` says why.  Keys bound to a territory search it; other keys search the
    territory given, or every territory.
    """
    when = parse_ordered_at(ordered_at)
    territory = territory or principal.territory_id
    if territory is not None:
        principal.check_territory(territory)
        get_territory(session, territory)
    base: dict[str, Any] = {"territory": territory, "lon": lon, "lat": lat, "ordered_at": when}
    found = lookup_zone_sql(session, territory, lon, lat)
    if found is None:
        return base | _nowhere(session, territory)
    frame = read_zones(session, found["territory_id"], names=[found["name"]], geometry=False)
    row = frame.iloc[0]
    delivery = next_delivery(zone_objects(frame)[0], when)
    return base | {
        "territory": found["territory_id"],
        "zone": _summary(row),
        "delivery": {
            "date": delivery.date,
            "round_day": delivery.round_day,
            "cutoff": delivery.cutoff,
            "postponed_from": delivery.postponed_from,
        },
        "reason": None,
        "message": None,
    }


def _nowhere(session: SessionDep, territory: str | None) -> dict[str, Any]:
    count = count_zones(session, territory)
    where = f"territory {territory!r}" if territory else "any territory"
    if not count:
        reason, message = "no_zones", f"{where} has no zones yet"
    else:
        reason, message = "outside_zones", f"the point is in none of the {count} zones of {where}"
    return {"zone": None, "delivery": None, "reason": reason, "message": message}
