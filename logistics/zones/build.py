"""Build delivery zones automatically: k contiguous, balanced, compact groups of communes.

The grouping is done by PySAL spopt (see :mod:`logistics.zones._regions`); this module checks the
input, computes travel times, picks hubs and writes the report an analyst reads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from logistics.errors import InputError, LogisticsError
from logistics.zones._geo import (
    METRIC_CRS,
    STORAGE_CRS,
    check_codes,
    check_frame,
    check_numeric,
    lonlat,
    representative_points,
    to_geojson,
)
from logistics.zones._regions import (
    HubRule,
    contiguity,
    hub_of,
    region_is_connected,
    regionalise,
    rows_of,
)
from logistics.zones.model import CutOff, Hub, Zone, parse_weekdays
from logistics.zones.travel import (
    StraightLineEstimate,
    TravelTimeFn,
    describe_travel_times,
    travel_seconds,
)

__all__ = ["BuildParams", "ZoneReport", "build_zones"]

ALGORITHM = (
    "spopt WardSpatial (contiguity-constrained Ward on Lambert-93 centroids) as the start, "
    "then spopt AZP minimising demand-weighted minutes to the hub + balance_weight x "
    "sum of squared relative demand deviations"
)


@dataclass(frozen=True)
class BuildParams:
    """Knobs of :func:`build_zones`.

    Parameters
    ----------
    balance_weight
        Minutes of mean travel time the objective trades for a squared relative demand
        deviation of 1 in one zone (0 = compactness only).  Larger means more balanced zones.
    hub_rule
        ``"populous"``: the hub is the centroid of the zone's commune with the most demand;
        ``"medoid"``: of the commune with the least demand-weighted travel time to the others.
    seed
        Seed of AZP's random choices (results are reproducible for a given seed).
    name_prefix
        Zones are named ``f"{name_prefix} {i}"``, numbered by decreasing demand.
    """

    balance_weight: float = 30.0
    hub_rule: HubRule = "populous"
    seed: int = 0
    name_prefix: str = "Zone"

    def __post_init__(self) -> None:
        if not math.isfinite(self.balance_weight) or self.balance_weight < 0:
            raise InputError(
                f"balance_weight must be a finite number of minutes >= 0, "
                f"got {self.balance_weight!r}",
                {"field": "balance_weight", "value": self.balance_weight},
            )
        if self.hub_rule not in ("populous", "medoid"):
            raise InputError(
                f"hub_rule must be 'populous' or 'medoid', got {self.hub_rule!r}",
                {"field": "hub_rule", "value": self.hub_rule},
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise InputError(
                f"seed must be an integer, got {self.seed!r}",
                {"field": "seed", "value": repr(self.seed)},
            )
        if not isinstance(self.name_prefix, str) or not self.name_prefix.strip():
            raise InputError(
                f"name_prefix must be a non-empty string, got {self.name_prefix!r}",
                {"field": "name_prefix", "value": repr(self.name_prefix)},
            )


@dataclass(frozen=True, eq=False)
class ZoneReport:
    """Zones built by :func:`build_zones` and the figures that describe them.

    Attributes
    ----------
    zones
        The zones, largest demand first.
    summary
        One row per zone (index: zone name), EPSG:4326: ``n_communes``, ``population``,
        ``demand``, ``area_km2``, hub (``hub_code``, ``hub_name``, ``hub_lon``, ``hub_lat``,
        ``depot_id``), ``farthest_code``, ``farthest_name``, ``farthest_minutes``,
        ``mean_minutes`` (demand-weighted), ``unreachable`` (communes with no travel time from
        the hub), ``round_days``, ``cutoff`` and the dissolved ``geometry``.
    communes
        One row per zoned commune, EPSG:4326: ``code``, ``name``, ``zone``, ``population``,
        ``demand``, ``minutes_from_hub``, ``geometry``.
    unassigned
        Communes of no zone with the ``reason`` (never dropped silently).
    islands
        Codes of communes that touch no other commune of the input.
    pieces
        Codes of each part of the input not connected to the largest part by shared borders.
    bridges
        Links added so that every part is reachable: ``(code, code, gap in metres)``.
    travel_times
        How the minutes were computed (an estimate label when no road network was used).
    estimate
        Whether the minutes are an estimate.
    algorithm
        The regionalisation used.
    seconds
        Wall-clock seconds of the build.
    """

    zones: tuple[Zone, ...]
    summary: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    unassigned: gpd.GeoDataFrame
    islands: tuple[str, ...]
    pieces: tuple[tuple[str, ...], ...]
    bridges: tuple[tuple[str, str, float], ...]
    travel_times: str
    estimate: bool
    algorithm: str = ALGORITHM
    seconds: float = 0.0

    @property
    def balance_ratio(self) -> float:
        """Return the largest zone demand over the smallest (1.0 is perfect balance)."""
        demand = self.summary["demand"].to_numpy(dtype=float)
        return float(demand.max() / demand.min()) if demand.min() > 0 else math.inf

    @property
    def farthest_minutes(self) -> float:
        """Return the largest minutes from a hub to a commune of its zone."""
        return float(self.summary["farthest_minutes"].max())

    def to_geojson(self) -> dict[str, Any]:
        """Return the zones as a GeoJSON FeatureCollection, the travel-time method included."""
        out = to_geojson(self.summary.reset_index())
        out["travel_times"] = self.travel_times
        out["estimate"] = self.estimate
        out["unassigned"] = self.unassigned["code"].tolist()
        return out

    def table(self) -> str:
        """Return a plain-text table of the zones, labelled with the travel-time method."""
        cols = ["n_communes", "population", "demand", "area_km2", "hub_name"]
        cols += ["farthest_name", "farthest_minutes", "round_days"]
        view = self.summary[cols].copy()
        view["area_km2"] = view["area_km2"].round(0)
        view["farthest_minutes"] = view["farthest_minutes"].round(1)
        lines = [view.to_string(), f"travel minutes: {self.travel_times}"]
        lines.append(f"balance (max/min demand): {self.balance_ratio:.2f}")
        if len(self.unassigned):
            lines.append(f"communes of no zone: {', '.join(self.unassigned['code'])}")
        for a, b, gap in self.bridges:
            lines.append(f"disconnected piece linked: {a} - {b} ({gap:.0f} m apart)")
        return "\n".join(lines)


def build_zones(
    communes: gpd.GeoDataFrame,
    k: int,
    *,
    demand_col: str = "population",
    population_col: str = "population",
    code_col: str = "code",
    name_col: str = "name",
    hubs: Sequence[Hub] | None = None,
    travel_time_fn: TravelTimeFn | None = None,
    round_days: Literal["spread"] | Iterable[int | str] = "spread",
    cutoff: CutOff | None = None,
    params: BuildParams | None = None,
) -> ZoneReport:
    """Group communes into k contiguous zones balanced by demand and compact in travel time.

    Parameters
    ----------
    communes
        One row per commune: ``code_col`` (INSEE code), ``demand_col`` and ``population_col``
        (numbers >= 0), optionally ``name_col``, and (Multi)Polygon geometries in any CRS.
        Communes without geometry are reported in ``unassigned``.
    k
        Number of zones, 1 to the number of communes with a geometry.
    demand_col
        Expected demand per commune (population, past orders...), balanced across zones.
    population_col
        Population per commune, reported (may be the same column as ``demand_col``).
    code_col, name_col
        Columns holding the INSEE code and the commune name.
    hubs
        ``k`` depots to use as hubs; each is given the zone that minimises the total
        demand-weighted travel time (Hungarian assignment).  ``None`` picks a hub per zone by
        ``params.hub_rule``.
    travel_time_fn
        Travel seconds between points (a road matrix); by default the straight-line estimate
        (Lambert-93 distance x 1.3 at 50 km/h), labelled as such in the report.
    round_days
        ``"spread"`` gives zone i (by decreasing demand) ISO weekday ``1 + i mod 5`` (a
        single-vehicle Monday-to-Friday rota); otherwise the weekdays of every zone.
    cutoff
        Order cut-off of every zone (default 18:00 the day before).
    params
        Algorithm knobs.

    Returns
    -------
    ZoneReport
        The zones and their figures.

    Raises
    ------
    InputError
        If ``k`` is not between 1 and the number of communes, a column is missing, codes are
        duplicated, demand is negative or not a number, all demand is zero, ``hubs`` does not
        hold ``k`` hubs, or a weekday or the cut-off is invalid.
    """
    started = time.perf_counter()
    params = params or BuildParams()
    cutoff = cutoff if cutoff is not None else CutOff()
    if not isinstance(cutoff, CutOff):
        raise InputError(
            f"cutoff must be a CutOff(time, days_before), got {cutoff!r}",
            {"field": "cutoff", "value": repr(cutoff)},
        )
    spread = isinstance(round_days, str) and round_days == "spread"
    days = None if spread else parse_weekdays(round_days)
    fn: TravelTimeFn = travel_time_fn or StraightLineEstimate()

    frame, unassigned = _prepare(communes, demand_col, population_col, code_col, name_col)
    n = len(frame)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
        raise InputError(
            f"k must be a whole number of zones from 1 to the {n} communes with a geometry, "
            f"got {k!r}",
            {"field": "k", "value": repr(k), "max": n},
        )
    k = int(k)
    if hubs is not None and (len(hubs) != k or not all(isinstance(h, Hub) for h in hubs)):
        raise InputError(
            f"hubs must hold exactly k={k} Hub objects, got {len(hubs)} items",
            {"field": "hubs", "value": len(hubs)},
        )
    demand = frame["demand"].to_numpy(dtype=float)
    if demand.sum() <= 0:
        raise InputError(
            f"column {demand_col!r} sums to 0; zones cannot be balanced on no demand",
            {"field": demand_col, "value": 0},
        )

    metric = frame.geometry.to_crs(METRIC_CRS)
    points = representative_points(metric)
    xy_km = np.column_stack([points.x, points.y]) / 1000.0
    lonlats = lonlat(points)
    minutes = travel_seconds(fn, lonlats, lonlats) / 60.0
    finite = minutes[np.isfinite(minutes)]
    penalty = max(float(finite.max()) * 4.0 if finite.size else 600.0, 600.0)
    cost = np.where(np.isfinite(minutes), minutes, penalty)

    links = contiguity(metric)
    labels = regionalise(
        links.weights,
        xy_km,
        cost,
        demand,
        k,
        balance_weight=params.balance_weight,
        rule=params.hub_rule,
        seed=params.seed,
    )
    regions = rows_of(labels)
    if len(regions) != k or not all(region_is_connected(r, links.weights) for r in regions):
        raise LogisticsError(
            f"internal error: the regionalisation returned {len(regions)} regions for k={k} or "
            "a non-contiguous one",
            {"k": k},
        )
    order = np.argsort([-demand[r].sum() for r in regions], kind="stable")
    regions = [regions[i] for i in order]

    hub_rows: list[int | None]
    if hubs is None:
        chosen = [hub_of(r, cost, demand, params.hub_rule) for r in regions]
        hub_list = [Hub(float(lonlats[h, 0]), float(lonlats[h, 1])) for h in chosen]
        from_hub = minutes[chosen]
        hub_rows = list(chosen)
    else:
        hub_list, from_hub = _assign_hubs(hubs, regions, lonlats, demand, fn)
        hub_rows = [_containing(metric, h) for h in hub_list]

    names = [f"{params.name_prefix} {i + 1}" for i in range(k)]
    zones = []
    for i, rows in enumerate(regions):
        zones.append(
            Zone(
                name=names[i],
                hub=hub_list[i],
                round_days=frozenset({1 + i % 5}) if days is None else days,
                cutoff=cutoff,
                communes=frozenset(frame["code"].iloc[rows]),
            )
        )
    per_commune = _per_commune(frame, regions, names, from_hub)
    summary = _summary(per_commune, metric, zones, hub_rows, frame)
    label, estimate = describe_travel_times(fn)
    codes = frame["code"].to_numpy()
    return ZoneReport(
        zones=tuple(zones),
        summary=summary,
        communes=per_commune,
        unassigned=unassigned,
        islands=tuple(str(codes[i]) for i in links.islands),
        pieces=tuple(tuple(str(codes[i]) for i in piece) for piece in links.pieces),
        bridges=tuple((str(codes[a]), str(codes[b]), gap) for a, b, gap in links.bridges),
        travel_times=label,
        estimate=estimate,
        seconds=time.perf_counter() - started,
    )


def _prepare(
    communes: gpd.GeoDataFrame, demand_col: str, population_col: str, code_col: str, name_col: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    check_frame(
        communes,
        "communes",
        columns=[code_col, demand_col, population_col],
        geom_types=("Polygon", "MultiPolygon"),
    )
    check_codes(communes, code_col, "communes")
    check_numeric(communes, demand_col, "communes", code_col)
    check_numeric(communes, population_col, "communes", code_col)
    names = communes[name_col] if name_col in communes.columns else communes[code_col]
    frame = gpd.GeoDataFrame(
        {
            "code": communes[code_col].astype(str).to_numpy(),
            "name": names.astype(str).to_numpy(),
            "population": pd.to_numeric(communes[population_col]).to_numpy(),
            "demand": pd.to_numeric(communes[demand_col]).to_numpy(dtype=float),
        },
        geometry=communes.geometry.to_numpy(),
        crs=communes.crs,
    )
    missing = frame.geometry.isna() | frame.geometry.is_empty
    unassigned = frame.loc[missing, ["code", "name", "geometry"]].copy()
    unassigned["reason"] = "no geometry"
    unassigned = gpd.GeoDataFrame(unassigned, geometry="geometry", crs=communes.crs).to_crs(
        STORAGE_CRS
    )
    return frame.loc[~missing].reset_index(drop=True), unassigned.reset_index(drop=True)


def _assign_hubs(
    hubs: Sequence[Hub],
    regions: Sequence[np.ndarray],
    lonlats: np.ndarray,
    demand: np.ndarray,
    fn: TravelTimeFn,
) -> tuple[list[Hub], np.ndarray]:
    hub_ll = np.array([[h.lon, h.lat] for h in hubs])
    minutes = travel_seconds(fn, hub_ll, lonlats) / 60.0
    finite = np.where(np.isfinite(minutes), minutes, 1e6)
    cost = np.array([[finite[h, r] @ demand[r] for r in regions] for h in range(len(hubs))])
    hub_idx, zone_idx = linear_sum_assignment(cost)
    chosen = np.empty(len(regions), dtype=int)
    chosen[zone_idx] = hub_idx
    return [hubs[h] for h in chosen], minutes[chosen]


def _containing(metric: gpd.GeoSeries, hub: Hub) -> int | None:
    point = gpd.GeoSeries.from_xy([hub.lon], [hub.lat], crs=STORAGE_CRS).to_crs(METRIC_CRS)
    inside = np.flatnonzero(metric.contains(point.iloc[0]).to_numpy())
    return int(inside[0]) if len(inside) else None


def _per_commune(
    frame: gpd.GeoDataFrame,
    regions: Sequence[np.ndarray],
    names: Sequence[str],
    from_hub: np.ndarray,
) -> gpd.GeoDataFrame:
    zone = np.empty(len(frame), dtype=object)
    mins = np.empty(len(frame))
    for i, rows in enumerate(regions):
        zone[rows] = names[i]
        mins[rows] = from_hub[i, rows]
    out = frame.copy()
    out.insert(2, "zone", zone)
    out["minutes_from_hub"] = mins
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs).to_crs(STORAGE_CRS)


def _summary(
    per_commune: gpd.GeoDataFrame,
    metric: gpd.GeoSeries,
    zones: Sequence[Zone],
    hub_rows: Sequence[int | None],
    frame: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    geoms = []
    for zone, hub_row in zip(zones, hub_rows, strict=True):
        mask = (per_commune["zone"] == zone.name).to_numpy()
        sub = per_commune[mask]
        mins = sub["minutes_from_hub"].to_numpy()
        reach = np.isfinite(mins)
        far = int(np.argmax(np.where(reach, mins, -1.0))) if reach.any() else 0
        dem = sub["demand"].to_numpy()
        rows.append(
            {
                "name": zone.name,
                "n_communes": int(mask.sum()),
                "population": int(sub["population"].sum()),
                "demand": float(dem.sum()),
                "area_km2": float(metric[mask].area.sum() / 1e6),
                "hub_code": None if hub_row is None else str(frame["code"].iloc[hub_row]),
                "hub_name": None if hub_row is None else str(frame["name"].iloc[hub_row]),
                "hub_lon": zone.hub.lon,
                "hub_lat": zone.hub.lat,
                "depot_id": zone.hub.depot_id,
                "farthest_code": str(sub["code"].iloc[far]),
                "farthest_name": str(sub["name"].iloc[far]),
                "farthest_minutes": float(mins[far]) if reach.any() else math.inf,
                "mean_minutes": float(mins[reach] @ dem[reach] / dem[reach].sum())
                if dem[reach].sum() > 0
                else 0.0,
                "unreachable": int((~reach).sum()),
                "round_days": ",".join(str(d) for d in sorted(zone.round_days)),
                "cutoff": str(zone.cutoff),
            }
        )
        geoms.append(metric[mask].union_all())
    summary = gpd.GeoDataFrame(rows, geometry=geoms, crs=METRIC_CRS).to_crs(STORAGE_CRS)
    return summary.set_index("name")
