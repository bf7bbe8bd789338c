"""Small hand-checkable round-planning cases, every plan checked by the independent checker.

The places sit on a line, so travel times are differences of positions and every expected number
can be worked out by hand (done in the comments).  Travel is 10 m per second.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from logistics.routing.model import (
    Lock,
    Order,
    Pickup,
    Problem,
    Solution,
    StopRef,
    Vehicle,
    Window,
)
from logistics.routing.solve import Params, solve

from .checker import assert_feasible

# The reasons an order may be left out with (see logistics/routing/diagnose.py).
CODES = {
    "no_skill",
    "too_heavy",
    "unreachable",
    "window_too_early",
    "shift_too_short",
    "capacity_used",
    "no_vehicle_time_left",
}
PARAMS = Params(time_limit_s=None, search_limit=200, seed=1)
DAY = Window(0, 10_000)

# Positions (seconds from the depot) of the matrix locations.
#   0 depot, 1 merchant A, 2 merchant B, 3 merchant C, 4 customer ca, 5 cb, 6 cc
X = [0, 100, 200, 300, 400, 500, 600]


def line(x: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return (seconds, metres) between positions on a line, 10 m per second."""
    a = np.asarray(x, dtype=float)
    seconds = np.abs(a[:, None] - a[None, :])
    return seconds, seconds * 10


def pickup(loc: int, site: str, amount=(1.0, 1.0, 1.0), windows=(DAY,), service=60) -> Pickup:  # type: ignore[no-untyped-def]
    return Pickup(loc, tuple(windows), service, tuple(amount), site)


def order(oid: str, pickups: list[Pickup], drop: int, windows=(DAY,), **kw) -> Order:  # type: ignore[no-untyped-def]
    return Order(oid, tuple(pickups), drop, tuple(windows), drop_service_s=60, **kw)


def van(vid: str, capacity=(100.0, 100.0, 10.0), **kw) -> Vehicle:  # type: ignore[no-untyped-def]
    kw.setdefault("shift", Window(0, 5000))
    return Vehicle(vid, 0, 0, capacity=tuple(capacity), **kw)


def solved(problem: Problem, params: Params = PARAMS) -> Solution:
    solution = solve(problem, params)
    assert_feasible(problem, solution, codes=CODES)
    return solution


def stops(solution: Solution, vehicle_id: str) -> list[tuple[str, ...]]:
    """Return the refs of each stop of a vehicle's round, as ``order:p0`` / ``order:d``."""
    route = next(r for r in solution.routes if r.vehicle_id == vehicle_id)
    return [
        tuple(f"{r.order_id}:{'d' if r.pickup is None else f'p{r.pickup}'}" for r in v.refs)
        for v in route.visits[1:-1]
    ]


def vehicle_of(solution: Solution, order_id: str) -> str:
    (vid,) = {r.vehicle_id for r in solution.routes for v in r.visits if order_id in v.order_ids}
    return vid


def three_orders() -> Problem:
    seconds, metres = line(X)
    orders = (
        # ca closes at 580: reached only by leaving at 0 and picking up on the way (see below)
        order("a", [pickup(1, "A")], 4, windows=(Window(0, 580),)),
        order("b", [pickup(2, "B")], 5, windows=(Window(0, 900),)),
        order("c", [pickup(3, "C")], 6, windows=(Window(0, 2000),)),
    )
    vehicle = van("v1", cost_per_km=0.5, cost_per_hour=30.0, fixed_cost=10.0, co2_g_per_km=200.0)
    return Problem(seconds, metres, orders, (vehicle,))


