"""Road edges reachable within a travel time, for isochrones and coverage."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely import ops

from logistics.errors import InputError
from logistics.routing._index import csr_min, routing_index
from logistics.routing._query import split_arcs
from logistics.routing.network import Network, as_graph
from logistics.routing.snapping import SnapResult

__all__ = ["reachable_edges"]


def reachable_edges(
    graph: Network | nx.MultiDiGraph,
    sources: SnapResult | Iterable[Hashable],
    max_seconds: float,
    *,
    direction: Literal["from", "to"] = "from",
) -> gpd.GeoDataFrame:
    """Return the road edges (and parts of edges) reached within ``max_seconds``.

    One multi-source Dijkstra over the whole graph, bounded by ``max_seconds``: each row is an
    edge, or the part of an edge between a source and an end of that edge, with the travel time
    from the nearest source at both ends.

    Parameters
    ----------
    graph
        A :class:`~logistics.routing.network.Network` or an OSMnx graph with ``travel_time``.
    sources
        Snapped points (positions on edges) or graph node ids.
    max_seconds
        Travel-time threshold (s), > 0.
    direction
        ``"from"``: driving away from the sources; ``"to"``: driving towards them.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``u, v, key`` (the graph edge), ``part_start, part_end`` (fractions of the edge
        the row covers: 0 and 1 for a whole edge), ``time_start, time_end`` (s from the nearest
        source to the row's start and end for ``"from"``; from them to the nearest source for
        ``"to"``; ``inf`` beyond the threshold), ``reached`` (share of the row within the
        threshold, counted from the side the search arrives), ``source`` (id of the nearest
        source) and ``geometry`` (the row's part, EPSG:4326).  Rows with ``reached > 0`` only.

    Raises
    ------
    InputError
        If ``max_seconds`` is not positive, ``direction`` is unknown, a source node is not in the
        graph or a snapped source lies farther than its threshold from the road.
    """
    if not (np.isfinite(max_seconds) and max_seconds > 0):
        raise InputError(
            f"max_seconds = {max_seconds!r}; expected a duration > 0 in seconds",
            {"field": "max_seconds", "value": max_seconds},
        )
    if direction not in ("from", "to"):
        raise InputError(
            f"direction {direction!r} is not known; expected 'from' or 'to'",
            {"field": "direction", "value": direction},
        )
    road = as_graph(graph)
    index = routing_index(road)
    n = index.n_nodes
    if isinstance(sources, SnapResult):
        sources.require_near("sources")
        edge = sources.edge_positions(index)
        arcs = split_arcs(index, edge, np.asarray(sources.fraction), n + np.arange(len(edge)))
        start = n + np.arange(len(edge))
        source_ids = list(sources.ids)
    else:
        nodes = list(sources)
        missing = [s for s in nodes if s not in index.node_pos]
        if missing:
            raise InputError(
                f"source node(s) {missing[:10]} are not in the graph",
                {"field": "sources", "value": [str(m) for m in missing[:10]]},
            )
        start = np.array([index.node_pos[s] for s in nodes], dtype=np.int64)
        arcs = split_arcs(index, np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64))
        source_ids = nodes
    if len(start) == 0:
        raise InputError("reachable_edges needs at least one source", {"field": "sources"})
    size = n + (len(start) if isinstance(sources, SnapResult) else 0)
    src = np.concatenate([index.eu, arcs.src])
    dst = np.concatenate([index.ev, arcs.dst])
    w = np.concatenate([index.ew, arcs.w])
    weights = index.weights
    csr = csr_min(size, src, dst, w) if direction == "from" else csr_min(size, dst, src, w)
    limit = (np.floor(max_seconds / weights.time_unit) + 1) * weights.shift
    dist, _, nearest = dijkstra(
        csr, directed=True, indices=start, min_only=True, limit=limit, return_predecessors=True
    )
    seconds, _ = weights.decode(np.where(np.isfinite(dist), dist, np.inf))
    seconds = np.where(seconds <= max_seconds, seconds, np.inf)

    # rows: every graph edge, then every partial edge created by a source
    edge_of = np.concatenate([np.arange(len(index.eu)), arcs.edge])
    part_start = np.concatenate([np.zeros(len(index.eu)), arcs.f0])
    part_end = np.concatenate([np.ones(len(index.eu)), arcs.f1])
    tail, head = src, dst
    t_start, t_end = seconds[tail], seconds[head]
    part_time = weights.decode(w)[0]
    entry = t_start if direction == "from" else t_end
    with np.errstate(divide="ignore", invalid="ignore"):
        reached = np.where(part_time > 0, np.clip((max_seconds - entry) / part_time, 0.0, 1.0), 1.0)
    reached = np.where(np.isfinite(entry), reached, 0.0)
    keep = (reached > 0) & (edge_of >= 0)
    rows = np.flatnonzero(keep)
    by = tail if direction == "from" else head
    owner = nearest[by[rows]]
    position = {int(s): i for i, s in enumerate(start)}
    source_col = [source_ids[position[int(o)]] if o >= 0 else None for o in owner]
    geometry = []
    for r in rows:
        piece = int(edge_of[r])
        if part_start[r] == 0.0 and part_end[r] == 1.0:
            geometry.append(index.lines_ll[piece])
        else:
            part = ops.substring(index.lines_m[piece], part_start[r], part_end[r], normalized=True)
            xy = shapely.get_coordinates(part)
            if len(xy) < 2:  # a source at the very end of its edge: an empty part
                xy = np.vstack([xy, xy])
            lon, lat = index.transformer(to_metric=False).transform(xy[:, 0], xy[:, 1])
            geometry.append(shapely.linestrings(np.column_stack([lon, lat])))
    e = edge_of[rows]
    return gpd.GeoDataFrame(
        {
            "u": index.node_ids[index.eu[e]],
            "v": index.node_ids[index.ev[e]],
            "key": index.ekey[e],
            "part_start": part_start[rows],
            "part_end": part_end[rows],
            "time_start": t_start[rows],
            "time_end": t_end[rows],
            "reached": reached[rows],
            "source": source_col,
        },
        geometry=geometry,
        crs="EPSG:4326",
    )
