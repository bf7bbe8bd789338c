"""``logistics network``: build road graphs and travel-time matrices from files."""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import fields
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from logistics.errors import InputError, LogisticsError

app = typer.Typer(
    name="network",
    help="Road graphs and travel-time matrices.",
    no_args_is_help=True,
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def _clean_errors(func: F) -> F:
    """Print a :class:`LogisticsError` as one clear line and exit with status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LogisticsError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


def read_speed_table(path: Path) -> Any:
    """Read a JSON object of :class:`~logistics.routing.speeds.SpeedTable` fields.

    Raises
    ------
    InputError
        If the file is not a JSON object or names unknown fields.
    """
    from logistics.routing.speeds import SpeedTable

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(
            f"speed table {str(path)!r} is not readable JSON: {exc}",
            {"field": "speeds", "value": str(path)},
        ) from exc
    known = {f.name for f in fields(SpeedTable)}
    if not isinstance(data, dict) or set(data) - known:
        unknown = sorted(set(data) - known) if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"speed table {str(path)!r}: unknown field(s) {unknown}; accepted: {sorted(known)}",
            {"field": "speeds", "value": unknown},
        )
    if "importance_natures" in data:
        data["importance_natures"] = tuple(data["importance_natures"])
    try:
        return SpeedTable(**data)
    except TypeError as exc:
        raise InputError(f"speed table {str(path)!r}: {exc}", {"field": "speeds"}) from exc


def read_points_csv(path: Path) -> tuple[list[str], list[float], list[float]]:
    """Read ``id,lon,lat`` points.

    Raises
    ------
    InputError
        Naming the line, column and value of the first bad cell, a missing column, a duplicate id
        or an empty file.
    """
    name = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read points file {name!r}: {exc}", {"field": "points"}) from exc
    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    seen: dict[str, int] = {}
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        missing = [c for c in ("id", "lon", "lat") if c not in header]
        if missing:
            raise InputError(
                f"{name}: missing column(s) {', '.join(missing)} in header {header}; "
                "expected columns id,lon,lat",
                {"field": "header", "value": header},
            )
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise InputError(
                    f"{name} line {line}: more cells than the {len(header)} header columns",
                    {"line": line},
                )
            pid = (row.get("id") or "").strip()
            if not pid:
                raise InputError(
                    f"{name} line {line}, column id: empty id", {"line": line, "column": "id"}
                )
            if pid in seen:
                raise InputError(
                    f"{name} line {line}, column id: {pid!r} already used on line {seen[pid]}; "
                    "ids must be unique",
                    {"line": line, "column": "id", "value": pid},
                )
            seen[pid] = line
            values = []
            for column, limit in (("lon", 180.0), ("lat", 90.0)):
                text = (row.get(column) or "").strip()
                try:
                    value = float(text)
                except ValueError:
                    value = math.nan
                if not (math.isfinite(value) and abs(value) <= limit):
                    raise InputError(
                        f"{name} line {line}, column {column}: {text!r} is not a coordinate; "
                        f"expected decimal degrees in [-{limit:g}, {limit:g}]",
                        {"line": line, "column": column, "value": text},
                    )
                values.append(value)
            ids.append(pid)
            lon.append(values[0])
            lat.append(values[1])
    if not ids:
        raise InputError(f"{name}: no points (the file has a header only)", {"field": "points"})
    return ids, lon, lat


def _write_atomic(frame: Any, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            frame = frame.assign(estimated=frame["estimated"].map({True: "true", False: "false"}))
            frame.to_csv(handle, index=False, float_format="%.3f")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


@app.command()
@_clean_errors
def build(
    source: Annotated[
        Path, typer.Argument(help="OSM .osm/.osm.gz/.osm.bz2/.osm.pbf or road-segment layer.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Graph file to write (.pkl fast, .graphml portable).")
    ],
    simplify: Annotated[bool, typer.Option(help="Contract chains of degree-2 nodes.")] = True,
    speeds: Annotated[
        Path | None, typer.Option(help="JSON object of SpeedTable fields overriding the defaults.")
    ] = None,
    sense_column: Annotated[
        str | None, typer.Option(help="One-way sense column of a segment layer.")
    ] = None,
    wkt_column: Annotated[
        str | None, typer.Option(help="WKT geometry column of a CSV layer.")
    ] = None,
    crs: Annotated[str | None, typer.Option(help="CRS of a CSV layer's coordinates.")] = None,
    metric_crs: Annotated[
        str, typer.Option(help="Projected CRS for lengths and snapping.")
    ] = "EPSG:2154",
    cache: Annotated[
        bool, typer.Option(help="Reuse prepared graphs from the cache folder.")
    ] = True,
) -> None:
    """Build a drivable road graph and save it; print node/edge counts and what was dropped."""
    from logistics.config import get_settings
    from logistics.routing.network import SegmentColumns, load_network, save_network

    table = read_speed_table(speeds) if speeds else None
    columns = SegmentColumns(sense=sense_column, wkt=wkt_column, crs=crs)
    started = time.perf_counter()
    network = load_network(
        source,
        speeds=table,
        cache_dir=get_settings().cache_dir if cache else None,
        simplify=simplify,
        columns=columns,
        metric_crs=metric_crs,
    )
    save_network(network, out)
    report = network.report
    typer.echo(f"graph: {report.nodes_final:,} nodes, {report.edges_final:,} edges -> {out}")
    typer.echo(
        f"drivable roads read: {report.nodes_before:,} nodes, {report.edges_before:,} edges in "
        f"{report.components:,} strongly connected components"
    )
    typer.echo(
        f"kept the largest: {report.nodes_after:,} nodes, {report.edges_after:,} edges; dropped "
        f"{report.dropped_nodes:,} nodes and {report.dropped_edges:,} edges"
    )
    typer.echo(f"took {time.perf_counter() - started:.1f} s")


@app.command()
@_clean_errors
def matrix(
    points: Annotated[Path, typer.Option("--points", help="CSV with columns id,lon,lat.")],
    out: Annotated[
        Path, typer.Option("--out", help="CSV to write: from_id,to_id,seconds,metres,estimated.")
    ],
    graph: Annotated[
        Path | None, typer.Option("--graph", help="Graph file written by `network build`.")
    ] = None,
    straight_line: Annotated[
        bool, typer.Option(help="No road data: estimate from straight-line distances.")
    ] = False,
    circuity: Annotated[
        float, typer.Option(help="Straight-line estimate: road/straight ratio.")
    ] = 1.3,
    speed_kph: Annotated[float, typer.Option(help="Straight-line estimate: average speed.")] = 50.0,
    max_snap_m: Annotated[
        float, typer.Option(help="Points farther than this from any road are refused.")
    ] = 2000.0,
    workers: Annotated[int | None, typer.Option(help="Threads for the searches.")] = None,
) -> None:
    """Write the travel-time and distance matrix between points, one row per ordered pair."""
    from logistics.routing.matrix import straight_line_matrix, travel_matrix
    from logistics.routing.network import read_network
    from logistics.routing.snapping import snap_points

    if (graph is None) == (not straight_line):
        raise InputError(
            "give either --graph FILE (road routes) or --straight-line (estimate), not both or "
            "neither",
            {"field": "graph"},
        )
    ids, lon, lat = read_points_csv(points)
    started = time.perf_counter()
    if graph is not None:
        network = read_network(graph)
        snapped = snap_points(network, lon, lat, ids, max_distance_m=max_snap_m)
        result = travel_matrix(network, snapped, workers=workers)
        typer.echo(
            f"{len(ids)} points snapped to {graph} (largest snap {snapped.distance_m.max():,.0f} m)"
        )
    else:
        result = straight_line_matrix(ids, lon, lat, circuity=circuity, speed_kph=speed_kph)
    _write_atomic(result.to_frame(), out)
    elapsed = time.perf_counter() - started
    typer.echo(f"{len(ids) ** 2:,} pairs -> {out} ({result.method}) in {elapsed:.2f} s")
    if result.estimated:
        typer.echo(f"ESTIMATE: no road data used; {result.method}")
    if result.unreachable:
        typer.echo(f"{len(result.unreachable):,} pairs have no route (empty seconds/metres)")
