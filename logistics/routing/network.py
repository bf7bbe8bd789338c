"""Drivable road graphs from OpenStreetMap files or road-segment layers.

:func:`load_network` reads an OSM XML/PBF file or an IGN BD TOPO-like segment layer and returns a
:class:`Network`: an OSMnx ``MultiDiGraph`` (EPSG:4326, ``length`` in metres, ``speed_kph`` and
``travel_time`` in seconds on every edge) restricted to its largest strongly connected component,
with a :class:`DropReport` of what was left out.  Prepared graphs are cached on disk, keyed by the
source file's hash, the speed table and the loading options.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely

from logistics.errors import InputError
from logistics.routing._osm import OsmFilter, is_osm_file
from logistics.routing._segments import SegmentColumns, is_segment_file
from logistics.routing.speeds import SpeedTable

__all__ = [
    "DropReport",
    "Network",
    "OsmFilter",
    "SegmentColumns",
    "as_graph",
    "load_network",
    "read_network",
    "save_network",
]

FORMAT = "logistics-network"
FORMAT_VERSION = 3
# Bump when the loading code changes what it produces, so stale cache entries are not reused.
CACHE_VERSION = "3"
DEFAULT_METRIC_CRS = "EPSG:2154"


@dataclass(frozen=True)
class DropReport:
    """What keeping the largest strongly connected component left out.

    Parameters
    ----------
    nodes_before, edges_before
        Drivable graph as read (unsimplified).
    nodes_after, edges_after
        Its largest strongly connected component (unsimplified).
    components
        Number of strongly connected components in the drivable graph.
    nodes_final, edges_final
        The returned graph (after degree-2 simplification when it was asked for).
    """

    nodes_before: int
    edges_before: int
    nodes_after: int
    edges_after: int
    components: int
    nodes_final: int
    edges_final: int

    def __post_init__(self) -> None:
        if not (
            0 <= self.nodes_after <= self.nodes_before
            and 0 <= self.edges_after <= self.edges_before
        ):
            raise InputError(
                f"DropReport: after ({self.nodes_after} nodes, {self.edges_after} edges) exceeds "
                f"before ({self.nodes_before}, {self.edges_before})",
                {"field": "nodes_after", "value": self.nodes_after},
            )

    @property
    def dropped_nodes(self) -> int:
        """Nodes outside the largest strongly connected component."""
        return self.nodes_before - self.nodes_after

    @property
    def dropped_edges(self) -> int:
        """Edges outside the largest strongly connected component."""
        return self.edges_before - self.edges_after

    def describe(self) -> str:
        """Return a one-paragraph human summary."""
        return (
            f"drivable graph: {self.nodes_before:,} nodes, {self.edges_before:,} edges in "
            f"{self.components:,} strongly connected components; kept the largest: "
            f"{self.nodes_after:,} nodes, {self.edges_after:,} edges (dropped "
            f"{self.dropped_nodes:,} nodes, {self.dropped_edges:,} edges); final graph "
            f"{self.nodes_final:,} nodes, {self.edges_final:,} edges"
        )


@dataclass(frozen=True, eq=False)
class Network:
    """A drivable road graph and how it was made.

    Parameters
    ----------
    graph
        OSMnx ``MultiDiGraph`` in EPSG:4326 with ``length``, ``speed_kph`` and ``travel_time`` on
        every edge; ``graph.graph["metric_crs"]`` names the projected CRS used for distances.
    report
        What was dropped when keeping the largest strongly connected component.
    source
        The file it was read from.
    speeds
        The speed table applied.
    """

    graph: nx.MultiDiGraph
    report: DropReport
    source: str
    speeds: SpeedTable = field(default_factory=SpeedTable)


def as_graph(network: Network | nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return the ``MultiDiGraph`` of a :class:`Network` (or the graph itself).

    Raises
    ------
    InputError
        If ``network`` is neither.
    """
    if isinstance(network, Network):
        return network.graph
    if isinstance(network, nx.MultiDiGraph):
        return network
    raise InputError(
        f"expected a Network or a networkx MultiDiGraph, got {type(network).__name__}",
        {"field": "graph", "value": type(network).__name__},
    )


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    files = [path]
    if path.suffix.lower() == ".shp":  # a shapefile's attributes and index live next to it
        files += sorted(p for p in path.parent.glob(path.stem + ".*") if p != path)
    for item in files:
        digest.update(item.name.encode())
        with item.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _cache_key(path: Path, options: str) -> str:
    from importlib.metadata import version

    text = f"{CACHE_VERSION}|{version('osmnx')}|{_file_digest(path)}|{options}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _haversine_m(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres (the formula and radius OSMnx uses)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_009 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _chord_m(graph: nx.MultiDiGraph) -> tuple[list[tuple[Any, Any, Any]], np.ndarray, np.ndarray]:
    edges = list(graph.edges(keys=True))
    xs = nx.get_node_attributes(graph, "x")
    ys = nx.get_node_attributes(graph, "y")
    lon1 = np.array([xs[u] for u, _, _ in edges])
    lat1 = np.array([ys[u] for u, _, _ in edges])
    lon2 = np.array([xs[v] for _, v, _ in edges])
    lat2 = np.array([ys[v] for _, v, _ in edges])
    chord = _haversine_m(lon1, lat1, lon2, lat2)
    length = np.array([graph.edges[e]["length"] for e in edges], dtype=float)
    return edges, length, np.asarray(chord, dtype=float)


