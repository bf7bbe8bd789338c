"""Benchmark instance readers, their conversion to a Problem and ``logistics solve-instance``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from logistics.cli import app
from logistics.errors import InputError
from logistics.routing.instances import (
    SCALE,
    euclidean_distance,
    read_bks,
    read_instance,
    solve_instance,
    to_problem,
)

SETS = Path(__file__).resolve().parents[2] / "benchmarks" / "instances"
C101 = SETS / "solomon_100" / "C101.txt"
LC101 = SETS / "li_lim_100" / "lc101.txt"


def test_read_solomon() -> None:
    inst = read_instance(C101)
    assert (inst.name, inst.kind, inst.vehicles, inst.capacity) == ("C101", "vrptw", 25, 200)
    assert inst.nodes == 101
    assert inst.demand[0] == 0 and int(inst.demand.sum()) == 1810
    assert (inst.x[1], inst.y[1], inst.ready[1], inst.due[1], inst.service[1]) == (
        45,
        68,
        912,
        967,
        90,
    )
    assert inst.due[0] == 1236


def test_read_li_lim() -> None:
    inst = read_instance(LC101)
    assert (inst.kind, inst.vehicles, inst.capacity, inst.nodes) == ("pdptw", 25, 200, 107)
    assert len(inst.pairs) == 53
    for p, d in inst.pairs:
        assert inst.demand[p] > 0 and inst.demand[d] == -inst.demand[p]
    assert (3, 75) in inst.pairs


def test_read_every_committed_instance() -> None:
    for set_dir in sorted(p for p in SETS.iterdir() if p.is_dir()):
        bks = read_bks(set_dir)
        files = sorted(set_dir.glob("*.txt"))
        assert files and {f.stem for f in files} <= set(bks)
        for f in files:
            inst = read_instance(f)
            assert inst.nodes in (101, 201) or inst.kind == "pdptw"


def test_read_bks() -> None:
    bks = read_bks(SETS / "solomon_100")
    assert bks["C101"] == (10, 828.9369)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", "", "empty file"),
        ("garbage.txt", "hello world\nnot an instance\n", "unknown format"),
        (
            "delivery_not_naming_its_pickup.txt",
            "2 10 1\n0 0 0 0 0 100 0 0 0\n1 1 1 5 0 50 1 0 2\n2 2 2 -5 0 50 1 0 0\n",
            "does not name it",
        ),
        (
            "no_customers.txt",
            "X\nVEHICLE\nNUMBER CAPACITY\n 2 10\nCUSTOMER\n 0 0 0 0 0 100 0\n",
            "fewer than two",
        ),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_instance(path)


def test_missing_file() -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_instance("/no/such/file.txt")


def test_to_problem_scales_and_rounds_travel_up() -> None:
    inst = read_instance(LC101)
    problem = to_problem(inst)
    d = inst.distances()
    assert problem.seconds.shape == (107, 107)
    assert np.all(problem.seconds >= d * SCALE)
    assert np.all(problem.seconds - d * SCALE < 1)
    assert np.allclose(problem.metres, d * SCALE)
    assert len(problem.orders) == 53 and len(problem.vehicles) == 25
    order = next(o for o in problem.orders if o.id == "3")
    assert order.drop_location == 75 and order.pickups[0].location == 3
    assert order.pickups[0].windows[0].start == 65 * SCALE
    assert order.drop_service_s == int(inst.service[75] * SCALE)
    vrptw = to_problem(read_instance(C101))
    assert all(o.pickups[0].location == 0 for o in vrptw.orders)
    assert [o.drop_location for o in vrptw.orders] == list(range(1, 101))


def _check_double_precision(path: Path, result: dict) -> None:
    """Check a solve_instance result in double precision (windows, capacity, each node once)."""
    inst = read_instance(path)
    d = inst.distances()
    seen = [n for r in result["routes"] for n in r] + result["unserved"]
    assert sorted(seen) == list(range(1, inst.nodes))
    partner = dict(inst.pairs)
    for route in result["routes"]:
        t, load, at = 0.0, 0, 0
        for n in [*route, 0]:
            t = max(t + d[at, n], inst.ready[n])
            assert t <= inst.due[n] + 1e-9
            load += abs(inst.demand[n]) if inst.kind == "vrptw" else inst.demand[n]
            assert 0 <= load <= inst.capacity
            t += inst.service[n]
            at = n
        for p, q in partner.items():
            if p in route:
                assert q in route and route.index(p) < route.index(q)


def test_solve_instance_shape_and_distance() -> None:
    result = solve_instance(C101, time_limit_s=3)
    assert set(result) == {"instance", "vehicles", "distance", "routes", "unserved", "seconds"}
    assert result["instance"] == "C101"
    assert result["vehicles"] == len(result["routes"]) <= 25
    inst = read_instance(C101)
    assert result["distance"] == pytest.approx(euclidean_distance(inst, result["routes"]))
    manual = sum(
        math.dist((inst.x[a], inst.y[a]), (inst.x[b], inst.y[b]))
        for r in result["routes"]
        for a, b in zip([0, *r], [*r, 0], strict=True)
    )
    assert result["distance"] == pytest.approx(manual, abs=1e-9)
    assert result["unserved"] == []
    _check_double_precision(C101, result)


def test_solve_instance_pdptw_is_feasible() -> None:
    result = solve_instance(LC101, time_limit_s=3)
    assert result["unserved"] == []
    _check_double_precision(LC101, result)


def test_search_limit_is_deterministic() -> None:
    runs = [solve_instance(LC101, time_limit_s=None, search_limit=50)["routes"] for _ in range(2)]
    assert runs[0] == runs[1]


def test_cli_solve_instance() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["solve-instance", str(C101), "--time-limit", "1", "--seed", "3"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["instance"] == "C101" and result["vehicles"] >= 10


def test_cli_solve_instance_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.txt"
    bad.write_text("hello\n")
    runner = CliRunner()
    out = runner.invoke(app, ["solve-instance", str(bad), "--time-limit", "1"])
    assert out.exit_code == 2
    assert "unknown format" in out.output and "Traceback" not in out.output
    out = runner.invoke(app, ["solve-instance", str(tmp_path / "none.txt")])
    assert out.exit_code == 2 and "does not exist" in out.output
    out = runner.invoke(app, ["solve-instance", str(C101), "--time-limit", "-1"])
    assert out.exit_code == 2 and "time_limit_s" in out.output
