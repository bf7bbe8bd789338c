"""Plan the rounds of a :class:`~logistics.routing.model.Problem` with OR-Tools.

:func:`solve` checks every order on its own first (:mod:`logistics.routing.diagnose`): orders
that no vehicle could serve even alone are reported with their reason and kept out of the model.
The others go to the OR-Tools routing model (:mod:`logistics.routing._ortools`), optionally seeded
with the routes of another engine (:mod:`logistics.routing._seed`), and every order the search
leaves out is reported with the reason found by :func:`~logistics.routing.diagnose.diagnose`.
Every order of the problem is in a route or in ``unserved``.

Objective (hierarchical, see ``docs/routing.md``): ``unserved_penalty`` per order left out, plus
``vehicle_cost`` (and the vehicle's own ``fixed_cost``) per vehicle used, plus each route's cost
(``cost_per_km`` x km + ``cost_per_hour`` x hours).  With the default weights (``None``: derived
from the problem) a solution serving more orders is always better, then one with fewer vehicles,
then the cheaper one.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from logistics.errors import InfeasibleError, InputError
from logistics.routing import _ortools as ort
from logistics.routing.diagnose import alone, diagnose
from logistics.routing.model import (
    Problem,
    Route,
    Solution,
    StopRef,
    Totals,
    Unserved,
    Visit,
)

__all__ = ["WARM_STARTS", "Params", "Weights", "solve", "weights"]

WARM_STARTS = ("none", "vroom", "pyvrp", "auto")
REPAIR_SHARE = 0.3
"""With baskets, share of the OR-Tools time kept for the search after :func:`_ortools.repair`."""


@dataclass(frozen=True)
class Params:
    """Parameters of :func:`solve`.

    Parameters
    ----------
    time_limit_s
        Wall-clock budget of the whole solve (seconds), or ``None`` for no time limit (then
        ``search_limit`` must be set).
    search_limit
        Deterministic limit independent of wall time: the number of branches of the OR-Tools
        search (about one per neighbour that passes its filters; a 100-order instance runs
        roughly 10,000 to 50,000 a second), and for a PyVRP warm start ``search_limit // 100``
        iterations of its genetic search.  With
        ``time_limit_s=None`` the result depends only on the problem, the parameters and
        ``seed``.
    seed
        Seed of the randomised parts (PyVRP's search); OR-Tools and VROOM are deterministic.
    first_solution
        OR-Tools ``FirstSolutionStrategy`` name, e.g. ``"PARALLEL_CHEAPEST_INSERTION"``.
    metaheuristic
        OR-Tools ``LocalSearchMetaheuristic`` name, e.g. ``"GUIDED_LOCAL_SEARCH"``.
    warm_start
        ``"none"``, ``"vroom"`` (pickup-and-delivery shipments), ``"pyvrp"`` (only when every
        order is a depot order: VRPTW) or ``"auto"`` (PyVRP for VRPTW-like problems, VROOM
        otherwise, none when the problem has locks or something the engine cannot express).
    seed_share
        Share of ``time_limit_s`` given to the warm-start engine.
    unserved_penalty
        Cost of leaving one order out (currency units), or ``None`` for the derived value that
        makes serving one more order always worth it.
    vehicle_cost
        Cost of using a vehicle, added to its own ``fixed_cost`` (currency units), or ``None`` for
        the derived value that makes one vehicle fewer always worth it.

    Raises
    ------
    InputError
        If a value is outside what is accepted (the message names the field).
    """

    time_limit_s: float | None = 10.0
    search_limit: int | None = None
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    warm_start: str = "auto"
    seed_share: float = 0.6
    unserved_penalty: float | None = None
    vehicle_cost: float | None = None

    def __post_init__(self) -> None:
        def bad(name: str, accepted: str) -> InputError:
            value = getattr(self, name)
            return InputError(
                f"{name}={value!r} is not accepted: {accepted}",
                {"field": name, "value": value, "accepted": accepted},
            )

        if self.time_limit_s is not None and not (
            math.isfinite(self.time_limit_s) and self.time_limit_s > 0
        ):
            raise bad("time_limit_s", "a number of seconds > 0, or None with a search_limit")
        if self.search_limit is not None and self.search_limit < 1:
            raise bad("search_limit", "an integer >= 1, or None")
        if self.time_limit_s is None and self.search_limit is None:
            raise bad("time_limit_s", "a number of seconds > 0 (None needs a search_limit)")
        if self.seed < 0:
            raise bad("seed", "an integer >= 0")
        if self.first_solution not in ort.FIRST_SOLUTIONS:
            raise bad("first_solution", ", ".join(ort.FIRST_SOLUTIONS))
        if self.metaheuristic not in ort.METAHEURISTICS:
            raise bad("metaheuristic", ", ".join(ort.METAHEURISTICS))
        if self.warm_start not in WARM_STARTS:
            raise bad("warm_start", ", ".join(WARM_STARTS))
        if not 0 <= self.seed_share < 1:
            raise bad("seed_share", "a share in [0, 1)")
        for name in ("unserved_penalty", "vehicle_cost"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise bad(name, "a finite cost >= 0, or None for the derived value")


@dataclass(frozen=True)
class Weights:
    """The objective weights used (currency units)."""

    unserved_penalty: float
    vehicle_cost: float
    route_cost_bound: float
    """Upper bound of the summed route costs of any solution (see :func:`weights`)."""


def weights(problem: Problem, params: Params, orders: Sequence[int] | None = None) -> Weights:
    """Return the objective weights: the explicit ones of ``params`` or the derived ones.

    Derived values.  ``R`` bounds the summed route costs of any solution: every order node is
    left once and every used vehicle leaves its depot once, so ``R`` = the largest cost per km
    times the sum, over those nodes, of their longest finite outgoing arc, plus every vehicle's
    cost per hour over its whole shift.  ``vehicle_cost = R + 1``: saving one vehicle beats any
    change of route costs.  ``unserved_penalty = V x (vehicle_cost + largest fixed_cost) + R + 1``
    for ``V`` vehicles: serving one more order beats any change of vehicles and route costs.
    """
    chosen = range(len(problem.orders)) if orders is None else orders
    metres = np.where(np.isfinite(problem.metres), problem.metres, 0.0)
    row_max = metres.max(axis=1) if metres.size else np.zeros(0)
    places = [
        loc
        for i in chosen
        for loc in (
            problem.orders[i].drop_location,
            *(p.location for p in problem.orders[i].pickups),
        )
    ]
    starts = [v.start_location for v in problem.vehicles]
    per_km = max((v.cost_per_km for v in problem.vehicles), default=0.0)
    bound = per_km * float(row_max[places].sum() + row_max[starts].sum()) / 1000.0
    bound += sum(v.cost_per_hour * (v.shift.end - v.shift.start) / 3600 for v in problem.vehicles)
    bound = math.ceil(bound)
    vehicle_cost = float(bound + 1) if params.vehicle_cost is None else params.vehicle_cost
    fixed = max((v.fixed_cost for v in problem.vehicles), default=0.0)
    penalty = (
        float(len(problem.vehicles) * (vehicle_cost + fixed) + bound + 1)
        if params.unserved_penalty is None
        else params.unserved_penalty
    )
    return Weights(penalty, vehicle_cost, float(bound))


def _schedule(model: ort.Model, vi: int, route: list[int], depart: int) -> list[Visit]:
    """Return the visits of one route: earliest service starts after departing at ``depart``."""
    problem = model.problem
    vehicle = problem.vehicles[vi]
    k = len(problem.dimensions)
    load = [0.0] * k
    visits: list[Visit] = [
        Visit("start", vehicle.start_location, (), None, depart, 0, depart, depart, tuple(load))
    ]
    if model.depot_orders and route:
        ids, refs = [], []
        for n in route:
            order = ort.order_of(model, n)
            ids.append(order.id)
            refs.append(StopRef(order.id, 0))
            load = [a + b for a, b in zip(load, order.amount, strict=True)]
        visits.append(
            Visit(
                "pickup",
                vehicle.start_location,
                tuple(ids),
                order.pickups[0].site,
                depart,
                0,
                depart,
                depart,
                tuple(load),
                tuple(refs),
            )
        )
    locked_refs = {(lock.vehicle_id, r) for lock in problem.locks for r in lock.stops}
    t, loc = depart, vehicle.start_location
    for n in route:
        node = model.nodes[n]
        if node.copy:
            continue  # merged into the order's last drop copy, visited at the same time
        order = ort.order_of(model, n)
        arrival = t + int(model.travel[loc, node.location])
        start = next(
            (max(arrival, w.start) for w in node.windows if arrival <= w.end),
            arrival,
        )
        if node.pickup is None:
            load = [a - b for a, b in zip(load, order.amount, strict=True)]
            kind, site = "drop", order.drop_site
        else:
            pickup = order.pickups[node.pickup]
            load = [a + b for a, b in zip(load, pickup.amount, strict=True)]
            kind, site = "pickup", pickup.site
        ref = StopRef(order.id, node.pickup)
        visits.append(
            Visit(
                kind,  # type: ignore[arg-type]
                node.location,
                (order.id,),
                site,
                arrival,
                start - arrival,
                start,
                start + node.service,
                tuple(max(0.0, q) if abs(q) < 1e-9 else q for q in load),
                (ref,),
                (vehicle.id, ref) in locked_refs,
            )
        )
        t, loc = start + node.service, node.location
    arrival = t + int(model.travel[loc, vehicle.end_location])
    visits.append(
        Visit("end", vehicle.end_location, (), None, arrival, 0, arrival, arrival, tuple(load))
    )
    return visits


def _route(model: ort.Model, vi: int, route: list[int], depart: int) -> Route:
    problem = model.problem
    vehicle = problem.vehicles[vi]
    visits = _schedule(model, vi, route, depart)
    metres = sum(
        float(problem.metres[a.location, b.location]) for a, b in itertools.pairwise(visits)
    )
    duration = visits[-1].arrival_s - visits[0].departure_s
    cost = (
        vehicle.fixed_cost
        + vehicle.cost_per_km * metres / 1000.0
        + vehicle.cost_per_hour * duration / 3600.0
    )
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        distance_m=metres,
        duration_s=duration,
        cost=cost,
        co2_kg=vehicle.co2_g_per_km * metres / 1000.0 / 1000.0,
    )


def merchant_shares(routes: Sequence[Route]) -> dict[str, float]:
    """Split each route's cost equally among its pickups; sum the parts per merchant site.

    A merchant with three pickups on a round pays three parts of that round; a round with no
    pickup (only depot orders) is charged to its pickups at the depot in the same way.
    """
    shares: dict[str, float] = defaultdict(float)
    for route in routes:
        sites = [
            visit.site or "?"
            for visit in route.visits
            if visit.kind == "pickup"
            for _ in visit.refs
        ]
        for site in sites:
            shares[site] += route.cost / len(sites)
    return dict(shares)


def solve(problem: Problem, params: Params | None = None) -> Solution:
    """Plan the rounds of ``problem``.

    Parameters
    ----------
    problem
        Orders, vehicles, matrices and locks.
    params
        Search parameters and objective weights (defaults: :class:`Params`).

    Returns
    -------
    Solution
        The used vehicles' rounds, every order left out with its reason, totals, each
        merchant's share of the cost, the wall time and a status
        (``"solved"``: every order served, ``"partial"``: some left out).

    Raises
    ------
    InfeasibleError
        If the locked stops cannot all be kept (no solution honours the locks).
    """
    from logistics.routing import _seed

    params = params or Params()
    began = time.perf_counter()
    deadline = None if params.time_limit_s is None else began + params.time_limit_s
    locked_ids = {r.order_id for lock in problem.locks for r in lock.stops}
    reasons: dict[str, Unserved] = {}
    chosen: list[int] = []
    for i, order in enumerate(problem.orders):
        reason = None if order.id in locked_ids else alone(problem, order.id)
        if reason is None:
            chosen.append(i)
        else:
            reasons[order.id] = reason

    routes: list[Route] = []
    engine = "none"
    model: ort.Model | None = None
    assignment = None
    if chosen or problem.locks:
        w = weights(problem, params, chosen)
        model = ort.build(
            problem, chosen, vehicle_cost=w.vehicle_cost, unserved_penalty=w.unserved_penalty
        )
        seeded = _seed.warm_start(model, params, deadline)
        remaining = None if deadline is None else max(0.05, deadline - time.perf_counter())
        baskets = any(len(problem.orders[i].pickups) > 1 for i in model.order_nodes)
        if baskets and remaining is not None:
            remaining *= 1 - REPAIR_SHARE  # keep time for the search after a repair
        search = ort.search_parameters(
            first_solution=params.first_solution,
            metaheuristic=params.metaheuristic,
            time_limit_s=remaining,
        )
        if params.search_limit is not None:
            ort.limit_branches(model, params.search_limit)
        routing = model.routing
        routing.CloseModelWithParameters(search)
        assignment = None
        if seeded is not None:
            initial = routing.ReadAssignmentFromRoutes(seeded.routes, True)
            if initial is not None:
                engine = f"{seeded.engine}+ortools"
                assignment = routing.SolveFromAssignmentWithParameters(initial, search)
                if assignment is None:
                    assignment = initial
        if assignment is None:
            engine = "ortools"
            assignment = routing.SolveWithParameters(search)
        if assignment is None and problem.locks:
            initial = routing.ReadAssignmentFromRoutes(ort.locked_routes(model), True)
            if initial is not None:
                assignment = routing.SolveFromAssignmentWithParameters(initial, search) or initial
        if assignment is None and problem.locks:
            raise InfeasibleError(
                "no plan keeps every locked stop where it is (check the locks against "
                "windows, capacities and shifts)",
                {"locks": len(problem.locks)},
            )
    if model is not None and assignment is not None:
        found = ort.complete_orders(model, ort.routes_of(model, assignment))
        missing = [
            i for i in model.order_nodes if not any(model.order_nodes[i][0] in r for r in found)
        ]
        # The repair may use half of the time kept for it; the search gets the rest.
        until = None
        if deadline is not None:
            until = time.perf_counter() + 0.5 * max(0.0, deadline - time.perf_counter())
        repaired = ort.repair(model, found, missing, until) if missing else found
        if repaired != found:
            initial = model.routing.ReadAssignmentFromRoutes(repaired, True)
            if initial is not None:
                left = None if deadline is None else max(0.05, deadline - time.perf_counter())
                again = ort.search_parameters(
                    first_solution=params.first_solution,
                    metaheuristic=params.metaheuristic,
                    time_limit_s=left,
                )
                assignment = (
                    model.routing.SolveFromAssignmentWithParameters(initial, again) or initial
                )
                found = ort.complete_orders(model, ort.routes_of(model, assignment))
        departs = ort.start_times(model, assignment)
        for vi, route in enumerate(found):
            if route:
                routes.append(_route(model, vi, route, departs[vi]))

    served = {oid for r in routes for v in r.visits for oid in v.order_ids}
    unserved = []
    for order in problem.orders:
        if order.id in served:
            continue
        unserved.append(reasons.get(order.id) or diagnose(problem, order.id, routes))
    km = sum(r.distance_m for r in routes) / 1000.0
    totals = Totals(
        vehicles=len(routes),
        km=km,
        hours=sum(r.duration_s for r in routes) / 3600.0,
        cost=sum(r.cost for r in routes),
        co2_kg=sum(r.co2_kg for r in routes),
        served=len(served),
        unserved=len(unserved),
    )
    return Solution(
        routes=tuple(routes),
        unserved=tuple(unserved),
        totals=totals,
        merchant_shares=merchant_shares(routes),
        seconds=time.perf_counter() - began,
        status="partial" if unserved else "solved",
        engine=engine,
    )
