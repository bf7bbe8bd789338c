"""Glue to the OR-Tools routing library: build the model of a :class:`Problem`, run it, read it.

Nodes of the model: one node per depot location used by a vehicle, then one node per pickup and
one per drop of every order given to the model.  When *every* order is a single pickup at the
common start depot with a window covering all shifts and no service (plain VRPTW, e.g. Solomon),
the pickups are not modelled as nodes ("depot orders"): their load is put on the vehicle at the
start and the capacity dimension counts the drops instead.  That halves the model without
changing its meaning.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from logistics.routing.model import Order, Problem, StopRef, Window

COST_SCALE = 36_000
"""Integer cost units per currency unit: a cost per hour that is a multiple of 0.1 becomes an
exact integer cost per second, and a cost per km of 1 is 36 units per metre."""

QTY_SCALE = 1000
"""Quantities are multiplied by this and rounded (demands up, capacities down)."""

MAX_ARC = 10**12
"""Cost and time given to arcs with no route (``inf`` in the matrix)."""


@dataclass
class Node:
    """One node of the model."""

    location: int
    service: int
    windows: tuple[Window, ...]
    demand: tuple[int, ...]
    order: int = -1
    """Index in ``problem.orders``; ``-1`` for a depot."""
    pickup: int | None = None
    """Pickup number within the order, ``None`` for a drop (or a depot)."""
    copy: bool = False
    """A drop copy that is not the order's last (it merges into the last one)."""


@dataclass
class Model:
    """A built OR-Tools model and how its nodes map to the problem."""

    problem: Problem
    nodes: list[Node]
    depot_orders: bool
    orders: list[int]
    """Indices (in ``problem.orders``) of the orders in the model."""
    order_nodes: dict[int, list[int]]
    """Model nodes of each order: its pickups in order, then its drop."""
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    travel: np.ndarray
    """Integer travel seconds between locations (``MAX_ARC`` where no route)."""
    horizon: int
    cost_scale: int = COST_SCALE
    locked: set[int] = field(default_factory=set)
    """Orders with a locked stop (never dropped)."""
    depots: dict[int, int] = field(default_factory=dict)
    """Model node of each depot location."""


