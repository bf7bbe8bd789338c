"""Travel-time matrices: known paths, one-ways, agreement with networkx, fallback."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.errors import InputError
from logistics.routing._index import routing_index
from logistics.routing._query import full_graph_with_points
from logistics.routing.matrix import TravelMatrix, straight_line_matrix, travel_matrix
from logistics.routing.network import Network
from logistics.routing.snapping import SnapResult, snap_points

TO_LL = pyproj.Transformer.from_crs(2154, 4326, always_xy=True)
KM = 1000 / (50 / 3.6)  # seconds for 1 km at the default 50 km/h
DIAG = math.sqrt(2) * KM


def tiny_points(network: Network, xy: dict[str, tuple[float, float]]) -> SnapResult:
    lon, lat = TO_LL.transform(*np.array(list(xy.values())).T)
    return snap_points(network, lon, lat, list(xy))


def test_tiny_graph_known_shortest_paths(network_tiny: Network) -> None:
    # A(0,0) B(1,0) C(2,0) E(3,0) D(1,1) km; B->D and D->C one-way, the rest two-way
    xy = {
        "A": (900000, 6400000),
        "B": (901000, 6400000),
        "C": (902000, 6400000),
        "D": (901000, 6401000),
        "E": (903000, 6400000),
    }
    m = travel_matrix(network_tiny, tiny_points(network_tiny, xy))
    s = pd.DataFrame(m.seconds, index=list(xy), columns=list(xy))
    expected = {
        ("A", "B"): KM,
        ("B", "A"): KM,
        ("A", "C"): 2 * KM,
        ("C", "A"): 2 * KM,
        ("A", "D"): DIAG,
        ("D", "A"): DIAG,
        ("B", "D"): KM,
        ("D", "B"): DIAG + KM,
        ("D", "C"): DIAG,
        ("C", "D"): 2 * KM,
        ("A", "E"): 3 * KM,
        ("E", "D"): 3 * KM,
        ("D", "E"): DIAG + KM,
    }
    for (a, b), seconds in expected.items():
        assert s.loc[a, b] == pytest.approx(seconds, abs=0.002), (a, b)
    metres = pd.DataFrame(m.metres, index=list(xy), columns=list(xy))
    assert metres.loc["A", "B"] == pytest.approx(1000, abs=0.1)
    assert metres.loc["D", "B"] == pytest.approx(1000 * (1 + math.sqrt(2)), abs=0.2)
    assert metres.loc["C", "D"] == pytest.approx(2000, abs=0.1)
    assert np.all(np.diag(m.seconds) == 0)
    assert m.estimated is False and m.unreachable == ()


def test_points_inside_edges_and_one_way_asymmetry(network_tiny: Network) -> None:
    # P mid-way along B-C (two-way), Q mid-way along D->C (one-way)
    xy = {"P": (901500, 6400000), "Q": (901500, 6400500)}
    m = travel_matrix(network_tiny, tiny_points(network_tiny, xy))
    # P -> B -> D -> Q: half a km, one km, half a diagonal; Q -> C -> P: half a diagonal, half a km
    assert m.seconds[0, 1] == pytest.approx(KM / 2 + KM + DIAG / 2, abs=0.002)
    assert m.seconds[1, 0] == pytest.approx(DIAG / 2 + KM / 2, abs=0.002)
    assert m.metres[1, 0] == pytest.approx(500 * math.sqrt(2) + 500, abs=0.2)


def test_two_points_on_one_edge(network_tiny: Network) -> None:
    xy = {"near-B": (901100, 6400000), "near-C": (901900, 6400000), "mid": (901500, 6400000)}
    m = travel_matrix(network_tiny, tiny_points(network_tiny, xy))
    assert m.seconds[0, 1] == pytest.approx(0.8 * KM, abs=0.002)
    assert m.seconds[1, 0] == pytest.approx(0.8 * KM, abs=0.002)
    assert m.seconds[0, 2] == pytest.approx(0.4 * KM, abs=0.002)
    assert m.metres[2, 1] == pytest.approx(400, abs=0.1)


def test_andorra_one_way_pair_is_asymmetric(network_andorra: Network) -> None:
    graph = network_andorra.graph
    u, v, data = next(
        (u, v, d)
        for u, v, d in graph.edges(data=True)
        if d["oneway"] is True and not graph.has_edge(v, u) and d["length"] > 100
    )
    lon = [graph.nodes[n]["x"] for n in (u, v)]
    lat = [graph.nodes[n]["y"] for n in (u, v)]
    m = travel_matrix(network_andorra, snap_points(network_andorra, lon, lat, method="node"))
    assert m.seconds[0, 1] <= data["travel_time"] + 0.01
    assert m.seconds[1, 0] > m.seconds[0, 1] + 1.0
    assert m.seconds[1, 0] == pytest.approx(
        nx.shortest_path_length(graph, v, u, weight="travel_time"), abs=0.05
    )


@pytest.mark.parametrize("name", ["network_andorra", "network_ecrins"])
def test_matrix_agrees_with_networkx(name: str, request: pytest.FixtureRequest) -> None:
    network: Network = request.getfixturevalue(name)
    graph = network.graph
    rng = np.random.default_rng(11)
    nodes = [list(graph.nodes)[i] for i in rng.choice(graph.number_of_nodes(), 25, replace=False)]
    lon = [graph.nodes[n]["x"] for n in nodes]
    lat = [graph.nodes[n]["y"] for n in nodes]
    m = travel_matrix(network, snap_points(network, lon, lat, nodes, method="node"))
    lengths = nx.get_edge_attributes(graph, "length")
    same_metres = 0
    for i, source in enumerate(nodes[:8]):
        seconds, paths = nx.single_source_dijkstra(graph, source, weight="travel_time")
        for j, target in enumerate(nodes):
            assert m.seconds[i, j] == pytest.approx(seconds[target], abs=0.05)
            path = paths[target]
            metres = sum(
                min(
                    lengths[a, b, k]
                    for k in graph[a][b]
                    if graph[a][b][k]["travel_time"]
                    == min(e["travel_time"] for e in graph[a][b].values())
                )
                for a, b in itertools.pairwise(path)
            )
            # lengths are summed in 10 cm steps per edge: about 1 m over a 100 km route
            same_metres += m.metres[i, j] == pytest.approx(metres, rel=5e-5, abs=0.5)
    assert same_metres >= 0.97 * 8 * len(nodes)  # equal-time routes of other lengths are rare


def test_matrix_matches_a_plain_search_on_the_whole_graph(network_ecrins: Network) -> None:
    """The core reduction gives the same answer as Dijkstra over every node and edge."""
    rng = np.random.default_rng(2)
    lon = rng.uniform(5.8, 6.6, 500)
    lat = rng.uniform(44.55, 45.05, 500)
    snap = snap_points(network_ecrins, lon, lat).drop_far().subset(np.arange(150))
    single = travel_matrix(network_ecrins, snap, workers=1)
    double = travel_matrix(network_ecrins, snap, workers=2)
    assert np.array_equal(single.seconds, double.seconds)
    assert np.array_equal(single.metres, double.metres)
    index = routing_index(network_ecrins.graph)
    graph, weights, _ = full_graph_with_points(index, snap.edge_positions(index), snap.fraction)
    points = list(range(index.n_nodes, index.n_nodes + len(snap)))
    plain = np.array(graph.distances(source=points, target=points, weights=weights, mode="out"))
    seconds, metres = index.weights.decode(plain)
    assert np.allclose(single.seconds, seconds, atol=1e-9)
    assert np.allclose(single.metres, metres, atol=1e-6)
    assert (np.abs(single.seconds - single.seconds.T) > 1).mean() > 0.5  # mountain one-ways


def random_case(seed: int) -> tuple[nx.MultiDiGraph, SnapResult]:
    """A random road graph (straight edges, some one-way) and points placed on its edges."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 20))
    x = rng.uniform(0, 3000, n) + 950_000
    y = rng.uniform(0, 3000, n) + 6_420_000
    lon, lat = TO_LL.transform(x, y)
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for i in range(n):
        graph.add_node(i, x=float(lon[i]), y=float(lat[i]))
    pairs = set()
    for i in range(n):
        order = np.argsort(np.hypot(x - x[i], y - y[i]))[1 : 1 + int(rng.integers(1, 4))]
        pairs.update((min(i, int(j)), max(i, int(j))) for j in order)
    for a, b in sorted(pairs):
        metres = float(np.hypot(x[a] - x[b], y[a] - y[b]))
        seconds = metres / (float(rng.uniform(20, 90)) / 3.6)
        kind = rng.choice(["two-way", "forward", "backward"], p=[0.7, 0.15, 0.15])
        if kind != "backward":
            graph.add_edge(a, b, length=metres, travel_time=seconds)
        if kind != "forward":
            graph.add_edge(b, a, length=metres, travel_time=seconds)
    edges = list(graph.edges(keys=True))
    k = int(rng.integers(1, 10))
    chosen = rng.integers(0, len(edges), k)
    chosen[rng.random(k) < 0.3] = chosen[0]  # several points on one edge
    fraction = rng.uniform(0, 1, k)
    fraction[rng.random(k) < 0.15] = 0.0
    fraction[rng.random(k) < 0.15] = 1.0
    u = np.array([edges[c][0] for c in chosen], dtype=object)
    v = np.array([edges[c][1] for c in chosen], dtype=object)
    snap = SnapResult(
        ids=tuple(range(k)),
        lon=np.zeros(k),
        lat=np.zeros(k),
        u=u,
        v=v,
        key=np.array([edges[c][2] for c in chosen], dtype=object),
        fraction=fraction,
        snapped_lon=np.zeros(k),
        snapped_lat=np.zeros(k),
        distance_m=np.zeros(k),
        max_distance_m=2000.0,
        method="edge",
    )
    return graph, snap


