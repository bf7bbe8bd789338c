"""Isochrones and travel times on real road graphs (the adapter to logistics.routing)."""

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from logistics.errors import InputError
from logistics.routing.matrix import travel_matrix
from logistics.routing.reach import reachable_edges
from logistics.routing.snapping import snap_points
from logistics.zones import (
    RoadTravelTimes,
    build_zones,
    isochrone_edges,
    isochrones,
    road_corridor,
    road_isochrones,
)

KM = 1000 / (50 / 3.6)  # 72 s per km at 50 km/h
A = (900000.0, 6400000.0)


def points(xy, crs=2154, ids=None):
    ids = ids or [f"p{i}" for i in range(len(xy))]
    return gpd.GeoDataFrame(
        {"point_id": ids}, geometry=gpd.points_from_xy(*np.array(xy).T), crs=crs
    )


def directed_rows(reach, network):
    """The naive input: every reach row as its own one-way edge (no folding)."""
    graph = network.graph
    keys = zip(reach.u, reach.v, reach.key, strict=True)
    tt = np.array([graph.edges[u, v, k]["travel_time"] for u, v, k in keys])
    return gpd.GeoDataFrame(
        {
            "t_from": reach["time_start"],
            "t_to": reach["time_end"],
            "travel_time": tt * (reach["part_end"] - reach["part_start"]).to_numpy(),
            "oneway": True,
        },
        geometry=reach.geometry,
        crs=reach.crs,
    )


def test_tiny_graph_isochrone_from_a_node(tiny_network):
    iso, far = road_isochrones(tiny_network, points([A]), [1.5 * KM], buffer_m=50)
    assert far == []
    # A-B whole (1 km), half of B-C and of the one-way B->D, the diagonal A-D (1.414 km, 101.8 s)
    # and 6.2 s of the one-way D->C
    diag_left = (1.5 * KM - math.sqrt(2) * KM) / KM * 1000
    expected_km = 1 + 0.5 + 0.5 + math.sqrt(2) + diag_left / 1000
    assert iso["road_km"].iloc[0] == pytest.approx(expected_km, rel=1e-3)
    area = iso.to_crs(2154).geometry.iloc[0]
    assert area.contains(shapely.Point(901000, 6400400))  # on B->D, 400 m up
    assert not area.contains(shapely.Point(901000, 6400700))  # 700 m up: 50 s too far
    assert area.contains(shapely.Point(901450, 6400000)) and not area.contains(
        shapely.Point(901600, 6400000)
    )


def test_folding_two_way_roads_changes_nothing_but_the_work(ecrins_network):
    lon, lat = [6.0795], [44.5589]  # Gap
    snap = snap_points(ecrins_network, lon, lat, ids=["gap"])
    reach = reachable_edges(ecrins_network, snap, 900)
    folded = isochrone_edges(reach, ecrins_network)
    assert len(folded) < 0.6 * len(reach)  # most roads are two-way: one row instead of two
    naive = isochrones(directed_rows(reach, ecrins_network), [300, 600, 900])
    fast = isochrones(folded, [300, 600, 900], simplify_m=0)
    # the naive rows count a two-way road reached from both ends twice
    naive_km, fast_km = naive["road_km"].to_numpy(), fast["road_km"].to_numpy()
    assert (naive_km / 2 < fast_km).all() and (fast_km < naive_km).all()
    naive_area = naive.to_crs(2154).area.to_numpy()
    fast_area = fast.to_crs(2154).area.to_numpy()
    assert fast_area == pytest.approx(naive_area, rel=0.005)


def test_ecrins_isochrones_grow_with_the_threshold(ecrins_network):
    hubs = points([(6.0795, 44.5589), (6.6435, 44.8997)], crs=4326, ids=["Gap", "Briançon"])
    levels = [300, 600, 1200, 1800]
    iso, far = road_isochrones(ecrins_network, hubs, levels)
    assert far == []
    metric = iso.to_crs(2154)
    areas = metric.area.to_numpy()
    assert (np.diff(areas) > 0).all()
    assert (np.diff(iso["road_km"].to_numpy()) > 0).all()
    for small, large in zip(metric.geometry[:-1], metric.geometry[1:], strict=True):
        assert large.buffer(1).contains(small)
    corridor = road_corridor(ecrins_network)
    # inside the corridor up to the polygonal approximation of round caps (chords of 22.5°)
    assert metric.geometry.iloc[-1].difference(corridor).area < 1e-5 * areas[-1]
    assert corridor.area > areas[-1]


