"""What-if analyses for analysts: collection points and round days.

Model of a round (stated in every result):

* expected orders per round = weekly demand x ``weekly_orders_per_demand`` / rounds per week;
* every order is one stop, and every collection point of the zone one more stop per round
  (goods for its customers are dropped there; home deliveries are left unchanged);
* round length (km) = circuity x (0.7124 x sqrt(stops x zone area) + 2 x distance from the hub to
  the zone's centroid), the Beardwood-Halton-Hammersley estimate of a tour through random
  points in an area plus the run out from the hub and back;
* round minutes = km / speed + stops x minutes per stop.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import Polygon
from shapely.geometry.base import BaseGeometry

from logistics.errors import InputError
from logistics.zones._geo import METRIC_CRS, STORAGE_CRS, check_frame
from logistics.zones.coverage import Coverage, population_reached
from logistics.zones.lookup import lookup_zones
from logistics.zones.model import parse_weekdays

__all__ = [
    "RoundEstimate",
    "RoundModel",
    "WhatIf",
    "expected_round",
    "what_if_collection_points",
    "what_if_round_days",
]


@dataclass(frozen=True)
class RoundModel:
    """Parameters of the expected-round-length model.

    Parameters
    ----------
    weekly_orders_per_demand
        Orders per week per unit of demand: 0.002 when demand is population (2 orders a week
        per 1000 inhabitants), 1.0 when demand already is weekly orders.
    circuity
        Road distance over straight-line distance.
    speed_kmh
        Average driving speed.
    bhh_constant
        Beardwood-Halton-Hammersley constant (0.7124 for the Euclidean plane).
    stop_minutes
        Minutes spent at each stop.
    """

    weekly_orders_per_demand: float = 0.002
    circuity: float = 1.3
    speed_kmh: float = 50.0
    bhh_constant: float = 0.7124
    stop_minutes: float = 3.0

    def __post_init__(self) -> None:
        checks = {
            "weekly_orders_per_demand": self.weekly_orders_per_demand > 0,
            "circuity": self.circuity >= 1.0,
            "speed_kmh": self.speed_kmh > 0,
            "bhh_constant": self.bhh_constant > 0,
            "stop_minutes": self.stop_minutes >= 0,
        }
        for name, ok in checks.items():
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and ok):
                raise InputError(
                    f"RoundModel.{name} has an unusable value {value!r} (must be finite; "
                    "circuity >= 1, stop_minutes >= 0, the others > 0)",
                    {"field": name, "value": repr(value)},
                )

    def describe(self) -> str:
        """Return the model as one sentence, printed next to its figures."""
        return (
            f"orders/round = weekly demand x {self.weekly_orders_per_demand:g} / rounds per week;"
            f" km = {self.circuity:g} x ({self.bhh_constant:g} x sqrt(stops x area km²) + 2 x "
            f"hub-to-centroid km) (Beardwood-Halton-Hammersley); minutes = km / "
            f"{self.speed_kmh:g} km/h + {self.stop_minutes:g} min per stop; a collection point "
            "is one extra stop per round"
        )


@dataclass(frozen=True)
class RoundEstimate:
    """Expected length of one round."""

    stops: float
    km: float
    minutes: float


def expected_round(
    stops: float, area_km2: float, hub_km: float, model: RoundModel | None = None
) -> RoundEstimate:
    """Return the expected length of a round through ``stops`` random stops in an area.

    Parameters
    ----------
    stops
        Expected stops on the round (may be fractional).
    area_km2
        Area the stops are spread over.
    hub_km
        Straight-line km from the hub to the area's centroid.
    model
        Model parameters (defaults of :class:`RoundModel`).

    Returns
    -------
    RoundEstimate
        Stops, km and minutes; a round with no stop has length 0.

    Raises
    ------
    InputError
        If an argument is negative or not finite.
    """
    model = model or RoundModel()
    for name, value in (("stops", stops), ("area_km2", area_km2), ("hub_km", hub_km)):
        if not math.isfinite(value) or value < 0:
            raise InputError(
                f"{name} must be a finite number >= 0, got {value!r}",
                {"field": name, "value": value},
            )
    if stops == 0:
        return RoundEstimate(0.0, 0.0, 0.0)
    km = model.circuity * (model.bhh_constant * math.sqrt(stops * area_km2) + 2.0 * hub_km)
    minutes = km / model.speed_kmh * 60.0 + stops * model.stop_minutes
    return RoundEstimate(float(stops), km, minutes)


@dataclass(frozen=True, eq=False)
class WhatIf:
    """Change brought by a scenario.

    Attributes
    ----------
    population
        Population figures before and after (per threshold for collection points, per zone for
        round days), with a ``change`` column.
    rounds
        Per zone: rounds per week, stops per round, round km and minutes and weekly km, before
        and after, with changes.
    communes
        Communes whose reach changed (collection points only; empty otherwise).
    model
        The round model and coverage method used, in words.
    """

    population: pd.DataFrame
    rounds: pd.DataFrame
    communes: gpd.GeoDataFrame
    model: str


def _zone_table(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = zones.reset_index() if "name" not in zones.columns else zones
    check_frame(frame, "zones", columns=["name", "demand", "round_days", "hub_lon", "hub_lat"])
    return frame.reset_index(drop=True)


def _days(value: object, zone: str) -> frozenset[int]:
    if isinstance(value, str):
        value = [int(v) if v.strip().isdigit() else v for v in value.split(",") if v.strip()]
    return parse_weekdays(value, field_name=f"round_days of zone {zone!r}")  # type: ignore[arg-type]


def _round_table(
    zones: gpd.GeoDataFrame,
    days_after: Mapping[str, frozenset[int]],
    extra_before: Mapping[str, int],
    extra_after: Mapping[str, int],
    model: RoundModel,
) -> pd.DataFrame:
    metric = zones.geometry.to_crs(METRIC_CRS)
    hubs = gpd.GeoSeries.from_xy(zones["hub_lon"], zones["hub_lat"], crs=STORAGE_CRS)
    hubs = hubs.to_crs(METRIC_CRS)
    rows = []
    for i, zone in zones.iterrows():
        name = str(zone["name"])
        area = float(metric.iloc[i].area) / 1e6
        hub_km = float(metric.iloc[i].centroid.distance(hubs.iloc[i])) / 1000.0
        weekly = float(zone["demand"]) * model.weekly_orders_per_demand
        before_days = _days(zone["round_days"], name)
        after_days = days_after.get(name, before_days)
        row: dict[str, object] = {"zone": name, "weekly_orders": weekly}
        estimates = {}
        for tag, days, extra in (
            ("before", before_days, extra_before.get(name, 0)),
            ("after", after_days, extra_after.get(name, 0)),
        ):
            per_week = len(days)
            est = expected_round(weekly / per_week + extra, area, hub_km, model)
            estimates[tag] = (est, per_week)
            row[f"round_days_{tag}"] = ",".join(str(d) for d in sorted(days))
            row[f"rounds_per_week_{tag}"] = per_week
            row[f"stops_per_round_{tag}"] = est.stops
            row[f"round_km_{tag}"] = est.km
            row[f"round_minutes_{tag}"] = est.minutes
            row[f"weekly_km_{tag}"] = est.km * per_week
        (old, old_n), (new, new_n) = estimates["before"], estimates["after"]
        row["round_km_change"] = new.km - old.km
        row["round_minutes_change"] = new.minutes - old.minutes
        row["weekly_km_change"] = new.km * new_n - old.km * old_n
        rows.append(row)
    return pd.DataFrame(rows)


def what_if_round_days(
    zones: gpd.GeoDataFrame,
    changes: Mapping[str, Iterable[int | str]],
    *,
    model: RoundModel | None = None,
) -> WhatIf:
    """Estimate the effect of changing zones' round days.

    The communes of a zone do not change, so the population reached does not either; what
    changes is how often it is served (``population_days``: population x rounds per week) and
    the length of each round (more days, fewer orders per round).

    Parameters
    ----------
    zones
        One row per zone with ``name`` (column or index), ``demand``, ``population`` (optional),
        ``round_days`` (list or "1,3"), ``hub_lon``, ``hub_lat`` and the zone polygon, e.g.
        :attr:`ZoneReport.summary`.
    changes
        New round days by zone name, e.g. ``{"Zone 2": [2, 5]}``.
    model
        Round model parameters.

    Returns
    -------
    WhatIf
        ``population`` per zone (population, population_days before/after, change) and
        ``rounds``.

    Raises
    ------
    InputError
        On an unknown zone name, invalid weekdays or missing columns.
    """
    model = model or RoundModel()
    table = _zone_table(zones)
    unknown = sorted(set(changes) - set(table["name"].astype(str)))
    if unknown:
        raise InputError(
            f"unknown zones {unknown}; known: {sorted(table['name'].astype(str))}",
            {"field": "changes", "value": unknown},
        )
    after = {
        name: parse_weekdays(days, field_name=f"new round_days of {name!r}")
        for name, days in changes.items()
    }
    rounds = _round_table(table, after, {}, {}, model)
    pop = (
        table["population"].to_numpy(dtype=float)
        if "population" in table.columns
        else np.full(len(table), np.nan)
    )
    population = pd.DataFrame(
        {
            "zone": table["name"].astype(str),
            "population": pop,
            "population_days_before": pop * rounds["rounds_per_week_before"].to_numpy(),
            "population_days_after": pop * rounds["rounds_per_week_after"].to_numpy(),
            "population_reached_change": 0.0,
        }
    )
    population["change"] = (
        population["population_days_after"] - population["population_days_before"]
    )
    empty = gpd.GeoDataFrame({"code": []}, geometry=[], crs=STORAGE_CRS)
    return WhatIf(population, rounds, empty, model.describe())


def what_if_collection_points(
    point_isochrones: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    *,
    baseline: Collection[object],
    add: Collection[object] = (),
    remove: Collection[object] = (),
    by: str = "point_id",
    points: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    model: RoundModel | None = None,
    population_col: str = "population",
    code_col: str = "code",
    settled: BaseGeometry | None = None,
) -> WhatIf:
    """Estimate the effect of adding or removing collection points.

    Parameters
    ----------
    point_isochrones
        Isochrones of every point involved (baseline and candidates), from
        :func:`isochrones` with ``by=by``.
    communes
        Commune polygons with population.
    baseline
        Ids of the collection points in service today.
    add, remove
        Ids of points opened and closed by the scenario.
    by
        Column of ``point_isochrones`` (and ``points``) holding the point id.
    points
        Point locations with the ``by`` column; with ``zones``, each point open in a scenario
        adds one stop per round to the zone containing it.
    zones
        Zones as in :func:`what_if_round_days`, to get round changes.
    model
        Round model parameters.
    population_col, code_col
        Columns of ``communes``.
    settled
        Where people live, as in :func:`~logistics.zones.population_reached` (e.g. the road
        corridor for road isochrones, so that the figures match :func:`coverage_report`'s).

    Returns
    -------
    WhatIf
        ``population`` per threshold (reached before/after, change), ``communes`` whose reach
        changed, and ``rounds`` per zone when ``points`` and ``zones`` are given.

    Raises
    ------
    InputError
        If an id is unknown, removed but not in the baseline, or added but already there.
    """
    model = model or RoundModel()
    check_frame(point_isochrones, "point_isochrones", columns=[by, "threshold_s"])
    known = set(point_isochrones[by].tolist())
    base, plus, minus = set(baseline), set(add), set(remove)
    for label, ids in (("baseline", base), ("add", plus), ("remove", minus)):
        missing = sorted(map(str, ids - known))
        if missing:
            raise InputError(
                f"{label}: no isochrones for points {missing}; compute them first",
                {"field": label, "value": missing},
            )
    if minus - base:
        raise InputError(
            f"remove: points {sorted(map(str, minus - base))} are not in the baseline",
            {"field": "remove", "value": sorted(map(str, minus - base))},
        )
    if plus & base:
        raise InputError(
            f"add: points {sorted(map(str, plus & base))} are already in the baseline",
            {"field": "add", "value": sorted(map(str, plus & base))},
        )
    scenario = (base | plus) - minus
    before = _coverage(point_isochrones, base, by, communes, population_col, code_col, settled)
    after = _coverage(point_isochrones, scenario, by, communes, population_col, code_col, settled)
    population = before.totals[["threshold_s", "minutes", "population", "reached"]].rename(
        columns={"reached": "reached_before"}
    )
    population["reached_after"] = after.totals["reached"].to_numpy()
    population["change"] = population["reached_after"] - population["reached_before"]
    diff = before.per_commune.copy()
    diff["share_after"] = after.per_commune["share"].to_numpy()
    diff["reached_change"] = after.per_commune["reached"].to_numpy() - diff["reached"].to_numpy()
    diff = diff.rename(columns={"share": "share_before", "reached": "reached_before"})
    changed = diff[np.abs(diff["reached_change"].to_numpy()) > 1e-9].reset_index(drop=True)
    rounds = pd.DataFrame()
    if points is not None and zones is not None:
        table = _zone_table(zones)
        rounds = _round_table(
            table,
            {},
            _points_per_zone(points, base, by, table),
            _points_per_zone(points, scenario, by, table),
            model,
        )
    return WhatIf(population, rounds, changed, f"{model.describe()}; {before.method}")


def _coverage(
    iso: gpd.GeoDataFrame,
    ids: set[object],
    by: str,
    communes: gpd.GeoDataFrame,
    population_col: str,
    code_col: str,
    settled: BaseGeometry | None,
) -> Coverage:
    chosen = iso[iso[by].isin(ids)]
    if chosen.empty:
        # No point open: every threshold reaches nobody.
        levels = sorted(iso["threshold_s"].unique())
        chosen = gpd.GeoDataFrame(
            {"threshold_s": levels}, geometry=[Polygon()] * len(levels), crs=iso.crs
        )
    return population_reached(
        chosen, communes, population_col=population_col, code_col=code_col, settled=settled
    )


def _points_per_zone(
    points: gpd.GeoDataFrame, ids: set[object], by: str, zones: gpd.GeoDataFrame
) -> dict[str, int]:
    check_frame(points, "points", columns=[by])
    chosen = points[points[by].isin(ids)]
    found = lookup_zones(chosen, zones)
    counts = found.frame["zone"].dropna().value_counts()
    return {str(k): int(v) for k, v in counts.items()}