def test_one_vehicle_three_orders_exact_schedule() -> None:
    # The round must reach cc (x=600) and come back: at least 1200 s.  ca closes at 580, the
    # earliest possible arrival there (leave at 0, 60 s at A, B, C: 100+60+100+60+100+60+100);
    # cb closes at 900, so it cannot be left for the way back (cc first: 840+60+100 = 1000).
    # Hence the only plan:
    #   depot 0 -> A arr 100, leave 160 -> B 260/320 -> C 420/480 -> ca 580/640
    #   -> cb 740/800 -> cc 900/960 -> depot 1560.
    problem = three_orders()
    solution = solved(problem)
    assert solution.unserved == ()
    assert stops(solution, "v1") == [("a:p0",), ("b:p0",), ("c:p0",), ("a:d",), ("b:d",), ("c:d",)]
    (route,) = solution.routes
    times = [(v.arrival_s, v.start_s, v.departure_s) for v in route.visits]
    assert times == [
        (0, 0, 0),
        (100, 100, 160),
        (260, 260, 320),
        (420, 420, 480),
        (580, 580, 640),
        (740, 740, 800),
        (900, 900, 960),
        (1560, 1560, 1560),
    ]
    assert [v.load[0] for v in route.visits] == [0, 1, 2, 3, 2, 1, 0, 0]
    assert all(v.waiting_s == 0 for v in route.visits)


def test_totals_and_merchant_shares() -> None:
    # 1200 s at 10 m/s = 12 km; duration 1560 s.
    # cost = fixed 10 + 12 km x 0.5 + 1560/3600 h x 30 = 10 + 6 + 13 = 29; CO2 12 x 200 g = 2.4 kg
    # Three pickups (A, B, C), one each: 29 / 3 per merchant.
    solution = solved(three_orders())
    t = solution.totals
    assert (t.vehicles, t.served, t.unserved) == (1, 3, 0)
    assert t.km == pytest.approx(12.0)
    assert t.hours == pytest.approx(1560 / 3600)
    assert t.cost == pytest.approx(29.0)
    assert t.co2_kg == pytest.approx(2.4)
    assert solution.routes[0].cost == pytest.approx(29.0)
    assert solution.merchant_shares == pytest.approx({"A": 29 / 3, "B": 29 / 3, "C": 29 / 3})
    assert sum(solution.merchant_shares.values()) == pytest.approx(
        sum(r.cost for r in solution.routes)
    )


def test_basket_from_two_merchants() -> None:
    # Order "basket" draws on A and C and is dropped at cb; "other" (B -> cc) shares the day.
    # Two vehicles: whichever serves the basket does both pickups, then the drop.
    seconds, metres = line(X)
    basket = order("basket", [pickup(1, "A", (2, 1, 1)), pickup(3, "C", (3, 1, 1))], 5)
    other = order("other", [pickup(2, "B")], 6)
    problem = Problem(seconds, metres, (basket, other), (van("v1"), van("v2")))
    solution = solved(problem)
    assert solution.unserved == ()
    vid = vehicle_of(solution, "basket")
    seq = [ref for stop in stops(solution, vid) for ref in stop]
    assert seq.index("basket:p0") < seq.index("basket:d")
    assert seq.index("basket:p1") < seq.index("basket:d")
    route = next(r for r in solution.routes if r.vehicle_id == vid)
    at = next(i for i, v in enumerate(route.visits) if v.kind == "drop" and "basket" in v.order_ids)
    # 2 kg from A + 3 kg from C leave the van at the drop.
    assert route.visits[at - 1].load[0] - route.visits[at].load[0] == pytest.approx(5.0)
    # Each merchant's share is its part of the round's cost.
    assert set(solution.merchant_shares) == {"A", "B", "C"}


def test_window_closing_before_the_earliest_arrival() -> None:
    # "late" must be dropped at ca (x=400) by 300, but the earliest arrival is
    # 100 (A) + 60 + 300 = 460: it is left out with the window reason; "ok" is served.
    seconds, metres = line(X)
    late = order("late", [pickup(1, "A")], 4, windows=(Window(0, 300),))
    ok = order("ok", [pickup(1, "A")], 4)
    problem = Problem(seconds, metres, (late, ok), (van("v1"),))
    solution = solved(problem)
    (out,) = solution.unserved
    assert (out.order_id, out.code) == ("late", "window_too_early")
    assert "window" in out.reason
    assert vehicle_of(solution, "ok") == "v1"


