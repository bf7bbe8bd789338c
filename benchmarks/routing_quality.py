"""Round-planning quality on standard instances, against best-known results, VROOM and PyVRP.

For each instance of a set, in the same run: our engine
(:func:`logistics.routing.instances.solve_instance`, in a subprocess per instance, so each gets
the whole time limit on its own), VROOM (``pyvroom``, exploration level 5, one thread) and
PyVRP (VRPTW only unless ``--pyvrp-pdptw``; same time limit through ``MaxRuntime``, a fixed cost
per vehicle larger than any route set's distance so that it minimises vehicles first).  Every
solution is checked by ``benchmarks/_instance_check.py`` (its own reader, double-precision
times), and the distance compared is the one recomputed there.

The objective is hierarchical, as for the best-known results: fewer vehicles first, then less
distance.  The reference solvers get integer inputs scaled by ``SCALE`` with travel times rounded
*up*, so that a schedule feasible with their integers is feasible in double precision.

Usage (from the repository root)::

    .venv/bin/python benchmarks/routing_quality.py --set solomon_100 --time-limit 10 \
        --jsonl benchmarks/results/routing_quality.jsonl
    .venv/bin/python benchmarks/routing_quality.py --quick
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _instance_check import Instance, Verdict, check_routes, read

ROOT = Path(__file__).resolve().parent
INSTANCES = ROOT / "instances"
SETS = ("solomon_100", "li_lim_100", "li_lim_200", "homberger_200")
SCALE = 1000  # reference solvers' integer unit: 1/1000 of a distance unit
REL = 1e-6  # "same distance" on the hierarchical objective

_OURS = (
    "import json, sys\n"
    "from logistics.routing.instances import solve_instance\n"
    "r = solve_instance(sys.argv[1], time_limit_s=float(sys.argv[2]), seed=int(sys.argv[3]))\n"
    "print(json.dumps(r))\n"
)


@dataclass
class Run:
    """One solver's answer on one instance, with the independent verdict."""

    solver: str
    vehicles: int | None = None
    distance: float | None = None
    seconds: float = 0.0
    routes: list[list[int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def feasible(self) -> bool:
        """Whether a solution came back and passed the independent check."""
        return self.error is None and self.vehicles is not None and not self.violations

    def key(self) -> tuple[int, float]:
        """Return the hierarchical objective (vehicles, distance); infeasible is worst."""
        if not self.feasible or self.distance is None or self.vehicles is None:
            return (10**9, math.inf)
        return (self.vehicles, self.distance)


def at_least_as_good(a: Run, b: Run) -> bool:
    """Return whether ``a`` is at least as good as ``b``: fewer vehicles, then distance."""
    if not a.feasible:
        return False
    if not b.feasible:
        return True
    (va, da), (vb, db) = a.key(), b.key()
    return va < vb or (va == vb and da <= db * (1 + REL))


def _judge(run: Run, inst: Instance, unserved: list[int] | None = None, **reported: Any) -> Run:
    verdict: Verdict = check_routes(inst, run.routes, unserved=unserved, **reported)
    run.violations = list(verdict.violations)
    run.vehicles = verdict.vehicles
    run.distance = verdict.distance
    return run


# -- our engine -----------------------------------------------------------------------------
def run_ours(
    path: Path, inst: Instance, time_limit: float, seed: int, cpu: int | None
) -> tuple[Run, dict[str, Any] | None]:
    """Solve with our engine in a fresh interpreter; return the judged run and the raw answer."""
    cmd = [sys.executable, "-c", _OURS, str(path), str(time_limit), str(seed)]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=3 * time_limit + 120, check=False
        )
    except subprocess.TimeoutExpired:
        return Run("ours", seconds=time.perf_counter() - t0, error="timeout"), None
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return Run("ours", seconds=wall, error=f"exit {proc.returncode}: {tail}"), None
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    run = Run("ours", seconds=float(raw.get("seconds", wall)), routes=raw["routes"])
    _judge(
        run,
        inst,
        unserved=list(raw.get("unserved", [])),
        reported_distance=float(raw["distance"]),
        reported_vehicles=int(raw["vehicles"]),
    )
    return run, raw


# -- VROOM ----------------------------------------------------------------------------------
def run_vroom(inst: Instance, time_limit: float) -> Run:
    """Solve with VROOM (jobs for VRPTW, shipments for PDPTW), integer-scaled inputs."""
    import vroom

    d = inst.distances()
    durations = np.ceil(d * SCALE).astype(np.uint32)
    problem = vroom.Input()
    problem.set_durations_matrix("car", durations)
    horizon = vroom.TimeWindow(int(inst.ready[0] * SCALE), int(inst.due[0] * SCALE))
    # A fixed cost larger than any plausible total travel cost: fewer vehicles first.
    fixed = int(min(4e9, 4 * float(d[0].sum()) * SCALE + 1))
    for k in range(inst.fleet):
        problem.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[int(inst.capacity)],
                time_window=horizon,
                costs=vroom.VehicleCosts(fixed=fixed),
            )
        )

    def tw(i: int) -> list[Any]:
        return [vroom.TimeWindow(int(inst.ready[i] * SCALE), int(inst.due[i] * SCALE))]

    if inst.kind == "vrptw":
        for i in range(1, inst.n):
            problem.add_job(
                vroom.Job(
                    i,
                    location=i,
                    default_service=int(inst.service[i] * SCALE),
                    delivery=[int(inst.demand[i])],
                    time_windows=tw(i),
                )
            )
    else:
        for i in range(1, inst.n):
            if inst.demand[i] > 0:
                j = int(inst.delivery_of[i])
                problem.add_shipment(
                    vroom.ShipmentStep(
                        i, location=i, default_service=int(inst.service[i] * SCALE),
                        time_windows=tw(i),
                    ),
                    vroom.ShipmentStep(
                        j, location=j, default_service=int(inst.service[j] * SCALE),
                        time_windows=tw(j),
                    ),
                    amount=vroom.Amount([int(inst.demand[i])]),
                )  # fmt: skip
    t0 = time.perf_counter()
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit)
    )
    seconds = time.perf_counter() - t0
    df = solution.routes
    routes: list[list[int]] = []
    for _, steps in df.groupby("vehicle_id", sort=True):
        nodes = [int(x) for x in steps["location_index"][steps["type"] != "start"]]
        nodes = [n for n in nodes if n != 0] if len(nodes) else []
        if nodes:
            routes.append(nodes)
    run = Run("vroom", seconds=seconds, routes=routes)
    served = {n for r in routes for n in r}
    return _judge(run, inst, unserved=[i for i in range(1, inst.n) if i not in served])


