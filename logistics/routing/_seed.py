"""Warm starts: routes from another engine, handed to OR-Tools as its first solution.

* PyVRP (hybrid genetic search) for problems where every order is a depot order (VRPTW): one
  client per drop, one vehicle type per group of identical vehicles, a fixed cost per vehicle
  equal to the objective's (so that it minimises vehicles first).
* VROOM (``pyvroom``) for pickup-and-delivery problems where every order has a single pickup:
  one shipment per order, vehicle skills, capacities, shifts and a fixed cost per vehicle.

Both engines get the same integer travel times as the OR-Tools model, so their routes are
feasible there unless they break a constraint they do not know (OR-Tools then refuses the routes
and searches from its own first solution).  Problems with locks, several windows on one stop or
several pickups per order get no warm start.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from logistics.routing import _ortools as ort

if TYPE_CHECKING:
    from logistics.routing.model import Vehicle
    from logistics.routing.solve import Params

UINT32 = 2**32 - 1
MAX_FLEET_ATTEMPTS = 5
"""Most capped PyVRP runs (each one vehicle fewer) after the first."""


def _type_key(v: Vehicle) -> tuple[object, ...]:
    return (
        v.start_location,
        v.end_location,
        v.capacity,
        v.shift,
        v.max_duration_s,
        v.cost_per_km,
        v.cost_per_hour,
        v.fixed_cost,
        v.skills,
    )


@dataclass(frozen=True)
class WarmStart:
    """Routes (model node ids per vehicle) found by another engine."""

    engine: str
    routes: list[list[int]]


def choose(model: ort.Model, params: Params) -> str:
    """Return the engine to seed with: ``"pyvrp"``, ``"vroom"`` or ``"none"``."""
    problem = model.problem
    wanted = params.warm_start
    if wanted == "none" or problem.locks or not model.order_nodes:
        return "none"
    single_windows = all(len(n.windows) == 1 for n in model.nodes)
    if model.depot_orders:
        same_km = len({v.cost_per_km for v in problem.vehicles}) == 1
        no_skills = not any(problem.orders[i].skills for i in model.order_nodes)
        if wanted in ("pyvrp", "auto") and single_windows and same_km and no_skills:
            return "pyvrp"
        return "none"
    single_pickup = all(len(problem.orders[i].pickups) == 1 for i in model.order_nodes)
    if wanted in ("vroom", "auto") and single_pickup:
        return "vroom"
    return "none"


def warm_start(model: ort.Model, params: Params, deadline: float | None) -> WarmStart | None:
    """Run the warm-start engine for ``params.seed_share`` of the remaining time."""
    engine = choose(model, params)
    if engine == "none":
        return None
    budget = None
    if deadline is not None:
        budget = max(0.05, (deadline - time.perf_counter()) * params.seed_share)
    try:
        if engine == "pyvrp":
            return _pyvrp(model, params, budget)
        return _vroom(model, params, budget)
    except ImportError:
        return None


def _cost_matrix(model: ort.Model) -> np.ndarray:
    """Arc costs between model nodes: metres x the first cost per km (1/1000 currency unit).

    Smaller numbers than the OR-Tools costs: PyVRP's penalties on time warp and excess load are
    bounded, and must stay large against the arc and fixed costs.
    """
    problem = model.problem
    locs = [n.location for n in model.nodes]
    metres = np.where(np.isfinite(problem.metres), problem.metres, 0.0)[np.ix_(locs, locs)]
    per_metre = problem.vehicles[0].cost_per_km
    if per_metre == 0:
        # Without a cost per km the seed minimises travel time.
        return _time_matrix(model)
    return np.rint(metres * per_metre).astype(np.int64)


def _time_matrix(model: ort.Model) -> np.ndarray:
    locs = [n.location for n in model.nodes]
    return np.minimum(model.travel[np.ix_(locs, locs)], model.horizon + 1).astype(np.int64)


def _vehicle_cost(model: ort.Model, cost: np.ndarray) -> int:
    """Return the seed's cost of a vehicle: ten times the costliest out-and-back trip.

    High enough that the seed engines minimise vehicles first, low enough to keep their
    penalties meaningful.
    """
    depots = [model.depots[loc] for loc in sorted(model.depots)]
    trips = [int(cost[d, :].max() + cost[:, d].max()) for d in depots]
    return 10 * max(max(trips), 1)


def _pyvrp_data(model: ort.Model, fleet: int | None) -> tuple[Any, list[list[int]], list[int]]:
    """Return PyVRP data (at most ``fleet`` vehicles of each type), the types' vehicles, clients."""
    import pyvrp

    problem = model.problem
    nodes = model.nodes
    depot_ids = [i for i, n in enumerate(nodes) if n.order < 0]
    task_ids = [i for i, n in enumerate(nodes) if n.order >= 0]
    order = depot_ids + task_ids  # PyVRP wants the depots first
    where = {node: k for k, node in enumerate(order)}
    cost = _cost_matrix(model)
    fixed = _vehicle_cost(model, cost)
    cost = cost[np.ix_(order, order)]
    duration = _time_matrix(model)[np.ix_(order, order)]
    k = len(problem.dimensions)
    locations = [pyvrp.Location(0, 0) for _ in order]
    depots = [pyvrp.Depot(where[d]) for d in depot_ids]
    clients = [
        pyvrp.Client(
            where[t],
            delivery=list(nodes[t].demand),
            pickup=[0] * k,
            service_duration=nodes[t].service,
            tw_early=nodes[t].windows[0].start,
            tw_late=nodes[t].windows[0].end,
        )
        for t in task_ids
    ]
    groups: dict[tuple[object, ...], list[int]] = {}
    for vi, v in enumerate(problem.vehicles):
        key = (
            v.start_location,
            v.end_location,
            ort._qty(v.capacity, up=False),
            v.shift,
            v.max_duration_s,
            v.cost_per_hour,
            v.fixed_cost,
        )
        groups.setdefault(key, []).append(vi)
    types = []
    for members in groups.values():
        v = problem.vehicles[members[0]]
        span = v.max_duration_s if v.max_duration_s is not None else v.shift.end - v.shift.start
        types.append(
            pyvrp.VehicleType(
                num_available=len(members) if fleet is None else min(fleet, len(members)),
                capacity=list(ort._qty(v.capacity, up=False)),
                start_depot=depot_ids.index(ort.depot_of(model, v.start_location)),
                end_depot=depot_ids.index(ort.depot_of(model, v.end_location)),
                fixed_cost=fixed + round(v.fixed_cost * 1000),
                tw_early=v.shift.start,
                tw_late=v.shift.end,
                shift_duration=span,
                unit_distance_cost=1,
                unit_duration_cost=round(v.cost_per_hour * 1000 / 3600),
            )
        )
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        types,
        [cost],  # type: ignore[list-item]
        [duration],  # type: ignore[list-item]
    )
    return data, list(groups.values()), task_ids