def test_pickup_window_closed_before_arrival() -> None:
    # The merchant closes at 50 but the van cannot be there before 100.
    seconds, metres = line(X)
    early = order("early", [pickup(1, "A", windows=(Window(0, 50),))], 4)
    problem = Problem(seconds, metres, (early,), (van("v1"),))
    (out,) = solved(problem).unserved
    assert out.code == "window_too_early"


def test_heavier_than_any_vehicle() -> None:
    seconds, metres = line(X)
    heavy = order("heavy", [pickup(1, "A", (150.0, 1.0, 1.0))], 4)
    light = order("light", [pickup(1, "A")], 4)
    vehicles = (van("v1"), van("v2", capacity=(120.0, 100.0, 10.0)))
    problem = Problem(seconds, metres, (heavy, light), vehicles)
    solution = solved(problem)
    (out,) = solution.unserved
    assert (out.order_id, out.code) == ("heavy", "too_heavy")
    assert "kg" in out.reason and "150" in out.reason


def test_unreachable_by_road() -> None:
    seconds, metres = line(X)
    for m in (seconds, metres):
        m[6, :] = m[:, 6] = math.inf  # cc cut off from everything
        m[6, 6] = 0.0
    cut = order("cut", [pickup(1, "A")], 6)
    fine = order("fine", [pickup(1, "A")], 4)
    problem = Problem(seconds, metres, (cut, fine), (van("v1"),))
    solution = solved(problem)
    (out,) = solution.unserved
    assert (out.order_id, out.code) == ("cut", "unreachable")


def _cold_and_dry(*vehicles: Vehicle) -> Problem:
    seconds, metres = line(X)
    cold = order("cold", [pickup(2, "B")], 5, skills=frozenset({"refrigerated"}))
    dry = order("dry", [pickup(1, "A")], 4)
    return Problem(seconds, metres, (cold, dry), vehicles)


def test_refrigerated_order_goes_on_the_refrigerated_van() -> None:
    fridge = van("fridge", skills=frozenset({"refrigerated"}))
    solution = solved(_cold_and_dry(van("plain"), fridge))
    assert solution.unserved == ()
    assert vehicle_of(solution, "cold") == "fridge"


def test_no_refrigerated_van_leaves_the_cold_order_out() -> None:
    solution = solved(_cold_and_dry(van("plain")))
    (out,) = solution.unserved
    assert (out.order_id, out.code) == ("cold", "no_skill")
    assert "refrigerated" in out.reason
    assert vehicle_of(solution, "dry") == "plain"


def test_third_dimension_forces_a_second_vehicle() -> None:
    # Two orders picked up at A (x=100), dropped at ca (x=400, by 600) and cb (x=500, by 700).
    # One van carrying both: A 100, two pickups -> 220, ca 520/580, cb 680: in time; two trips
    # through A are too late (A 100/160, ca 460/520, back at A 820).  So with 5 kg, 5 litres
    # and 5 parcels each one van does it (a fixed cost makes one van preferable); with 6
    # parcels each, 12 > 10 parcels although kg and litres would fit: two vans.
    seconds, metres = line(X)

    def problem_with(parcels: float) -> Problem:
        orders = (
            order("o0", [pickup(1, "A", (5.0, 5.0, parcels))], 4, windows=(Window(0, 600),)),
            order("o1", [pickup(1, "A", (5.0, 5.0, parcels))], 5, windows=(Window(0, 700),)),
        )
        vans = (van("v1", fixed_cost=100.0), van("v2", fixed_cost=100.0))
        return Problem(seconds, metres, orders, vans)

    assert solved(problem_with(5.0)).totals.vehicles == 1
    solution = solved(problem_with(6.0))
    assert solution.unserved == ()
    assert solution.totals.vehicles == 2
    assert vehicle_of(solution, "o0") != vehicle_of(solution, "o1")