def test_isochrone_contains_the_nodes_reached_in_time(ecrins_network):
    graph = ecrins_network.graph

    def gap(n):
        return (graph.nodes[n]["x"] - 6.0795) ** 2 + (graph.nodes[n]["y"] - 44.5589) ** 2

    source = min(graph.nodes, key=gap)
    node = graph.nodes[source]
    times = nx.single_source_dijkstra_path_length(graph, source, cutoff=700, weight="travel_time")
    iso, _ = road_isochrones(ecrins_network, points([(node["x"], node["y"])], crs=4326), [600])
    area = iso.to_crs(2154).geometry.iloc[0]
    inside = [n for n, t in times.items() if t <= 599]
    beyond = [n for n, t in times.items() if t >= 650]
    xy = gpd.GeoSeries.from_xy(
        [graph.nodes[n]["x"] for n in inside], [graph.nodes[n]["y"] for n in inside], crs=4326
    ).to_crs(2154)
    assert shapely.contains_xy(area, xy.x, xy.y).all()
    assert len(inside) > 100 and len(beyond) > 10


def test_one_isochrone_per_origin_unions_to_the_multi_source_one(ecrins_network):
    pts = points([(6.0795, 44.5589), (6.4950, 44.5649), (5.9557, 44.5625)], crs=4326)
    together, _ = road_isochrones(ecrins_network, pts, [600, 1200])
    each, _ = road_isochrones(ecrins_network, pts, [600, 1200], each=True)
    assert sorted(each["point_id"].unique()) == ["p0", "p1", "p2"]
    assert len(each) == 6
    union = each.to_crs(2154).groupby("threshold_s").geometry.apply(lambda s: s.union_all())
    assert union.area.to_numpy() == pytest.approx(together.to_crs(2154).area.to_numpy(), rel=1e-3)


def test_origins_far_from_roads_are_left_out(ecrins_network):
    pts = points([(6.0795, 44.5589), (6.30, 44.93)], crs=4326, ids=["Gap", "glacier"])
    snap = snap_points(ecrins_network, [6.30], [44.93], max_distance_m=300)
    assert not snap.ok[0]  # the Écrins massif: no road within 300 m
    iso, far = road_isochrones(ecrins_network, pts, [600], max_snap_m=300)
    assert far == ["glacier"] and len(iso) == 1
    with pytest.raises(InputError, match="no origin lies within 300 m"):
        road_isochrones(ecrins_network, pts.iloc[[1]], [600], max_snap_m=300)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (points([A]).assign(point_id="x").iloc[[0, 0]], "must be unique"),
        (points([A]).iloc[0:0], "origins is empty"),
        (points([A]).set_crs(None, allow_override=True), "no CRS"),
    ],
)
def test_bad_origins(tiny_network, frame, message):
    with pytest.raises(InputError, match=message):
        road_isochrones(tiny_network, frame, [600])


def test_bad_reach_rows(tiny_network, ecrins_network):
    reach = reachable_edges(ecrins_network, [next(iter(ecrins_network.graph.nodes))], 60)
    with pytest.raises(InputError, match="not in the network"):
        isochrone_edges(reach, tiny_network)
    with pytest.raises(InputError, match="lacks the column"):
        isochrone_edges(reach.drop(columns="time_start"), ecrins_network)
    with pytest.raises(InputError, match="buffer_m"):
        road_corridor(tiny_network, buffer_m=0)


def test_road_travel_times_match_the_matrix(ecrins_network):
    fn = RoadTravelTimes(ecrins_network)
    ll = np.array([[6.0795, 44.5589], [6.6435, 44.8997], [5.7870, 44.9030]])
    seconds = fn(ll[:2], ll)
    snap = snap_points(ecrins_network, ll[:, 0], ll[:, 1], ids=["a", "b", "c"], max_distance_m=5000)
    expected = travel_matrix(ecrins_network, snap).seconds[:2]
    assert seconds == pytest.approx(expected)
    assert seconds[0, 0] == 0 and 3600 < seconds[0, 1] < 3 * 3600
    assert "road graph" in fn.label and not fn.is_estimate
    with pytest.raises(InputError, match="max_snap_m"):
        RoadTravelTimes(ecrins_network, max_snap_m=0)


def test_unreachable_points_are_infinite(ecrins_network):
    fn = RoadTravelTimes(ecrins_network, max_snap_m=300)
    out = fn(np.array([[6.0795, 44.5589]]), np.array([[6.30, 44.93], [6.0795, 44.5589]]))
    assert math.isinf(out[0, 0]) and out[0, 1] == 0


def test_build_zones_on_road_times(ecrins, ecrins_network):
    report = build_zones(ecrins, 4, travel_time_fn=RoadTravelTimes(ecrins_network))
    assert not report.estimate and report.travel_times.startswith("road graph")
    assert report.summary["population"].sum() == ecrins["population"].sum()
    assert (report.summary["farthest_minutes"] > 10).all()
