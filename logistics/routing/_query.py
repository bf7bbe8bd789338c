"""Many-to-many searches between points placed on edges (private; see :mod:`._index`).

A point on edge ``a -> b`` at fraction ``f`` becomes a virtual node.  It leaves the edge through
``b`` (and through ``a`` when the road is two-way) and is reached from ``a`` (and ``b``).  Through
the region costs of the index, those end nodes become *anchors*: arcs between the point and the
boundary core nodes of its region.  Points sharing a region also get direct arcs, found by a small
Dijkstra inside the region.  A many-to-many query over the contraction hierarchy of the core graph
(:mod:`._ch`) then gives every pair that goes through the core.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import igraph as ig
import numpy as np
from scipy.sparse.csgraph import dijkstra

from logistics.routing._ch import hierarchy_matrix
from logistics.routing._index import RoutingIndex, csr_min


@dataclass(frozen=True)
class Arcs:
    """Arcs in a shared id space: ids below the node count are graph nodes, others points.

    ``edge`` is the graph edge an arc runs along (``-1`` for a zero-length link between a point
    and the node it sits on) and ``f0``/``f1`` the fractions of that edge it covers.
    """

    src: np.ndarray
    dst: np.ndarray
    w: np.ndarray
    edge: np.ndarray
    f0: np.ndarray
    f1: np.ndarray


def _concat(parts: list[Arcs]) -> Arcs:
    return Arcs(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Arcs.__dataclass_fields__)
    )


def _arcs(
    src: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    edge: np.ndarray,
    f0: np.ndarray,
    f1: np.ndarray,
) -> Arcs:
    return Arcs(
        np.asarray(src, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        np.asarray(w, dtype=float),
        np.asarray(edge, dtype=np.int64),
        np.asarray(f0, dtype=float),
        np.asarray(f1, dtype=float),
    )


def carriers(
    index: RoutingIndex, edge: np.ndarray, frac: np.ndarray, pid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the (edge, fraction, point id) of every directed edge a point lies on."""
    twin = index.twin[edge]
    has = twin >= 0
    return (
        np.concatenate([edge, twin[has]]),
        np.concatenate([frac, 1.0 - frac[has]]),
        np.concatenate([pid, pid[has]]),
    )


def split_arcs(index: RoutingIndex, edge: np.ndarray, frac: np.ndarray, pid: np.ndarray) -> Arcs:
    """Return the arcs that insert points into their edges.

    Points on one directed edge are chained in order of position (``a -> p1 -> p2 -> b``), both
    ways on a two-way road; a point at the very end of a one-way edge is also linked to that node
    at zero cost.  The original edges stay: a chain costs exactly what the edge costs.
    """
    shift = index.weights.shift
    ce, cf, cid = carriers(index, edge, frac, pid)
    order = np.lexsort((cf, ce))
    ce, cf, cid = ce[order], cf[order], cid[order]
    pt = np.round(cf * index.et[ce])
    pm = np.round(cf * index.em[ce])
    first = np.r_[True, ce[1:] != ce[:-1]] if len(ce) else np.empty(0, dtype=bool)
    last = np.r_[ce[1:] != ce[:-1], True] if len(ce) else np.empty(0, dtype=bool)
    prev_id = np.where(first, index.eu[ce], np.roll(cid, 1))
    prev_t = np.where(first, 0.0, np.roll(pt, 1))
    prev_m = np.where(first, 0.0, np.roll(pm, 1))
    prev_f = np.where(first, 0.0, np.roll(cf, 1))
    into = _arcs(prev_id, cid, (pt - prev_t) * shift + (pm - prev_m), ce, prev_f, cf)
    lt, lm = pt[last], pm[last]
    le = ce[last]
    out = _arcs(
        cid[last],
        index.ev[le],
        (index.et[le] - lt) * shift + (index.em[le] - lm),
        le,
        cf[last],
        np.ones(len(le)),
    )
    one_way = index.twin[edge] < 0
    at_tail = one_way & (frac == 0.0)
    at_head = one_way & (frac == 1.0)
    zero_tail = _arcs(
        pid[at_tail],
        index.eu[edge[at_tail]],
        np.zeros(at_tail.sum()),
        np.full(at_tail.sum(), -1),
        np.zeros(at_tail.sum()),
        np.zeros(at_tail.sum()),
    )
    zero_head = _arcs(
        index.ev[edge[at_head]],
        pid[at_head],
        np.zeros(at_head.sum()),
        np.full(at_head.sum(), -1),
        np.ones(at_head.sum()),
        np.ones(at_head.sum()),
    )
    return _concat([into, out, zero_tail, zero_head])