def _finish(
    graph: nx.MultiDiGraph, speeds: SpeedTable, simplify: bool, metric_crs: str
) -> tuple[nx.MultiDiGraph, DropReport]:
    """Keep the largest SCC, simplify, apply the winding-road slowdown and set final speeds."""
    import osmnx as ox

    nodes_before, edges_before = graph.number_of_nodes(), graph.number_of_edges()
    components = nx.number_strongly_connected_components(graph)
    graph = ox.truncate.largest_component(graph, strongly=True)
    nodes_after, edges_after = graph.number_of_nodes(), graph.number_of_edges()
    if simplify:
        graph = _simplify(graph)
    edges, length, chord = _chord_m(graph)
    factor = speeds.sinuosity_factor(length, chord)
    for (u, v, k), f, metres in zip(edges, factor, length, strict=True):
        data = graph.edges[u, v, k]
        if data.get("fixed_speed") is True:
            f = 1.0  # a measured average speed already accounts for the road's shape
        data["travel_time"] = float(data["travel_time"] / f)
        data["speed_kph"] = (
            float(metres / data["travel_time"] * 3.6) if data["travel_time"] > 0 else 0.0
        )
        data["sinuosity_factor"] = float(f)
    graph.graph["crs"] = "epsg:4326"
    graph.graph["metric_crs"] = metric_crs
    report = DropReport(
        nodes_before=nodes_before,
        edges_before=edges_before,
        nodes_after=nodes_after,
        edges_after=edges_after,
        components=components,
        nodes_final=graph.number_of_nodes(),
        edges_final=graph.number_of_edges(),
    )
    return graph, report


def _join_lines(lines: list[shapely.LineString]) -> shapely.LineString:
    """Join lines drawn end to end into one line."""
    parts = [shapely.get_coordinates(line) for line in lines]
    coords = np.vstack([parts[0]] + [p[1:] for p in parts[1:]])
    return shapely.LineString(coords)


