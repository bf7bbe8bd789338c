"""Why an order is left out: checks of one order against the vehicles, roads, windows and shifts.

:func:`alone` asks whether an order could be served by some vehicle *on its own* (empty vehicle,
from its depot at the start of its shift, through the order's pickups in the best order, to the
drop and back).  When it cannot, the first failing check gives the reason, in this order:

==========================  ============================================================
code                        meaning
==========================  ============================================================
``no_skill``                no vehicle has all the skills the order needs
``too_heavy``               heavier (or bulkier...) than any vehicle with those skills,
                            in the named dimension
``unreachable``             no road between the vehicles' depots, the merchants and the
                            drop (``inf`` in the matrix)
``window_too_early``        a window (of the drop, or of a pickup) closes before the
                            earliest possible arrival there
``shift_too_short``         the vehicle cannot be back at its depot before the end of its
                            shift, or within its maximum duration
==========================  ============================================================

An order that is servable alone but was not served gets, from :func:`diagnose` with the
solution's routes, ``capacity_used`` (every vehicle that could take it is used and full at some
point of its round for the order's largest dimension) or ``no_vehicle_time_left`` otherwise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from logistics.errors import InputError
from logistics.routing.model import Order, Problem, Route, Unserved, Vehicle, Window

__all__ = ["alone", "diagnose", "hhmm"]

MAX_PERMUTED = 6
"""Orders with more pickups than this are checked in their given pickup order only."""


def hhmm(seconds: float) -> str:
    """Format seconds from the start of the day as ``HH:MM`` (``d+N HH:MM`` past one day)."""
    s = int(seconds)
    days, rest = divmod(s, 86_400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
    return f"d+{days} {text}" if days else text


def amount_text(problem: Problem, amount: Sequence[float]) -> str:
    """Format quantities with their dimension names, e.g. ``12 kg, 3 parcels``."""
    return ", ".join(f"{q:g} {name}" for q, name in zip(amount, problem.dimensions, strict=True))


def _earliest(windows: Sequence[Window], t: float) -> float | None:
    for w in windows:
        if t <= w.end:
            return max(t, w.start)
    return None


def _try(
    problem: Problem, v: Vehicle, order: Order, perm: Sequence[int], depart: float
) -> tuple[int, str, float]:
    """Simulate one route; return (stage reached, message, duration) — stage 4 is success."""
    sec = problem.seconds
    t, loc = depart, v.start_location
    for j in perm:
        p = order.pickups[j]
        arrival = t + sec[loc, p.location]
        start = _earliest(p.windows, arrival)
        if start is None:
            return (
                1,
                f"the pickup window at {p.site} closes at {hhmm(p.windows[-1].end)}, before "
                f"the earliest possible arrival {hhmm(arrival)}",
                0.0,
            )
        t, loc = start + p.service_s, p.location
    arrival = t + sec[loc, order.drop_location]
    start = _earliest(order.drop_windows, arrival)
    if start is None:
        return (
            2,
            f"the drop window closes at {hhmm(order.drop_windows[-1].end)}, before the earliest "
            f"possible arrival {hhmm(arrival)}",
            0.0,
        )
    back = start + order.drop_service_s + sec[order.drop_location, v.end_location]
    duration = back - depart
    if back > v.shift.end:
        return (
            3,
            f"vehicle {v.id} would be back at {hhmm(back)}, after the end of its shift "
            f"{hhmm(v.shift.end)}",
            duration,
        )
    if v.max_duration_s is not None and duration > v.max_duration_s:
        return (
            3,
            f"vehicle {v.id} would need {duration / 3600:.2f} h, more than its maximum "
            f"{v.max_duration_s / 3600:.2f} h",
            duration,
        )
    return 4, "", duration


def _perms(order: Order) -> list[tuple[int, ...]]:
    n = len(order.pickups)
    if n <= MAX_PERMUTED:
        return list(itertools.permutations(range(n)))
    return [tuple(range(n))]


def _departures(problem: Problem, v: Vehicle, order: Order, perm: Sequence[int]) -> list[float]:
    """Departure times worth trying: shift start, and just in time for the first pickup."""
    first = order.pickups[perm[0]]
    late = first.windows[0].start - problem.seconds[v.start_location, first.location]
    out = [float(v.shift.start)]
    if math.isfinite(late) and v.shift.start < late <= v.shift.end:
        out.append(float(late))
    return out


def _find(problem: Problem, order_id: str) -> Order:
    for o in problem.orders:
        if o.id == order_id:
            return o
    raise InputError(f"order_id {order_id!r} is not an order of the problem", {"field": "order_id"})


def alone(problem: Problem, order_id: str) -> Unserved | None:
    """Check whether an order could be served on its own; return the reason it cannot, or None.

    Raises
    ------
    InputError
        If ``order_id`` is not an order of the problem.
    """
    order = _find(problem, order_id)
    skilled = [v for v in problem.vehicles if order.skills <= v.skills]
    if not skilled:
        need = ", ".join(sorted(order.skills))
        return Unserved(order.id, "no_skill", f"no vehicle has the skills it needs ({need})")
    amount = order.amount
    fitting = [
        v for v in skilled if all(a <= c + 1e-9 for a, c in zip(amount, v.capacity, strict=True))
    ]
    if not fitting:
        over = [
            d for d in range(len(amount)) if amount[d] > max(v.capacity[d] for v in skilled) + 1e-9
        ]
        if over:
            text = ", ".join(
                f"{amount[d]:g} {problem.dimensions[d]} against at most "
                f"{max(v.capacity[d] for v in skilled):g}"
                for d in over
            )
            return Unserved(order.id, "too_heavy", f"heavier than any vehicle: {text}")
        lacks = []
        for v in skilled[:3]:
            d = next(d for d in range(len(amount)) if amount[d] > v.capacity[d] + 1e-9)
            lacks.append(f"{v.id} carries {v.capacity[d]:g} {problem.dimensions[d]}")
        more = ", ..." if len(skilled) > 3 else ""
        return Unserved(
            order.id,
            "too_heavy",
            f"too big for every vehicle ({amount_text(problem, amount)}): "
            + ", ".join(lacks)
            + more,
        )
    sec = problem.seconds
    places = [p.location for p in order.pickups] + [order.drop_location]
    reachable = []
    for v in fitting:
        legs = [sec[v.start_location, p] for p in places] + [sec[p, v.end_location] for p in places]
        legs += [sec[a, b] for a in places for b in places]
        if all(np.isfinite(legs)):
            reachable.append(v)
    if not reachable:
        return Unserved(
            order.id,
            "unreachable",
            "unreachable by road: no route between a depot, its merchants and its drop",
        )
    best: tuple[int, str] = (0, "")
    for v in reachable:
        for perm in _perms(order):
            for depart in _departures(problem, v, order, perm):
                stage, message, _ = _try(problem, v, order, perm, depart)
                if stage == 4:
                    return None
                if stage > best[0]:
                    best = (stage, message)
    code = "shift_too_short" if best[0] == 3 else "window_too_early"
    return Unserved(order.id, code, best[1])


def _max_load(route: Route, d: int) -> float:
    return max((visit.load[d] for visit in route.visits), default=0.0)


def diagnose(problem: Problem, order_id: str, routes: Sequence[Route] | None = None) -> Unserved:
    """Return the reason an order was left out, found by checking it.

    Parameters
    ----------
    problem
        The planning problem.
    order_id
        The order left out.
    routes
        The rounds of the solution that left it out (refines the reason when the order is
        servable on its own: ``capacity_used`` or ``no_vehicle_time_left``).

    Raises
    ------
    InputError
        If ``order_id`` is not an order of the problem.
    """
    reason = alone(problem, order_id)
    if reason is not None:
        return reason
    order = _find(problem, order_id)
    amount = order.amount
    candidates = [v for v in problem.vehicles if order.skills <= v.skills]
    used = {r.vehicle_id: r for r in routes or ()}
    if routes is not None and candidates and all(v.id in used for v in candidates):
        d = max(range(len(amount)), key=lambda k: amount[k])
        if amount[d] > 0 and all(
            _max_load(used[v.id], d) + amount[d] > v.capacity[d] + 1e-9 for v in candidates
        ):
            name = problem.dimensions[d]
            return Unserved(
                order.id,
                "capacity_used",
                f"no vehicle capacity left: every vehicle that could take it is used and "
                f"too full at some point of its round for {amount[d]:g} more {name}",
            )
    return Unserved(
        order.id,
        "no_vehicle_time_left",
        "no vehicle time left: it could be served on its own, but not together with the "
        "orders served (it fits in no round within windows, shifts and capacities)",
    )
