"""Property tests on random small instances: every order is served feasibly or reported.

Instances: up to 6 orders (one or two pickups each) at up to 3 merchants, up to 3 vehicles,
random windows (some impossible), amounts (some too large), skills and sometimes a customer
cut off from the roads.  Travel times are Manhattan distances between random grid points, so
they are integers and satisfy the triangle inequality.  For each plan:

* the independent checker passes (every order served feasibly, or unserved once with a known
  code);
* the reasons that do not depend on the other orders are true, checked here from scratch:
  ``no_skill``, ``too_heavy``, ``unreachable``, ``window_too_early`` (no vehicle that could take
  it meets the windows even alone, leaving at its shift start).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from logistics.routing.model import Order, Pickup, Problem, Vehicle, Window
from logistics.routing.solve import Params, solve

from .checker import assert_feasible

CODES = {
    "no_skill",
    "too_heavy",
    "unreachable",
    "window_too_early",
    "shift_too_short",
    "capacity_used",
    "no_vehicle_time_left",
}
PARAMS = Params(time_limit_s=None, search_limit=60, seed=0)
HORIZON = 20_000


# Hypothesis starts from the simplest draws (0, False, the first element): rare events are
# therefore drawn as the *largest* value of a range, and the first choice is the benign one.
LENGTHS = [HORIZON, 7200, 3600, 3600, 1800]


def rare(draw: st.DrawFn, one_in: int) -> bool:
    """Draw an event of probability about ``1 / one_in``, absent in the simplest examples."""
    return draw(st.integers(1, one_in)) == one_in


@st.composite
def problems(draw: st.DrawFn, skills: bool = True) -> Problem:
    """A random small problem; ``skills=False``: no order needs a skill."""
    n_merchants = draw(st.integers(1, 3))
    n_orders = draw(st.integers(1, 6))
    n_places = 1 + n_merchants + n_orders
    pts = np.array(
        draw(
            st.lists(
                st.tuples(st.integers(0, 1500), st.integers(0, 1500)),
                min_size=n_places,
                max_size=n_places,
            )
        ),
        dtype=float,
    )
    seconds = np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1)
    if rare(draw, 6):  # a customer cut off from the roads
        cut = 1 + n_merchants + draw(st.integers(0, n_orders - 1))
        seconds[cut, :] = seconds[:, cut] = math.inf
        seconds[cut, cut] = 0.0
    metres = seconds * 8.0
    small = st.sampled_from([1.0, 2.0, 5.0, 0.0, 10.0])
    orders = []
    for i in range(n_orders):
        merchants = draw(st.lists(st.integers(1, n_merchants), min_size=1, max_size=2, unique=True))
        factor = 20.0 if rare(draw, 8) else 1.0  # now and then a huge order
        ready = draw(st.integers(0, 10_000))  # goods ready; the drop window opens later
        pickups = tuple(
            Pickup(
                m,
                (Window(ready, min(HORIZON, ready + draw(st.sampled_from(LENGTHS)))),),
                draw(st.sampled_from([60, 0, 300])),
                tuple(factor * draw(small) for _ in range(3)),
                f"m{m}",
            )
            for m in merchants
        )
        opens = ready + draw(st.integers(0, 6000))
        length = 300 if rare(draw, 6) else draw(st.sampled_from(LENGTHS))  # sometimes tight
        drop = [Window(opens, min(HORIZON + 4000, opens + length))]
        if rare(draw, 4):  # a second, later window
            s2 = drop[0].end + draw(st.integers(1, 4000))
            drop.append(Window(s2, s2 + draw(st.sampled_from(LENGTHS))))
        if rare(draw, 8):  # a window that closes too early
            drop = [Window(0, draw(st.integers(0, 1000)))]
        orders.append(
            Order(
                f"o{i}",
                pickups,
                1 + n_merchants + i,
                tuple(drop),
                drop_service_s=draw(st.sampled_from([120, 0])),
                skills=frozenset({"refrigerated"}) if skills and rare(draw, 4) else frozenset(),
            )
        )
    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, 6000))
        end = HORIZON + 4000 - draw(st.integers(0, 14_000))
        cap = draw(st.sampled_from([(100.0, 100.0, 30.0), (200.0, 50.0, 40.0), (30.0, 30.0, 12.0)]))
        vehicles.append(
            Vehicle(
                f"v{k}",
                0,
                0,
                Window(start, end),
                cap,
                max_duration_s=6 * 3600 if rare(draw, 3) else None,
                cost_per_km=1.0,
                cost_per_hour=draw(st.sampled_from([0.0, 20.0])),
                fixed_cost=draw(st.sampled_from([0.0, 50.0])),
                skills=frozenset({"refrigerated"}) if rare(draw, 2) else frozenset(),
            )
        )
    return Problem(seconds, metres, tuple(orders), tuple(vehicles))


def _meets_windows_alone(problem: Problem, vehicle: Vehicle, order: Order) -> bool:
    """Whether the vehicle, leaving at its shift start, meets every window of the order."""
    sec = problem.seconds
    for perm in itertools.permutations(order.pickups):
        t, loc, ok = float(vehicle.shift.start), vehicle.start_location, True
        for p in perm:
            t += sec[loc, p.location]
            start = next((max(t, w.start) for w in p.windows if t <= w.end), None)
            if start is None:
                ok = False
                break
            t, loc = start + p.service_s, p.location
        if ok:
            t += sec[loc, order.drop_location]
            if any(t <= w.end for w in order.drop_windows):
                return True
    return False


def _check_reason(problem: Problem, order: Order, code: str) -> None:
    skilled = [v for v in problem.vehicles if order.skills <= v.skills]
    fitting = [
        v for v in skilled if all(a <= c for a, c in zip(order.amount, v.capacity, strict=True))
    ]
    places = [p.location for p in order.pickups] + [order.drop_location]
    reachable = [
        v
        for v in fitting
        if all(
            math.isfinite(problem.seconds[a, b])
            for a in (v.start_location, *places)
            for b in (*places, v.end_location)
        )
    ]
    if code == "no_skill":
        assert not skilled, f"{order.id}: no_skill, but {[v.id for v in skilled]} qualify"
    elif code == "too_heavy":
        assert skilled and not fitting, f"{order.id}: too_heavy, but {fitting} can carry it"
    elif code == "unreachable":
        assert fitting and not reachable, f"{order.id}: unreachable, but reachable"
    elif code == "window_too_early":
        assert reachable, f"{order.id}: window reason although no vehicle could reach it"
        assert not any(_meets_windows_alone(problem, v, order) for v in reachable), (
            f"{order.id}: window_too_early, but a vehicle alone meets its windows"
        )


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(problem: Problem) -> None:
    """Solve, check the plan independently and the reasons of the orders left out."""
    solution = solve(problem, PARAMS)
    assert_feasible(problem, solution, codes=CODES)
    by_id = {o.id: o for o in problem.orders}
    for out in solution.unserved:
        _check_reason(problem, by_id[out.order_id], out.code)


@SETTINGS
@given(problems(skills=False))
def test_every_order_is_served_feasibly_or_reported_with_a_true_reason(problem: Problem) -> None:
    check(problem)


@settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(problems(skills=True))
def test_same_with_orders_that_need_a_skill(problem: Problem) -> None:
    check(problem)
