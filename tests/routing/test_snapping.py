"""Snapping points to the road graph."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from logistics.errors import InputError
from logistics.routing.network import Network
from logistics.routing.snapping import snap_points

TO_L93 = pyproj.Transformer.from_crs(4326, 2154, always_xy=True)
TO_LL = pyproj.Transformer.from_crs(2154, 4326, always_xy=True)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return TO_LL.transform(x, y)


def test_point_beside_a_road_snaps_onto_it(network_tiny: Network) -> None:
    # 30 m north of the A-B road, a quarter of the way from A (900000, 6400000)
    lon, lat = lonlat(900250, 6400030)
    snap = snap_points(network_tiny, [lon], [lat], ["p"])
    assert snap.distance_m[0] == pytest.approx(30.0, abs=0.05)
    sx, sy = TO_L93.transform(snap.snapped_lon[0], snap.snapped_lat[0])
    assert (sx, sy) == pytest.approx((900250, 6400000), abs=0.05)
    a, b = sorted((snap.u[0], snap.v[0]))
    xs = sorted((network_tiny.graph.nodes[a]["x"], network_tiny.graph.nodes[b]["x"]))
    assert xs == pytest.approx(sorted(lonlat(x, 6400000)[0] for x in (900000, 901000)))
    fraction = (
        snap.fraction[0]
        if network_tiny.graph.nodes[snap.u[0]]["x"] < xs[1]
        else 1 - snap.fraction[0]
    )
    assert fraction == pytest.approx(0.25, abs=1e-4)
    assert snap.far == ()
    assert snap.ok.all()


def test_far_points_are_reported_with_id_and_distance(network_tiny: Network) -> None:
    near = lonlat(901000, 6400500)
    far = lonlat(901000, 6405000)  # 4 km north of D
    snap = snap_points(
        network_tiny, [near[0], far[0]], [near[1], far[1]], ["near", "far"], max_distance_m=2000
    )
    assert len(snap.far) == 1
    pid, distance = snap.far[0]
    assert pid == "far" and distance == pytest.approx(4000, abs=1)
    assert snap.ok.tolist() == [True, False]
    kept = snap.drop_far()
    assert kept.ids == ("near",) and kept.far == ()


def test_node_method_snaps_to_graph_nodes(network_andorra: Network) -> None:
    graph = network_andorra.graph
    nodes = list(graph.nodes)[:20]
    lon = [graph.nodes[n]["x"] + 1e-5 for n in nodes]
    lat = [graph.nodes[n]["y"] for n in nodes]
    snap = snap_points(network_andorra, lon, lat, method="node")
    on = [u if f == 0.0 else v for u, v, f in zip(snap.u, snap.v, snap.fraction, strict=True)]
    assert on == nodes
    assert (snap.distance_m < 1.0).all()


def test_edge_snapping_is_never_farther_than_node_snapping(network_andorra: Network) -> None:
    rng = np.random.default_rng(5)
    lon = rng.uniform(1.45, 1.75, 300)
    lat = rng.uniform(42.44, 42.65, 300)
    by_edge = snap_points(network_andorra, lon, lat)
    by_node = snap_points(network_andorra, lon, lat, method="node")
    assert (by_edge.distance_m <= by_node.distance_m + 1e-6).all()


@pytest.mark.parametrize(
    ("lon", "lat", "ids", "message"),
    [
        ([1.5, 200.0], [42.5, 42.5], None, r"point 1: lon = 200.0 is not a coordinate"),
        ([1.5], [float("nan")], ["x"], r"point 'x': lat = nan"),
        ([1.5, 1.6], [42.5], None, "2 longitudes for 1 latitudes"),
        ([1.5, 1.6], [42.5, 42.6], ["a", "a"], "point id 'a' appears more than once"),
        ([1.5], [42.5], ["a", "b"], "2 ids for 1 points"),
    ],
)
def test_bad_points_are_refused(
    network_tiny: Network, lon: list[float], lat: list[float], ids: list[str] | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        snap_points(network_tiny, lon, lat, ids)


def test_bad_parameters_are_refused(network_tiny: Network) -> None:
    with pytest.raises(InputError, match="max_distance_m = -1"):
        snap_points(network_tiny, [5.5], [44.7], max_distance_m=-1)
    with pytest.raises(InputError, match="snapping method 'nearest'"):
        snap_points(network_tiny, [5.5], [44.7], method="nearest")  # type: ignore[arg-type]
