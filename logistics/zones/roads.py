"""Coverage and zone travel times on a real road graph (``logistics.routing``).

The routing package answers "which road edges are reached within T seconds"
(:func:`logistics.routing.reach.reachable_edges`: one row per directed edge, or part of an edge
next to a source) and "how long from A to B" (:func:`logistics.routing.matrix.travel_matrix`).
This module adapts both to the zones core: reached edges become the input of
:func:`logistics.zones.isochrones`, matrices become a :class:`~logistics.zones.TravelTimeFn`.

Why not feed ``reachable_edges`` rows to :func:`isochrones` as they are: a two-way road is two
directed rows with the same line, so every road would be buffered and unioned twice.  The
adapter folds the two directions of a road into one two-way row (reached from whichever end is
reached first) and takes the geometry from a per-graph table of edge lines already projected to
Lambert-93 and simplified, instead of reprojecting and simplifying a million vertices per call.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.ops import substring

from logistics.errors import InputError
from logistics.routing.matrix import travel_matrix
from logistics.routing.network import Network, as_graph
from logistics.routing.reach import reachable_edges
from logistics.routing.snapping import SnapResult, snap_points
from logistics.zones._geo import METRIC_CRS, STORAGE_CRS, check_frame
from logistics.zones.coverage import _thresholds, isochrones

__all__ = [
    "ROAD_METHOD",
    "RoadTravelTimes",
    "isochrone_edges",
    "road_corridor",
    "road_isochrones",
]

ROAD_METHOD = (
    "road graph: driving time from the nearest origin snapped to the road, reached roads "
    "buffered by {buffer_m:g} m"
)

#: Tolerance (s) under which the two directions of a road count as equally fast.
_SAME_TIME_S = 1e-3


@dataclass(frozen=True, eq=False)
class _EdgeTable:
    """Every directed edge of a graph, and the undirected road it belongs to."""

    position: dict[tuple[Hashable, Hashable, Hashable], int]
    road: np.ndarray  # directed edge -> undirected road id
    forward: np.ndarray  # directed edge runs along its road's line (from its first vertex)
    travel: np.ndarray  # seconds to drive the directed edge
    road_lines: np.ndarray  # road id -> line (Lambert-93, simplified)
    road_travel: np.ndarray  # road id -> seconds (the forward edge's)
    road_oneway: np.ndarray  # road id -> True when only one direction is driven


_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[float, _EdgeTable]] = (
    weakref.WeakKeyDictionary()
)
_CORRIDORS: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[tuple[float, float], Any]] = (
    weakref.WeakKeyDictionary()
)


def _edge_table(graph: nx.MultiDiGraph, simplify_m: float) -> _EdgeTable:
    """Return (and remember for this graph object) the table of its edges."""
    cached = _TABLES.setdefault(graph, {})
    if simplify_m in cached:
        return cached[simplify_m]
    keys = []
    geoms = []
    travel = []
    xy = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    for u, v, k, data in graph.edges(keys=True, data=True):
        keys.append((u, v, k))
        geom = data.get("geometry")
        geoms.append(geom if geom is not None else shapely.LineString([xy[u], xy[v]]))
        travel.append(float(data["travel_time"]))
    lines = gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(METRIC_CRS).to_numpy()
    lengths = np.round(shapely.length(lines), 1)
    if simplify_m:
        lines = shapely.simplify(lines, simplify_m)
    times = np.array(travel, dtype=float)
    # Pair u->v with v->u when exactly one edge runs each way between the two nodes with the
    # same length and time: they are the two directions of one road.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, (u, v, _) in enumerate(keys):
        if u == v:
            continue
        a, b = (u, v) if str(u) <= str(v) else (v, u)
        groups.setdefault((a, b, lengths[i]), []).append(i)
    road = np.arange(len(keys))
    forward = np.ones(len(keys), dtype=bool)
    oneway = np.ones(len(keys), dtype=bool)
    for members in groups.values():
        if len(members) != 2:
            continue
        i, j = members
        if keys[i][0] != keys[j][1] or abs(times[i] - times[j]) > _SAME_TIME_S:
            continue
        road[j], forward[j] = i, False
        oneway[i] = False
    ids, road = np.unique(road, return_inverse=True)
    table = _EdgeTable(
        position={key: i for i, key in enumerate(keys)},
        road=road,
        forward=forward,
        travel=times,
        road_lines=lines[ids],
        road_travel=times[ids],
        road_oneway=oneway[ids],
    )
    cached[simplify_m] = table
    return table


def isochrone_edges(
    reach: gpd.GeoDataFrame,
    network: Network | nx.MultiDiGraph,
    *,
    by: str | None = None,
    simplify_m: float = 5.0,
) -> gpd.GeoDataFrame:
    """Turn :func:`~logistics.routing.reach.reachable_edges` rows into :func:`isochrones` input.

    The two directed rows of a two-way road become one two-way row; rows covering part of an
    edge (next to a source snapped onto it) stay one-way rows on that part.

    Parameters
    ----------
    reach
        Output of ``reachable_edges(network, sources, max_seconds)`` (``direction="from"``):
        columns ``u, v, key, part_start, part_end, time_start``.
    network
        The graph the rows come from.
    by
        Optional column of ``reach`` to keep (e.g. the origin id when rows of several
        single-source searches are stacked); roads are folded within each group.
    simplify_m
        Douglas-Peucker tolerance of the edge lines (m), 0 to keep them as they are.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:2154 lines with ``t_from``, ``t_to``, ``travel_time``, ``oneway`` (and ``by``).

    Raises
    ------
    InputError
        If a column is missing or a row names an edge that is not in ``network``.
    """
    cols = ["u", "v", "key", "part_start", "part_end", "time_start"] + ([by] if by else [])
    check_frame(reach, "reach", columns=cols)
    graph = as_graph(network)
    table = _edge_table(graph, float(simplify_m))
    try:
        rows = np.array(
            [table.position[k] for k in zip(reach["u"], reach["v"], reach["key"], strict=True)],
            dtype=np.int64,
        )
    except KeyError as exc:
        raise InputError(
            f"reach names the edge {exc.args[0]!r}, which is not in the network; pass the "
            "network the rows were computed on",
            {"field": "reach", "value": repr(exc.args[0])},
        ) from None
    start = reach["part_start"].to_numpy(dtype=float)
    end = reach["part_end"].to_numpy(dtype=float)
    t = np.array(pd.to_numeric(reach["time_start"], errors="coerce"), dtype=float)
    t[np.isnan(t)] = np.inf
    groups = reach[by].to_numpy() if by else np.zeros(len(reach), dtype=int)
    frames = []
    for group in pd.unique(groups):
        sel = groups == group
        frames.append(_fold(table, rows[sel], start[sel], end[sel], t[sel], by, group))
    if not frames:
        empty: dict[str, list[Any]] = {"t_from": [], "t_to": [], "travel_time": [], "oneway": []}
        return gpd.GeoDataFrame(empty | ({by: []} if by else {}), geometry=[], crs=METRIC_CRS)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=METRIC_CRS)


def _fold(
    table: _EdgeTable,
    rows: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    t: np.ndarray,
    by: str | None,
    group: object,
) -> gpd.GeoDataFrame:
    whole = (start == 0.0) & (end == 1.0)
    road = table.road[rows[whole]]
    fwd = table.forward[rows[whole]]
    t_whole = t[whole]
    used, inverse = np.unique(road, return_inverse=True)
    t_first = np.full(len(used), np.inf)
    t_last = np.full(len(used), np.inf)
    np.minimum.at(t_first, inverse[fwd], t_whole[fwd])
    np.minimum.at(t_last, inverse[~fwd], t_whole[~fwd])
    parts = np.flatnonzero(~whole & (end > start))
    part_lines = [_part(table, int(rows[i]), float(start[i]), float(end[i])) for i in parts]
    out = gpd.GeoDataFrame(
        {
            "t_from": np.concatenate([t_first, t[parts]]),
            "t_to": np.concatenate([t_last, np.full(len(parts), np.inf)]),
            "travel_time": np.concatenate(
                [table.road_travel[used], table.travel[rows[parts]] * (end[parts] - start[parts])]
            ),
            "oneway": np.concatenate([table.road_oneway[used], np.ones(len(parts), dtype=bool)]),
        },
        geometry=np.concatenate([table.road_lines[used], np.array(part_lines, dtype=object)]),
        crs=METRIC_CRS,
    )
    # A part too short to be a line (a source at the very end of its edge) adds nothing.
    out = out[out.geometry.geom_type == "LineString"]
    if by:
        out.insert(0, by, group)
    return out


def _part(table: _EdgeTable, row: int, start: float, end: float) -> Any:
    """Return the part of a directed edge, cut from its road's line, in driving order.

    Cutting the road's line (not the edge's own, simplified separately) keeps every piece
    inside the corridor of :func:`road_corridor`.
    """
    line = table.road_lines[table.road[row]]
    if table.forward[row]:
        return substring(line, start, end, normalized=True)
    return shapely.reverse(substring(line, 1.0 - end, 1.0 - start, normalized=True))


def _origins(
    network: Network | nx.MultiDiGraph, origins: gpd.GeoDataFrame, id_col: str, max_snap_m: float
) -> tuple[SnapResult, list[Hashable]]:
    check_frame(origins, "origins", columns=[id_col], geom_types=("Point",))
    if origins.empty:
        raise InputError("origins is empty; give at least one point", {"field": "origins"})
    ids = origins[id_col].tolist()
    if len(set(ids)) != len(ids):
        dup = sorted({str(i) for i in ids if ids.count(i) > 1})
        raise InputError(
            f"origins: {id_col!r} values must be unique; repeated: {dup[:10]}",
            {"field": id_col, "value": dup[:10]},
        )
    pts = origins.geometry.to_crs(STORAGE_CRS)
    snap = snap_points(
        network, pts.x.to_numpy(), pts.y.to_numpy(), ids=ids, max_distance_m=max_snap_m
    )
    far = [snap.ids[i] for i in np.flatnonzero(~snap.ok)]
    return snap, far


def road_isochrones(
    network: Network | nx.MultiDiGraph,
    origins: gpd.GeoDataFrame,
    thresholds: Sequence[float],
    *,
    id_col: str = "point_id",
    each: bool = False,
    buffer_m: float = 150.0,
    simplify_m: float = 5.0,
    max_snap_m: float = 2000.0,
) -> tuple[gpd.GeoDataFrame, list[Hashable]]:
    """Return isochrones on the road graph from points: reached roads (or parts), buffered.

    With ``each=False`` one bounded multi-source search gives, per threshold, the area within
    reach of *any* origin (what coverage needs); with ``each=True`` one search per origin gives
    one isochrone per origin (what :func:`~logistics.zones.what_if_collection_points` takes).

    Parameters
    ----------
    network
        Road graph with ``travel_time`` (a :class:`~logistics.routing.network.Network`).
    origins
        Points (any CRS) with a unique ``id_col``.
    thresholds
        Travel times in seconds.
    id_col
        Column of ``origins`` holding the ids; with ``each=True`` also the output column.
    each
        One isochrone per origin instead of one for all.
    buffer_m, simplify_m
        As in :func:`~logistics.zones.isochrones`.
    max_snap_m
        Origins farther than this from every road are left out and returned as ``far``.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, list)
        Isochrones as :func:`~logistics.zones.isochrones` returns them (EPSG:4326), and the ids
        of the origins left out because no road passes within ``max_snap_m``.

    Raises
    ------
    InputError
        On bad thresholds, an empty or malformed ``origins``, or when every origin is too far
        from the road.
    """
    levels = _thresholds(thresholds)
    snap, far = _origins(network, origins, id_col, max_snap_m)
    if len(far) == len(snap):
        raise InputError(
            f"no origin lies within {max_snap_m:g} m of a road of the network: {far[:10]}",
            {"field": "origins", "value": [str(f) for f in far[:10]]},
        )
    near = snap.subset(np.flatnonzero(snap.ok))
    if each:
        parts = []
        for i, point in enumerate(near.ids):
            reach = reachable_edges(network, near.subset([i]), levels[-1])
            parts.append(reach.assign(**{id_col: [point] * len(reach)}))
        reach = pd.concat(parts, ignore_index=True)
        edges = isochrone_edges(reach, network, by=id_col, simplify_m=simplify_m)
        iso = isochrones(edges, levels, buffer_m=buffer_m, by=id_col, simplify_m=0.0)
    else:
        reach = reachable_edges(network, near, levels[-1])
        edges = isochrone_edges(reach, network, simplify_m=simplify_m)
        iso = isochrones(edges, levels, buffer_m=buffer_m, simplify_m=0.0)
    return iso, far


def road_corridor(
    network: Network | nx.MultiDiGraph, *, buffer_m: float = 150.0, simplify_m: float = 5.0
) -> Any:
    """Return the land within ``buffer_m`` of any road of the graph (EPSG:2154 polygon).

    It is the isochrone of an unbounded travel time, and where :func:`coverage_report` assumes
    people live (the road-side land): remembered per graph object, as it takes seconds.

    Parameters
    ----------
    network
        Road graph.
    buffer_m, simplify_m
        As in :func:`road_isochrones` (use the same values, so that every isochrone lies
        inside the corridor).

    Returns
    -------
    shapely.Geometry
        A (Multi)Polygon in Lambert-93 (EPSG:2154).

    Raises
    ------
    InputError
        If ``buffer_m`` is not a positive number of metres.
    """
    if not isinstance(buffer_m, int | float) or not math.isfinite(buffer_m) or buffer_m <= 0:
        raise InputError(
            f"buffer_m must be a positive number of metres, got {buffer_m!r}",
            {"field": "buffer_m", "value": repr(buffer_m)},
        )
    graph = as_graph(network)
    cached = _CORRIDORS.setdefault(graph, {})
    key = (float(buffer_m), float(simplify_m))
    if key not in cached:
        table = _edge_table(graph, float(simplify_m))
        buffers = shapely.buffer(table.road_lines, buffer_m, quad_segs=4)
        cached[key] = shapely.union_all(buffers)
    return cached[key]


@dataclass(frozen=True, eq=False)
class RoadTravelTimes:
    """Road travel times between lon/lat points, as a :class:`~logistics.zones.TravelTimeFn`.

    Points are snapped to the nearest road; the drive between the snapped positions is timed
    on the graph (:func:`~logistics.routing.matrix.travel_matrix`), the off-road leg is not.
    Points farther than ``max_snap_m`` from every road get ``inf`` (unreachable), which
    :func:`~logistics.zones.build_zones` reports per zone.

    Parameters
    ----------
    network
        The road graph.
    max_snap_m
        Largest distance from a point to its road.
    """

    network: Network | nx.MultiDiGraph
    max_snap_m: float = 5000.0
    is_estimate: bool = False

    def __post_init__(self) -> None:
        as_graph(self.network)
        if not math.isfinite(self.max_snap_m) or self.max_snap_m <= 0:
            raise InputError(
                f"max_snap_m must be a positive distance in metres, got {self.max_snap_m!r}",
                {"field": "max_snap_m", "value": self.max_snap_m},
            )

    @property
    def label(self) -> str:
        """Return the method, printed next to every figure computed with it."""
        graph = as_graph(self.network)
        return (
            f"road graph ({graph.number_of_nodes():,} nodes): fastest route between points "
            f"snapped to the road (within {self.max_snap_m:g} m; off-road leg not counted)"
        )

    def __call__(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Return the ``(n, m)`` matrix of road travel seconds (``inf`` when unreachable)."""
        o = np.asarray(origins, dtype=float).reshape(-1, 2)
        d = np.asarray(destinations, dtype=float).reshape(-1, 2)
        both = np.vstack([o, d])
        unique, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        snap = snap_points(
            self.network,
            unique[:, 0],
            unique[:, 1],
            ids=list(range(len(unique))),
            max_distance_m=self.max_snap_m,
        )
        seconds = np.full((len(unique), len(unique)), np.inf)
        ok = np.flatnonzero(snap.ok)
        if len(ok):
            matrix = travel_matrix(self.network, snap.subset(ok))
            seconds[np.ix_(ok, ok)] = matrix.seconds
        return seconds[np.ix_(inverse[: len(o)], inverse[len(o) :])]
