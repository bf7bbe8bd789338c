import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point, Polygon, box

from logistics.errors import InputError
from logistics.zones import AREAL_METHOD, isochrones, population_reached, white_zones

X0, Y0 = 400_000.0, 6_780_000.0  # Lambert-93, in Mayenne
ROOT = Path(__file__).resolve().parents[2]
INF = math.inf


def line(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def road():
    """Three 1 km edges of 60 s in a row, and a 1 km side road of 120 s off the third node."""
    return gpd.GeoDataFrame(
        {
            "t_from": [0.0, 60.0, 120.0, 120.0],
            "t_to": [60.0, 120.0, 180.0, INF],
            "travel_time": [60.0, 60.0, 60.0, 120.0],
        },
        geometry=[
            line((0, 0), (1000, 0)),
            line((1000, 0), (2000, 0)),
            line((2000, 0), (3000, 0)),
            line((2000, 0), (2000, 1000)),
        ],
        crs=2154,
    )


def test_edges_are_cut_at_the_threshold():
    iso = isochrones(road(), [90, 150, 300], buffer_m=100)
    assert list(iso["threshold_s"]) == [90.0, 150.0, 300.0]
    assert list(iso["minutes"]) == [1.5, 2.5, 5.0]
    assert iso["road_km"].tolist() == pytest.approx([1.5, 2.75, 4.0])
    assert iso.crs.to_epsg() == 4326
    first = iso.to_crs(2154).geometry.iloc[0]
    # a 1.5 km line buffered by 100 m: a 1500 x 200 m strip with two round ends
    assert first.area == pytest.approx(1500 * 200 + math.pi * 100**2, rel=0.02)
    assert first.contains(Point(X0 + 1450, Y0)) and not first.contains(Point(X0 + 1650, Y0))


def test_isochrones_grow_with_the_threshold():
    levels = list(range(20, 320, 20))
    iso = isochrones(road(), levels, buffer_m=80).to_crs(2154)
    areas = iso.area.to_numpy()
    growing = np.array(levels[1:]) <= 240  # the side road is fully reached at 240 s
    assert (np.diff(areas)[growing] > 0).all()
    assert np.diff(areas)[~growing] == pytest.approx(0, abs=1e-3)
    for small, big in zip(iso.geometry[:-1], iso.geometry[1:], strict=True):
        assert small.difference(big).area < 1.0  # m²: each contains the previous one


def test_one_way_and_two_sided_edges():
    edges = gpd.GeoDataFrame(
        {
            "t_from": [INF, INF, 0.0],
            "t_to": [0.0, 0.0, 100.0],
            "travel_time": [60.0, 60.0, 200.0],
            "oneway": [True, False, False],
        },
        geometry=[
            line((0, 0), (1000, 0)),
            line((0, 500), (1000, 500)),
            line((0, 900), (2000, 900)),
        ],
        crs=2154,
    )
    iso = isochrones(edges.iloc[[0]], [30], buffer_m=10)
    assert iso["road_km"].iloc[0] == 0 and iso.geometry.iloc[0].is_empty
    assert isochrones(edges.iloc[[1]], [30], buffer_m=10)["road_km"].iloc[0] == pytest.approx(0.5)
    # reached from both ends: 50 s -> 25 % from the start; 150 s -> 75 % + 25 % = whole edge
    both = isochrones(edges.iloc[[2]], [50, 150], buffer_m=10)
    assert both["road_km"].tolist() == pytest.approx([0.5, 2.0])


def test_not_a_convex_hull():
    # a U-shaped valley road: the middle of the U is not reachable
    u = gpd.GeoDataFrame(
        {"t_from": [0.0, 300.0, 420.0], "t_to": [300.0, 420.0, 720.0]},
        geometry=[
            line((0, 0), (0, 5000)),
            line((0, 5000), (2000, 5000)),
            line((2000, 5000), (2000, 0)),
        ],
        crs=2154,
    )
    iso = isochrones(u, [1000], buffer_m=200).to_crs(2154).geometry.iloc[0]
    assert iso.contains(Point(X0 + 2000, Y0 + 100))
    assert not iso.contains(Point(X0 + 1000, Y0 + 2500))


def grid_edges(seed=3, n=8, spacing=500.0):
    rng = np.random.default_rng(seed)
    g = nx.grid_2d_graph(n, n)
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    rows, cols, times = [], [], []
    for u, v in g.edges:
        t = spacing / (rng.uniform(30, 90) / 3.6)
        for a, b in ((u, v), (v, u)):
            rows.append(index[a])
            cols.append(index[b])
            times.append(t)
    matrix = coo_array((times, (rows, cols)), shape=(len(nodes), len(nodes))).tocsr()
    dist = dijkstra(matrix, indices=index[(n // 2, n // 2)])
    xy = {v: (X0 + v[0] * spacing, Y0 + v[1] * spacing) for v in nodes}
    frame = gpd.GeoDataFrame(
        {
            "t_from": [dist[r] for r in rows],
            "t_to": [dist[c] for c in cols],
            "travel_time": times,
        },
        geometry=[
            LineString([xy[nodes[r]], xy[nodes[c]]]) for r, c in zip(rows, cols, strict=True)
        ],
        crs=2154,
    )
    return frame, dist, [Point(xy[v]) for v in nodes], max(times)


def test_grid_isochrones_contain_reached_nodes_only():
    edges, dist, points, tt_max = grid_edges()
    levels = [60, 120, 180, 240, 300]
    iso = isochrones(edges, levels, buffer_m=100).to_crs(2154)
    for level, poly in zip(levels, iso.geometry, strict=True):
        for d, p in zip(dist, points, strict=True):
            if d <= level:
                assert poly.contains(p)
            elif d > level + tt_max:
                assert not poly.contains(p)
    for small, big in zip(iso.geometry[:-1], iso.geometry[1:], strict=True):
        assert small.difference(big).area < 1.0


def test_isochrones_by_origin():
    edges = road()
    both = gpd.GeoDataFrame(
        gpd.pd.concat(
            [
                edges.assign(point_id="a"),
                edges.assign(point_id="b", t_from=edges["t_from"] + 60, t_to=edges["t_to"] + 60),
            ]
        ),
        crs=2154,
    )
    iso = isochrones(both, [90, 150], buffer_m=50, by="point_id")
    assert list(zip(iso["point_id"], iso["threshold_s"], strict=True)) == [
        ("a", 90.0),
        ("a", 150.0),
        ("b", 90.0),
        ("b", 150.0),
    ]
    assert iso["road_km"].tolist() == pytest.approx([1.5, 2.75, 0.5, 1.5])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thresholds": []}, "at least one"),
        ({"thresholds": [-5]}, "positive"),
        ({"thresholds": ["600"]}, "positive"),
        ({"thresholds": [math.inf]}, "finite"),
        ({"thresholds": [60], "buffer_m": 0}, "buffer_m"),
        ({"thresholds": [60], "buffer_m": 50, "simplify_m": 50}, "simplify_m"),
        ({"thresholds": [60], "simplify_m": -1}, "simplify_m"),
        ({"thresholds": [60], "by": "point_id"}, "lacks the column"),
    ],
)
def test_bad_isochrone_parameters(kwargs, message):
    with pytest.raises(InputError, match=message):
        isochrones(road(), **kwargs)


def test_bad_edges():
    with pytest.raises(InputError, match="t_to"):
        isochrones(road().drop(columns="t_to"), [60])
    with pytest.raises(InputError, match=">= 0"):
        isochrones(road().assign(t_from=-1.0), [60])
    with pytest.raises(InputError, match="travel_time"):
        isochrones(road().drop(columns="travel_time"), [60])
    points = gpd.GeoDataFrame({"t_from": [0], "t_to": [1]}, geometry=[Point(X0, Y0)], crs=2154)
    with pytest.raises(InputError, match="Point"):
        isochrones(points, [60])


def squares():
    cells = [
        box(X0 + x * 1000, Y0 + y * 1000, X0 + (x + 1) * 1000, Y0 + (y + 1) * 1000)
        for y in range(2)
        for x in range(2)
    ]
    return gpd.GeoDataFrame(
        {
            "code": ["00001", "00002", "00003", "00004"],
            "name": list("ABCD"),
            "population": [100, 200, 300, 400],
        },
        geometry=cells,
        crs=2154,
    ).to_crs(4326)


def iso_frame(polys):
    return gpd.GeoDataFrame(
        {"threshold_s": [t for t, _ in polys]}, geometry=[p for _, p in polys], crs=2154
    )


def test_population_reached_by_area_share():
    left = box(X0 - 10, Y0 - 10, X0 + 1000, Y0 + 2010)
    half_b = box(X0 + 1000, Y0, X0 + 1500, Y0 + 1000)
    cov = population_reached(
        iso_frame([(600, left), (1200, left), (1200, half_b), (1800, Polygon())]),
        squares(),
    )
    assert cov.method == AREAL_METHOD and "area" in cov.method
    totals = cov.totals.set_index("threshold_s")
    assert totals.loc[600.0, "reached"] == pytest.approx(400)  # A + C
    assert totals.loc[1200.0, "reached"] == pytest.approx(500)  # + half of B
    assert totals.loc[1800.0, "reached"] == 0
    assert (totals["population"] == 1000).all()
    assert totals.loc[1200.0, "percent"] == pytest.approx(50)
    assert totals.loc[1200.0, "white_zones"] == 1
    per = cov.per_commune[cov.per_commune["threshold_s"] == 1200.0].set_index("code")
    assert per["share"].tolist() == pytest.approx([1.0, 0.5, 1.0, 0.0], abs=1e-9)
    for _, rows in cov.per_commune.groupby("threshold_s"):
        assert rows["population"].sum() == 1000  # every commune, once per threshold
    white = white_zones(cov, 1200)
    assert list(white["code"]) == ["00004"]
    assert list(white_zones(cov, 1200, min_share=0.6)["code"]) == ["00002", "00004"]
    assert len(white_zones(cov, 1800)) == 4
    fc = cov.to_geojson(1200)
    assert len(fc["features"]) == 4 and fc["method"] == AREAL_METHOD


def test_overlapping_origins_are_not_counted_twice():
    left = box(X0, Y0, X0 + 1000, Y0 + 2000)
    cov = population_reached(iso_frame([(600, left), (600, left.buffer(-100))]), squares())
    assert cov.totals["reached"].iloc[0] == pytest.approx(400)


def test_real_communes_totals(ecrins):
    everything = ecrins.to_crs(2154).union_all().buffer(100)
    around_gap = (
        ecrins[ecrins["name"] == "Gap"].to_crs(2154).geometry.iloc[0].centroid.buffer(15_000)
    )
    cov = population_reached(iso_frame([(900, around_gap), (3600, everything)]), ecrins)
    totals = cov.totals.set_index("threshold_s")
    total = ecrins["population"].sum()
    assert (totals["population"] == total).all()
    assert totals.loc[3600.0, "reached"] == pytest.approx(total, rel=1e-9)
    assert 41_293 < totals.loc[900.0, "reached"] < total  # Gap itself is not wholly inside
    assert totals.loc[3600.0, "white_zones"] == 0
    assert len(white_zones(cov, 900)) == totals.loc[900.0, "white_zones"] > 0


def test_bad_coverage_inputs():
    iso = iso_frame([(600, box(X0, Y0, X0 + 10, Y0 + 10))])
    with pytest.raises(InputError, match="threshold_s"):
        population_reached(iso.drop(columns="threshold_s"), squares())
    with pytest.raises(InputError, match="population"):
        population_reached(iso, squares().drop(columns="population"))
    cov = population_reached(iso, squares())
    with pytest.raises(InputError, match="was not computed"):
        white_zones(cov, 601)
    with pytest.raises(InputError, match="min_share"):
        white_zones(cov, 600, min_share=1.0)


def test_real_roads_isochrones_nest_with_simplification():
    """Curvy real roads (IGN BD TOPO, Écrins): simplified edges still give nested isochrones."""
    roads = gpd.read_parquet(ROOT / "data/roads/ecrins-bdtopo.parquet").to_crs(2154)
    roads = roads[roads.geom_type == "LineString"]
    centre = roads.geometry.iloc[0].centroid
    roads = roads[roads.intersects(centre.buffer(6000))].reset_index(drop=True)
    ends = np.vstack(
        [[g.coords[0] for g in roads.geometry], [g.coords[-1] for g in roads.geometry]]
    )
    _, node = np.unique(np.round(ends), axis=0, return_inverse=True)
    node = node.ravel()
    u, v = node[: len(roads)], node[len(roads) :]
    tt = roads.length.to_numpy() / (50 / 3.6)
    n = node.max() + 1
    graph = coo_array((np.r_[tt, tt], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    dist = dijkstra(graph, indices=int(u[0]))
    edges = gpd.GeoDataFrame(
        {"t_from": dist[u], "t_to": dist[v], "travel_time": tt}, geometry=roads.geometry, crs=2154
    )
    levels = [120, 240, 360]
    iso = isochrones(edges, levels, buffer_m=100, simplify_m=10).to_crs(2154)
    exact = isochrones(edges, levels, buffer_m=100, simplify_m=0).to_crs(2154)
    for small, big in zip(iso.geometry[:-1], iso.geometry[1:], strict=True):
        assert small.difference(big).area < 1.0
    assert (np.diff(iso.area) > 0).all()
    rel = (iso.geometry.symmetric_difference(exact.geometry).area / exact.area).to_numpy()
    assert (rel < 0.05).all()  # 10 m simplification against 100 m buffers
    assert iso["road_km"].tolist() == pytest.approx(exact["road_km"].tolist())