# -- PyVRP ----------------------------------------------------------------------------------
def run_pyvrp(inst: Instance, time_limit: float, seed: int, pdptw: bool) -> Run:
    """Solve with PyVRP 0.14 (clients; shipments for PDPTW if ``pdptw``), integer-scaled."""
    if inst.kind == "pdptw" and not pdptw:
        return Run("pyvrp", error="n/a")
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    d = inst.distances()
    m = Model()
    locations = [m.add_location(float(inst.x[i]), float(inst.y[i])) for i in range(inst.n)]
    horizon = int(inst.due[0] * SCALE)
    depot = m.add_depot(locations[0], tw_early=int(inst.ready[0] * SCALE), tw_late=horizon)
    fixed = int(4 * float(d[0].sum()) * SCALE + 1)
    m.add_vehicle_type(
        num_available=inst.fleet,
        capacity=[int(inst.capacity)],
        start_depot=depot,
        end_depot=depot,
        fixed_cost=fixed,
        tw_early=int(inst.ready[0] * SCALE),
        tw_late=horizon,
    )
    # node of each client / shipment step, in the order PyVRP numbers them
    clients: list[int] = []
    shipments: list[tuple[int, int]] = []
    for i in range(1, inst.n):
        early, late = int(inst.ready[i] * SCALE), int(inst.due[i] * SCALE)
        service = int(inst.service[i] * SCALE)
        if inst.kind == "vrptw":
            m.add_client(
                locations[i],
                delivery=[int(inst.demand[i])],
                service_duration=service,
                tw_early=early,
                tw_late=late,
            )
            clients.append(i)
        elif inst.demand[i] > 0:
            j = int(inst.delivery_of[i])
            m.add_shipment(
                locations[i],
                locations[j],
                pickup_tw_early=early,
                pickup_tw_late=late,
                pickup_service_duration=service,
                delivery_tw_early=int(inst.ready[j] * SCALE),
                delivery_tw_late=int(inst.due[j] * SCALE),
                delivery_service_duration=int(inst.service[j] * SCALE),
                amount=[int(inst.demand[i])],
            )
            shipments.append((i, j))
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                m.add_edge(
                    a, b, distance=round(d[i, j] * SCALE), duration=math.ceil(d[i, j] * SCALE)
                )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    seconds = time.perf_counter() - t0
    routes: list[list[int]] = []
    for route in result.best.routes():
        nodes: list[int] = []
        for act in route:
            if act.is_depot():
                continue
            if act.is_client():
                nodes.append(clients[act.idx])
            else:
                pickup, delivery = shipments[act.idx]
                nodes.append(pickup if act.is_pickup() else delivery)
        if nodes:
            routes.append(nodes)
    run = Run("pyvrp", seconds=seconds, routes=routes)
    if not result.is_feasible():
        run.error = "PyVRP found no feasible solution"
    served = {n for r in routes for n in r}
    return _judge(run, inst, unserved=[i for i in range(1, inst.n) if i not in served])


