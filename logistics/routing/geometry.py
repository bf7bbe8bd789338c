"""Road polylines of routes through a sequence of stops."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely import ops

from logistics.errors import InfeasibleError, InputError
from logistics.routing._index import RoutingIndex, routing_index
from logistics.routing._query import Arcs, full_graph_with_points
from logistics.routing.network import Network, as_graph
from logistics.routing.snapping import SnapResult, snap_points

__all__ = ["route_geometry"]


def _piece(index: RoutingIndex, arcs: Arcs, edge_id: int) -> np.ndarray:
    """Return the lon/lat coordinates of one edge of the augmented graph."""
    n_edges = len(index.eu)
    if edge_id < n_edges:
        return shapely.get_coordinates(index.lines_ll[edge_id])
    k = edge_id - n_edges
    edge = int(arcs.edge[k])
    if edge < 0:  # zero-length link between a point and the node it sits on
        return np.empty((0, 2))
    part = ops.substring(index.lines_m[edge], arcs.f0[k], arcs.f1[k], normalized=True)
    xy = shapely.get_coordinates(part)
    lon, lat = index.transformer(to_metric=False).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def route_geometry(
    graph: Network | nx.MultiDiGraph,
    stops: SnapResult | Sequence[tuple[float, float]],
    *,
    max_distance_m: float = 2000.0,
) -> dict[str, Any]:
    """Return the road polyline of the fastest route visiting ``stops`` in order.

    The line follows the edge geometries, starts at the first stop's snapped position and ends
    at the last one's (off-road legs are not drawn).

    Parameters
    ----------
    graph
        A :class:`~logistics.routing.network.Network` or an OSMnx graph with ``travel_time``.
    stops
        Snapped stops, or ``(lon, lat)`` pairs that are snapped here; at least one.
    max_distance_m
        Snapping threshold for ``(lon, lat)`` stops.

    Returns
    -------
    dict
        A GeoJSON ``LineString`` (``{"type": "LineString", "coordinates": [[lon, lat], ...]}``).

    Raises
    ------
    InputError
        If there is no stop, or a stop is farther than the threshold from every road.
    InfeasibleError
        If a stop cannot be reached from the previous one.
    """
    road = as_graph(graph)
    if not isinstance(stops, SnapResult):
        pairs = np.asarray(list(stops), dtype=float).reshape(-1, 2)
        stops = snap_points(road, pairs[:, 0], pairs[:, 1], max_distance_m=max_distance_m)
    if len(stops) == 0:
        raise InputError("route_geometry needs at least one stop", {"field": "stops", "value": 0})
    stops.require_near("stops")
    index = routing_index(road)
    edge = stops.edge_positions(index)
    augmented, weights, arcs = full_graph_with_points(index, edge, np.asarray(stops.fraction))
    first = index.n_nodes
    coords: list[np.ndarray] = [
        np.array([[stops.snapped_lon[0], stops.snapped_lat[0]]], dtype=float)
    ]
    for i in range(len(stops) - 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # igraph warns when unreachable
            path = augmented.get_shortest_path(
                first + i, to=first + i + 1, weights=weights, mode="out", output="epath"
            )
        if not path:
            same = edge[i] == edge[i + 1] and stops.fraction[i] == stops.fraction[i + 1]
            if not same:
                raise InfeasibleError(
                    f"no road route from stop {stops.ids[i]!r} to stop {stops.ids[i + 1]!r}",
                    {"field": "stops", "value": [str(stops.ids[i]), str(stops.ids[i + 1])]},
                )
        coords.extend(_piece(index, arcs, int(e)) for e in path)
    line = np.vstack(coords)
    keep = np.r_[True, np.any(np.abs(np.diff(line, axis=0)) > 1e-9, axis=1)]
    line = line[keep]
    if len(line) == 1:
        line = np.vstack([line, line])
    return {"type": "LineString", "coordinates": np.round(line, 7).tolist()}
