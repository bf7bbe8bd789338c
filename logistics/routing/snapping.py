"""Snap lon/lat points to the nearest drivable road (or node) of a graph.

Distances are measured in the graph's metric CRS (``graph.graph["metric_crs"]``, Lambert-93 by
default).  Points farther than ``max_distance_m`` from every road are kept in the result but
flagged: :attr:`SnapResult.far` lists their ids and distances, and the matrix functions refuse
them rather than silently routing from a far-away road.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree

from logistics.errors import InputError
from logistics.routing._index import RoutingIndex, routing_index
from logistics.routing.network import Network, as_graph

__all__ = ["SnapResult", "snap_points"]


def _readonly(values: object, dtype: object = float) -> np.ndarray:
    array = np.array(values, dtype=dtype)  # type: ignore[call-overload]
    array.setflags(write=False)
    return array


_ARRAYS = ("lon", "lat", "u", "v", "key", "fraction", "snapped_lon", "snapped_lat", "distance_m")


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Points placed on the road graph.

    Each point lies on the directed edge ``(u[i], v[i], key[i])`` at ``fraction[i]`` of its
    length from ``u``; a two-way road is reachable in both directions from that position.

    Parameters
    ----------
    ids
        Point identifiers, unique.
    lon, lat
        The input coordinates (degrees).
    u, v, key
        The edge each point was snapped to (graph node ids and edge key).
    fraction
        Position along the edge, from 0 (at ``u``) to 1 (at ``v``).
    snapped_lon, snapped_lat
        The snapped position.
    distance_m
        Distance from the input point to its snapped position (metres).
    max_distance_m
        Threshold beyond which a point is reported in :attr:`far`.
    method
        ``"edge"`` (nearest road) or ``"node"`` (nearest graph node).
    """

    ids: tuple[Hashable, ...]
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray
    v: np.ndarray
    key: np.ndarray
    fraction: np.ndarray
    snapped_lon: np.ndarray
    snapped_lat: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    method: str
    far: tuple[tuple[Hashable, float], ...] = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in _ARRAYS:
            if len(getattr(self, name)) != n:
                raise InputError(
                    f"SnapResult.{name} has {len(getattr(self, name))} values for {n} ids",
                    {"field": name, "value": len(getattr(self, name))},
                )
        if not np.all((self.fraction >= 0) & (self.fraction <= 1)):
            raise InputError("SnapResult.fraction must lie in [0, 1]", {"field": "fraction"})
        far = tuple(
            (self.ids[i], round(float(self.distance_m[i]), 1))
            for i in np.flatnonzero(self.distance_m > self.max_distance_m)
        )
        object.__setattr__(self, "far", far)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def ok(self) -> np.ndarray:
        """Mask of the points within ``max_distance_m`` of the road."""
        return np.asarray(self.distance_m <= self.max_distance_m)

    def subset(self, positions: Sequence[int] | np.ndarray) -> SnapResult:
        """Return the points at the given positions (or boolean mask), in that order."""
        pos = np.arange(len(self))[np.asarray(positions)]
        return SnapResult(
            ids=tuple(self.ids[i] for i in pos),
            **{
                name: _readonly(getattr(self, name)[pos], getattr(self, name).dtype)
                for name in _ARRAYS
            },
            max_distance_m=self.max_distance_m,
            method=self.method,
        )

    def require_near(self, field_name: str = "points") -> None:
        """Raise unless every point lies within ``max_distance_m`` of a road.

        Raises
        ------
        InputError
            Listing the far points' ids and distances.
        """
        if self.far:
            shown = ", ".join(f"{pid!r} ({dist:,.0f} m)" for pid, dist in self.far[:10])
            raise InputError(
                f"{len(self.far)} point(s) lie farther than {self.max_distance_m:,.0f} m from "
                f"any drivable road: {shown}; drop them (SnapResult.drop_far) or raise the "
                "threshold",
                {"field": field_name, "value": [[str(p), d] for p, d in self.far]},
            )

    def drop_far(self) -> SnapResult:
        """Return the points within ``max_distance_m`` of the road only."""
        return self.subset(self.ok)

    def edge_positions(self, index: RoutingIndex) -> np.ndarray:
        """Return the index position of each point's edge.

        Raises
        ------
        InputError
            If an edge is not in the graph (the result belongs to another graph).
        """
        lookup = index.edge_lookup()
        try:
            return np.array(
                [lookup[(u, v, k)] for u, v, k in zip(self.u, self.v, self.key, strict=True)],
                dtype=np.int64,
            )
        except KeyError as exc:
            raise InputError(
                f"snapped edge {exc.args[0]} is not in this graph; snap the points on the "
                "graph you route on",
                {"field": "points", "value": str(exc.args[0])},
            ) from exc


