"""Contraction hierarchy of the core graph and many-to-many queries over it (private).

Preprocessing contracts the core nodes one at a time, least important first, adding a shortcut
``u -> w`` whenever the path ``u -> v -> w`` through the contracted node ``v`` is the only
shortest one (a bounded *witness* search looks for another).  The result is a *rank* per node
and the arcs that leave each node upwards (forward) and arrive at it from above (backward).

A many-to-many query (Knopp et al., 2007) runs one *upward* search from every source over the
forward arcs and one from every target over the backward arcs; the distance of a pair is the
smallest ``up(source, v) + down(v, target)`` over the nodes ``v`` both searches reach.  Upward
graphs are acyclic, so all sources are swept at once, level by level, with NumPy; the two
search spaces are small (a few dozen nodes on the Écrins graph), so the combination is cheap.
"""

from __future__ import annotations

import heapq
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

INF = float("inf")
SETTLE_LIMIT = 60  # nodes settled by a witness search before giving up (then add the shortcut)


@dataclass(eq=False)
class Upward:
    """The upward arcs of one direction: CSR by tail node, and each node's level."""

    start: np.ndarray  # arcs of node x: dst[start[x]:start[x + 1]]
    dst: np.ndarray
    w: np.ndarray
    level: np.ndarray  # longest upward path from a minimum: arcs always go up in level


@dataclass(eq=False)
class Hierarchy:
    """Upward arcs of a contraction hierarchy, forward and backward."""

    n: int
    fwd: Upward
    bwd: Upward