def brute_force(graph: nx.MultiDiGraph, snap: SnapResult) -> np.ndarray:
    """Point-to-point times from all-pairs node distances, independent of the index."""
    dist = dict(nx.all_pairs_dijkstra_path_length(graph, weight="travel_time"))

    def time(a: int, b: int) -> float:
        return min(d["travel_time"] for d in graph[a][b].values())

    carriers = []
    for u, v, f in zip(snap.u, snap.v, snap.fraction, strict=True):
        own = [(u, v, f)] + ([(v, u, 1 - f)] if graph.has_edge(v, u) else [])
        carriers.append(own)
    k = len(snap)
    out = np.full((k, k), np.inf)
    for i in range(k):
        for j in range(k):
            if i == j:
                out[i, j] = 0.0
                continue
            best = math.inf
            exits = [(b, (1 - f) * time(a, b)) for a, b, f in carriers[i]]
            exits += [(a, 0.0) for a, b, f in carriers[i] if f == 0.0]
            entries = [(a, f * time(a, b)) for a, b, f in carriers[j]]
            entries += [(b, 0.0) for a, b, f in carriers[j] if f == 1.0]
            for x, cx in exits:
                for y, cy in entries:
                    if y in dist[x]:
                        best = min(best, cx + dist[x][y] + cy)
            for a, b, f in carriers[i]:
                for c, d, g in carriers[j]:
                    if (a, b) == (c, d) and f <= g:
                        best = min(best, (g - f) * time(a, b))
            out[i, j] = best
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_matrix_equals_brute_force_on_random_graphs(seed: int) -> None:
    graph, snap = random_case(seed)
    expected = brute_force(graph, snap)
    m = travel_matrix(graph, snap, workers=1)
    assert np.array_equal(np.isinf(m.seconds), np.isinf(expected))
    finite = np.isfinite(expected)
    assert np.allclose(m.seconds[finite], expected[finite], atol=0.05)
    assert len(m.unreachable) == int((~finite).sum())