def _simplify(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Contract degree-2 chains with OSMnx, keeping the merged edges' own geometries.

    OSMnx draws a simplified edge through its nodes, which is right for OSM ways but would
    flatten the detailed lines of road-segment layers; the original lines are joined instead.
    A node is kept wherever the class speed changes, so that each simplified edge has one speed
    and a position along it maps linearly to time.
    """
    import osmnx as ox

    xs = nx.get_node_attributes(graph, "x")
    ys = nx.get_node_attributes(graph, "y")
    for u, v, data in graph.edges(data=True):
        geom = data.get("geometry")
        data["_line"] = (
            geom if geom is not None else shapely.LineString([(xs[u], ys[u]), (xs[v], ys[v])])
        )
    graph = ox.simplify_graph(
        graph,
        edge_attrs_differ=["speed_kph", "fixed_speed"],
        edge_attr_aggs={"length": sum, "travel_time": sum, "_line": _join_lines},
    )
    for _, _, data in graph.edges(data=True):
        line = data.pop("_line")
        if "geometry" in data:
            data["geometry"] = line
    return graph


def _osm_speeds(graph: nx.MultiDiGraph, speeds: SpeedTable) -> None:
    for _, _, data in graph.edges(data=True):
        kph = speeds.osm_speed(data.get("highway"), data.get("maxspeed"))
        data["speed_kph"] = kph
        data["travel_time"] = float(data["length"] / (kph / 3.6))


def load_network(
    source: str | os.PathLike[str],
    *,
    speeds: SpeedTable | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    simplify: bool = True,
    columns: SegmentColumns | None = None,
    osm_filter: OsmFilter | None = None,
    metric_crs: str = DEFAULT_METRIC_CRS,
) -> Network:
    """Load a drivable road graph from an OSM file or a road-segment layer.

    Parameters
    ----------
    source
        ``.osm``/``.osm.gz``/``.osm.bz2``/``.osm.pbf`` OpenStreetMap file, or a segment layer
        (``.parquet``, ``.gpkg``, ``.shp``, ``.geojson``, ``.fgb``, or ``.csv``/``.wkt`` with a WKT
        column) with a one-way sense column.
    speeds
        Speed table (default: French defaults, see ``docs/network.md``).
    cache_dir
        Folder for prepared graphs; ``None`` disables the cache.  Entries are keyed by the source
        file's SHA-256, the speed table and every option here.
    simplify
        Contract chains of degree-2 nodes with OSMnx (edge geometries are kept).
    columns
        Column mapping of a segment layer (ignored for OSM files).
    osm_filter
        Tags closing OSM ways (ignored for segment layers).
    metric_crs
        Projected CRS used for lengths of segment layers and for snapping (Lambert-93 by default;
        pick another for graphs outside France).

    Returns
    -------
    Network
        The graph, its :class:`DropReport`, the source and the speed table.

    Raises
    ------
    InputError
        If the file is missing, of an unknown kind, unreadable or has no drivable road.
    """
    path = Path(source)
    speeds = SpeedTable() if speeds is None else speeds
    columns = SegmentColumns() if columns is None else columns
    osm_filter = OsmFilter() if osm_filter is None else osm_filter
    for name, value, kind in (
        ("speeds", speeds, SpeedTable),
        ("columns", columns, SegmentColumns),
        ("osm_filter", osm_filter, OsmFilter),
    ):
        if not isinstance(value, kind):
            raise InputError(
                f"{name} must be a {kind.__name__}, got {type(value).__name__}",
                {"field": name, "value": type(value).__name__},
            )
    if not path.is_file():
        raise InputError(
            f"road data file {str(path)!r} does not exist", {"field": "source", "value": str(path)}
        )
    osm = is_osm_file(path)
    if not osm and not is_segment_file(path):
        raise InputError(
            f"unknown road data file kind {path.name!r}; expected an OpenStreetMap file "
            "(.osm, .osm.gz, .osm.bz2, .osm.pbf) or a segment layer "
            "(.parquet, .gpkg, .shp, .geojson, .fgb, .csv)",
            {"field": "source", "value": str(path)},
        )
    options = f"{speeds.key()}|simplify={simplify}|crs={metric_crs}|" + (
        repr(osm_filter) if osm else repr(columns)
    )
    cache_file = None
    if cache_dir is not None:
        cache_file = Path(cache_dir).expanduser() / f"network-{_cache_key(path, options)}.pkl"
        if cache_file.is_file():
            try:
                return read_network(cache_file)
            except InputError:
                pass  # unreadable entry: rebuild and overwrite it
    # OSMnx and GeoPandas are imported here only: reading a saved network does not need them
    from logistics.routing._osm import read_osm
    from logistics.routing._segments import read_segments, segments_to_graph

    if osm:
        graph = read_osm(path, speeds, osm_filter)
        _osm_speeds(graph, speeds)
    else:
        layer = read_segments(path, columns)
        graph = segments_to_graph(layer, speeds, columns, metric_crs)
    graph, report = _finish(graph, speeds, simplify, metric_crs)
    network = Network(graph=graph, report=report, source=str(path), speeds=speeds)
    if cache_file is not None:
        save_network(network, cache_file)
    return network


def save_network(network: Network, path: str | os.PathLike[str]) -> Path:
    """Write a network to disk, atomically.

    ``.graphml`` writes OSMnx GraphML (portable, slow to read back, the drop report is stored as
    graph attributes); any other suffix (``.pkl`` recommended) writes a pickle with the prepared
    routing structures, which loads in 1-3 s for the Écrins graph.  Only read pickles you wrote
    yourself.

    Parameters
    ----------
    network
        The network to write.
    path
        Destination file.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if out.suffix.lower() == ".graphml":
            import osmnx as ox

            graph = network.graph.copy()
            for name, value in vars(network.report).items():
                graph.graph[f"report_{name}"] = value
            graph.graph["source"] = network.source
            ox.save_graphml(graph, tmp)
        else:
            from logistics.routing._index import routing_index

            payload = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "graph": network.graph,
                "report": network.report,
                "source": network.source,
                "speeds": network.speeds,
                # the prepared routing structures, so that a read network routes at once
                "index": routing_index(network.graph),
            }
            with tmp.open("wb") as handle:
                pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def read_network(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save_network`.

    Parameters
    ----------
    path
        A ``.graphml`` file or a pickle written by :func:`save_network`.

    Returns
    -------
    Network
        The network as saved.

    Raises
    ------
    InputError
        If the file is missing or is not a saved network.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(
            f"graph file {str(file)!r} does not exist", {"field": "graph", "value": str(file)}
        )
    if file.suffix.lower() == ".graphml":
        import osmnx as ox

        try:
            graph = ox.load_graphml(file)
        except Exception as exc:  # osmnx/networkx raise many kinds on malformed GraphML
            raise InputError(
                f"{str(file)!r} is not a readable GraphML road graph: {exc}",
                {"field": "graph", "value": str(file)},
            ) from exc
        fields = {
            name: int(graph.graph.pop(f"report_{name}", 0))
            for name in DropReport.__dataclass_fields__
        }
        if not fields["nodes_before"]:
            n, m = graph.number_of_nodes(), graph.number_of_edges()
            fields = dict.fromkeys(fields, 0) | {
                "nodes_before": n,
                "edges_before": m,
                "nodes_after": n,
                "edges_after": m,
                "components": 1,
                "nodes_final": n,
                "edges_final": m,
            }
        source = str(graph.graph.pop("source", file))
        _check_graph(graph, file)
        return Network(graph=graph, report=DropReport(**fields), source=source)
    try:
        with file.open("rb") as handle:
            payload = pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        raise InputError(
            f"{str(file)!r} is not a network saved by `logistics network build` ({exc})",
            {"field": "graph", "value": str(file)},
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(
            f"{str(file)!r} is not a network saved by `logistics network build`",
            {"field": "graph", "value": str(file)},
        )
    if payload.get("version") != FORMAT_VERSION:
        raise InputError(
            f"{str(file)!r} has network format version {payload.get('version')!r}; this "
            f"version reads {FORMAT_VERSION}: rebuild it with `logistics network build`",
            {"field": "graph", "value": str(file)},
        )
    from logistics.routing._index import register_index

    register_index(payload["graph"], payload["index"])
    return Network(
        graph=payload["graph"],
        report=payload["report"],
        source=payload["source"],
        speeds=payload["speeds"],
    )


def _check_graph(graph: nx.MultiDiGraph, file: Path) -> None:
    for u, v, data in graph.edges(data=True):
        if "travel_time" not in data or "length" not in data:
            raise InputError(
                f"{str(file)!r}: edge ({u}, {v}) has no travel_time/length; build the graph "
                "with `logistics network build`",
                {"field": "graph", "value": str(file)},
            )
        break
    for _, _, data in graph.edges(data=True):
        geom = data.get("geometry")
        if isinstance(geom, str):
            data["geometry"] = shapely.from_wkt(geom)
