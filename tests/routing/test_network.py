"""Loading drivable graphs from OSM files and road-segment layers."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from logistics.errors import InputError
from logistics.routing.network import (
    DropReport,
    Network,
    SegmentColumns,
    load_network,
    read_network,
    save_network,
)
from logistics.routing.speeds import SpeedTable

DATA = Path(__file__).resolve().parent.parent / "data"
ANDORRA_PBF = DATA / "andorra.osm.pbf"
ANDORRA_XML = DATA / "andorra.osm.gz"
SARTHE_ROUTE = DATA / "sarthe-route" / "ROUTE.shp"
TINY_ROADS = DATA / "tiny-roads.csv"
TINY_COLUMNS = SegmentColumns(crs="EPSG:2154", keep=("id",))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_andorra_fixtures_are_the_verified_files() -> None:
    # checksums recorded in ../shared/data/real/andorra-osm/SOURCE.md (and tests/data/SOURCES.md)
    assert sha256(ANDORRA_XML) == "c7d64d6e8b7137d1a306f21419988e3ff9ed8ef34b9d9ca323069e824f50a55f"
    assert sha256(ANDORRA_PBF) == "70998b72b5eed4b6a8565837b3d72c3b592c4dc4f1a7d5e964367d20508f188b"


@pytest.mark.slow
def test_andorra_xml_reads_as_source_md_says() -> None:
    """The exact lines of SOURCE.md (all highway ways, not only drivable ones) on the fixture."""
    import osmnx as ox

    graph = ox.graph_from_xml(ANDORRA_XML)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (2_515, 6_684)
    strong = ox.truncate.largest_component(graph, strongly=True)
    assert (strong.number_of_nodes(), strong.number_of_edges()) == (2_506, 6_674)


def test_andorra_pbf_counts(network_andorra: Network) -> None:
    report = network_andorra.report
    # 15,936 drivable nodes: the node count pyrosm's "driving" network gives for this file
    assert (report.nodes_before, report.edges_before) == (15_936, 30_522)
    assert (report.nodes_after, report.edges_after) == (15_849, 30_402)
    assert report.components == 50
    assert (report.dropped_nodes, report.dropped_edges) == (87, 120)
    graph = network_andorra.graph
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (1_198, 2_450)
    assert (report.nodes_final, report.edges_final) == (1_198, 2_450)
    assert nx.is_strongly_connected(graph)


def test_andorra_xml_and_pbf_give_the_same_graph(network_andorra: Network) -> None:
    xml = load_network(ANDORRA_XML)
    assert xml.report == network_andorra.report
    assert set(xml.graph.nodes) == set(network_andorra.graph.nodes)
    assert set(xml.graph.edges(keys=True)) == set(network_andorra.graph.edges(keys=True))


def test_every_edge_has_length_speed_and_time(network_andorra: Network) -> None:
    for _, _, data in network_andorra.graph.edges(data=True):
        assert data["length"] > 0
        assert 0 < data["speed_kph"] <= 130
        assert math.isclose(data["travel_time"], data["length"] / data["speed_kph"] * 3.6)
    assert network_andorra.graph.graph["crs"] == "epsg:4326"


def test_only_drivable_osm_classes_are_kept(network_andorra: Network) -> None:
    classes: set[str] = set()
    for _, _, data in network_andorra.graph.edges(data=True):
        value = data["highway"]
        classes.update(value if isinstance(value, list) else [value])
    assert classes <= set(SpeedTable().highway_kph)
    assert not classes & {"footway", "path", "track", "service", "steps", "cycleway"}


def test_osm_one_way_streets_have_no_reverse_edge(network_andorra: Network) -> None:
    graph = network_andorra.graph
    one_way = [(u, v) for u, v, d in graph.edges(data=True) if d["oneway"] is True]
    assert len(one_way) > 50
    without_reverse = [(u, v) for u, v in one_way if not graph.has_edge(v, u)]
    assert len(without_reverse) > 0.8 * len(one_way)


def test_sarthe_bdtopo_counts() -> None:
    network = load_network(SARTHE_ROUTE)
    report = network.report
    # ../shared/data/real/sarthe-la-fleche-bdtopo/SOURCE.md: 865 nodes / 1,873 edges, SCC 530
    assert (report.nodes_before, report.edges_before) == (865, 1_873)
    assert report.nodes_after == 530
    assert nx.is_strongly_connected(network.graph)


def test_sarthe_inverse_segments_are_reversed() -> None:
    network = load_network(SARTHE_ROUTE, simplify=False)
    layer = gpd.read_file(SARTHE_ROUTE)
    inverse = layer[layer["SENS"] == "Inverse"].set_index("ID")
    to_ll = pyproj.Transformer.from_crs(2154, 4326, always_xy=True)
    checked = 0
    for u, _, data in network.graph.edges(data=True):
        if data["ID"] not in inverse.index:
            continue
        last = shapely.get_coordinates(inverse.loc[data["ID"], "geometry"])[-1, :2]
        start = to_ll.transform(*last)  # drawn against the traffic: the edge starts at the end
        assert network.graph.nodes[u]["x"] == pytest.approx(start[0], abs=1e-6)
        assert network.graph.nodes[u]["y"] == pytest.approx(start[1], abs=1e-6)
        assert data["oneway"] is True
        checked += 1
    assert checked > 10


def test_ecrins_bdtopo_counts(network_ecrins: Network) -> None:
    report = network_ecrins.report
    # ../shared/data/real/ecrins-bdtopo-roads/SOURCE.md: 44,629 / 99,824, SCC 43,574 / 97,993
    assert (report.nodes_before, report.edges_before) == (44_629, 99_824)
    assert (report.nodes_after, report.edges_after) == (43_574, 97_993)
    assert (report.nodes_final, report.edges_final) == (31_114, 73_308)


def test_simplified_edges_keep_their_road_geometry(network_ecrins: Network) -> None:
    to_l93 = pyproj.Transformer.from_crs(4326, 2154, always_xy=True)
    rng = np.random.default_rng(3)
    edges = list(network_ecrins.graph.edges(data=True))
    for i in rng.choice(len(edges), 200, replace=False):
        data = edges[i][2]
        xy = shapely.get_coordinates(data["geometry"])
        line = shapely.LineString(np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1])))
        assert line.length == pytest.approx(data["length"], rel=1e-6)


def test_tiny_graph_drops_the_isolated_one_way_and_closed_segments(network_tiny: Network) -> None:
    report = network_tiny.report
    assert (report.nodes_before, report.edges_before, report.components) == (7, 11, 3)
    assert (report.nodes_after, report.edges_after) == (5, 10)
    assert report.dropped_nodes == 2
    assert "dropped 2 nodes, 1 edges" in report.describe()


def test_cache_is_keyed_by_file_and_speed_table(tmp_path: Path) -> None:
    first = load_network(TINY_ROADS, columns=TINY_COLUMNS, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("network-*.pkl"))) == 1
    again = load_network(TINY_ROADS, columns=TINY_COLUMNS, cache_dir=tmp_path)
    assert again.graph is not first.graph and again.report == first.report
    slower = SpeedTable(default_kph=30.0)
    other = load_network(TINY_ROADS, columns=TINY_COLUMNS, cache_dir=tmp_path, speeds=slower)
    assert len(list(tmp_path.glob("network-*.pkl"))) == 2
    times = sorted(d["travel_time"] for *_, d in other.graph.edges(data=True))
    assert times[0] == pytest.approx(1000 / (30 / 3.6))
    copy = tmp_path / "tiny-copy.csv"
    copy.write_text(TINY_ROADS.read_text().replace("CE,double", "CE,direct"))
    load_network(copy, columns=TINY_COLUMNS, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("network-*.pkl"))) == 3


@pytest.mark.parametrize("suffix", [".pkl", ".graphml"])
def test_save_and_read_round_trip(network_tiny: Network, tmp_path: Path, suffix: str) -> None:
    path = save_network(network_tiny, tmp_path / f"tiny{suffix}")
    back = read_network(path)
    assert back.report == network_tiny.report
    assert set(back.graph.edges(keys=True)) == set(network_tiny.graph.edges(keys=True))
    for u, v, k, data in network_tiny.graph.edges(keys=True, data=True):
        assert back.graph.edges[u, v, k]["travel_time"] == pytest.approx(data["travel_time"])
        assert shapely.equals_exact(back.graph.edges[u, v, k]["geometry"], data["geometry"], 1e-9)


def test_read_network_refuses_other_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_network(tmp_path / "missing.pkl")
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(InputError, match="not a network saved"):
        read_network(junk)


def test_load_refuses_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_network(tmp_path / "nothing.osm.pbf")
    other = tmp_path / "roads.xlsx"
    other.write_text("x")
    with pytest.raises(InputError, match=r"unknown road data file kind 'roads\.xlsx'"):
        load_network(other)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x01garbage")
    with pytest.raises(InputError, match=r"broken\.osm\.pbf"):
        load_network(broken)


def write_layer(tmp_path: Path, rows: list[dict[str, object]], name: str = "layer.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_segment_layer_errors_name_the_column_and_values(tmp_path: Path) -> None:
    line = "LINESTRING (6.0 44.8, 6.01 44.8)"
    no_sense = write_layer(tmp_path, [{"wkt": line, "kind": "x"}], "no-sense.csv")
    with pytest.raises(InputError, match="no one-way sense column"):
        load_network(no_sense)
    odd = write_layer(tmp_path, [{"wkt": line, "SENS": "Sideways"}], "odd-sense.csv")
    with pytest.raises(InputError, match=r"sense values \['sideways'\] that are not mapped"):
        load_network(odd)
    points = write_layer(tmp_path, [{"wkt": "POINT (6 44)", "SENS": "Double"}], "points.csv")
    with pytest.raises(InputError, match="expected LineString road segments"):
        load_network(points)
    no_wkt = write_layer(tmp_path, [{"shape": line, "SENS": "Double"}], "no-wkt.csv")
    with pytest.raises(InputError, match="no WKT geometry column"):
        load_network(no_wkt)
    closed = write_layer(tmp_path, [{"wkt": line, "SENS": "NC"}], "closed.csv")
    with pytest.raises(InputError, match="no drivable segment"):
        load_network(closed)
    with pytest.raises(InputError, match="column 'SENSE' not found"):
        load_network(odd, columns=SegmentColumns(sense="SENSE"))


def test_load_refuses_parameters_of_the_wrong_kind() -> None:
    with pytest.raises(InputError, match="speeds must be a SpeedTable, got dict"):
        load_network(TINY_ROADS, speeds={"default_kph": 30})  # type: ignore[arg-type]


def test_segment_columns_refuse_a_value_in_two_groups() -> None:
    with pytest.raises(InputError, match="'double' is listed both in two_way and in forward"):
        SegmentColumns(forward=("double",))


def test_drop_report_checks_itself() -> None:
    with pytest.raises(InputError, match="exceeds before"):
        DropReport(10, 10, 11, 10, 1, 11, 10)