def test_unreachable_pairs_are_listed_not_zeroed() -> None:
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for i, (lon, lat) in enumerate([(6.0, 44.8), (6.01, 44.8), (6.1, 44.8), (6.11, 44.8)]):
        graph.add_node(i, x=lon, y=lat)
    for a, b in [(0, 1), (1, 0), (2, 3), (3, 2)]:
        graph.add_edge(a, b, length=790.0, travel_time=60.0)
    graph.add_edge(1, 2, length=7000.0, travel_time=500.0)  # one-way bridge east
    snap = snap_points(graph, [6.0, 6.11], [44.8, 44.8], ["west", "east"])
    m = travel_matrix(graph, snap)
    assert m.seconds[0, 1] == pytest.approx(620.0)
    assert math.isinf(m.seconds[1, 0]) and math.isinf(m.metres[1, 0])
    assert m.unreachable == (("east", "west"),)
    frame = m.to_frame()
    row = frame[(frame.from_id == "east") & (frame.to_id == "west")].iloc[0]
    assert math.isnan(row.seconds) and math.isnan(row.metres)


def test_far_points_are_refused_with_their_ids(network_tiny: Network) -> None:
    lon, lat = TO_LL.transform([900500, 900500], [6400010, 6410000])  # 9,014 m from D
    snap = snap_points(network_tiny, lon, lat, ["ok", "lost"])
    with pytest.raises(
        InputError, match=r"1 point\(s\) lie farther than 2,000 m .*'lost' \(9,014 m\)"
    ):
        travel_matrix(network_tiny, snap)
    assert travel_matrix(network_tiny, snap.drop_far()).ids == ("ok",)


