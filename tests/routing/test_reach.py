"""Edges reachable within a travel time."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyproj
import pytest

from logistics.errors import InputError
from logistics.routing.network import Network
from logistics.routing.reach import reachable_edges
from logistics.routing.snapping import snap_points

TO_LL = pyproj.Transformer.from_crs(2154, 4326, always_xy=True)
KM = 1000 / (50 / 3.6)


def test_reach_from_a_node_on_the_tiny_graph(network_tiny: Network) -> None:
    graph = network_tiny.graph
    a = min(graph.nodes, key=lambda n: graph.nodes[n]["x"])  # A, the westmost node
    rows = reachable_edges(network_tiny, [a], 1.2 * KM)  # 86.4 s
    full = rows[rows["reached"] == 1.0]
    assert len(full) == 1  # A->B (72 s); A->D needs 101.8 s
    partial = rows[rows["reached"] < 1.0].sort_values("reached")
    # B->A, B->C, B->D: 14.4 s of 72 s left at B; A->D: 86.4 s of 101.8 s
    assert partial["reached"].tolist() == pytest.approx([0.2, 0.2, 0.2, 1.2 / np.sqrt(2)], abs=1e-4)
    assert full["time_end"].iloc[0] == pytest.approx(KM, abs=0.002)
    assert set(rows["source"]) == {a}
    assert rows.crs.to_epsg() == 4326


def test_reach_grows_with_the_threshold_and_matches_networkx(network_andorra: Network) -> None:
    graph = network_andorra.graph
    source = next(iter(graph.nodes))
    times = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
    previous = 0
    for limit in (120, 300, 600):
        rows = reachable_edges(network_andorra, [source], limit)
        whole = rows[(rows.part_start == 0) & (rows.part_end == 1)]
        expected = {(u, v, k) for u, v, k in graph.edges(keys=True) if times.get(u, np.inf) < limit}
        assert set(zip(whole.u, whole.v, whole.key, strict=True)) == expected
        for u, t in zip(whole.u, whole.time_start, strict=True):
            assert t == pytest.approx(times[u], abs=0.05)
        assert len(rows) > previous
        previous = len(rows)


def test_reach_to_sources_and_from_snapped_points(network_tiny: Network) -> None:
    lon, lat = TO_LL.transform(901500, 6400500)  # middle of the one-way D->C
    snap = snap_points(network_tiny, [lon], [lat], ["depot"])
    out = reachable_edges(network_tiny, snap, 0.4 * DIAG_S)
    assert len(out) == 1 and out.iloc[0]["part_start"] == pytest.approx(0.5, abs=1e-6)
    assert out.iloc[0]["reached"] == pytest.approx(0.8, abs=1e-3)
    back = reachable_edges(network_tiny, snap, 0.4 * DIAG_S, direction="to")
    assert len(back) == 1 and back.iloc[0]["part_end"] == pytest.approx(0.5, abs=1e-6)
    assert set(back["source"]) == {"depot"}


DIAG_S = np.sqrt(2) * KM


def test_reach_errors(network_tiny: Network) -> None:
    with pytest.raises(InputError, match="max_seconds = 0"):
        reachable_edges(network_tiny, [0], 0)
    with pytest.raises(InputError, match="direction 'around'"):
        reachable_edges(network_tiny, [0], 10, direction="around")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"source node\(s\) \['nowhere'\]"):
        reachable_edges(network_tiny, ["nowhere"], 10)
