"""Coverage of a territory in one call: isochrones from origins, population reached, white zones.

:func:`coverage_report` is what the CLI, the API and the notebooks call: isochrones on the road
graph when there is one (:func:`~logistics.zones.road_isochrones`), otherwise circles of the
straight-line estimate (:func:`straight_line_isochrones`, labelled ``ESTIMATE``), then the
population they reach (:func:`~logistics.zones.population_reached`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from logistics.errors import InputError
from logistics.routing.network import Network
from logistics.zones._geo import METRIC_CRS, STORAGE_CRS, check_frame, to_geojson
from logistics.zones.coverage import Coverage, _thresholds, population_reached, white_zones
from logistics.zones.roads import ROAD_METHOD, road_corridor, road_isochrones
from logistics.zones.travel import StraightLineEstimate

__all__ = ["CoverageReport", "coverage_report", "parse_minutes", "straight_line_isochrones"]


def straight_line_isochrones(
    origins: gpd.GeoDataFrame,
    thresholds: Sequence[float],
    *,
    estimate: StraightLineEstimate | None = None,
    by: str | None = None,
) -> gpd.GeoDataFrame:
    """Return the straight-line estimate of isochrones: circles around the origins.

    Within T seconds one drives ``speed x T`` metres of road, i.e. ``speed x T / circuity``
    metres as the crow flies: the isochrone is the union of circles of that radius (Lambert-93).

    Parameters
    ----------
    origins
        Points, any CRS.
    thresholds
        Travel times in seconds.
    estimate
        Speed and circuity (default :class:`StraightLineEstimate`: 50 km/h, x 1.3).
    by
        Optional column of ``origins``: one isochrone per value instead of one for all.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, as :func:`~logistics.zones.isochrones` (``road_km`` is NaN).

    Raises
    ------
    InputError
        On bad thresholds, a frame without CRS, non-point geometries or an empty frame.
    """
    estimate = estimate or StraightLineEstimate()
    check_frame(origins, "origins", columns=[by] if by else [], geom_types=("Point",))
    if origins.empty:
        raise InputError("origins is empty; give at least one point", {"field": "origins"})
    levels = _thresholds(thresholds)
    points = origins.geometry.to_crs(METRIC_CRS).to_numpy()
    groups = origins[by].to_numpy() if by else np.zeros(len(origins), dtype=int)
    rows = []
    geoms = []
    for group in pd.unique(groups):
        sel = points[groups == group]
        for level in levels:
            radius = estimate.speed_kmh / 3.6 * level / estimate.circuity
            geoms.append(shapely.union_all(shapely.buffer(sel, radius, quad_segs=16)))
            row: dict[str, Any] = {"threshold_s": level, "minutes": level / 60.0}
            rows.append({by: group, **row} if by else row)
    out = gpd.GeoDataFrame(rows, geometry=geoms, crs=METRIC_CRS)
    out["road_km"] = np.nan
    out["area_km2"] = out.geometry.area / 1e6
    return out.to_crs(STORAGE_CRS)


@dataclass(frozen=True, eq=False)
class CoverageReport:
    """Who is within reach of a set of origins (hubs, collection points), per threshold.

    Attributes
    ----------
    isochrones
        One row per threshold (EPSG:4326): ``threshold_s``, ``minutes``, ``road_km``,
        ``area_km2``, geometry.
    coverage
        Population reached per commune and in total (:class:`~logistics.zones.Coverage`).
    origins
        The origins used (``id``, ``kind``, geometry).
    travel_times
        How travel times were obtained; starts with ``ESTIMATE`` for the straight-line estimate.
    estimate
        True when no road graph was used.
    left_out
        Ids of origins left out (farther than the snapping distance from every road).
    seconds
        Wall-clock seconds of the computation.
    """

    isochrones: gpd.GeoDataFrame
    coverage: Coverage
    origins: gpd.GeoDataFrame
    travel_times: str
    estimate: bool
    left_out: tuple[Hashable, ...] = ()
    seconds: float = 0.0
    thresholds_s: tuple[float, ...] = field(default=())

    @property
    def totals(self) -> pd.DataFrame:
        """Return the population reached per threshold (see :class:`Coverage`)."""
        return self.coverage.totals

    @property
    def method(self) -> str:
        """Return both methods: travel times, then population."""
        return f"{self.travel_times}; population: {self.coverage.method}"

    def white_zones(self, threshold_s: float) -> gpd.GeoDataFrame:
        """Return the communes not reached within ``threshold_s`` seconds."""
        return white_zones(self.coverage, threshold_s)

    def table(self) -> str:
        """Return a plain-text table of the population reached per threshold, method stated."""
        t = self.totals
        lines = [f"{'minutes':>7}  {'reached':>10}  {'of':>10}  {'share':>6}  {'white zones':>11}"]
        for row in t.itertuples(index=False):
            lines.append(
                f"{row.minutes:>7g}  {row.reached:>10,.0f}  {row.population:>10,.0f}  "
                f"{row.percent:>5.1f}%  {row.white_zones:>11d}"
            )
        kinds = self.origins["kind"].value_counts().sort_index()
        lines.append(
            "origins: " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
            if len(kinds)
            else "origins: none"
        )
        if self.left_out:
            lines.append(f"origins left out (no road nearby): {', '.join(map(str, self.left_out))}")
        lines.append(f"travel times: {self.travel_times}")
        lines.append(f"population: {self.coverage.method}")
        return "\n".join(lines)

    def to_dict(self, *, per_commune: bool = False) -> dict[str, Any]:
        """Return the figures as JSON-ready data (no geometry).

        Parameters
        ----------
        per_commune
            Also give every commune's share and population reached per threshold.

        Returns
        -------
        dict
            ``thresholds`` (one object per threshold: ``minutes``, ``population``, ``reached``,
            ``share``, ``communes_reached``, ``white_zones`` and the white-zone communes),
            ``method`` and ``origins``.
        """
        per = self.coverage.per_commune
        out = []
        records: list[dict[Any, Any]] = self.totals.to_dict("records")
        for row in records:
            rows = per[per["threshold_s"] == row["threshold_s"]]
            white = rows[rows["share"] <= 0.0]
            item: dict[str, Any] = {
                "minutes": float(row["minutes"]),
                "population": round(float(row["population"])),
                "reached": round(float(row["reached"])),
                "share": round(float(row["percent"]) / 100.0, 4),
                "communes_reached": int(row["communes_reached"]),
                "white_zones": int(row["white_zones"]),
                "white_zone_communes": [
                    {"code": c, "name": n, "population": int(p)}
                    for c, n, p in zip(
                        white["code"], white["name"], white["population"], strict=True
                    )
                ],
            }
            if per_commune:
                item["communes"] = [
                    {
                        "code": c,
                        "name": n,
                        "population": int(p),
                        "share": round(float(s), 4),
                        "reached": round(float(r), 1),
                    }
                    for c, n, p, s, r in zip(
                        rows["code"],
                        rows["name"],
                        rows["population"],
                        rows["share"],
                        rows["reached"],
                        strict=True,
                    )
                ]
            out.append(item)
        kinds = self.origins["kind"].value_counts().sort_index()
        return {
            "thresholds": out,
            "method": {
                "travel_times": self.travel_times,
                "population": self.coverage.method,
                "estimate": self.estimate,
            },
            "origins": {
                "count": len(self.origins),
                "by_kind": {str(k): int(v) for k, v in kinds.items()},
                "left_out": [str(i) for i in self.left_out],
            },
        }

    def isochrones_geojson(self) -> dict[str, Any]:
        """Return the isochrones as a GeoJSON FeatureCollection, the method included."""
        out = to_geojson(self.isochrones)
        out["method"] = self.method
        return out


def coverage_report(
    origins: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    thresholds_s: Sequence[float],
    *,
    network: Network | nx.MultiDiGraph | None = None,
    estimate: StraightLineEstimate | None = None,
    buffer_m: float = 150.0,
    max_snap_m: float = 2000.0,
    id_col: str = "id",
) -> CoverageReport:
    """Return the population within reach of the origins, per threshold and per commune.

    With a road ``network``: isochrones on the roads (one multi-source search) and population
    spread over each commune's road-side land (:func:`~logistics.zones.road_corridor`).
    Without: circles of the straight-line estimate and population spread over each commune's
    area, labelled ``ESTIMATE``.

    Parameters
    ----------
    origins
        Points with a unique ``id_col`` and optionally a ``kind`` column (``hub``,
        ``collection_point``...), any CRS.
    communes
        Commune polygons with ``code``, ``name``, ``population``.
    thresholds_s
        Travel times in seconds.
    network
        Road graph, or None for the straight-line estimate.
    estimate
        Speed and circuity of the straight-line estimate.
    buffer_m
        Road buffer of the isochrones (m).
    max_snap_m
        Origins farther than this from every road are left out (and listed).
    id_col
        Column of ``origins`` with the ids.

    Returns
    -------
    CoverageReport
        Isochrones, population reached, the origins and the method.

    Raises
    ------
    InputError
        On bad thresholds, empty or malformed origins or communes.
    """
    started = time.perf_counter()
    levels = _thresholds(thresholds_s)
    check_frame(origins, "origins", columns=[id_col], geom_types=("Point",))
    if origins.empty:
        raise InputError(
            "there are no origins to measure coverage from (no hubs or collection points)",
            {"field": "origins", "value": 0},
        )
    kinds = origins["kind"] if "kind" in origins.columns else pd.Series("origin", origins.index)
    points = gpd.GeoDataFrame(
        {"id": origins[id_col].to_numpy(), "kind": kinds.astype(str).to_numpy()},
        geometry=origins.geometry.to_crs(STORAGE_CRS).to_numpy(),
        crs=STORAGE_CRS,
    )
    left_out: list[Hashable] = []
    if network is not None:
        iso, left_out = road_isochrones(
            network, points, levels, id_col="id", buffer_m=buffer_m, max_snap_m=max_snap_m
        )
        settled = road_corridor(network, buffer_m=buffer_m)
        label, is_estimate = ROAD_METHOD.format(buffer_m=buffer_m), False
    else:
        estimate = estimate or StraightLineEstimate()
        iso = straight_line_isochrones(points, levels, estimate=estimate)
        settled = None
        radius = estimate.speed_kmh / 3.6 / estimate.circuity / 1000.0
        label = f"{estimate.label}: circles of {radius * 60:.2f} km per minute around each origin"
        is_estimate = True
    coverage = population_reached(iso, communes, settled=settled)
    return CoverageReport(
        isochrones=iso,
        coverage=coverage,
        origins=points,
        travel_times=label,
        estimate=is_estimate,
        left_out=tuple(left_out),
        seconds=time.perf_counter() - started,
        thresholds_s=tuple(levels),
    )


def parse_minutes(text: str | Sequence[float], *, field_name: str = "thresholds") -> list[float]:
    """Parse travel-time thresholds given in minutes (``"10,20,30"`` or numbers) into seconds.

    Raises
    ------
    InputError
        If a value is not a positive finite number of minutes or there is none; the message
        names the value and the accepted form.
    """
    items: list[Any] = text.split(",") if isinstance(text, str) else list(text)
    out = []
    for item in items:
        try:
            value = float(item)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value <= 0 or value > 24 * 60:
            raise InputError(
                f"{field_name}: {item!r} is not a travel time; give minutes from 0 to 1440 "
                "separated by commas, e.g. 10,20,30",
                {"field": field_name, "value": str(item)},
            )
        out.append(value * 60.0)
    if not out:
        raise InputError(
            f"{field_name}: no travel time given; e.g. 10,20,30", {"field": field_name, "value": ""}
        )
    return sorted(set(out))
