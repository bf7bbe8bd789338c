"""Build a drivable graph from a road-segment layer (IGN BD TOPO and the like).

A segment layer is a table of LineStrings, one per road piece, with a one-way sense column; the
topology is rebuilt from the segments' end points (two ends closer than the rounding precision are
one node) and two-way segments become two directed edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from logistics.errors import InputError
from logistics.routing.speeds import SpeedTable, normalise_class

SEGMENT_SUFFIXES = (".parquet", ".geoparquet", ".gpkg", ".shp", ".geojson", ".fgb", ".csv", ".wkt")


@dataclass(frozen=True)
class SegmentColumns:
    """How to read a road-segment layer: column names and one-way sense values.

    ``None`` column names are looked up among the usual IGN names (case-insensitive).  Sense values
    are compared case-insensitively and without accents.

    Parameters
    ----------
    sense
        One-way sense column; default the first of ``SENS``, ``direction``, ``one_way``.
    two_way, forward, backward, closed
        Sense values meaning two-way, one-way in digitised order, one-way against it, and not open
        to traffic (dropped).  The defaults cover BD TOPO 2 (``Double``/``Direct``/``Inverse``/
        ``NC``), BD TOPO 3 (``Double sens``/``Sens direct``/``Sens inverse``/``Sans objet``) and
        the Écrins file (``double``/``direct``/``nc``).
    nature
        Road class column (BD TOPO ``NATURE``), optional.
    importance
        Importance column (BD TOPO ``IMPORTANCE``, 1-5), optional.
    speed
        Column of known average speeds in km/h (BD TOPO 3 ``VIT_MOY_VL``), optional; a positive
        value there is used as is (no class speed, no winding-road slowdown).
    wkt
        Geometry column of a CSV file, as WKT; default the first of ``wkt``, ``geometry``,
        ``geom``.
    crs
        CRS of a CSV file's coordinates (or of a layer that declares none); default EPSG:4326.
    keep
        Further columns copied onto the edges when present.
    node_decimals
        Rounding of end points before matching them; default 7 decimal places for degrees
        (about 1 cm) and 2 for metres.
    """

    sense: str | None = None
    two_way: tuple[str, ...] = ("double", "double sens", "both", "0", "false", "no")
    forward: tuple[str, ...] = ("direct", "sens direct", "forward", "1", "true", "yes")
    backward: tuple[str, ...] = ("inverse", "sens inverse", "backward", "-1")
    closed: tuple[str, ...] = ("nc", "sans objet")
    nature: str | None = None
    importance: str | None = None
    speed: str | None = None
    wkt: str | None = None
    crs: str | None = None
    keep: tuple[str, ...] = ("ID", "link_id", "abs_key", "NUMERO", "NOM_RUE_G", "CL_ADMIN", "level")
    node_decimals: int | None = None

    def __post_init__(self) -> None:
        groups = {
            "two_way": self.two_way,
            "forward": self.forward,
            "backward": self.backward,
            "closed": self.closed,
        }
        seen: dict[str, str] = {}
        for name, values in groups.items():
            object.__setattr__(self, name, tuple(normalise_class(v) for v in values))
            for value in getattr(self, name):
                if value in seen and seen[value] != name:
                    raise InputError(
                        f"SegmentColumns: sense value {value!r} is listed both in "
                        f"{seen[value]} and in {name}",
                        {"field": name, "value": value},
                    )
                seen[value] = name
        if self.node_decimals is not None and not 0 <= self.node_decimals <= 12:
            raise InputError(
                f"SegmentColumns.node_decimals = {self.node_decimals!r}; expected 0 to 12",
                {"field": "node_decimals", "value": self.node_decimals},
            )


def is_segment_file(path: Path) -> bool:
    """Return whether ``path`` has a road-segment layer suffix."""
    return path.suffix.lower() in SEGMENT_SUFFIXES


def _find(columns: Sequence[str], wanted: str | None, defaults: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    if wanted is not None:
        if wanted in columns:
            return wanted
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise InputError(
            f"column {wanted!r} not found; the layer has {', '.join(map(str, columns))}",
            {"field": "column", "value": wanted},
        )
    for name in defaults:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def read_segments(path: Path, columns: SegmentColumns) -> gpd.GeoDataFrame:
    """Read a segment layer as single-part 2D LineStrings with a CRS.

    Raises
    ------
    InputError
        If the file cannot be read, has no line geometry or no CRS.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".wkt"):
            frame = pd.read_csv(path)
            wkt = _find(list(frame.columns), columns.wkt, ("wkt", "geometry", "geom"))
            if wkt is None:
                raise InputError(
                    f"{str(path)!r}: no WKT geometry column (looked for wkt, geometry, geom); "
                    "name it with SegmentColumns(wkt=...)",
                    {"field": "wkt", "value": list(map(str, frame.columns))},
                )
            try:
                geometry = shapely.from_wkt(frame[wkt].astype(str).to_numpy())
            except shapely.errors.GEOSException as exc:
                raise InputError(
                    f"{str(path)!r}: column {wkt!r} holds invalid WKT ({exc})",
                    {"field": wkt},
                ) from exc
            layer = gpd.GeoDataFrame(
                frame.drop(columns=wkt), geometry=geometry, crs=columns.crs or "EPSG:4326"
            )
        elif suffix in (".parquet", ".geoparquet"):
            layer = gpd.read_parquet(path)
        else:
            layer = gpd.read_file(path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"cannot read road-segment layer {str(path)!r}: {exc}",
            {"field": "source", "value": str(path)},
        ) from exc
    if layer.crs is None:
        if columns.crs is None:
            raise InputError(
                f"{str(path)!r} declares no CRS; pass SegmentColumns(crs='EPSG:2154') or similar",
                {"field": "crs", "value": None},
            )
        layer = layer.set_crs(columns.crs)
    layer = layer[~(layer.geometry.isna() | layer.geometry.is_empty)]
    layer = layer.explode(index_parts=False, ignore_index=True)
    kinds = set(layer.geometry.geom_type.unique())
    if not kinds or kinds - {"LineString"}:
        raise InputError(
            f"{str(path)!r}: expected LineString road segments, found {sorted(kinds) or 'none'}",
            {"field": "geometry", "value": sorted(kinds)},
        )
    layer["geometry"] = shapely.force_2d(layer.geometry.to_numpy())
    return layer