def _pyvrp(model: ort.Model, params: Params, budget: float | None) -> WarmStart | None:
    """Run PyVRP, cap the fleet at one vehicle fewer while that stays feasible, then polish.

    PyVRP minimises cost; even with a high fixed cost it seldom finds the smallest fleet by
    itself, but it usually finds a feasible plan quickly when the fleet is capped.  So (with a
    single vehicle type): a first run with the whole fleet for 20 % of the budget gives ``m``
    routes; then runs capped at ``m - 1`` vehicles, each stopping at its first feasible plan or
    after half of what is left, while they succeed and ``m`` is above the capacity lower bound;
    the rest of the budget polishes the best plan (capped fleet, started from that plan).
    """
    import pyvrp
    from pyvrp.stop import (
        FirstFeasible,
        MaxIterations,
        MaxRuntime,
        MultipleCriteria,
        StoppingCriterion,
    )

    problem = model.problem
    began = time.perf_counter()

    def run(
        fleet: int | None,
        seconds: float | None,
        *,
        first: bool = False,
        initial: list[list[int]] | None = None,
    ) -> list[list[int]] | None:
        data, groups, task_ids = _pyvrp_data(model, fleet)
        criteria: list[StoppingCriterion] = [FirstFeasible()] if first else []
        if params.search_limit is not None:
            criteria.append(MaxIterations(max(1, params.search_limit // 100)))
        if seconds is not None:
            criteria.append(MaxRuntime(max(0.01, seconds)))
        stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
        start = None
        if initial is not None:
            where = {t: k for k, t in enumerate(task_ids)}
            kind = {vi: ti for ti, members in enumerate(groups) for vi in members}
            start = pyvrp.Solution(
                data,
                [
                    pyvrp.Route(data, [where[n] for n in r], kind[vi])
                    for vi, r in enumerate(initial)
                    if r
                ],
            )
        result = pyvrp.solve(
            data,
            stop=stop,
            seed=params.seed,
            display=False,
            collect_stats=False,
            initial_solution=start,
        )
        if not result.best.is_feasible():
            return None
        routes: list[list[int]] = [[] for _ in problem.vehicles]
        free = [list(members) for members in groups]
        for route in result.best.routes():
            vi = free[route.vehicle_type()].pop(0)
            routes[vi] = [task_ids[a.idx] for a in route if a.is_client()]
        return routes

    def left() -> float | None:
        return None if budget is None else budget - (time.perf_counter() - began)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyVRP warns when a capped fleet cannot be feasible
        best = run(None, None if budget is None else 0.1 * budget)
        if best is None:
            return None
        if len({_type_key(v) for v in problem.vehicles}) != 1:
            return WarmStart("pyvrp", best)
        demand = np.array([n.demand for n in model.nodes]).sum(axis=0)
        caps = np.array(ort._qty(problem.vehicles[0].capacity, up=False))
        bound = max(1, int(np.max(np.ceil(demand / np.maximum(caps, 1)))))
        reduced = False
        for _ in range(MAX_FLEET_ATTEMPTS):
            used = sum(1 for r in best if r)
            remaining = left()
            if used <= bound or (remaining is not None and remaining < 0.2):
                break
            fewer = run(used - 1, None if remaining is None else 0.5 * remaining, first=True)
            if fewer is None:
                break
            best, reduced = fewer, True
        remaining = left()
        if reduced and (remaining is None or remaining > 0.2):
            polished = run(sum(1 for r in best if r), remaining, initial=best)
            best = polished or best
    return WarmStart("pyvrp", best)


def _vroom_run(
    model: ort.Model, vehicles: Sequence[int], seconds: float | None, *, every: bool = True
) -> list[list[int]] | None:
    """Run VROOM with the given vehicles; return routes per vehicle.

    With ``every``, None when a shipment is left out (a capped fleet that does not do).
    """
    import vroom

    problem = model.problem
    nodes = model.nodes
    cost = _cost_matrix(model)
    duration = _time_matrix(model)
    if duration.max() > UINT32:
        return None
    scale = 1
    if cost.max() * len(nodes) > UINT32:
        scale = math.ceil(cost.max() * len(nodes) / UINT32)
        cost = cost // scale
    fixed = min(_vehicle_cost(model, cost), UINT32 // 2)
    vrp = vroom.Input()
    vrp.set_durations_matrix(profile="car", matrix_input=duration.astype(np.uint32))
    vrp.set_costs_matrix(profile="car", matrix_input=cost.astype(np.uint32))
    skills = sorted({s for v in problem.vehicles for s in v.skills})
    skill_id = {s: i + 1 for i, s in enumerate(skills)}
    for vi in vehicles:
        v = problem.vehicles[vi]
        vrp.add_vehicle(
            vroom.Vehicle(
                id=vi,
                start=ort.depot_of(model, v.start_location),
                end=ort.depot_of(model, v.end_location),
                capacity=list(ort._qty(v.capacity, up=False)),
                skills={skill_id[s] for s in v.skills},
                # VROOM's max_travel_time counts travel only: bound the span by the window.
                time_window=vroom.TimeWindow(
                    v.shift.start,
                    v.shift.end
                    if v.max_duration_s is None
                    else min(v.shift.end, v.shift.start + v.max_duration_s),
                ),
                costs=vroom.VehicleCosts(
                    fixed=min(UINT32 // 2, fixed + int(v.fixed_cost * 1000 / scale))
                ),
                max_travel_time=v.max_duration_s,
            )
        )

    def step(node: int) -> vroom.ShipmentStep:
        n = nodes[node]
        return vroom.ShipmentStep(
            id=node,
            location=node,
            default_service=n.service,
            time_windows=[vroom.TimeWindow(w.start, w.end) for w in n.windows],
        )

    for i, ids in model.order_nodes.items():
        pickup, drop = ids
        vrp.add_shipment(
            step(pickup),
            step(drop),
            amount=vroom.Amount(list(nodes[pickup].demand)),
            skills={skill_id[s] for s in problem.orders[i].skills},
        )
    timeout = None if seconds is None else timedelta(seconds=max(0.01, seconds))
    solution = vrp.solve(exploration_level=5, nb_threads=1, timeout=timeout)
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    for row in solution.routes.itertuples():
        if row.type in ("pickup", "delivery"):
            routes[int(row.vehicle_id)].append(int(row.id))
    if every and sum(len(r) for r in routes) < 2 * len(model.order_nodes):
        return None
    return routes


def _vroom(model: ort.Model, params: Params, budget: float | None) -> WarmStart | None:
    """Run VROOM, then with one vehicle fewer while it still serves every shipment.

    With identical vehicles only; the first run gets 70 % of the budget (VROOM stops earlier when
    it is done), each capped run half of
    what is left.  VROOM is deterministic (one thread), so the deterministic mode needs nothing
    more.  VROOM's ``max_travel_time`` counts travel only, looser than ``max_duration_s``: OR-Tools
    refuses seed routes that break it.
    """
    began = time.perf_counter()
    everyone = list(range(len(model.problem.vehicles)))
    best = _vroom_run(model, everyone, None if budget is None else 0.7 * budget, every=False)
    if best is None:
        return None
    if not any(best):
        return None  # nothing found in time: OR-Tools builds its own first solution
    if sum(len(r) for r in best) < 2 * len(model.order_nodes):
        return WarmStart("vroom", best)  # some shipments left out: no fleet to save
    if len({_type_key(v) for v in model.problem.vehicles}) == 1:
        for _ in range(MAX_FLEET_ATTEMPTS):
            used = sum(1 for r in best if r)
            remaining = None if budget is None else budget - (time.perf_counter() - began)
            if used <= 1 or (remaining is not None and remaining < 0.2):
                break
            fewer = _vroom_run(
                model, everyone[: used - 1], None if remaining is None else 0.5 * remaining
            )
            if fewer is None:
                break
            best = fewer
    return WarmStart("vroom", best)