def _levels(n: int, src: np.ndarray, dst: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Return each node's level in the acyclic upward graph (longest path from a minimum)."""
    level = np.zeros(n, dtype=np.int64)
    order = np.argsort(rank[src], kind="stable")
    for a, b in zip(src[order].tolist(), dst[order].tolist(), strict=True):
        if level[a] + 1 > level[b]:
            level[b] = level[a] + 1
    return level


def _upward_arcs(
    n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray, rank: np.ndarray
) -> Upward:
    order = np.argsort(src, kind="stable")
    return Upward(
        start=np.searchsorted(src[order], np.arange(n + 1)),
        dst=dst[order],
        w=w[order],
        level=_levels(n, src, dst, rank),
    )


def build_hierarchy(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> Hierarchy:
    """Contract the graph ``src -> dst`` (weights ``w``) into a hierarchy."""
    out_adj: list[dict[int, float]] = [{} for _ in range(n)]
    in_adj: list[dict[int, float]] = [{} for _ in range(n)]
    for a, b, c in zip(src.tolist(), dst.tolist(), w.tolist(), strict=True):
        if a != b and c < out_adj[a].get(b, INF):
            out_adj[a][b] = c
            in_adj[b][a] = c
    deleted = [0] * n
    rank = np.zeros(n, dtype=np.int64)
    up: list[tuple[int, int, float]] = []
    down: list[tuple[int, int, float]] = []

    def witness(u: int, skip: int, limit: float) -> dict[int, float]:
        dist = {u: 0.0}
        heap = [(0.0, u)]
        settled = 0
        while heap:
            d, x = heapq.heappop(heap)
            if d > dist.get(x, INF):
                continue
            settled += 1
            if d > limit or settled > SETTLE_LIMIT:
                break
            for y, c in out_adj[x].items():
                nd = d + c
                if y != skip and nd < dist.get(y, INF):
                    dist[y] = nd
                    heapq.heappush(heap, (nd, y))
        return dist

    def shortcuts(v: int) -> list[tuple[int, int, float]]:
        needed: list[tuple[int, int, float]] = []
        outs = out_adj[v]
        for u, cu in in_adj[v].items():
            targets = {x: cu + cx for x, cx in outs.items() if x != u}
            if not targets:
                continue
            dist = witness(u, v, max(targets.values()))
            needed.extend((u, x, c) for x, c in targets.items() if dist.get(x, INF) > c)
        return needed

    def priority(v: int) -> tuple[int, list[tuple[int, int, float]]]:
        found = shortcuts(v)
        return len(found) - len(in_adj[v]) - len(out_adj[v]) + deleted[v], found

    queue = [(priority(v)[0], v) for v in range(n)]
    heapq.heapify(queue)
    done = bytearray(n)
    order = 0
    while queue:
        _, v = heapq.heappop(queue)
        if done[v]:
            continue
        value, found = priority(v)
        if queue and value > queue[0][0]:
            heapq.heappush(queue, (value, v))  # lazy update: not the least important any more
            continue
        up.extend((v, x, c) for x, c in out_adj[v].items())
        down.extend((v, u, c) for u, c in in_adj[v].items())
        for u, x, c in found:
            if c < out_adj[u].get(x, INF):
                out_adj[u][x] = c
                in_adj[x][u] = c
        for x in out_adj[v]:
            del in_adj[x][v]
            deleted[x] += 1
        for u in in_adj[v]:
            del out_adj[u][v]
            deleted[u] += 1
        out_adj[v] = {}
        in_adj[v] = {}
        done[v] = 1
        rank[v] = order
        order += 1

    def arrays(arcs: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not arcs:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        a, b, c = zip(*arcs, strict=True)
        return np.array(a, np.int64), np.array(b, np.int64), np.array(c, float)

    return Hierarchy(
        n=n, fwd=_upward_arcs(n, *arrays(up), rank), bwd=_upward_arcs(n, *arrays(down), rank)
    )


def _upward(
    arcs: Upward, node: np.ndarray, point: np.ndarray, cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the upward search spaces of points linked to nodes at given costs.

    All points are searched together, level by level: entries ``(node, point, distance)`` at
    one level are final (arcs only go up), so they are expanded along their arcs into the
    buckets of higher levels.  Only reached entries are touched.

    Returns
    -------
    tuple of numpy.ndarray
        ``(node, point, distance)`` of every node reached from every point.
    """
    levels = int(arcs.level.max(initial=0)) + 1
    buckets: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in range(levels)]

    def scatter(x: np.ndarray, p: np.ndarray, d: np.ndarray) -> None:
        if len(x) == 0:
            return
        lv = arcs.level[x]
        order = np.argsort(lv, kind="stable")
        x, p, d, lv = x[order], p[order], d[order], lv[order]
        cuts = np.flatnonzero(np.r_[True, lv[1:] != lv[:-1], True])
        for a, b in itertools.pairwise(cuts):
            buckets[int(lv[a])].append((x[a:b], p[a:b], d[a:b]))

    scatter(node, point, cost)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for level in range(levels):
        if not buckets[level]:
            continue
        x, p, d = (np.concatenate(parts) for parts in zip(*buckets[level], strict=True))
        buckets[level] = []
        order = np.lexsort((d, p, x))  # keep the shortest entry of each (node, point)
        x, p, d = x[order], p[order], d[order]
        first = np.r_[True, (x[1:] != x[:-1]) | (p[1:] != p[:-1])]
        x, p, d = x[first], p[first], d[first]
        found.append((x, p, d))
        degree = arcs.start[x + 1] - arcs.start[x]
        if not degree.any():
            continue
        rows = np.repeat(np.arange(len(x)), degree)
        offset = np.arange(len(rows)) - np.repeat(np.cumsum(degree) - degree, degree)
        arc = arcs.start[x][rows] + offset
        scatter(arcs.dst[arc], p[rows], d[rows] + arcs.w[arc])
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    x, p, d = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return x, p, d


def hierarchy_matrix(
    h: Hierarchy,
    leave: tuple[np.ndarray, np.ndarray, np.ndarray],
    enter: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_points: int,
    workers: int = 1,
) -> np.ndarray:
    """Return the ``n_points x n_points`` distances through the core graph.

    Parameters
    ----------
    h
        The hierarchy of the core graph.
    leave
        ``(point, core node, cost)`` arcs from each point into the core.
    enter
        ``(core node, point, cost)`` arcs from the core to each point.
    n_points
        Number of points.
    workers
        Threads sharing the combination of search spaces (NumPy releases the GIL).
    """
    up_x, up_p, up_d = _upward(h.fwd, leave[1], leave[0], leave[2])
    down_x, down_p, down_d = _upward(h.bwd, enter[0], enter[1], enter[2])
    # dense rows of the backward spaces, one per node some target reaches
    hubs, row = np.unique(down_x, return_inverse=True)
    if len(hubs) == 0 or len(up_x) == 0:
        return np.full((n_points, n_points), INF)
    down = np.full((len(hubs), n_points), INF)
    down[row, down_p] = down_d
    # forward entries on nodes no backward search reached cannot meet: drop them
    pos = np.searchsorted(hubs, up_x)
    meet = (pos < len(hubs)) & (hubs[np.minimum(pos, len(hubs) - 1)] == up_x)
    up_p, up_d, pos = up_p[meet], up_d[meet], pos[meet]
    order = np.argsort(up_p, kind="stable")
    up_p, up_d, pos = up_p[order], up_d[order], pos[order]
    bounds = np.searchsorted(up_p, np.arange(n_points + 1))
    result = np.full((n_points, n_points), INF)

    def combine(sources: range) -> None:
        for s in sources:
            lo, hi = bounds[s], bounds[s + 1]
            if lo < hi:
                result[s] = np.min(up_d[lo:hi, None] + down[pos[lo:hi]], axis=0)

    if workers <= 1:
        combine(range(n_points))
    else:
        step = -(-n_points // workers)
        chunks = [range(i, min(i + step, n_points)) for i in range(0, n_points, step)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(combine, chunks))
    return result
