"""Glue to PySAL: commune contiguity (libpysal) and regionalisation (spopt).

The regionalisation is spopt's Automatic Zoning Procedure (AZP, Openshaw 1977) started from
spopt's spatially constrained Ward clustering.  Both only ever produce contiguous regions; AZP is
given our own objective (spopt's documented extension point) so that it trades compactness in
travel time from each region's hub against balance of demand.  See ``docs/zones.md`` for the
measurement that chose this over Ward, region-k-means, SKATER and max-p alone.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen, W
from scipy.sparse.csgraph import connected_components
from spopt.region import AZP, WardSpatial
from spopt.region.objective_function import ObjectiveFunction

HubRule = Literal["populous", "medoid"]


@dataclass(frozen=True)
class Contiguity:
    """Queen contiguity of communes, made connected with explicit bridges."""

    weights: W
    """Queen weights plus the bridges, ids 0..n-1 in row order."""
    islands: tuple[int, ...]
    """Rows with no Queen neighbour at all."""
    pieces: tuple[tuple[int, ...], ...]
    """Rows of each Queen-connected piece other than the largest one."""
    bridges: tuple[tuple[int, int, float], ...]
    """Links added between pieces: (row, row, gap in metres)."""


def contiguity(geoms_metric: gpd.GeoSeries) -> Contiguity:
    """Return Queen contiguity over polygons, linking disconnected pieces to their nearest piece.

    A piece (one commune with no neighbour, or several) is linked to the nearest commune of the
    part already connected, nearest piece first, so that a zone may span the gap; every link is
    returned so that callers report it.
    """
    frame = gpd.GeoDataFrame(geometry=geoms_metric.reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        queen = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    neighbours = {int(i): [int(j) for j in queen.neighbors[i]] for i in queen.neighbors}
    n_comp, comp = connected_components(queen.sparse, directed=False)
    islands = tuple(int(i) for i in range(len(frame)) if not neighbours.get(i))
    bridges: list[tuple[int, int, float]] = []
    pieces: tuple[tuple[int, ...], ...] = ()
    if n_comp > 1:
        sizes = np.bincount(comp)
        main = int(np.argmax(sizes))
        others = [c for c in np.argsort(-sizes, kind="stable") if c != main]
        pieces = tuple(tuple(int(i) for i in np.flatnonzero(comp == c)) for c in others)
        connected = comp == main
        remaining = list(others)
        while remaining:
            target = frame[connected]
            best: tuple[float, int, int, int] | None = None
            for c in remaining:
                near = gpd.sjoin_nearest(
                    frame[comp == c], target, how="inner", distance_col="gap"
                ).sort_values(["gap"], kind="stable")
                row = near.iloc[0]
                cand = (float(row["gap"]), int(c), int(near.index[0]), int(row["index_right"]))
                if best is None or cand[0] < best[0]:
                    best = cand
            assert best is not None
            gap, c, a, b = best
            neighbours[a].append(b)
            neighbours[b].append(a)
            bridges.append((a, b, gap))
            connected |= comp == c
            remaining.remove(c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = W(neighbours, silence_warnings=True)
    return Contiguity(weights, islands, pieces, tuple(bridges))


def region_is_connected(rows: np.ndarray, weights: W) -> bool:
    """Return whether the given rows form one connected piece of ``weights``."""
    if len(rows) <= 1:
        return len(rows) == 1
    sub = weights.sparse[rows][:, rows]
    n_comp, _ = connected_components(sub, directed=False)
    return bool(n_comp == 1)


def hub_of(rows: np.ndarray, minutes: np.ndarray, demand: np.ndarray, rule: HubRule) -> int:
    """Return the row of the hub commune of a region.

    ``populous`` picks the commune with the most demand; ``medoid`` the commune from which the
    demand-weighted travel time to the region's communes is least.
    """
    if rule == "populous":
        return int(rows[np.argmax(demand[rows])])
    cost = minutes[np.ix_(rows, rows)] @ demand[rows]
    return int(rows[np.argmin(cost)])


class BalancedCompactness(ObjectiveFunction):
    """AZP objective: demand-weighted mean minutes to the hub plus a balance penalty.

    ``f = sum_r sum_{i in r} d_i * t(hub_r, i) / sum_i d_i
    + balance_weight * sum_r ((D_r - D) / D) ** 2`` where ``D_r`` is region r's demand and
    ``D`` the mean demand per region.  ``balance_weight`` is in minutes: an imbalance of 10 %
    in one region costs ``balance_weight / 100`` minutes of mean travel time.

    The attribute array AZP hands over holds each area's row number in column 0, so that the
    objective can read the travel-time matrix.
    """

    def __init__(
        self, minutes: np.ndarray, demand: np.ndarray, k: int, weight: float, rule: HubRule
    ) -> None:
        self.minutes = minutes
        self.demand = demand
        self.total = float(demand.sum()) or 1.0
        self.mean = self.total / k
        self.weight = weight
        self.rule = rule
        self.k = k

    def _region(self, rows: np.ndarray) -> float:
        if len(rows) == 0:
            return self.weight
        hub = hub_of(rows, self.minutes, self.demand, self.rule)
        travel = float(self.minutes[hub, rows] @ self.demand[rows]) / self.total
        share = (float(self.demand[rows].sum()) - self.mean) / self.mean
        return travel + self.weight * share * share

    def __call__(self, labels: np.ndarray, attr: np.ndarray) -> float:
        rows = attr[:, 0].astype(int)
        present = np.unique(labels)
        empty = max(self.k - len(present), 0) * self._region(rows[:0])
        return sum(self._region(rows[labels == r]) for r in present) + empty

    def update(
        self, moving_area: int, recipient_region: int, labels: np.ndarray, attr: np.ndarray
    ) -> float:
        rows = attr[:, 0].astype(int)
        donor = labels[moving_area]
        before = self._region(rows[labels == donor]) + self._region(
            rows[labels == recipient_region]
        )
        labels[moving_area] = recipient_region
        after = self._region(rows[labels == donor]) + self._region(rows[labels == recipient_region])
        labels[moving_area] = donor
        return after - before


def regionalise(
    weights: W,
    xy_km: np.ndarray,
    minutes: np.ndarray,
    demand: np.ndarray,
    k: int,
    *,
    balance_weight: float,
    rule: HubRule,
    seed: int,
) -> np.ndarray:
    """Return region labels 0..k-1: spopt Ward on coordinates, then AZP on our objective."""
    n = len(demand)
    if k == n:
        return np.arange(n)
    frame = pd.DataFrame({"x": xy_km[:, 0], "y": xy_km[:, 1], "row": np.arange(n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ward = WardSpatial(frame, weights, ["x", "y"], n_clusters=k)
        ward.solve()
        initial = np.asarray(ward.labels_, dtype=int)
        if k == 1:
            return initial
        # AZP draws from the global `random` module; keep the caller's state untouched.
        state = random.getstate()
        try:
            azp = AZP(
                frame,
                weights,
                ["row"],
                n_clusters=k,
                random_state=seed,
                initial_labels=initial,
                objective_func=BalancedCompactness(minutes, demand, k, balance_weight, rule),
            )
            azp.solve()
        finally:
            random.setstate(state)
    return _relabel(np.asarray(azp.labels_, dtype=int))


def _relabel(labels: np.ndarray) -> np.ndarray:
    _, out = np.unique(labels, return_inverse=True)
    return np.asarray(out, dtype=int)


def rows_of(labels: np.ndarray) -> Sequence[np.ndarray]:
    """Return the rows of each label 0..max."""
    return [np.flatnonzero(labels == r) for r in range(int(labels.max()) + 1)]