def check_coordinates(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    ids: Sequence[Hashable] | None,
) -> tuple[np.ndarray, np.ndarray, tuple[Hashable, ...]]:
    """Validate point coordinates and ids; return them as arrays and a tuple.

    Raises
    ------
    InputError
        On mismatched lengths, non-finite or out-of-range coordinates, or duplicate ids.
    """
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    if len(x) != len(y):
        raise InputError(
            f"{len(x)} longitudes for {len(y)} latitudes", {"field": "lat", "value": len(y)}
        )
    point_ids: tuple[Hashable, ...] = tuple(range(len(x))) if ids is None else tuple(ids)
    if len(point_ids) != len(x):
        raise InputError(
            f"{len(point_ids)} ids for {len(x)} points", {"field": "ids", "value": len(point_ids)}
        )
    for name, values, limit in (("lon", x, 180.0), ("lat", y, 90.0)):
        bad = ~(np.isfinite(values) & (np.abs(values) <= limit))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"point {point_ids[i]!r}: {name} = {float(values[i])!r} is not a coordinate in "
                f"[-{limit:g}, {limit:g}] degrees",
                {"field": name, "value": float(values[i]), "id": str(point_ids[i])},
            )
    seen: set[Hashable] = set()
    for pid in point_ids:
        if pid in seen:
            raise InputError(
                f"point id {pid!r} appears more than once; ids must be unique",
                {"field": "ids", "value": str(pid)},
            )
        seen.add(pid)
    return x, y, point_ids


def snap_points(
    graph: Network | nx.MultiDiGraph,
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    ids: Sequence[Hashable] | None = None,
    *,
    max_distance_m: float = 2000.0,
    method: Literal["edge", "node"] = "edge",
) -> SnapResult:
    """Snap points to the nearest road (or graph node).

    Parameters
    ----------
    graph
        A :class:`~logistics.routing.network.Network` or an OSMnx graph with ``travel_time``.
    lon, lat
        Coordinates in degrees (EPSG:4326).
    ids
        Point identifiers (default ``0 .. n-1``); must be unique.
    max_distance_m
        Points farther than this from every road are listed in :attr:`SnapResult.far`.
    method
        ``"edge"``: the nearest point of the nearest road; ``"node"``: the nearest graph node.

    Returns
    -------
    SnapResult
        The snapped positions and distances.

    Raises
    ------
    InputError
        On bad coordinates, duplicate ids, a negative threshold or an unknown method.
    """
    if not (np.isfinite(max_distance_m) and max_distance_m >= 0):
        raise InputError(
            f"max_distance_m = {max_distance_m!r}; expected a distance >= 0 in metres",
            {"field": "max_distance_m", "value": max_distance_m},
        )
    if method not in ("edge", "node"):
        raise InputError(
            f"snapping method {method!r} is not known; expected 'edge' or 'node'",
            {"field": "method", "value": method},
        )
    x, y, point_ids = check_coordinates(lon, lat, ids)
    index = routing_index(as_graph(graph))
    px, py = index.transformer(to_metric=True).transform(x, y)
    points = shapely.points(np.column_stack([px, py])) if len(x) else np.empty(0, dtype=object)
    if method == "edge":
        found, distance = index.tree().query_nearest(
            points, return_distance=True, all_matches=False
        )
        edge = np.empty(len(x), dtype=np.int64)
        edge[found[0]] = index.pieces()[found[1]]
        dist = np.empty(len(x))
        dist[found[0]] = distance
        lines = index.lines_m[edge]
        fraction = np.clip(shapely.line_locate_point(lines, points, normalized=True), 0.0, 1.0)
        fraction = np.nan_to_num(fraction, nan=0.0)  # zero-length lines
        snapped = shapely.line_interpolate_point(lines, fraction, normalized=True)
        sx, sy = shapely.get_x(snapped), shapely.get_y(snapped)
    else:
        if "kdtree" not in index._cache:
            nx_, ny_ = index.transformer(to_metric=True).transform(index.lon, index.lat)
            index._cache["kdtree"] = cKDTree(np.column_stack([nx_, ny_]))
        dist, node = index._cache["kdtree"].query(np.column_stack([px, py]))
        node = np.asarray(node, dtype=np.int64)
        counts = np.diff(index.out_start)
        has_out = counts[node] > 0
        edge = np.where(
            has_out, index.out_order[np.minimum(index.out_start[node], len(index.eu) - 1)], -1
        )
        if not has_out.all():
            in_first = {int(v): e for e, v in reversed(list(enumerate(index.ev)))}
            for i in np.flatnonzero(~has_out):
                edge[i] = in_first[int(node[i])]
        fraction = np.where(has_out, 0.0, 1.0)
        sx, sy = index.transformer(to_metric=True).transform(index.lon[node], index.lat[node])
    slon, slat = index.transformer(to_metric=False).transform(np.asarray(sx), np.asarray(sy))
    return SnapResult(
        ids=point_ids,
        lon=_readonly(x),
        lat=_readonly(y),
        u=_readonly(index.node_ids[index.eu[edge]], object),
        v=_readonly(index.node_ids[index.ev[edge]], object),
        key=_readonly(index.ekey[edge], object),
        fraction=_readonly(fraction),
        snapped_lon=_readonly(slon),
        snapped_lat=_readonly(slat),
        distance_m=_readonly(dist),
        max_distance_m=float(max_distance_m),
        method=method,
    )