def segments_to_graph(
    layer: gpd.GeoDataFrame, speeds: SpeedTable, columns: SegmentColumns, metric_crs: str
) -> nx.MultiDiGraph:
    """Turn a segment layer into an unsimplified OSMnx-style graph (EPSG:4326).

    Edges carry ``length`` (m, measured in ``metric_crs``), ``speed_kph`` (class speed),
    ``travel_time`` (s), ``oneway``, ``reversed``, ``geometry`` and the mapped attribute columns.

    Raises
    ------
    InputError
        If the sense column is missing or holds values the mapping does not know.
    """
    names = list(map(str, layer.columns))
    sense_col = _find(names, columns.sense, ("SENS", "direction", "one_way"))
    if sense_col is None:
        raise InputError(
            "road-segment layer has no one-way sense column (looked for SENS, direction, "
            f"one_way among {', '.join(names)}); name it with SegmentColumns(sense=...)",
            {"field": "sense", "value": names},
        )
    nature_col = _find(names, columns.nature, ("NATURE",))
    importance_col = _find(names, columns.importance, ("IMPORTANCE",))
    speed_col = _find(names, columns.speed, ("VIT_MOY_VL",))

    sense = layer[sense_col].map(normalise_class)
    known = set(columns.two_way + columns.forward + columns.backward + columns.closed)
    unknown = sorted(set(sense.unique()) - known)
    if unknown:
        raise InputError(
            f"column {sense_col!r} holds sense values {unknown[:10]} that are not mapped; "
            f"accepted: two-way {list(columns.two_way)}, forward {list(columns.forward)}, "
            f"backward {list(columns.backward)}, closed {list(columns.closed)}",
            {"field": sense_col, "value": unknown[:10]},
        )
    nature = layer[nature_col] if nature_col else pd.Series(None, index=layer.index)
    importance = layer[importance_col] if importance_col else pd.Series(None, index=layer.index)
    speed = np.array(
        [speeds.bdtopo_speed(n, i) for n, i in zip(nature, importance, strict=True)], dtype=object
    )
    drivable = ~sense.isin(columns.closed).to_numpy() & np.array([s is not None for s in speed])
    base_kph = np.where(drivable, speed, np.nan).astype(float)
    fixed = np.zeros(len(layer), dtype=bool)
    if speed_col is not None:
        known_kph = pd.to_numeric(layer[speed_col], errors="coerce").to_numpy(dtype=float)
        fixed = drivable & (known_kph > 0)
        base_kph = np.where(fixed, known_kph, base_kph)
    keep_mask = drivable
    drive = layer[keep_mask].reset_index(drop=True)
    base_kph = base_kph[keep_mask]
    fixed = fixed[keep_mask]
    sense = sense[keep_mask].reset_index(drop=True)
    if len(drive) == 0:
        raise InputError(
            "road-segment layer has no drivable segment (all closed or of undriven natures)",
            {"field": sense_col},
        )
    geoms = drive.geometry.to_numpy().copy()
    backward = sense.isin(columns.backward).to_numpy()
    geoms[backward] = shapely.reverse(geoms[backward])
    length = gpd.GeoSeries(geoms, crs=drive.crs).to_crs(metric_crs).length.to_numpy()

    decimals = columns.node_decimals
    if decimals is None:
        decimals = 7 if drive.crs.is_geographic else 2
    first = shapely.get_coordinates(shapely.get_point(geoms, 0))
    last = shapely.get_coordinates(shapely.get_point(geoms, -1))
    ends = np.round(np.vstack([first, last]), decimals)
    xy, ids = np.unique(ends, axis=0, return_inverse=True)
    ids = ids.ravel()
    n = len(drive)
    u, v = ids[:n], ids[n:]
    lonlat = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=drive.crs).to_crs(4326)
    geoms_ll = gpd.GeoSeries(geoms, crs=drive.crs).to_crs(4326).to_numpy()

    graph: nx.MultiDiGraph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_nodes_from(
        (i, {"x": float(x), "y": float(y)})
        for i, (x, y) in enumerate(zip(lonlat.x, lonlat.y, strict=True))
    )
    extra = [c for c in columns.keep if c in drive.columns]
    extra += [c for c in (nature_col, importance_col) if c and c not in extra]
    records = drive[extra].to_dict("records") if extra else [{} for _ in range(n)]
    two_way = sense.isin(columns.two_way).to_numpy()
    travel_time = length / (base_kph / 3.6)
    for i in range(n):
        attrs = {
            **records[i],
            "length": float(length[i]),
            "speed_kph": float(base_kph[i]),
            "travel_time": float(travel_time[i]),
            "oneway": not bool(two_way[i]),
            "fixed_speed": bool(fixed[i]),
            "geometry": geoms_ll[i],
        }
        graph.add_edge(int(u[i]), int(v[i]), **attrs, reversed=False)
        if two_way[i]:
            graph.add_edge(
                int(v[i]), int(u[i]), **{**attrs, "geometry": geoms_ll[i].reverse()}, reversed=True
            )
    return graph
