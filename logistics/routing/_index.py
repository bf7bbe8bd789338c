"""Compiled routing structures prepared once per graph (private).

The :class:`RoutingIndex` of a graph holds its edges as arrays, the projected edge lines used for
snapping, and a *core* reduction that makes many-to-many searches cheap:

* dead-end trees are peeled off (the 2-core of the undirected skeleton is kept), and chains of
  nodes with exactly two neighbours in that core are contracted, leaving the *core nodes*;
* every other node belongs to a *region* (a chain and the trees hanging from it, or a tree hanging
  from one core node) bounded by at most two core nodes;
* for each region node, the cost to and from each boundary core node without passing another core
  node is computed once (one multi-source Dijkstra per boundary slot and direction);
* *core arcs* join boundary core nodes through their regions;
* the core graph is contracted into a hierarchy (:mod:`._ch`) for many-to-many queries.

Any shortest path between two points either stays inside one region or leaves it through a
boundary core node, runs between core nodes over core arcs and enters the target's region through
one of its boundaries; the query code in :mod:`logistics.routing._query` relies on this.

Travel time and distance are searched together as one exact float64 integer per edge:
``round(seconds / time_unit) * 2**metre_bits + round(metres / metre_unit)``.  Sums of such
integers are exact below 2**53, so one Dijkstra returns the fastest route's time and, in the low
bits, its length (ties on time broken by the shorter length).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from logistics.errors import InputError
from logistics.routing._ch import Hierarchy, build_hierarchy

EXACT_LIMIT = float(2**53)
DEFAULT_TIME_UNIT = 1e-3  # seconds per unit
METRE_UNIT = 0.1  # metres per unit


def csr_min(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> sparse.csr_array:
    """Return an ``n x n`` CSR array keeping the smallest weight of parallel arcs.

    Zero weights become the smallest positive float: a sparse array does not keep explicit
    zeros reliably, and adding it to any other weight leaves that weight unchanged.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    w = np.asarray(w, dtype=float)
    order = np.lexsort((w, dst, src))
    src, dst, w = src[order], dst[order], w[order]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, w = src[first], dst[first], np.maximum(w[first], np.finfo(float).tiny)
    indptr = np.searchsorted(src, np.arange(n + 1))
    return sparse.csr_array((w, dst, indptr), shape=(n, n))