def test_dataframe_points_are_snapped(network_tiny: Network) -> None:
    lon, lat = TO_LL.transform([900500, 901500], [6400010, 6400010])
    frame = pd.DataFrame({"id": ["a", "b"], "lon": lon, "lat": lat})
    m = travel_matrix(network_tiny, frame)
    assert m.seconds[0, 1] == pytest.approx(KM, abs=0.002)
    with pytest.raises(InputError, match=r"lacks column\(s\) \['lat'\]"):
        travel_matrix(network_tiny, frame.drop(columns="lat"))
    with pytest.raises(InputError, match="workers = 0"):
        travel_matrix(network_tiny, frame, workers=0)


def test_very_long_times_stay_exact() -> None:
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for i in range(4):
        graph.add_node(i, x=6.0 + i / 100, y=44.8)
    for i in range(3):
        graph.add_edge(i, i + 1, length=790.0, travel_time=3e9)  # a century per edge
        graph.add_edge(i + 1, i, length=790.0, travel_time=3e9)
    snap = snap_points(graph, [6.0, 6.03], [44.8, 44.8], method="node")
    m = travel_matrix(graph, snap)
    assert m.seconds[0, 1] == pytest.approx(9e9, rel=1e-9)
    assert m.metres[0, 1] == pytest.approx(3 * 790.0, abs=0.1)


def test_straight_line_fallback_is_labelled() -> None:
    m = straight_line_matrix(["a", "b"], [6.0, 6.0], [44.0, 45.0], circuity=1.3, speed_kph=60)
    assert m.estimated is True
    assert "estimate" in m.method and "1.3" in m.method and "60 km/h" in m.method
    assert m.metres[0, 1] == pytest.approx(111_195 * 1.3, rel=1e-3)
    assert m.seconds[0, 1] == pytest.approx(m.metres[0, 1] / (60 / 3.6))
    assert np.array_equal(m.seconds, m.seconds.T)
    assert m.to_frame()["estimated"].all()
    with pytest.raises(InputError, match=r"circuity = 0\.5"):
        straight_line_matrix(None, [6.0], [44.0], circuity=0.5)
    with pytest.raises(InputError, match="speed_kph = 0"):
        straight_line_matrix(None, [6.0], [44.0], speed_kph=0)


def test_travel_matrix_validates_itself() -> None:
    with pytest.raises(InputError, match=r"seconds has shape \(1, 1\); expected \(2, 2\)"):
        TravelMatrix(("a", "b"), np.zeros((1, 1)), np.zeros((2, 2)), (), False, "x")
    with pytest.raises(InputError, match="NaN or negative"):
        TravelMatrix(("a",), np.array([[-1.0]]), np.zeros((1, 1)), (), False, "x")
    with pytest.raises(InputError, match="lists 0 unreachable pairs but 1 entries"):
        TravelMatrix(("a",), np.array([[np.inf]]), np.array([[np.inf]]), (), False, "x")
    m = TravelMatrix(("a",), np.zeros((1, 1)), np.zeros((1, 1)), (), False, "x")
    assert m.position("a") == 0
    with pytest.raises(InputError, match="'z' is not in the matrix"):
        m.position("z")
    with pytest.raises(ValueError, match="read-only"):
        m.seconds[0, 0] = 5.0


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_contraction_hierarchy_gives_exact_distances(seed: int) -> None:
    from logistics.routing._ch import build_hierarchy, hierarchy_matrix

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    m = int(rng.integers(n, 4 * n))
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(0, 1000, m).astype(float)  # integer weights; zeros, loops, parallels
    hierarchy = build_hierarchy(n, src, dst, w)
    nodes = np.arange(n)
    got = hierarchy_matrix(hierarchy, (nodes, nodes, np.zeros(n)), (nodes, nodes, np.zeros(n)), n)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    for a, b, c in zip(src.tolist(), dst.tolist(), w.tolist(), strict=True):
        if a != b and c < graph.get_edge_data(a, b, {"w": np.inf})["w"]:
            graph.add_edge(a, b, w=c)
    expected = np.full((n, n), np.inf)
    for a, lengths in nx.all_pairs_dijkstra_path_length(graph, weight="w"):
        for b, d in lengths.items():
            expected[a, b] = d
    off = ~np.eye(n, dtype=bool)
    assert np.array_equal(got[off], expected[off])