def test_locked_stops_stay_in_place_when_orders_are_added() -> None:
    # First plan: the three orders on v1 alone (v2 costs more).  The coordinator then moves
    # order "b" to v2 and locks it there; two new orders arrive.  Re-planned: b's pickup and
    # drop are still on v2 in that order, everything else is served, nothing else moved off.
    base = three_orders()
    v2 = van("v2", cost_per_km=0.5, cost_per_hour=30.0, fixed_cost=10.0)
    first = solved(dataclasses.replace(base, vehicles=(*base.vehicles, v2)))
    assert first.totals.vehicles == 1
    new = (
        order("d", [pickup(2, "B")], 4, windows=(Window(0, 3000),)),
        order("e", [pickup(1, "A")], 6, windows=(Window(0, 3000),)),
    )
    lock = Lock("v2", (StopRef("b", 0), StopRef("b")))
    problem = dataclasses.replace(
        base, orders=(*base.orders, *new), vehicles=(*base.vehicles, v2), locks=(lock,)
    )
    solution = solved(problem)
    assert solution.unserved == ()
    seq = [ref for stop in stops(solution, "v2") for ref in stop]
    assert seq.index("b:p0") < seq.index("b:d")
    locked = [v for r in solution.routes for v in r.visits if v.locked]
    assert {r.order_id for v in locked for r in v.refs} == {"b"}


def test_prefix_lock_keeps_the_done_stops_first() -> None:
    # v1 has already picked up at A and B (prefix lock, in this order); a new order "e"
    # picked up at A must not be slipped in before or between them.
    base = three_orders()
    new = order("e", [pickup(1, "A")], 5, windows=(Window(0, 3000),))
    lock = Lock("v1", (StopRef("a", 0), StopRef("b", 0)), prefix=True)
    problem = dataclasses.replace(
        base,
        orders=(*base.orders, new),
        vehicles=(dataclasses.replace(base.vehicles[0], shift=Window(0, 8000)),),
        locks=(lock,),
    )
    solution = solved(problem)
    assert solution.unserved == ()
    assert stops(solution, "v1")[:2] == [("a:p0",), ("b:p0",)]


def test_same_seed_and_search_limit_give_the_same_plan() -> None:
    # 12 orders from 4 merchants at random points (fixed seed), 3 vans.
    rng = np.random.default_rng(7)
    pts = rng.uniform(0, 3000, size=(17, 2))
    seconds = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1)).round()
    orders = tuple(
        order(
            f"o{i}",
            [pickup(1 + i % 4, f"m{i % 4}", (float(rng.integers(1, 30)), 1.0, 1.0))],
            5 + i,
            windows=(Window(int(s), int(s) + 3600),),
        )
        for i, s in enumerate(rng.uniform(2000, 12000, size=12))
    )
    vans = tuple(van(f"v{k}", shift=Window(0, 20000), cost_per_km=1.0) for k in range(3))
    problem = Problem(seconds, seconds * 10, orders, vans)
    params = Params(time_limit_s=None, search_limit=300, seed=3)
    a, b = solved(problem, params), solved(problem, params)
    assert a.routes == b.routes
    assert a.unserved == b.unserved
    assert a.totals == b.totals


def test_orders_loaded_at_the_depot() -> None:
    # Every order is loaded at the depot (location 0) with no service and a window covering the
    # shift: the engine loads them all when leaving, then drops them at ca, cb, cc on the way out.
    # Nothing fixes the departure time d (no cost per hour): ca d+400/d+460, cb d+560/d+620,
    # cc d+720/d+780, back at d+1380.
    seconds, metres = line(X)
    orders = tuple(
        order(o, [pickup(0, "depot", service=0)], loc) for o, loc in (("a", 4), ("b", 5), ("c", 6))
    )
    solution = solved(Problem(seconds, metres, orders, (van("v1"),)))
    assert solution.unserved == ()
    (route,) = solution.routes
    drops = [v for v in route.visits if v.kind == "drop"]
    assert [v.order_ids for v in drops] == [("a",), ("b",), ("c",)]
    d = route.visits[0].departure_s
    times = [(v.arrival_s - d, v.departure_s - d) for v in drops]
    assert times == [(400, 460), (560, 620), (720, 780)]
    assert route.visits[-1].arrival_s - d == 1380
    assert solution.totals.km == pytest.approx(12.0)