# -- driver ---------------------------------------------------------------------------------
def read_bks(set_name: str) -> dict[str, tuple[int, float]]:
    """Return ``{instance: (vehicles, distance)}`` from the set's ``bks.csv``."""
    with (INSTANCES / set_name / "bks.csv").open(newline="") as f:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"])) for r in csv.DictReader(f)
        }


def gap(run: Run, bks: tuple[int, float]) -> float | None:
    """Return the distance gap in % to the BKS when vehicles match, else ``None``."""
    if not run.feasible or run.vehicles != bks[0] or run.distance is None:
        return None
    return 100.0 * (run.distance - bks[1]) / bks[1]


def _cell(run: Run, bks: tuple[int, float]) -> str:
    if run.error == "n/a":
        return f"{'n/a':>22}"
    if not run.feasible:
        flag = "ERR" if run.error else "INFEAS"
        return f"{flag:>6} {run.vehicles if run.vehicles is not None else '-':>3} {'':>11}"
    g = gap(run, bks)
    gs = f"{g:+.2f}%" if g is not None else f"(+{run.vehicles - bks[0]}v)"  # type: ignore[operator]
    return f"{run.vehicles:>3} {gs:>9} {run.seconds:>6.1f}s"


def summarise(name: str, rows: list[dict[str, Any]]) -> list[str]:
    """Return the summary lines of a set: ours, then each reference solver alone."""
    lines = []
    n = len(rows)
    for solver in ("ours", "vroom", "pyvrp"):
        runs = [(r[solver], r["bks"]) for r in rows if r[solver].error != "n/a"]
        if not runs:
            lines.append(f"{name} {solver}: n/a")
            continue
        feasible = sum(run.feasible for run, _ in runs)
        equal = sum(run.feasible and run.vehicles == b[0] for run, b in runs)
        above = [run.vehicles - b[0] for run, b in runs if run.feasible]  # type: ignore[operator]
        gaps = [g for run, b in runs if (g := gap(run, b)) is not None]
        secs = [run.seconds for run, _ in runs]
        worst = f"{max(above):+d}" if above else "-"
        line = (
            f"{name} {solver}: feasible {feasible}/{len(runs)}, vehicles=BKS {equal}/{len(runs)} "
            f"({100 * equal / len(runs):.0f}%), max above BKS {worst}, "
            f"mean gap {statistics.fmean(gaps) if gaps else float('nan'):.2f}% "
            f"(on {len(gaps)}), mean {statistics.fmean(secs):.1f}s"
        )
        if solver == "ours":
            for ref in ("vroom", "pyvrp"):
                pairs = [r for r in rows if r[ref].error != "n/a"]
                if not pairs:
                    line += f", >={ref} n/a"
                    continue
                good = sum(at_least_as_good(r["ours"], r[ref]) for r in pairs)
                line += f", >={ref} {good}/{len(pairs)} ({100 * good / len(pairs):.0f}%)"
        lines.append(line)
    del n
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", choices=SETS, dest="sets", help="repeatable")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance/solver")
    ap.add_argument("--instances", help="comma-separated names or name prefixes to keep")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jsonl", type=Path, help="append one raw JSON line per solver and instance")
    ap.add_argument("--cpu", type=int, help="pin every solver to this core (taskset)")
    ap.add_argument("--no-refs", action="store_true", help="skip VROOM and PyVRP")
    ap.add_argument("--pyvrp-pdptw", action="store_true", help="run PyVRP on PDPTW too")
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 instances per set, 2 s")
    args = ap.parse_args(argv)
    sets = args.sets or (["solomon_100", "li_lim_100"] if args.quick else ["solomon_100"])
    time_limit = 2.0 if args.quick and "--time-limit" not in (argv or sys.argv) else args.time_limit
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    wanted = [w.strip() for w in args.instances.split(",")] if args.instances else None

    print(
        f"routing_quality: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, time limit "
        f"{time_limit:g}s, seed {args.seed}, {os.cpu_count()} cpus, load "
        f"{os.getloadavg()[0]:.2f}, {platform.python_version()}"
    )
    summaries: list[str] = []
    for set_name in sets:
        bks = read_bks(set_name)
        files = sorted((INSTANCES / set_name).glob("*.txt"))
        if wanted:
            files = [f for f in files if any(f.stem.lower().startswith(w.lower()) for w in wanted)]
        if args.quick:
            files = files[:2]
        head = (
            f"{'instance':<10} {'BKS':>3} {'BKS dist':>9} | {'ours veh gap s':>22} | "
            f"{'vroom veh gap s':>22} | {'pyvrp veh gap s':>22} | >=V >=P"
        )
        print(f"\n{set_name}: {len(files)} instances\n{head}\n{'-' * len(head)}")
        rows: list[dict[str, Any]] = []
        for path in files:
            inst = read(path)
            b = bks[path.stem]
            ours, raw = run_ours(path, inst, time_limit, args.seed, args.cpu)
            if args.no_refs:
                vr, pv = Run("vroom", error="n/a"), Run("pyvrp", error="n/a")
            else:
                vr = run_vroom(inst, time_limit)
                pv = run_pyvrp(inst, time_limit, args.seed, args.pyvrp_pdptw)
            row = {"instance": path.stem, "bks": b, "ours": ours, "vroom": vr, "pyvrp": pv}
            rows.append(row)
            ge_v = "n/a" if vr.error == "n/a" else ("yes" if at_least_as_good(ours, vr) else "no")
            ge_p = "n/a" if pv.error == "n/a" else ("yes" if at_least_as_good(ours, pv) else "no")
            print(
                f"{path.stem:<10} {b[0]:>3} {b[1]:>9.2f} | {_cell(ours, b)} | {_cell(vr, b)} | "
                f"{_cell(pv, b)} | {ge_v:>3} {ge_p:>3}",
                flush=True,
            )
            for run in (ours, vr, pv):
                if run.error and run.error != "n/a":
                    print(f"    {run.solver}: {run.error}")
                for v in run.violations[:5]:
                    print(f"    {run.solver} infeasible: {v}")
            if args.jsonl:
                args.jsonl.parent.mkdir(parents=True, exist_ok=True)
                with args.jsonl.open("a") as f:
                    for run in (ours, vr, pv):
                        if run.error == "n/a":
                            continue
                        f.write(
                            json.dumps(
                                {
                                    "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ}",
                                    "set": set_name,
                                    "instance": path.stem,
                                    "solver": run.solver,
                                    "time_limit": time_limit,
                                    "seed": args.seed,
                                    "bks_vehicles": b[0],
                                    "bks_distance": b[1],
                                    "vehicles": run.vehicles,
                                    "distance": run.distance,
                                    "seconds": round(run.seconds, 3),
                                    "feasible": run.feasible,
                                    "error": run.error,
                                    "violations": run.violations[:20],
                                    "routes": run.routes,
                                    "reported": (
                                        {k: raw[k] for k in ("vehicles", "distance", "seconds")}
                                        if run.solver == "ours" and raw
                                        else None
                                    ),
                                }
                            )
                            + "\n"
                        )
        summaries += summarise(set_name, rows)
    print("\nsummary")
    for line in summaries:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