def int_matrix(values: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """Return ``values * factor`` rounded to int64, ``MAX_ARC`` where not finite."""
    out = np.where(np.isfinite(values), values * factor, MAX_ARC)
    return np.minimum(np.rint(out), MAX_ARC).astype(np.int64)


def _depot_orders(problem: Problem, orders: Sequence[int]) -> bool:
    starts = {v.start_location for v in problem.vehicles}
    if len(starts) != 1 or not orders:
        return False
    (depot,) = starts
    first = min(v.shift.start for v in problem.vehicles)
    last = max(v.shift.end for v in problem.vehicles)
    for i in orders:
        order = problem.orders[i]
        if len(order.pickups) != 1:
            return False
        p = order.pickups[0]
        if p.location != depot or p.service_s != 0:
            return False
        if len(p.windows) != 1 or p.windows[0].start > first or p.windows[0].end < last:
            return False
    return True


def _qty(values: Sequence[float], up: bool) -> tuple[int, ...]:
    f = math.ceil if up else math.floor
    return tuple(int(f(q * QTY_SCALE - 1e-6 if up else q * QTY_SCALE + 1e-6)) for q in values)


def build(
    problem: Problem,
    orders: Sequence[int],
    *,
    vehicle_cost: float,
    unserved_penalty: float,
) -> Model:
    """Build the OR-Tools model of ``problem`` restricted to the orders ``orders``.

    Parameters
    ----------
    problem
        The planning problem.
    orders
        Indices of the orders to put in the model (the others were found unservable).
    vehicle_cost
        Added to each vehicle's fixed cost in the objective (currency units).
    unserved_penalty
        Objective cost of leaving one order out (currency units), split over its nodes.
    """
    vehicles = problem.vehicles
    k = len(problem.dimensions)
    depot_orders = _depot_orders(problem, orders)

    nodes: list[Node] = []
    depot_node: dict[int, int] = {}
    for v in vehicles:
        for loc in (v.start_location, v.end_location):
            if loc not in depot_node:
                depot_node[loc] = len(nodes)
                nodes.append(Node(loc, 0, (v.shift,), (0,) * k))
    order_nodes: dict[int, list[int]] = {}
    for i in orders:
        order = problem.orders[i]
        ids = []
        if depot_orders:
            total = _qty(order.amount, up=True)
            ids.append(len(nodes))
            nodes.append(
                Node(order.drop_location, order.drop_service_s, order.drop_windows, total, i)
            )
            order_nodes[i] = ids
            continue
        k_p = len(order.pickups)
        for j, p in enumerate(order.pickups):
            ids.append(len(nodes))
            nodes.append(Node(p.location, p.service_s, p.windows, _qty(p.amount, up=True), i, j))
        # One drop copy per pickup, unloading what that pickup loaded; only the last copy has
        # the service time and all copies start at the same time (see the module doc).
        for j in range(k_p):
            unload = tuple(-q for q in nodes[ids[j]].demand)
            service_s = order.drop_service_s if j == k_p - 1 else 0
            ids.append(len(nodes))
            nodes.append(Node(order.drop_location, service_s, order.drop_windows, unload, i))
            nodes[-1].copy = j < k_p - 1
        order_nodes[i] = ids

    starts = [depot_node[v.start_location] for v in vehicles]
    ends = [depot_node[v.end_location] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    locs = np.array([n.location for n in nodes])
    travel = int_matrix(np.ceil(problem.seconds - 1e-9))  # whole seconds, rounded up
    service = np.array([n.service for n in nodes], dtype=np.int64)
    horizon = max([v.shift.end for v in vehicles] + [n.windows[-1].end for n in nodes if n.windows])
    node_time = np.minimum(travel[np.ix_(locs, locs)] + service[:, None], horizon + 1)
    time_cb = routing.RegisterTransitMatrix(node_time.tolist())
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")

    # Arc costs: one registered matrix per distinct cost per km.
    metres = np.where(np.isfinite(problem.metres), problem.metres, 0.0)[np.ix_(locs, locs)]
    arc_cbs: dict[float, int] = {}
    for vi, v in enumerate(vehicles):
        if v.cost_per_km not in arc_cbs:
            per_metre = v.cost_per_km * COST_SCALE / 1000.0
            cost = np.minimum(np.rint(metres * per_metre), MAX_ARC).astype(np.int64)
            arc_cbs[v.cost_per_km] = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfVehicle(arc_cbs[v.cost_per_km], vi)
        routing.SetFixedCostOfVehicle(round((v.fixed_cost + vehicle_cost) * COST_SCALE), vi)
        per_second = v.cost_per_hour * COST_SCALE / 3600.0
        if per_second:
            time_dim.SetSpanCostCoefficientForVehicle(round(per_second), vi)
        start, end = routing.Start(vi), routing.End(vi)
        time_dim.CumulVar(start).SetRange(v.shift.start, v.shift.end)
        time_dim.CumulVar(end).SetRange(v.shift.start, v.shift.end)
        if v.max_duration_s is not None:
            time_dim.SetSpanUpperBoundForVehicle(v.max_duration_s, vi)
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(start))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(end))

    # Capacities, one dimension each (skipped when no order uses it).
    for d in range(k):
        demand = [n.demand[d] for n in nodes]
        if not any(demand):
            continue
        cb = routing.RegisterUnaryTransitVector(demand)
        caps = [_qty(v.capacity, up=False)[d] for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load{d}")

    # Time windows of the task nodes (several windows: the gaps are removed).
    for n_id in range(len(depot_node), len(nodes)):
        node = nodes[n_id]
        var = time_dim.CumulVar(manager.NodeToIndex(n_id))
        var.SetRange(node.windows[0].start, node.windows[-1].end)
        for a, b in zip(node.windows, node.windows[1:], strict=False):
            if b.start - a.end > 1:
                var.RemoveInterval(a.end + 1, b.start - 1)

    locked = {
        i
        for i, o in enumerate(problem.orders)
        for lock in problem.locks
        for ref in lock.stops
        if ref.order_id == o.id
    }

    # Orders: pickup-and-delivery pairs, same vehicle, one drop time, skills.  All-or-none is
    # not a hard constraint (the insertion heuristics add one pair at a time): the penalty asks
    # for it and :func:`complete_orders` removes any order the search left half served.
    for i, ids in order_nodes.items():
        order = problem.orders[i]
        idx = [manager.NodeToIndex(n) for n in ids]
        k_p = 0 if depot_orders else len(order.pickups)
        pickups, drops = idx[:k_p], idx[k_p:]
        last = drops[-1]
        for p, d in zip(pickups, drops if pickups else [], strict=True):
            routing.AddPickupAndDelivery(p, d)
        if k_p <= 1:
            for x in idx[:-1]:
                solver.Add(routing.VehicleVar(x) == routing.VehicleVar(last))
        else:
            # Same vehicle for every node of the order that is active (-1: inactive).
            for x in idx[:-1]:
                a, b = routing.VehicleVar(x), routing.VehicleVar(last)
                solver.Add((a == b) + (a == -1) + (b == -1) >= 1)
        for d in drops[:-1]:
            solver.Add(time_dim.CumulVar(d) == time_dim.CumulVar(last))
        if i not in locked:
            penalty = math.ceil(unserved_penalty * COST_SCALE / len(idx))
            for x in idx:
                routing.AddDisjunction([x], penalty)
        if order.skills:
            allowed = [vi for vi, v in enumerate(vehicles) if order.skills <= v.skills]
            for x in idx:
                routing.SetAllowedVehiclesForIndex(allowed, x)

    model = Model(
        problem=problem,
        nodes=nodes,
        depot_orders=depot_orders,
        orders=list(orders),
        order_nodes=order_nodes,
        manager=manager,
        routing=routing,
        time=time_dim,
        travel=travel,
        horizon=horizon,
        locked=locked,
        depots=depot_node,
    )
    if problem.locks:
        _add_locks(model)
    return model


def depot_of(model: Model, location: int) -> int:
    """Return the model node of a depot location."""
    return model.depots[location]


def stop_node(model: Model, ref: StopRef) -> int | None:
    """Return the model node of a stop (``None`` for a depot order's pickup)."""
    i = next(j for j, o in enumerate(model.problem.orders) if o.id == ref.order_id)
    ids = model.order_nodes[i]
    if ref.pickup is None:
        return ids[-1]
    return None if model.depot_orders else ids[ref.pickup]


def drop_copies(model: Model, i: int) -> list[int]:
    """Return the drop nodes of order ``i`` (copies first, the last one with the service)."""
    ids = model.order_nodes[i]
    return ids if model.depot_orders else ids[len(model.problem.orders[i].pickups) :]


def complete_orders(model: Model, routes: list[list[int]]) -> list[list[int]]:
    """Remove the nodes of orders not wholly served on one route (all-or-none).

    Removing stops never breaks a round when travel times obey the triangle inequality:
    later stops are reached no later, loads only fall.
    """
    where: dict[int, set[int]] = {}
    for vi, route in enumerate(routes):
        for n in route:
            where.setdefault(model.nodes[n].order, set()).add(vi)
    partial = {
        i
        for i, ids in model.order_nodes.items()
        if i in where
        and (len(where[i]) > 1 or sum(n in routes[min(where[i])] for n in ids) < len(ids))
    }
    return [[n for n in route if model.nodes[n].order not in partial] for route in routes]


def _add_locks(model: Model) -> None:
    """Keep locked stops on their vehicle in their relative order (prefix: first, consecutive).

    A rank dimension counts the stops along each route; locks become constraints on ranks.
    """
    routing, manager = model.routing, model.manager
    solver = routing.solver()
    ones = routing.RegisterUnaryTransitVector([1] * len(model.nodes))
    routing.AddDimension(ones, 0, len(model.nodes) + 1, True, "rank")
    rank = routing.GetDimensionOrDie("rank")
    vids = [v.id for v in model.problem.vehicles]
    for lock in model.problem.locks:
        vi = vids.index(lock.vehicle_id)
        idx, positions, position = [], [], 0
        for r in lock.stops:
            n = stop_node(model, r)
            if n is None:
                continue
            # A drop takes as many ranks as the order has drop copies (they come together).
            position += len(drop_copies(model, model.nodes[n].order)) if r.pickup is None else 1
            idx.append(manager.NodeToIndex(n))
            positions.append(position)
        for i in {model.nodes[manager.IndexToNode(x)].order for x in idx}:
            for n in model.order_nodes[i]:
                routing.VehicleVar(manager.NodeToIndex(n)).SetValue(vi)
        for a, b in itertools.pairwise(idx):
            solver.Add(rank.CumulVar(a) + 1 <= rank.CumulVar(b))
        if lock.prefix:
            for position, x in zip(positions, idx, strict=True):
                rank.CumulVar(x).SetValue(position)


def locked_routes(model: Model) -> list[list[int]]:
    """Return the routes made of the locked stops only (model node ids, per vehicle)."""
    vids = [v.id for v in model.problem.vehicles]
    routes: list[list[int]] = [[] for _ in vids]
    for lock in model.problem.locks:
        route = routes[vids.index(lock.vehicle_id)]
        for r in lock.stops:
            n = stop_node(model, r)
            if n is not None:
                route.append(n)
    # Unlocked nodes of a partly locked order ride along right after/before its locked ones.
    for i in model.locked:
        if i not in model.order_nodes:
            continue
        ids = model.order_nodes[i]
        placed = [r for r in routes if any(n in r for n in ids)]
        if not placed:
            continue
        route = placed[0]
        copies = drop_copies(model, i)
        for n in ids:
            if n not in route and n not in copies:
                route.insert(0, n)
        at = route.index(copies[-1]) if copies[-1] in route else len(route)
        for n in copies:
            if n not in route:
                route.insert(at, n)
                at += 1
        if copies[-1] not in route:
            route.append(copies[-1])
    return routes


FIRST_SOLUTIONS = tuple(
    name
    for name in routing_enums_pb2.FirstSolutionStrategy.Value.keys()  # noqa: SIM118
    if name != "UNSET"
)
METAHEURISTICS = tuple(
    name
    for name in routing_enums_pb2.LocalSearchMetaheuristic.Value.keys()  # noqa: SIM118
    if name != "UNSET"
)


def search_parameters(
    *,
    first_solution: str,
    metaheuristic: str,
    time_limit_s: float | None,
) -> pywrapcp.DefaultRoutingSearchParameters:
    """Return OR-Tools search parameters."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(
        first_solution
    )
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        metaheuristic
    )
    if time_limit_s is not None:
        params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    return params


def limit_branches(model: Model, branches: int) -> None:
    """Stop the search after ``branches`` branches (deterministic, unlike wall time)."""
    solver = model.routing.solver()
    big = 2**62
    model.routing.AddSearchMonitor(solver.Limit(big, branches, big, big))


def routes_of(model: Model, assignment: pywrapcp.Assignment) -> list[list[int]]:
    """Return each vehicle's visited model nodes (depots excluded)."""
    routing, manager = model.routing, model.manager
    out = []
    for vi in range(len(model.problem.vehicles)):
        index = assignment.Value(routing.NextVar(routing.Start(vi)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = assignment.Value(routing.NextVar(index))
        out.append(route)
    return out


def start_times(model: Model, assignment: pywrapcp.Assignment) -> list[int]:
    """Return each vehicle's departure time in ``assignment``."""
    return [
        assignment.Value(model.time.CumulVar(model.routing.Start(vi)))
        for vi in range(len(model.problem.vehicles))
    ]


def order_of(model: Model, node: int) -> Order:
    """Return the order of a task node."""
    return model.problem.orders[model.nodes[node].order]


def feasible(model: Model, vi: int, route: Sequence[int]) -> bool:
    """Check one vehicle's route of model nodes: windows, shift, duration and capacities."""
    vehicle = model.problem.vehicles[vi]
    caps = _qty(vehicle.capacity, up=False)
    load = [0] * len(caps)
    loc = vehicle.start_location
    t = vehicle.shift.start
    depart: int | None = None
    for n in route:
        node = model.nodes[n]
        arrival = t + int(model.travel[loc, node.location])
        start = next((max(arrival, w.start) for w in node.windows if arrival <= w.end), None)
        if start is None:
            return False
        if depart is None:
            # Leave as late as the first stop allows (no waiting there).
            depart = max(vehicle.shift.start, start - int(model.travel[loc, node.location]))
        load = [a + b for a, b in zip(load, node.demand, strict=True)]
        if any(a > c for a, c in zip(load, caps, strict=True)):
            return False
        t, loc = start + node.service, node.location
    back = t + int(model.travel[loc, vehicle.end_location])
    if back > vehicle.shift.end:
        return False
    span = back - (depart if depart is not None else vehicle.shift.start)
    return vehicle.max_duration_s is None or span <= vehicle.max_duration_s


def repair(
    model: Model,
    routes: list[list[int]],
    orders: Sequence[int],
    deadline: float | None = None,
) -> list[list[int]]:
    """Insert whole orders left out into a route (used ones first, then empty ones).

    The local search moves one pickup-and-delivery pair at a time, so a basket (several pairs)
    that fits nowhere else can stay half inserted, then out, even with a vehicle free.  This
    puts each such order as one block (pickups in their given order, then its drop) where it
    adds the least travel time, in a used route if it fits in one; the search then goes on.
    Stops at ``deadline`` (``time.perf_counter()`` value).
    """
    routes = [list(r) for r in routes]
    problem = model.problem
    for i in orders:
        if deadline is not None and time.perf_counter() > deadline:
            break
        order = problem.orders[i]
        block = model.order_nodes[i]
        best: tuple[tuple[int, int], int, int] | None = None
        for vi, route in enumerate(routes):
            vehicle = problem.vehicles[vi]
            if not order.skills <= vehicle.skills:
                continue
            locs = [vehicle.start_location, *(model.nodes[n].location for n in route)]
            ends = [*(model.nodes[n].location for n in route), vehicle.end_location]
            for at in range(len(route) + 1):
                # Extra travel of putting the block between stops at-1 and at.
                first = model.nodes[block[0]].location
                last_loc = model.nodes[block[-1]].location
                extra = int(
                    model.travel[locs[at], first]
                    + model.travel[last_loc, ends[at]]
                    - model.travel[locs[at], ends[at]]
                )
                key = (0 if route else 1, extra)
                if best is not None and key >= best[0]:
                    continue
                if feasible(model, vi, route[:at] + block + route[at:]):
                    best = (key, vi, at)
        if best is not None:
            _, vi, at = best
            routes[vi][at:at] = block
    return routes