def _anchors(index: RoutingIndex, edge: np.ndarray, frac: np.ndarray) -> tuple[Arcs, Arcs]:
    """Return point -> core and core -> point arcs (core ids are core positions).

    Point ids are ``0 .. n-1``.
    """
    pid = np.arange(len(edge))
    # direct costs from the point to each end of its edge (and of its twin), and back
    shift = index.weights.shift
    a, b, tw = index.eu[edge], index.ev[edge], index.twin[edge]
    t1, m1 = np.round(frac * index.et[edge]), np.round(frac * index.em[edge])
    c_ap = t1 * shift + m1
    c_pb = (index.et[edge] - t1) * shift + (index.em[edge] - m1)
    has = tw >= 0
    g = 1.0 - frac[has]
    t2, m2 = np.round(g * index.et[tw[has]]), np.round(g * index.em[tw[has]])
    c_bp = t2 * shift + m2
    c_pa = (index.et[tw[has]] - t2) * shift + (index.em[tw[has]] - m2)
    one_way = ~has
    out_p = np.concatenate([pid, pid[has], pid[one_way & (frac == 0)]])
    out_n = np.concatenate([b, a[has], a[one_way & (frac == 0)]])
    out_c = np.concatenate([c_pb, c_pa, np.zeros((one_way & (frac == 0)).sum())])
    in_p = np.concatenate([pid, pid[has], pid[one_way & (frac == 1)]])
    in_n = np.concatenate([a, b[has], b[one_way & (frac == 1)]])
    in_c = np.concatenate([c_ap, c_bp, np.zeros((one_way & (frac == 1)).sum())])
    return _expand(index, out_p, out_n, out_c, leaving=True), _expand(
        index, in_p, in_n, in_c, leaving=False
    )


def _expand(
    index: RoutingIndex, pid: np.ndarray, node: np.ndarray, cost: np.ndarray, *, leaving: bool
) -> Arcs:
    """Turn (point, graph node, cost) links into links with core nodes through regions."""
    core = index.is_core[node]
    src_p = [pid[core]]
    core_n = [index.core_pos[node[core]]]
    costs = [cost[core]]
    inner = ~core
    for slot in range(index.bounds.shape[1]):
        bound = index.bounds[index.region[node[inner]], slot]
        table = index.out_cost if leaving else index.in_cost
        extra = cost[inner] + table[slot, node[inner]]
        ok = (bound >= 0) & np.isfinite(extra)
        src_p.append(pid[inner][ok])
        core_n.append(index.core_pos[bound[ok]])
        costs.append(extra[ok])
    p = np.concatenate(src_p)
    c = np.concatenate(core_n)
    w = np.concatenate(costs)
    none = np.full(len(p), -1)
    zeros = np.zeros(len(p))
    if leaving:
        return _arcs(p, c, w, none, zeros, zeros)
    return _arcs(c, p, w, none, zeros, zeros)


def _groups(index: RoutingIndex, edge: np.ndarray) -> np.ndarray:
    """Return, per point, the id of the region whose interior it shares with other points."""
    a, b = index.eu[edge], index.ev[edge]
    n_regions = index.bounds.shape[0]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    _, pair = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    return np.where(
        ~index.is_core[a],
        index.region[a],
        np.where(~index.is_core[b], index.region[b], n_regions + pair.ravel()),
    )


