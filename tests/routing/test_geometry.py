"""Road polylines of routes."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyproj
import pytest
import shapely

from logistics.errors import InfeasibleError, InputError
from logistics.routing.geometry import route_geometry
from logistics.routing.matrix import travel_matrix
from logistics.routing.network import Network
from logistics.routing.snapping import snap_points

TO_L93 = pyproj.Transformer.from_crs(4326, 2154, always_xy=True)
TO_LL = pyproj.Transformer.from_crs(2154, 4326, always_xy=True)


def metric_length(geojson: dict[str, object]) -> float:
    xy = np.asarray(geojson["coordinates"])
    return shapely.LineString(np.column_stack(TO_L93.transform(xy[:, 0], xy[:, 1]))).length


def test_route_follows_the_one_way_detour(network_tiny: Network) -> None:
    # from the middle of D->C back to the middle of B-C... and on to A
    lon, lat = TO_LL.transform([901500, 901500, 900000], [6400500, 6400000, 6400000])
    line = route_geometry(network_tiny, list(zip(lon, lat, strict=True)))
    assert line["type"] == "LineString"
    xy = np.column_stack(TO_L93.transform(*np.asarray(line["coordinates"]).T))
    assert xy[0] == pytest.approx([901500, 6400500], abs=0.05)
    assert xy[-1] == pytest.approx([900000, 6400000], abs=0.05)
    assert pytest.approx(xy[1], abs=0.05) == [902000, 6400000]  # via C: D->C is one-way
    assert metric_length(line) == pytest.approx(500 * np.sqrt(2) + 500 + 1500, abs=0.2)


def test_route_length_matches_the_matrix(network_ecrins: Network) -> None:
    stops = snap_points(
        network_ecrins, [5.787, 6.495, 6.08], [44.903, 44.564, 44.75], ["La Mure", "Embrun", "x"]
    )
    m = travel_matrix(network_ecrins, stops)
    line = route_geometry(network_ecrins, stops)
    assert metric_length(line) == pytest.approx(m.metres[0, 1] + m.metres[1, 2], rel=1e-4)
    # La Mure -> Embrun: 95.2 km by the shortest road (SOURCE.md); the fastest is a bit longer
    assert 95_000 < m.metres[0, 1] < 100_000


def test_single_stop_gives_a_degenerate_line(network_tiny: Network) -> None:
    lon, lat = TO_LL.transform(900500, 6400000)
    line = route_geometry(network_tiny, [(lon, lat)])
    assert len(line["coordinates"]) == 2 and line["coordinates"][0] == line["coordinates"][1]


def test_route_errors(network_tiny: Network) -> None:
    with pytest.raises(InputError, match="at least one stop"):
        route_geometry(network_tiny, [])
    far = TO_LL.transform(900500, 6420000)
    with pytest.raises(InputError, match=r"1 point\(s\) lie farther than 2,000 m"):
        route_geometry(network_tiny, [far])
    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_node(0, x=6.0, y=44.8)
    graph.add_node(1, x=6.01, y=44.8)
    graph.add_edge(0, 1, length=790.0, travel_time=60.0)
    with pytest.raises(InfeasibleError, match="no road route from stop 0 to stop 1"):
        route_geometry(graph, snap_points(graph, [6.009, 6.001], [44.8, 44.8]))
