"""``logistics network build`` and ``logistics network matrix``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from logistics.cli import app
from logistics.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    yield cache
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def andorra_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "andorra.pkl"
    data = Path(__file__).resolve().parent.parent / "data"
    result = runner.invoke(
        app, ["network", "build", str(data / "andorra.osm.pbf"), "--out", str(out), "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert "graph: 1,198 nodes, 2,450 edges" in result.output
    assert "dropped 87 nodes and 120 edges" in result.output
    return out


def write_points(path: Path, rows: list[tuple[str, float, float]]) -> Path:
    pd.DataFrame(rows, columns=["id", "lon", "lat"]).to_csv(path, index=False)
    return path


def matrix_args(graph: Path, points: Path, out: Path) -> list[str]:
    return ["network", "matrix", "--graph", str(graph), "--points", str(points), "--out", str(out)]


ANDORRA_POINTS = [
    ("la-vella", 1.5218, 42.5063),
    ("encamp", 1.5800, 42.5350),
    ("canillo", 1.5970, 42.5670),
]


def test_build_uses_the_cache_folder(
    network_paths: SimpleNamespace, cli_cache: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tiny.graphml"
    args = [
        "network",
        "build",
        str(network_paths.tiny_roads),
        "--out",
        str(out),
        "--crs",
        "EPSG:2154",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "graph: 4 nodes, 8 edges" in result.output
    assert "7 nodes, 11 edges in 3 strongly connected components" in result.output
    assert out.is_file() and len(list(cli_cache.glob("network-*.pkl"))) == 1


def test_matrix_from_a_built_graph(andorra_graph: Path, tmp_path: Path) -> None:
    points = write_points(tmp_path / "points.csv", ANDORRA_POINTS)
    out = tmp_path / "matrix.csv"
    args = matrix_args(andorra_graph, points, out)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "9 pairs" in result.output and "road graph" in result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["from_id", "to_id", "seconds", "metres", "estimated"]
    assert len(frame) == 9 and not frame["estimated"].any()
    trip = frame[(frame.from_id == "la-vella") & (frame.to_id == "canillo")].iloc[0]
    assert 400 < trip.seconds < 1800 and 8_000 < trip.metres < 20_000  # ~11.5 km by the CG-2


def test_straight_line_fallback_is_labelled(tmp_path: Path) -> None:
    points = write_points(tmp_path / "points.csv", ANDORRA_POINTS)
    out = tmp_path / "estimate.csv"
    args = ["network", "matrix", "--straight-line", "--points", str(points), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "ESTIMATE" in result.output and "straight line x 1.3 at 50 km/h" in result.output
    frame = pd.read_csv(out)
    assert frame["estimated"].all()


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("points-bad-lon.csv", "line 3, column lon: 'east' is not a coordinate"),
        ("points-missing-lat-column.csv", "missing column(s) lat"),
        ("points-duplicate-id.csv", "line 4, column id: 'a' already used on line 2"),
        ("points-lat-out-of-range.csv", "line 3, column lat: '144.7' is not a coordinate"),
    ],
)
def test_bad_points_files_exit_2_and_write_nothing(
    network_paths: SimpleNamespace, tmp_path: Path, fixture: str, message: str
) -> None:
    out = tmp_path / "matrix.csv"
    args = [
        "network",
        "matrix",
        "--straight-line",
        "--points",
        str(network_paths.data / fixture),
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_far_points_and_bad_options_exit_2(andorra_graph: Path, tmp_path: Path) -> None:
    points = write_points(tmp_path / "points.csv", [*ANDORRA_POINTS, ("paris", 2.35, 48.85)])
    out = tmp_path / "matrix.csv"
    args = matrix_args(andorra_graph, points, out)
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "'paris'" in result.output and not out.exists()
    result = runner.invoke(app, [*args, "--straight-line"])
    assert result.exit_code == 2 and "not both or neither" in result.output
    result = runner.invoke(
        app,
        [
            "network",
            "matrix",
            "--graph",
            str(tmp_path / "none.pkl"),
            "--points",
            str(points),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2 and "does not exist" in result.output


def test_build_errors_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["network", "build", str(tmp_path / "x.osm.pbf"), "--out", str(tmp_path / "g.pkl")]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
    speeds = tmp_path / "speeds.json"
    speeds.write_text('{"motorway_kph": 5}')
    src = tmp_path / "roads.csv"
    src.write_text('wkt,SENS\n"LINESTRING (6 44, 6.01 44)",Double\n')
    result = runner.invoke(
        app,
        ["network", "build", str(src), "--out", str(tmp_path / "g.pkl"), "--speeds", str(speeds)],
    )
    assert result.exit_code == 2 and "unknown field(s) ['motorway_kph']" in result.output
    speeds.write_text('{"default_kph": 30}')
    result = runner.invoke(
        app,
        [
            "network",
            "build",
            str(src),
            "--out",
            str(tmp_path / "g.pkl"),
            "--speeds",
            str(speeds),
            "--no-cache",
        ],
    )
    assert result.exit_code == 0, result.output
