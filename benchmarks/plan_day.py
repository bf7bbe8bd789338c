"""Plan generated days of the Écrins territory on its real roads: time, vehicles, km, unserved.

For each size (150, 300, 600, 1,200 orders; the generator's defaults give about one merchant per
8 orders and one vehicle per 50), a day is generated, turned into the engine's problem with the
same code as ``plan_day`` (``logistics.planning``, without the database), then solved.  Seconds
are split into the road matrix (snapping + fastest routes) and the solve; the total includes
both (the road graph itself is loaded once per process, as a service does, and reported apart).

Every order the engine leaves unserved is checked two ways:

- ``alone``: could one free vehicle serve it on its own (``routing.diagnose.alone``: from its
  depot at the start of its shift, through the pickups, to the drop, back in time)?  This is
  the issue's check; it also counts orders left out because the fleet has no time left.
- ``fits``: could it be inserted into the rounds found, every served stop kept where it is
  (served stops locked, the engine only inserts the order)?  A "yes" is a miss of the engine;
  up to ``--check`` orders are tried (2 s each).

Orders refused before solving (merchant closed that day…) cannot be served by any plan.

Target (issue 4): 600 orders planned in ≤ 60 s with zero unserved orders that the check shows
servable.

Usage::

    .venv/bin/python benchmarks/plan_day.py [--sizes 150,300,600,1200] [--budget 60]
        [--time-limit S] [--seed 1] [--date 2026-06-02]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from logistics.config import Settings  # noqa: E402
from logistics.errors import InfeasibleError  # noqa: E402
from logistics.planning.inputs import day_input  # noqa: E402
from logistics.planning.problem import BuiltProblem, build_problem, network_for  # noqa: E402
from logistics.routing.diagnose import alone  # noqa: E402
from logistics.routing.model import Lock, Solution  # noqa: E402
from logistics.routing.solve import Params, solve  # noqa: E402
from logistics.sample.generate import GenerateParams, generate_day  # noqa: E402
from logistics.sample.territory import get_sample, read_roads, sample_communes  # noqa: E402

TERRITORY = "ecrins"


def servable_alone(built: BuiltProblem, order_id: str) -> bool:
    """Tell whether the order can be served alone by one free vehicle (the engine's check)."""
    return alone(built.problem, order_id) is None


def insertable(built: BuiltProblem, solution: Solution, order_id: str, seed: int) -> bool:
    """Tell whether the order fits into the rounds found, every served stop kept in place.

    The served stops are locked on their vehicles (same relative order) and the engine may only
    insert the order around them.
    """
    problem = built.problem
    locks = []
    served: set[str] = set()
    for route in solution.routes:
        refs = tuple(r for v in route.visits for r in v.refs)
        if refs:
            locks.append(Lock(route.vehicle_id, refs))
            served.update(r.order_id for r in refs)
    orders = tuple(o for o in problem.orders if o.id in served or o.id == order_id)
    trial = dataclasses.replace(problem, orders=orders, locks=tuple(locks))
    try:
        found = solve(trial, Params(time_limit_s=2.0, seed=seed))
    except InfeasibleError:
        return False  # the engine could not even keep the served stops in place
    return order_id not in {u.order_id for u in found.unserved}


def run(size: int, args: argparse.Namespace, communes, roads, network) -> dict[str, object]:
    day = generate_day(
        communes, args.date, GenerateParams(orders=size, seed=args.seed), roads=roads
    )
    started = time.perf_counter()
    built = build_problem(day_input(day, TERRITORY), network)
    matrix_s = time.perf_counter() - started
    limit = args.time_limit
    if limit is None:
        limit = max(1.0, args.budget - matrix_s - 3.0)  # 3 s for reading the answer back
    params = Params(time_limit_s=limit, seed=args.seed)
    solve_started = time.perf_counter()
    solution = solve(built.problem, params)
    solve_s = time.perf_counter() - solve_started
    total_s = time.perf_counter() - started
    could = [u for u in solution.unserved if servable_alone(built, u.order_id)]
    fits = [u for u in could[: args.check] if insertable(built, solution, u.order_id, args.seed)]
    codes: dict[str, int] = {}
    for u in (*built.rejected, *solution.unserved):
        codes[u.code] = codes.get(u.code, 0) + 1
    return {
        "orders": size,
        "planned": len(built.problem.orders) + len(built.rejected),
        "merchants": len(day.merchants),
        "fleet": len(day.vehicles),
        "matrix_n": len(built.keys),
        "matrix_s": matrix_s,
        "solve_s": solve_s,
        "total_s": total_s,
        "limit_s": limit,
        "vehicles": solution.totals.vehicles,
        "km": solution.totals.km,
        "unserved": len(solution.unserved) + len(built.rejected),
        "could": len(could),
        "checked": min(len(could), args.check),
        "fits": len(fits),
        "codes": codes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="150,300,600,1200")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per day, all in")
    parser.add_argument("--time-limit", type=float, default=None, help="solver limit (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 6, 2))
    parser.add_argument(
        "--per-vehicle", type=float, default=50.0, help="orders per vehicle of the generated fleet"
    )
    parser.add_argument(
        "--check", type=int, default=10, help="unserved orders tried for insertion (each ~2 s)"
    )
    args = parser.parse_args()
    cfg = Settings()
    spec = get_sample(TERRITORY)
    communes = sample_communes(spec, cfg.data_dir)
    roads = read_roads(cfg.data_dir / str(spec.roads_file))
    started = time.perf_counter()
    network = network_for(TERRITORY, cfg.data_dir, cfg.cache_dir)
    print(
        f"# plan_day on {TERRITORY}, {args.date} ({args.date:%A}), seed {args.seed}; "
        f"road graph loaded in {time.perf_counter() - started:.1f} s (once per process)"
    )
    defaults = dataclasses.asdict(Params())
    print(f"# {platform.platform()}, Python {platform.python_version()}; defaults {defaults}")
    header = (
        f"{'orders':>6} {'planned':>7} {'merch':>5} {'fleet':>5} {'points':>6} {'matrix s':>8} "
        f"{'solve s':>7} {'total s':>7} {'vehicles':>8} {'km':>8} {'unserved':>8} "
        f"{'alone':>5} {'fits':>7}  reasons"
    )
    print(header)
    for size in [int(s) for s in args.sizes.split(",")]:
        r = run(size, args, communes, roads, network)
        print(
            f"{r['orders']:>6} {r['planned']:>7} {r['merchants']:>5} {r['fleet']:>5} "
            f"{r['matrix_n']:>6} {r['matrix_s']:>8.1f} {r['solve_s']:>7.1f} {r['total_s']:>7.1f} "
            f"{r['vehicles']:>8} {r['km']:>8.1f} {r['unserved']:>8} {r['could']:>5} "
            f"{r['fits']:>3}/{r['checked']:<3}  {r['codes']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