def _direct(index: RoutingIndex, edge: np.ndarray, frac: np.ndarray) -> Arcs:
    """Return point -> point arcs for points sharing a region (paths avoiding core nodes)."""
    group = _groups(index, edge)
    n_regions = index.bounds.shape[0]
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    ends = np.r_[starts[1:], len(order)]
    parts: list[Arcs] = []
    n = index.n_nodes
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        members = order[s:e]
        g = int(sorted_groups[s])
        if g < n_regions:
            inner = index.region_nodes(g)
            nodes = np.concatenate([inner, index.bounds[g][index.bounds[g] >= 0]])
            out = np.concatenate([index.out_edges(int(x)) for x in inner])
            graph_arcs = _arcs(
                index.eu[out],
                index.ev[out],
                index.ew[out],
                out,
                np.zeros(len(out)),
                np.ones(len(out)),
            )
        else:
            first = edge[members[0]]
            nodes = np.array([index.eu[first], index.ev[first]])
            graph_arcs = _arcs(*(np.empty(0),) * 6)
        local = split_arcs(index, edge[members], frac[members], n + members)
        arcs = _concat([graph_arcs, local])
        # core nodes are sinks here: paths through them are found on the core graph
        keep = ~((arcs.src < n) & index.is_core[np.minimum(arcs.src, n - 1)])
        src, dst, w = arcs.src[keep], arcs.dst[keep], arcs.w[keep]
        ids = np.concatenate([nodes, n + members])
        sorter = np.argsort(ids)
        lsrc = sorter[np.searchsorted(ids, src, sorter=sorter)]
        ldst = sorter[np.searchsorted(ids, dst, sorter=sorter)]
        k = len(members)
        graph = csr_min(len(ids), lsrc, ldst, w)
        local_points = np.arange(len(nodes), len(ids))
        dist = dijkstra(graph, directed=True, indices=local_points)[:, local_points]
        i, j = np.nonzero(np.isfinite(dist) & ~np.eye(k, dtype=bool))
        none = np.full(len(i), -1)
        zeros = np.zeros(len(i))
        parts.append(_arcs(members[i], members[j], dist[i, j], none, zeros, zeros))
    if not parts:
        return _arcs(*(np.empty(0),) * 6)
    return _concat(parts)


def default_workers(n_sources: int) -> int:
    """Return the number of threads worth using for ``n_sources`` points.

    NumPy releases the GIL, so threads share the work without copying the graph.
    """
    if n_sources < 256:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(2, cores or 1))


def point_matrix(
    index: RoutingIndex, edge: np.ndarray, frac: np.ndarray, workers: int
) -> np.ndarray:
    """Return the ``n x n`` combined-weight matrix between points (``inf`` if unreachable)."""
    n = len(edge)
    if n == 0:
        return np.zeros((0, 0))
    leave, enter = _anchors(index, edge, frac)
    direct = _direct(index, edge, frac)
    if index.n_core:
        result = hierarchy_matrix(
            index.hierarchy,
            (leave.src, leave.dst, leave.w),
            (enter.src, enter.dst, enter.w),
            n,
            workers,
        )
    else:
        result = np.full((n, n), np.inf)
    np.minimum.at(result, (direct.src, direct.dst), direct.w)
    np.fill_diagonal(result, 0.0)
    return result


def full_graph_with_points(
    index: RoutingIndex, edge: np.ndarray, frac: np.ndarray
) -> tuple[ig.Graph, np.ndarray, Arcs]:
    """Return the whole graph with points ``n_nodes + i`` inserted, its weights and added arcs."""
    arcs = split_arcs(index, edge, frac, index.n_nodes + np.arange(len(edge)))
    graph = index.full_graph().copy()
    graph.add_vertices(len(edge))
    graph.add_edges(np.column_stack([arcs.src, arcs.dst]).tolist())
    return graph, np.concatenate([index.ew, arcs.w]), arcs