@dataclass(frozen=True)
class Weights:
    """The time/length encoding of one index."""

    time_unit: float
    metre_unit: float
    shift: float  # 2**metre_bits

    def encode(self, seconds: np.ndarray, metres: np.ndarray) -> np.ndarray:
        """Return the combined weights of arcs of given duration and length."""
        return np.round(seconds / self.time_unit) * self.shift + np.round(metres / self.metre_unit)

    def split(self, combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the (time units, metre units) parts of combined weights."""
        t = np.floor(combined / self.shift)
        return t, combined - t * self.shift

    def decode(self, combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return seconds and metres; infinite stays infinite."""
        finite = np.isfinite(combined)
        t, m = self.split(np.where(finite, combined, 0.0))
        seconds = np.where(finite, t * self.time_unit, np.inf)
        metres = np.where(finite, m * self.metre_unit, np.inf)
        return seconds, metres


@dataclass(eq=False)
class RoutingIndex:
    """Arrays and reductions of one graph; build with :func:`routing_index`."""

    node_ids: np.ndarray
    node_pos: dict[Any, int]
    lon: np.ndarray
    lat: np.ndarray
    eu: np.ndarray
    ev: np.ndarray
    ekey: np.ndarray
    etime: np.ndarray
    elen: np.ndarray
    twin: np.ndarray
    metric_crs: str
    lines_m: np.ndarray
    lines_ll: np.ndarray
    weights: Weights
    et: np.ndarray  # time units per edge
    em: np.ndarray  # metre units per edge
    ew: np.ndarray  # combined weight per edge
    out_start: np.ndarray  # edges sorted by tail: out_order[out_start[x]:out_start[x+1]]
    out_order: np.ndarray
    is_core: np.ndarray
    core_pos: np.ndarray
    core_nodes: np.ndarray
    region: np.ndarray
    bounds: np.ndarray  # (regions, slots) core node index or -1
    out_cost: np.ndarray  # (slots, nodes): node -> boundary slot, inside the region
    in_cost: np.ndarray  # (slots, nodes): boundary slot -> node, inside the region
    region_start: np.ndarray
    region_order: np.ndarray
    core_src: np.ndarray  # core arcs, in core positions
    core_dst: np.ndarray
    core_w: np.ndarray
    hierarchy: Hierarchy
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of graph nodes."""
        return len(self.node_ids)

    @property
    def n_core(self) -> int:
        """Number of core nodes."""
        return len(self.core_nodes)

    def region_nodes(self, r: int) -> np.ndarray:
        """Return the node indices of region ``r``."""
        return self.region_order[self.region_start[r] : self.region_start[r + 1]]

    def out_edges(self, x: int) -> np.ndarray:
        """Return the indices of the edges leaving node ``x``."""
        return self.out_order[self.out_start[x] : self.out_start[x + 1]]

    def edge_lookup(self) -> dict[tuple[Any, Any, Any], int]:
        """Return a map from ``(u, v, key)`` graph ids to edge index."""
        if "edge_lookup" not in self._cache:
            ids = self.node_ids
            self._cache["edge_lookup"] = {
                (ids[u], ids[v], k): i
                for i, (u, v, k) in enumerate(zip(self.eu, self.ev, self.ekey, strict=True))
            }
        return self._cache["edge_lookup"]

    def tree(self) -> shapely.STRtree:
        """Return the spatial index of the snapping pieces (one per road, not per direction)."""
        if "tree" not in self._cache:
            pieces = np.flatnonzero((self.twin < 0) | (self.twin > np.arange(len(self.twin))))
            self._cache["pieces"] = pieces
            self._cache["tree"] = shapely.STRtree(self.lines_m[pieces])
        return self._cache["tree"]

    def pieces(self) -> np.ndarray:
        """Return the edge index of each geometry of :meth:`tree`."""
        self.tree()
        return self._cache["pieces"]

    def full_graph(self) -> ig.Graph:
        """Return the whole graph as an igraph ``Graph`` whose edge ids are the edge indices."""
        if "full_graph" not in self._cache:
            edges = np.column_stack([self.eu, self.ev]).tolist()
            self._cache["full_graph"] = ig.Graph(n=self.n_nodes, edges=edges, directed=True)
        return self._cache["full_graph"]

    def transformer(self, to_metric: bool) -> pyproj.Transformer:
        """Return the lon/lat <-> metric CRS transformer."""
        key = f"transformer-{to_metric}"
        if key not in self._cache:
            a, b = ("EPSG:4326", self.metric_crs) if to_metric else (self.metric_crs, "EPSG:4326")
            self._cache[key] = pyproj.Transformer.from_crs(a, b, always_xy=True)
        return self._cache[key]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        # lines travel as coordinate arrays: far faster to pickle than geometry objects
        for name in ("lines_m", "lines_ll"):
            coords, owner = shapely.get_coordinates(state[name], return_index=True)
            state[name] = (coords, owner.astype(np.int32))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in ("lines_m", "lines_ll"):
            coords, owner = state[name]
            state[name] = np.asarray(shapely.linestrings(coords, indices=owner), dtype=object)
        self.__dict__.update(state)


_INDEXES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[tuple[int, float], RoutingIndex]]
_INDEXES = weakref.WeakKeyDictionary()


def routing_index(graph: nx.MultiDiGraph, *, time_unit: float | None = None) -> RoutingIndex:
    """Return the routing index of ``graph``, building it on first use.

    The index is remembered for the graph object; a graph whose node count changed since gets a
    fresh one.  Do not edit the edges of a graph after routing on it: copy it first.

    Raises
    ------
    InputError
        If the graph is empty or an edge lacks a usable ``travel_time`` or ``length``.
    """
    # Counting edges of a networkx graph walks it in Python, so only the node count is checked.
    signature = (graph.number_of_nodes(),)
    known = _INDEXES.get(graph)
    if (
        known is not None
        and known[0][:1] == signature
        and (time_unit is None or known[1].weights.time_unit >= time_unit)
    ):
        return known[1]
    index = build_index(graph, time_unit=time_unit or DEFAULT_TIME_UNIT)
    _INDEXES[graph] = ((*signature, index.weights.time_unit), index)
    return index


def register_index(graph: nx.MultiDiGraph, index: RoutingIndex) -> None:
    """Remember a prepared (e.g. unpickled) index as the one of ``graph``."""
    if index.n_nodes != graph.number_of_nodes():
        raise InputError(
            f"routing index of {index.n_nodes} nodes does not fit a graph of "
            f"{graph.number_of_nodes()} nodes",
            {"field": "graph", "value": graph.number_of_nodes()},
        )
    _INDEXES[graph] = ((index.n_nodes, index.weights.time_unit), index)


def coarser(index: RoutingIndex, graph: nx.MultiDiGraph, largest: float) -> RoutingIndex:
    """Return an index whose time unit keeps sums up to ``largest`` (combined) exact."""
    factor = 2.0 ** math.ceil(math.log2(largest / EXACT_LIMIT) + 1)
    return routing_index(graph, time_unit=index.weights.time_unit * factor)


def _edge_arrays(graph: nx.MultiDiGraph) -> dict[str, Any]:
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        raise InputError(
            "the road graph has no edges", {"field": "graph", "value": graph.number_of_edges()}
        )
    node_ids = np.empty(graph.number_of_nodes(), dtype=object)
    node_ids[:] = list(graph.nodes)
    node_pos = {n: i for i, n in enumerate(node_ids)}
    lon = np.array([graph.nodes[n]["x"] for n in node_ids], dtype=float)
    lat = np.array([graph.nodes[n]["y"] for n in node_ids], dtype=float)
    rows = list(graph.edges(keys=True, data=True))
    eu = np.array([node_pos[u] for u, _, _, _ in rows], dtype=np.int64)
    ev = np.array([node_pos[v] for _, v, _, _ in rows], dtype=np.int64)
    ekey = np.empty(len(rows), dtype=object)
    ekey[:] = [k for _, _, k, _ in rows]
    try:
        etime = np.array([d["travel_time"] for *_, d in rows], dtype=float)
        elen = np.array([d["length"] for *_, d in rows], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            "every edge needs numeric travel_time (s) and length (m); build the graph with "
            f"load_network ({exc!r})",
            {"field": "graph", "value": str(exc)},
        ) from exc
    bad = ~(np.isfinite(etime) & np.isfinite(elen) & (etime >= 0) & (elen >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"edge {rows[i][:3]} has travel_time={etime[i]!r}, length={elen[i]!r}; both must "
            "be finite and >= 0",
            {"field": "graph", "value": [str(x) for x in rows[i][:3]]},
        )
    lines: list[Any] = []
    for u, v, _, data in rows:
        geom = data.get("geometry")
        if geom is None:
            geom = shapely.LineString(
                [(lon[node_pos[u]], lat[node_pos[u]]), (lon[node_pos[v]], lat[node_pos[v]])]
            )
        lines.append(geom)
    lines_ll = np.asarray(lines, dtype=object)
    return {
        "node_ids": node_ids,
        "node_pos": node_pos,
        "lon": lon,
        "lat": lat,
        "eu": eu,
        "ev": ev,
        "ekey": ekey,
        "etime": etime,
        "elen": elen,
        "lines_ll": lines_ll,
    }


def _twins(eu: np.ndarray, ev: np.ndarray, elen: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Pair each edge with the opposite edge drawn on the same road, if any."""
    frame = pd.DataFrame({"e": np.arange(len(eu)), "u": eu, "v": ev, "len": np.round(elen, 1)})
    pairs = frame.merge(frame, left_on=["u", "v", "len"], right_on=["v", "u", "len"])
    pairs = pairs[pairs["e_x"] != pairs["e_y"]]
    first = shapely.get_point(lines[pairs["e_x"].to_numpy()], 1)
    last = shapely.get_point(lines[pairs["e_y"].to_numpy()], -2)
    same = np.asarray(shapely.equals_exact(first, last, tolerance=1e-7), dtype=bool)
    pairs = pairs[same].drop_duplicates("e_x")
    twin = np.full(len(eu), -1, dtype=np.int64)
    twin[pairs["e_x"].to_numpy()] = pairs["e_y"].to_numpy()
    # keep the pairing symmetric
    mutual = twin >= 0
    mutual[mutual] = twin[twin[mutual]] == np.flatnonzero(mutual)
    return np.where(mutual, twin, -1)


def _project(lines_ll: np.ndarray, metric_crs: str) -> np.ndarray:
    transformer = pyproj.Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    coords, owner = shapely.get_coordinates(lines_ll, return_index=True)
    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return np.asarray(shapely.linestrings(np.column_stack([x, y]), indices=owner), dtype=object)


def _core(n: int, eu: np.ndarray, ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the core mask and the region of every node (-1 for core nodes)."""
    lo, hi = np.minimum(eu, ev), np.maximum(eu, ev)
    keep = lo != hi
    pairs = np.unique(np.column_stack([lo[keep], hi[keep]]), axis=0)
    skeleton = ig.Graph(n=n, edges=pairs.tolist(), directed=False)
    in_two_core = np.asarray(skeleton.coreness(), dtype=np.int64) >= 2
    both = in_two_core[pairs[:, 0]] & in_two_core[pairs[:, 1]]
    degree = np.bincount(pairs[both].ravel(), minlength=n)
    is_core = in_two_core & (degree != 2)
    free = ~is_core[pairs[:, 0]] & ~is_core[pairs[:, 1]]
    a, b = pairs[free, 0], pairs[free, 1]
    adjacency = sparse.csr_array((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    region = np.full(n, -1, dtype=np.int64)
    _, region[~is_core] = np.unique(label[~is_core], return_inverse=True)
    return is_core, region


def _region_costs(
    n: int,
    eu: np.ndarray,
    ev: np.ndarray,
    ew: np.ndarray,
    is_core: np.ndarray,
    region: np.ndarray,
    bounds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Costs inside each region between its nodes and each of its boundary slots."""
    slots = bounds.shape[1]
    n_regions = bounds.shape[0]
    in_cost = np.full((slots, n), np.inf)
    out_cost = np.full((slots, n), np.inf)
    for direction in ("in", "out"):
        # "in": from the boundary into the region; "out": from the region to the boundary, found
        # on reversed arcs.  Core nodes are sinks, so regions never connect through them.
        tail, head = (eu, ev) if direction == "in" else (ev, eu)
        inner = ~is_core[tail]
        entry = is_core[tail] & ~is_core[head]
        for slot in range(slots):
            owner = region[head[entry]]
            mine = bounds[owner, slot] == tail[entry]
            src = np.concatenate([tail[inner], n + owner[mine]])
            dst = np.concatenate([head[inner], head[entry][mine]])
            w = np.concatenate([ew[inner], ew[entry][mine]])
            sources = n + np.flatnonzero(bounds[:, slot] >= 0)
            if len(sources) == 0:
                continue
            graph = csr_min(n + n_regions, src, dst, w)
            dist = dijkstra(graph, directed=True, indices=sources, min_only=True)
            cost = (in_cost if direction == "in" else out_cost)[slot]
            cost[~is_core] = dist[:n][~is_core]
    return in_cost, out_cost


def build_index(graph: nx.MultiDiGraph, *, time_unit: float = DEFAULT_TIME_UNIT) -> RoutingIndex:
    """Build the routing index of a graph (see the module docstring).

    Raises
    ------
    InputError
        If the graph is empty or its edges lack usable ``travel_time``/``length``.
    """
    arrays = _edge_arrays(graph)
    n = len(arrays["node_ids"])
    eu, ev, etime, elen = arrays["eu"], arrays["ev"], arrays["etime"], arrays["elen"]
    metric_crs = str(graph.graph.get("metric_crs", "EPSG:2154"))
    lines_m = _project(arrays["lines_ll"], metric_crs)
    twin = _twins(eu, ev, elen, arrays["lines_ll"])

    em = np.round(elen / METRE_UNIT)
    metre_bits = max(1, math.ceil(math.log2(float(em.sum()) + 2)))
    weights = Weights(time_unit=time_unit, metre_unit=METRE_UNIT, shift=float(2**metre_bits))
    et = np.round(etime / time_unit)
    ew = et * weights.shift + em
    if float(ew.max()) >= EXACT_LIMIT:
        return build_index(
            graph,
            time_unit=time_unit * 2.0 ** math.ceil(math.log2(float(ew.max()) / EXACT_LIMIT) + 1),
        )

    out_order = np.argsort(eu, kind="stable")
    out_start = np.searchsorted(eu[out_order], np.arange(n + 1))

    is_core, region = _core(n, eu, ev)
    n_regions = int(region.max()) + 1 if (region >= 0).any() else 0
    core_nodes = np.flatnonzero(is_core)
    core_pos = np.full(n, -1, dtype=np.int64)
    core_pos[core_nodes] = np.arange(len(core_nodes))

    # boundary core nodes of each region, in slots 0, 1, ...
    touch = np.concatenate(
        [
            np.column_stack([region[eu], ev])[~is_core[eu] & is_core[ev]],
            np.column_stack([region[ev], eu])[~is_core[ev] & is_core[eu]],
        ]
    )
    touch = np.unique(touch, axis=0) if len(touch) else np.empty((0, 2), dtype=np.int64)
    slot = touch[:, 0].copy()
    if len(touch):
        first = np.r_[True, touch[1:, 0] != touch[:-1, 0]]
        start = np.maximum.accumulate(np.where(first, np.arange(len(touch)), 0))
        slot = np.arange(len(touch)) - start
    n_slots = int(slot.max()) + 1 if len(touch) else 0
    bounds = np.full((n_regions, max(n_slots, 1)), -1, dtype=np.int64)
    if len(touch):
        bounds[touch[:, 0], slot] = touch[:, 1]

    in_cost, out_cost = _region_costs(n, eu, ev, ew, is_core, region, bounds)

    # core arcs: direct core-to-core edges, and region crossings boundary -> other boundary
    direct = is_core[eu] & is_core[ev] & (eu != ev)
    src = [eu[direct]]
    dst = [ev[direct]]
    wts = [ew[direct]]
    leave = ~is_core[eu] & is_core[ev]
    for s in range(bounds.shape[1]):
        b = bounds[region[eu[leave]], s]
        cost = in_cost[s, eu[leave]] + ew[leave]
        ok = (b >= 0) & (b != ev[leave]) & np.isfinite(cost)
        src.append(b[ok])
        dst.append(ev[leave][ok])
        wts.append(cost[ok])
    arcs = (
        pd.DataFrame(
            {
                "s": core_pos[np.concatenate(src)],
                "d": core_pos[np.concatenate(dst)],
                "w": np.concatenate(wts),
            }
        )
        .groupby(["s", "d"], as_index=False)["w"]
        .min()
    )

    region_order = np.argsort(region, kind="stable")
    region_order = region_order[region[region_order] >= 0]
    region_start = np.searchsorted(region[region_order], np.arange(n_regions + 1))

    return RoutingIndex(
        node_ids=arrays["node_ids"],
        node_pos=arrays["node_pos"],
        lon=arrays["lon"],
        lat=arrays["lat"],
        eu=eu,
        ev=ev,
        ekey=arrays["ekey"],
        etime=etime,
        elen=elen,
        twin=twin,
        metric_crs=metric_crs,
        lines_m=lines_m,
        lines_ll=arrays["lines_ll"],
        weights=weights,
        et=et,
        em=em,
        ew=ew,
        out_start=out_start,
        out_order=out_order,
        is_core=is_core,
        core_pos=core_pos,
        core_nodes=core_nodes,
        region=region,
        bounds=bounds,
        out_cost=out_cost,
        in_cost=in_cost,
        region_start=region_start,
        region_order=region_order,
        core_src=arcs["s"].to_numpy(),
        core_dst=arcs["d"].to_numpy(),
        core_w=arcs["w"].to_numpy(dtype=float),
        hierarchy=build_hierarchy(
            len(core_nodes),
            arcs["s"].to_numpy(),
            arcs["d"].to_numpy(),
            arcs["w"].to_numpy(dtype=float),
        ),
    )
