"""The feasibility checker catches each kind of violation on hand-made solutions.

One hand-written plan is feasible; each test breaks it in one way and expects the checker to
name that kind of violation.  The numbers of the good plan are worked out in comments.
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
    Route,
    Solution,
    StopRef,
    Totals,
    Unserved,
    Vehicle,
    Visit,
    Window,
)

from .checker import assert_feasible, check_solution

# Locations: 0 depot, 1 merchant A, 2 merchant B, 3 customer c1, 4 customer c2.
SECONDS = np.array(
    [
        [0, 100, 200, 300, 400],
        [100, 0, 150, 250, 350],
        [200, 150, 0, 120, 220],
        [300, 250, 120, 0, 100],
        [400, 350, 220, 100, 0],
    ],
    dtype=float,
)
METRES = SECONDS * 10  # 10 m/s

O1 = Order(
    "o1",
    (Pickup(1, (Window(0, 1000),), 60, (5.0, 0.0, 1.0), "A"),),
    drop_location=3,
    drop_windows=(Window(600, 900),),
    drop_service_s=120,
    drop_site="c1",
)
O2 = Order(  # a basket from A and B
    "o2",
    (
        Pickup(1, (Window(0, 1000),), 30, (10.0, 2.0, 2.0), "A"),
        Pickup(2, (Window(300, 1000),), 45, (1.0, 1.0, 1.0), "B"),
    ),
    drop_location=4,
    drop_windows=(Window(0, 2000),),
    drop_service_s=60,
    drop_site="c2",
)
O3 = Order(
    "o3",
    (Pickup(2, (Window(0, 1000),), 0, (1.0, 0.0, 1.0), "B"),),
    drop_location=3,
    drop_windows=(Window(0, 2000),),
    skills=frozenset({"refrigerated"}),
)
V1 = Vehicle(
    "v1",
    0,
    0,
    Window(0, 36000),
    (100.0, 100.0, 10.0),
    cost_per_km=1.0,
    cost_per_hour=36.0,
    fixed_cost=5.0,
    co2_g_per_km=100.0,
)
V2 = Vehicle("v2", 0, 0, Window(0, 36000), (100.0, 100.0, 10.0))

PROBLEM = Problem(SECONDS, METRES, (O1, O2, O3), (V1, V2))


def _visit(kind, loc, refs, arrival, start, departure, load, site=None):  # type: ignore[no-untyped-def]
    ids = tuple(dict.fromkeys(r.order_id for r in refs))
    return Visit(kind, loc, ids, site, arrival, start - arrival, start, departure, load, refs)


P1 = StopRef("o1", 0)
P2A = StopRef("o2", 0)
P2B = StopRef("o2", 1)
D1 = StopRef("o1")
D2 = StopRef("o2")

# v1: depot -> A (o1, o2 part 1) -> B (o2 part 2) -> c1 (drop o1) -> c2 (drop o2) -> depot
#   A:  arrive 0+100=100, start 100, service 60+30=90 -> leave 190, load 5+10, 0+2, 1+2
#   B:  arrive 190+150=340 (window from 300), service 45 -> leave 385, load 16, 3, 4
#   c1: arrive 385+120=505, window [600, 900] -> wait 95, start 600, leave 720, load 11, 3, 3
#   c2: arrive 720+100=820, start 820, leave 880, load 0
#   depot: 880+400=1280.  Seconds 100+150+120+100+400=870 -> 8700 m; duration 1280 s.
#   cost = 5 + 8.7 km x 1 + 1280/3600 h x 36 = 5 + 8.7 + 12.8 = 26.5; CO2 8.7 x 100 g = 0.87 kg
ROUTE1 = Route(
    "v1",
    (
        _visit("start", 0, (), 0, 0, 0, (0.0, 0.0, 0.0)),
        _visit("pickup", 1, (P1, P2A), 100, 100, 190, (15.0, 2.0, 3.0), "A"),
        _visit("pickup", 2, (P2B,), 340, 340, 385, (16.0, 3.0, 4.0), "B"),
        _visit("drop", 3, (D1,), 505, 600, 720, (11.0, 3.0, 3.0), "c1"),
        _visit("drop", 4, (D2,), 820, 820, 880, (0.0, 0.0, 0.0), "c2"),
        _visit("end", 0, (), 1280, 1280, 1280, (0.0, 0.0, 0.0)),
    ),
    distance_m=8700.0,
    duration_s=1280,
    cost=26.5,
    co2_kg=0.87,
)
ROUTE2 = Route(
    "v2",
    (
        _visit("start", 0, (), 0, 0, 0, (0.0, 0.0, 0.0)),
        _visit("end", 0, (), 0, 0, 0, (0.0, 0.0, 0.0)),
    ),
    distance_m=0.0,
    duration_s=0,
    cost=0.0,
)
GOOD = Solution(
    routes=(ROUTE1, ROUTE2),
    unserved=(Unserved("o3", "no_vehicle_with_skills", "no vehicle is refrigerated"),),
    totals=Totals(
        vehicles=1, km=8.7, hours=1280 / 3600, cost=26.5, co2_kg=0.87, served=2, unserved=1
    ),
    merchant_shares={"A": 20.0, "B": 6.5},
)


def kinds(problem: Problem, solution: Solution, **kw: object) -> set[str]:
    """Return the kinds of the violations found (``[kind] ...``)."""
    return {v[1 : v.index("]")] for v in check_solution(problem, solution, **kw)}  # type: ignore[arg-type]


def with_visits(
    solution: Solution, route: int, visits: list[Visit], **route_kw: object
) -> Solution:
    routes = list(solution.routes)
    routes[route] = dataclasses.replace(routes[route], visits=tuple(visits), **route_kw)  # type: ignore[arg-type]
    return dataclasses.replace(solution, routes=tuple(routes))


def visits1() -> list[Visit]:
    return list(ROUTE1.visits)


def test_good_solution_passes() -> None:
    assert check_solution(PROBLEM, GOOD) == []
    assert_feasible(PROBLEM, GOOD, codes={"no_vehicle_with_skills"})


def test_later_start_inside_the_window_and_later_departure_are_allowed() -> None:
    # Leave the depot 50 s late, and start c1 at 700 (inside [600, 900]) instead of 600:
    # every later time moves by 100 s; duration 1380 - 50 = 1330.
    v = visits1()
    v[0] = _visit("start", 0, (), 50, 50, 50, (0.0, 0.0, 0.0))
    v[1] = _visit("pickup", 1, (P1, P2A), 150, 150, 240, (15.0, 2.0, 3.0), "A")
    v[2] = _visit("pickup", 2, (P2B,), 390, 390, 435, (16.0, 3.0, 4.0), "B")
    v[3] = _visit("drop", 3, (D1,), 555, 700, 820, (11.0, 3.0, 3.0), "c1")
    v[4] = _visit("drop", 4, (D2,), 920, 920, 980, (0.0, 0.0, 0.0), "c2")
    v[5] = _visit("end", 0, (), 1380, 1380, 1380, (0.0, 0.0, 0.0))
    cost = 5 + 8.7 + 1330 / 3600 * 36
    s = with_visits(GOOD, 0, v, duration_s=1330, cost=cost)
    s = dataclasses.replace(
        s,
        totals=dataclasses.replace(s.totals, hours=1330 / 3600, cost=cost),
        merchant_shares={"A": 20.0, "B": cost - 20.0},
    )
    assert check_solution(PROBLEM, s) == []


def test_prefix_lock_and_ordered_lock_that_hold() -> None:
    locks = (
        Lock("v1", (P1, P2A, P2B), prefix=True),
        Lock("v1", (D1, D2)),
    )
    assert check_solution(dataclasses.replace(PROBLEM, locks=locks), GOOD) == []


def _unserved(*entries: Unserved) -> Solution:
    return dataclasses.replace(GOOD, unserved=entries)


O3_OUT = Unserved("o3", "no_vehicle_with_skills", "no vehicle is refrigerated")


@pytest.mark.parametrize(
    ("solution", "kind"),
    [
        (_unserved(), "order-missing"),
        (_unserved(O3_OUT, Unserved("o1", "x", "y")), "served-and-unserved"),
        (_unserved(O3_OUT, O3_OUT), "unserved-twice"),
        (_unserved(O3_OUT, Unserved("o9", "x", "y")), "unknown-order"),
        (_unserved(Unserved("o3", "no_vehicle_with_skills", " ")), "unserved-code"),
    ],
)
def test_assignment_of_orders(solution: Solution, kind: str) -> None:
    assert kind in kinds(PROBLEM, solution)


def test_unknown_unserved_code() -> None:
    assert "unserved-code" in kinds(PROBLEM, GOOD, codes={"window_closed"})


def test_stop_served_twice() -> None:
    v = visits1()
    v[4] = _visit("drop", 4, (D2, D1), 820, 820, 1000, (-5.0, 0.0, -1.0), "c2")
    assert {"served-twice", "negative-load"} <= kinds(PROBLEM, with_visits(GOOD, 0, v))


def test_partial_order_missing_a_pickup() -> None:
    v = visits1()
    del v[2]
    assert "partial" in kinds(PROBLEM, with_visits(GOOD, 0, v))


def test_order_split_over_two_vehicles() -> None:
    v = visits1()
    del v[4]  # o2's drop moves to v2
    other = [
        _visit("start", 0, (), 0, 0, 0, (0.0, 0.0, 0.0)),
        _visit("drop", 4, (D2,), 400, 400, 460, (-11.0, -3.0, -3.0), "c2"),
        _visit("end", 0, (), 860, 860, 860, (0.0, 0.0, 0.0)),
    ]
    s = with_visits(with_visits(GOOD, 0, v), 1, other)
    assert "split" in kinds(PROBLEM, s)


def test_drop_before_a_pickup() -> None:
    # depot -> A -> c2 (drop o2 before its part at B) -> B -> c1 -> depot
    v = [
        _visit("start", 0, (), 0, 0, 0, (0.0, 0.0, 0.0)),
        _visit("pickup", 1, (P1, P2A), 100, 100, 190, (15.0, 2.0, 3.0), "A"),
        _visit("drop", 4, (D2,), 540, 540, 600, (4.0, -1.0, 0.0), "c2"),
        _visit("pickup", 2, (P2B,), 820, 820, 865, (5.0, 0.0, 1.0), "B"),
        _visit("drop", 3, (D1,), 985, 985, 1105, (0.0, 0.0, 0.0), "c1"),
        _visit("end", 0, (), 1405, 1405, 1405, (0.0, 0.0, 0.0)),
    ]
    found = kinds(PROBLEM, with_visits(GOOD, 0, v))
    assert {"precedence", "negative-load", "window"} <= found


@pytest.mark.parametrize(
    ("stop", "change", "kind"),
    [
        (1, {"arrival_s": 90, "waiting_s": 10}, "travel"),
        (3, {"waiting_s": 0}, "waiting"),
        (3, {"start_s": 500, "waiting_s": -5}, "waiting"),
        (1, {"departure_s": 180}, "service"),
        (3, {"load": (11.0, 3.0, 2.0)}, "load"),
        (2, {"location": 3}, "location"),
        (2, {"site": "A"}, "site"),
        (2, {"kind": "drop"}, "kind"),
        (2, {"order_ids": ("o1",)}, "refs"),
        (2, {"refs": ()}, "refs"),
        (2, {"refs": (StopRef("o2", 7),)}, "unknown-order"),
        (5, {"arrival_s": 1300, "start_s": 1300, "departure_s": 1300}, "travel"),
    ],
)
def test_stop_fields(stop: int, change: dict[str, object], kind: str) -> None:
    v = visits1()
    v[stop] = dataclasses.replace(v[stop], **change)  # type: ignore[arg-type]
    assert kind in kinds(PROBLEM, with_visits(GOOD, 0, v))


def test_service_outside_its_window() -> None:
    # c1 served on arrival at 505 although its window opens at 600 (the rest shifted to match).
    v = visits1()
    v[3] = _visit("drop", 3, (D1,), 505, 505, 625, (11.0, 3.0, 3.0), "c1")
    v[4] = _visit("drop", 4, (D2,), 725, 725, 785, (0.0, 0.0, 0.0), "c2")
    v[5] = _visit("end", 0, (), 1185, 1185, 1185, (0.0, 0.0, 0.0))
    assert kinds(PROBLEM, with_visits(GOOD, 0, v)) >= {"window"}


def test_window_that_cannot_be_met_from_the_earliest_schedule() -> None:
    # c1's window closes at 400 but the earliest arrival there is 505: reported start 600 is
    # outside, and the recomputed earliest schedule cannot meet it either.
    o1 = dataclasses.replace(O1, drop_windows=(Window(0, 400),))
    problem = dataclasses.replace(PROBLEM, orders=(o1, O2, O3))
    found = check_solution(problem, GOOD)
    assert any("earliest schedule" in f for f in found)


def test_merged_stop_checks_every_window() -> None:
    # o2's part at A only opens at 150: the merged visit starting at 100 breaks it.
    p = dataclasses.replace(O2.pickups[0], windows=(Window(150, 1000),))
    o2 = dataclasses.replace(O2, pickups=(p, O2.pickups[1]))
    problem = dataclasses.replace(PROBLEM, orders=(O1, o2, O3))
    assert "window" in kinds(problem, GOOD)


def _vehicle(**change: object) -> Problem:
    return dataclasses.replace(PROBLEM, vehicles=(dataclasses.replace(V1, **change), V2))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("problem", "kind"),
    [
        (_vehicle(capacity=(15.0, 100.0, 10.0)), "capacity"),  # 16 kg after B
        (_vehicle(capacity=(100.0, 100.0, 3.0)), "capacity"),  # 4 parcels after B
        (_vehicle(shift=Window(0, 1200)), "shift-end"),
        (_vehicle(shift=Window(10, 36000)), "shift-start"),
        (_vehicle(max_duration_s=1000), "max-duration"),
        (_vehicle(start_location=1), "location"),
    ],
)
def test_vehicle_limits(problem: Problem, kind: str) -> None:
    assert kind in kinds(problem, GOOD)


def test_skill_missing() -> None:
    o1 = dataclasses.replace(O1, skills=frozenset({"refrigerated"}))
    assert "skill" in kinds(dataclasses.replace(PROBLEM, orders=(o1, O2, O3)), GOOD)


def test_unreachable_leg() -> None:
    seconds = SECONDS.copy()
    seconds[2, 3] = math.inf
    problem = dataclasses.replace(PROBLEM, seconds=seconds)
    assert "unreachable" in kinds(problem, GOOD)


@pytest.mark.parametrize(
    ("lock", "kind"),
    [
        (Lock("v2", (D1,)), "lock"),  # o1's drop is on v1
        (Lock("v1", (D2, D1)), "lock"),  # wrong relative order
        (Lock("v1", (P2B,), prefix=True), "prefix-lock"),  # B is the second stop
        (Lock("v1", (P1,), prefix=True), "prefix-lock"),  # o2's part merged into the prefix
        (Lock("v1", (StopRef("o3"),)), "lock"),  # a locked order left unserved
    ],
)
def test_locks(lock: Lock, kind: str) -> None:
    assert kind in kinds(dataclasses.replace(PROBLEM, locks=(lock,)), GOOD)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"distance_m": 8000.0}, "distance"),
        ({"duration_s": 1200}, "totals"),
        ({"cost": 30.0}, "cost"),
        ({"co2_kg": 1.0}, "co2"),
        ({"vehicle_id": "v9"}, "unknown-vehicle"),
        ({"vehicle_id": "v2"}, "vehicle-twice"),
        ({"visits": ROUTE1.visits[:-1]}, "route-shape"),
        ({"visits": (ROUTE1.visits[0], ROUTE1.visits[0], *ROUTE1.visits[1:])}, "route-shape"),
    ],
)
def test_route_fields(change: dict[str, object], kind: str) -> None:
    routes = (dataclasses.replace(ROUTE1, **change), ROUTE2)  # type: ignore[arg-type]
    assert kind in kinds(PROBLEM, dataclasses.replace(GOOD, routes=routes))


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"vehicles": 2}, "totals"),
        ({"km": 9.0}, "totals"),
        ({"hours": 1.0}, "totals"),
        ({"cost": 27.0}, "totals"),
        ({"co2_kg": 0.0}, "totals"),
        ({"served": 3}, "totals"),
        ({"unserved": 0}, "totals"),
    ],
)
def test_totals(change: dict[str, object], kind: str) -> None:
    s = dataclasses.replace(GOOD, totals=dataclasses.replace(GOOD.totals, **change))  # type: ignore[arg-type]
    assert kind in kinds(PROBLEM, s)


def test_merchant_shares_must_sum_to_the_cost() -> None:
    s = dataclasses.replace(GOOD, merchant_shares={"A": 20.0, "B": 5.0})
    assert "shares" in kinds(PROBLEM, s)
    s = dataclasses.replace(GOOD, merchant_shares={"A": 30.0, "B": -3.5})
    assert "shares" in kinds(PROBLEM, s)


def test_assert_feasible_lists_the_violations() -> None:
    s = dataclasses.replace(GOOD, unserved=())
    with pytest.raises(AssertionError, match=r"order-missing\] order o3"):
        assert_feasible(PROBLEM, s)
