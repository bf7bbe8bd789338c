"""Zones as geometries, and point-to-zone lookup with a spatial index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from logistics.errors import InputError
from logistics.zones._geo import METRIC_CRS, STORAGE_CRS, check_codes, check_frame
from logistics.zones.model import Zone

__all__ = ["ZoneLookup", "lookup_zone", "lookup_zones", "unzoned_communes", "zones_frame"]

#: Overlaps smaller than this (m²) are taken as digitising noise between polygon zones.
OVERLAP_TOLERANCE_M2 = 1.0


def zones_frame(
    zones: Sequence[Zone], communes: gpd.GeoDataFrame | None = None, *, code_col: str = "code"
) -> gpd.GeoDataFrame:
    """Return one row per zone with its area as a geometry (EPSG:4326).

    Parameters
    ----------
    zones
        The zones; names must be unique.
    communes
        Commune polygons with an INSEE ``code_col``; needed when a zone is given by communes.
    code_col
        Column of ``communes`` holding the INSEE code.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``hub_lon``, ``hub_lat``, ``depot_id``, ``round_days`` (sorted list),
        ``cutoff_time`` ("HH:MM"), ``cutoff_days_before``, ``slot_template``, ``n_communes``,
        ``geometry``; rows in the order of ``zones``.

    Raises
    ------
    InputError
        On duplicate zone names, a zone by communes without ``communes``, INSEE codes absent
        from ``communes``, a commune in two zones, or polygon zones that overlap.
    """
    zones = list(zones)
    if not zones or not all(isinstance(z, Zone) for z in zones):
        raise InputError(
            "zones must be a non-empty sequence of Zone objects",
            {"field": "zones", "value": [type(z).__name__ for z in zones][:10]},
        )
    names = [z.name for z in zones]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"zone names must be unique; repeated: {dup}", {"field": "name"})
    by_code: dict[str, str] = {}
    for z in zones:
        for code in z.communes:
            if code in by_code:
                raise InputError(
                    f"commune {code} is in two zones, {by_code[code]!r} and {z.name!r}; "
                    "a commune belongs to one zone",
                    {"field": "communes", "value": code, "zones": [by_code[code], z.name]},
                )
            by_code[code] = z.name
    geoms: list[object] = []
    if by_code:
        if communes is None:
            raise InputError(
                "zones given by INSEE codes need the communes GeoDataFrame to get their area",
                {"field": "communes", "value": None},
            )
        check_frame(communes, "communes", columns=[code_col])
        check_codes(communes, code_col, "communes")
        known = set(communes[code_col].astype(str))
        unknown = sorted(set(by_code) - known)
        if unknown:
            raise InputError(
                f"unknown INSEE codes {unknown[:20]} (zones "
                f"{sorted({by_code[c] for c in unknown})}): not in the communes data",
                {"field": "communes", "value": unknown},
            )
        metric = communes.to_crs(METRIC_CRS)
        metric_codes = metric[code_col].astype(str)
    for z in zones:
        if z.polygon is not None:
            geoms.append(gpd.GeoSeries([z.polygon], crs=STORAGE_CRS).to_crs(METRIC_CRS).iloc[0])
        else:
            geoms.append(metric.geometry[metric_codes.isin(z.communes).to_numpy()].union_all())
    out = gpd.GeoDataFrame(
        {
            "name": names,
            "hub_lon": [z.hub.lon for z in zones],
            "hub_lat": [z.hub.lat for z in zones],
            "depot_id": [z.hub.depot_id for z in zones],
            "round_days": [sorted(z.round_days) for z in zones],
            "cutoff_time": [f"{z.cutoff.time:%H:%M}" for z in zones],
            "cutoff_days_before": [z.cutoff.days_before for z in zones],
            "slot_template": [z.slot_template for z in zones],
            "n_communes": [len(z.communes) for z in zones],
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )
    _check_overlaps(out)
    return out.to_crs(STORAGE_CRS)


def _check_overlaps(frame: gpd.GeoDataFrame) -> None:
    left, right = frame.sindex.query(frame.geometry, predicate="intersects")
    keep = left < right
    for a, b in zip(left[keep], right[keep], strict=True):
        area = frame.geometry.iloc[a].intersection(frame.geometry.iloc[b]).area
        if area > OVERLAP_TOLERANCE_M2:
            na, nb = frame["name"].iloc[a], frame["name"].iloc[b]
            raise InputError(
                f"zones {na!r} and {nb!r} overlap over {area / 1e6:.3f} km²; "
                "a point must belong to one zone",
                {"field": "polygon", "value": [na, nb]},
            )


def unzoned_communes(
    zones: gpd.GeoDataFrame, communes: gpd.GeoDataFrame, *, code_col: str = "code"
) -> gpd.GeoDataFrame:
    """Return the communes whose representative point lies in no zone.

    Parameters
    ----------
    zones
        Zone geometries (e.g. from :func:`zones_frame`).
    communes
        Commune polygons with ``code_col``.
    code_col
        Column of ``communes`` holding the INSEE code.

    Returns
    -------
    geopandas.GeoDataFrame
        The communes of no zone (possibly empty), in ``communes``' CRS.

    Raises
    ------
    InputError
        If either frame lacks a CRS or ``code_col``.
    """
    check_frame(communes, "communes", columns=[code_col])
    check_frame(zones, "zones")
    points = communes.geometry.representative_point()
    found = lookup_zones(gpd.GeoDataFrame(geometry=points, crs=communes.crs), zones)
    return communes.loc[found.outside]


@dataclass(frozen=True, eq=False)
class ZoneLookup:
    """Result of :func:`lookup_zones`.

    Attributes
    ----------
    frame
        The input points (same index) with a ``zone`` column: the zone name, or None.
    outside
        Index of the points in no zone.
    ambiguous
        Index of the points in more than one zone (the first zone in the zones' order wins).
    """

    frame: gpd.GeoDataFrame
    outside: pd.Index
    ambiguous: pd.Index

    @property
    def zone(self) -> pd.Series:
        """Return the zone name per point (None outside every zone)."""
        return self.frame["zone"]


def lookup_zones(
    points: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray,
    zones: gpd.GeoDataFrame,
    *,
    name_col: str = "name",
) -> ZoneLookup:
    """Find the zone containing each point, with an STRtree spatial index.

    A point is in a zone when the zone's interior contains it (``within``, the same predicate as
    PostGIS ``ST_Contains(zone, point)``); a point on a border belongs to no zone.

    Parameters
    ----------
    points
        Points as a GeoDataFrame/GeoSeries in any CRS, or an ``(n, 2)`` array of WGS 84
        ``(lon, lat)``.
    zones
        Zone (Multi)Polygons with a ``name_col`` column, in any CRS.
    name_col
        Column holding the zone name.

    Returns
    -------
    ZoneLookup
        Zone per point, and which points were outside every zone or in several.

    Raises
    ------
    InputError
        If points are not points, a frame lacks a CRS, or ``name_col`` is missing.
    """
    check_frame(zones, "zones", columns=[name_col], geom_types=("Polygon", "MultiPolygon"))
    if isinstance(points, np.ndarray | list | tuple):
        arr = np.asarray(points, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise InputError(
                f"points must be an (n, 2) array of (lon, lat), got shape {arr.shape}",
                {"field": "points", "value": list(arr.shape)},
            )
        frame = gpd.GeoDataFrame(geometry=gpd.points_from_xy(arr[:, 0], arr[:, 1]), crs=STORAGE_CRS)
    elif isinstance(points, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=points)
    else:
        frame = points
    frame = check_frame(frame, "points", geom_types=("Point",))
    query = frame.geometry.to_crs(zones.crs) if frame.crs != zones.crs else frame.geometry
    inp, tree = zones.sindex.query(query.to_numpy(), predicate="within")
    order = np.lexsort((tree, inp))
    inp, tree = inp[order], tree[order]
    first_pos, counts = np.unique(inp, return_index=True, return_counts=True)[1:]
    names = np.full(len(frame), None, dtype=object)
    hit = inp[first_pos]
    names[hit] = zones[name_col].to_numpy()[tree[first_pos]]
    out = frame.copy()
    out["zone"] = pd.Series(names, index=out.index, dtype=object)
    missing = np.ones(len(frame), dtype=bool)
    missing[hit] = False
    return ZoneLookup(
        frame=out, outside=frame.index[missing], ambiguous=frame.index[hit[counts > 1]]
    )


def lookup_zone(zones: gpd.GeoDataFrame, lon: float, lat: float) -> str | None:
    """Return the name of the zone containing a WGS 84 point, or None.

    Parameters
    ----------
    zones
        Zone (Multi)Polygons with a ``name`` column.
    lon, lat
        The point in degrees.

    Returns
    -------
    str or None
        The zone name, None when the point is in no zone.

    Raises
    ------
    InputError
        If ``zones`` is not a GeoDataFrame with a CRS and a ``name`` column.
    """
    found = lookup_zones(np.array([[lon, lat]], dtype=float), zones)
    value = found.frame["zone"].iloc[0]
    return None if value is None else str(value)
