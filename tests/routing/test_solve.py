"""The round-planning engine on small problems whose answer can be checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from logistics.errors import InputError
from logistics.routing.diagnose import alone, diagnose
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
from logistics.routing.solve import Params, solve, weights

DAY = Window(8 * 3600, 18 * 3600)
FAST = Params(time_limit_s=None, search_limit=3000)


def line(xs: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Matrices of points on a line: 1 km per unit, 60 s per km."""
    x = np.array(xs, dtype=float)
    km = np.abs(x[:, None] - x[None, :])
    return km * 60, km * 1000


def order(
    oid: str,
    pickups: list[int],
    drop: int,
    *,
    kg: float = 1.0,
    drop_window: Window = DAY,
    pickup_window: Window = DAY,
    skills: frozenset[str] = frozenset(),
) -> Order:
    return Order(
        oid,
        tuple(Pickup(p, (pickup_window,), 60, (kg, 0.0, 1.0), f"m{p}") for p in pickups),
        drop,
        (drop_window,),
        120,
        f"c{drop}",
        skills,
    )


def van(vid: str, *, kg: float = 100.0, **kw: object) -> Vehicle:
    return Vehicle(vid, 0, 0, DAY, (kg, 100.0, 50.0), cost_per_km=0.5, cost_per_hour=20, **kw)  # type: ignore[arg-type]


def problem(orders: list[Order], vehicles: list[Vehicle], **kw: object) -> Problem:
    seconds, metres = line([0, 10, 20, 30, 40, 50])
    return Problem(seconds, metres, tuple(orders), tuple(vehicles), **kw)  # type: ignore[arg-type]


def served(solution: Solution) -> set[str]:
    return {oid for r in solution.routes for v in r.visits for oid in v.order_ids}


def check(p: Problem, s: Solution) -> None:
    """A short sanity check (the independent checker lives in the feasibility tests)."""
    assert served(s) | {u.order_id for u in s.unserved} == {o.id for o in p.orders}
    assert not served(s) & {u.order_id for u in s.unserved}
    by_id = {o.id: o for o in p.orders}
    for route in s.routes:
        assert route.visits[0].kind == "start" and route.visits[-1].kind == "end"
        for a, b in zip(route.visits, route.visits[1:], strict=False):
            assert b.arrival_s == a.departure_s + p.seconds[a.location, b.location]
            assert b.start_s == b.arrival_s + b.waiting_s and b.waiting_s >= 0
        vehicle = next(v for v in p.vehicles if v.id == route.vehicle_id)
        assert vehicle.shift.start <= route.visits[0].departure_s
        assert route.visits[-1].arrival_s <= vehicle.shift.end
        for visit in route.visits:
            assert all(
                -1e-9 <= q <= c + 1e-9 for q, c in zip(visit.load, vehicle.capacity, strict=True)
            )
        position = {}
        for k, visit in enumerate(route.visits):
            for ref in visit.refs:
                position[ref] = k
                o = by_id[ref.order_id]
                windows = o.drop_windows if ref.pickup is None else o.pickups[ref.pickup].windows
                assert any(w.start <= visit.start_s <= w.end for w in windows)
        for ref, k in position.items():
            if ref.pickup is None:
                for j in range(len(by_id[ref.order_id].pickups)):
                    assert position[StopRef(ref.order_id, j)] < k


def test_one_vehicle_three_orders() -> None:
    p = problem([order("a", [1], 2), order("b", [1], 3), order("c", [2], 4)], [van("v1")])
    s = solve(p, FAST)
    check(p, s)
    assert s.status == "solved" and s.totals.vehicles == 1 and s.unserved == ()
    # The best round goes out to 40 and back: 80 km.
    assert s.totals.km == pytest.approx(80.0)
    assert s.totals.cost == pytest.approx(s.routes[0].cost)
    assert s.totals.co2_kg == 0.0
    assert sum(s.merchant_shares.values()) == pytest.approx(s.totals.cost)
    assert set(s.merchant_shares) == {"m1", "m2"}
    assert s.merchant_shares["m1"] == pytest.approx(2 * s.merchant_shares["m2"])


def test_basket_from_two_merchants_is_picked_up_before_its_drop() -> None:
    p = problem([order("basket", [3, 1], 5, kg=3.0)], [van("v1")])
    s = solve(p, FAST)
    check(p, s)
    kinds = [(v.kind, v.location) for v in s.routes[0].visits]
    assert kinds == [("start", 0), ("pickup", 1), ("pickup", 3), ("drop", 5), ("end", 0)]
    assert s.routes[0].visits[2].load[0] == pytest.approx(6.0)
    assert s.routes[0].visits[3].load[0] == pytest.approx(0.0)


def test_capacity_forces_a_second_vehicle() -> None:
    # No time to come back to the merchant: one vehicle must carry both orders at once.
    window = Window(8 * 3600 + 1800, 9 * 3600)
    orders = [
        order("a", [1], 2, kg=60, drop_window=window),
        order("b", [1], 3, kg=60, drop_window=window),
    ]
    small = problem(orders, [van("v1"), van("v2")])
    s = solve(small, FAST)
    check(small, s)
    assert s.totals.vehicles == 2 and s.unserved == ()
    big = problem(orders, [van("v1", kg=150), van("v2", kg=150)])
    s = solve(big, FAST)
    check(big, s)
    assert s.totals.vehicles == 1 and max(v.load[0] for v in s.routes[0].visits) == 120


def test_fewer_vehicles_before_cost() -> None:
    # Two vehicles could each do one order more cheaply in km; one vehicle must do both.
    p = problem([order("a", [1], 2), order("b", [4], 5)], [van("v1"), van("v2")])
    s = solve(p, FAST)
    check(p, s)
    assert s.totals.vehicles == 1


def test_unserved_orders_come_back_with_reasons() -> None:
    seconds, metres = line([0, 10, 20, 30, 40, 50, 60])
    seconds[6, :] = seconds[:, 6] = math.inf
    metres[6, :] = metres[:, 6] = math.inf
    seconds[6, 6] = metres[6, 6] = 0
    early = Window(8 * 3600, 8 * 3600 + 600)  # the drop at 50 km cannot be reached by 08:10
    p = Problem(
        seconds,
        metres,
        (
            order("ok", [1], 2),
            order("late", [1], 5, drop_window=early),
            order("heavy", [1], 2, kg=500),
            order("island", [1], 6),
            order("cold", [1], 2, skills=frozenset({"refrigerated"})),
        ),
        (van("v1"), Vehicle("short", 0, 0, Window(8 * 3600, 8 * 3600 + 1800), (900, 0, 0))),
    )
    s = solve(p, FAST)
    check(p, s)
    reasons = {u.order_id: u for u in s.unserved}
    assert served(s) == {"ok"}
    assert reasons["late"].code == "window_too_early"
    assert "closes at 08:10" in reasons["late"].reason
    assert reasons["heavy"].code == "too_heavy"
    assert "v1 carries 100 kg" in reasons["heavy"].reason
    assert "short carries 0 parcels" in reasons["heavy"].reason
    assert reasons["island"].code == "unreachable"
    assert reasons["cold"].code == "no_skill" and "refrigerated" in reasons["cold"].reason


def test_too_heavy_names_the_dimension() -> None:
    p = problem([order("a", [1], 2, kg=150)], [van("v1"), van("v2", kg=120)])
    reason = alone(p, "a")
    assert reason is not None and reason.code == "too_heavy"
    assert "150 kg against at most 120" in reason.reason


def test_shift_too_short() -> None:
    short = Vehicle("v", 0, 0, DAY, (100, 100, 50), max_duration_s=3000)
    p = problem([order("far", [1], 5)], [short])
    assert alone(p, "far") is not None
    s = solve(p, FAST)
    assert s.unserved[0].code == "shift_too_short"


def test_no_vehicle_time_left() -> None:
    # Both drops need 09:00-09:05 at opposite ends: one vehicle serves only one.
    window = Window(9 * 3600, 9 * 3600 + 300)
    p = problem(
        [order("a", [1], 1, drop_window=window), order("b", [5], 5, drop_window=window)],
        [van("v1")],
    )
    s = solve(p, FAST)
    check(p, s)
    assert len(s.unserved) == 1 and s.unserved[0].code == "no_vehicle_time_left"
    assert diagnose(p, s.unserved[0].order_id, s.routes).code == "no_vehicle_time_left"


def test_pickup_gaps_between_windows_are_respected() -> None:
    closed_at_noon = (Window(8 * 3600, 8 * 3600 + 60), Window(14 * 3600, 15 * 3600))
    o = Order("a", (Pickup(3, closed_at_noon, 60, (1, 0, 1), "m3"),), 4, (DAY,), 60)
    p = problem([o], [van("v1")])
    s = solve(p, FAST)
    check(p, s)
    pickup = next(v for v in s.routes[0].visits if v.kind == "pickup")
    assert pickup.start_s >= 14 * 3600


def test_locked_stops_stay_in_place() -> None:
    orders = [order("a", [1], 5), order("b", [4], 2), order("new", [1], 3)]
    lock = Lock("v2", (StopRef("b", 0), StopRef("b")), prefix=True)
    p = problem(orders, [van("v1"), van("v2")], locks=(lock,))
    s = solve(p, FAST)
    check(p, s)
    route = next(r for r in s.routes if r.vehicle_id == "v2")
    first = [(v.kind, v.order_ids) for v in route.visits[1:3]]
    assert first == [("pickup", ("b",)), ("drop", ("b",))]
    assert all(v.locked for v in route.visits[1:3])
    assert served(s) == {"a", "b", "new"}


def test_deterministic_with_search_limit() -> None:
    orders = [order(str(i), [1 + i % 3], 2 + i % 4) for i in range(8)]
    p = problem(orders, [van("v1"), van("v2")])
    a, b = solve(p, FAST), solve(p, FAST)
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]


def test_default_weights_are_hierarchical() -> None:
    p = problem([order("a", [1], 2)], [van("v1"), van("v2", fixed_cost=30.0)])
    w = weights(p, Params())
    assert w.vehicle_cost > w.route_cost_bound
    assert w.unserved_penalty > 2 * (w.vehicle_cost + 30.0) + w.route_cost_bound
    explicit = weights(p, Params(vehicle_cost=5.0, unserved_penalty=7.0))
    assert (explicit.vehicle_cost, explicit.unserved_penalty) == (5.0, 7.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_limit_s", 0.0),
        ("search_limit", 0),
        ("seed", -1),
        ("first_solution", "FASTEST"),
        ("metaheuristic", "ANNEALING"),
        ("warm_start", "hgs"),
        ("vehicle_cost", -1.0),
        ("unserved_penalty", math.inf),
    ],
)
def test_params_are_checked(field: str, value: object) -> None:
    with pytest.raises(InputError, match=field) as info:
        Params(**{field: value})  # type: ignore[arg-type]
    assert info.value.details["field"] == field


def test_no_limit_at_all_is_refused() -> None:
    with pytest.raises(InputError, match="search_limit"):
        Params(time_limit_s=None)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_baskets_are_never_left_out_while_a_vehicle_is_free(seed: int) -> None:
    # One vehicle per order: whatever the search does, every order servable alone is served.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 60, size=12)
    seconds, metres = line(list(x))
    orders = []
    for i in range(6):
        merchants = rng.choice(np.arange(1, 6), size=1 + i % 3, replace=False)
        start = int(rng.integers(9, 15)) * 3600
        orders.append(
            Order(
                f"o{i}",
                tuple(Pickup(int(m), (DAY,), 60, (5.0, 1.0, 1.0), f"m{int(m)}") for m in merchants),
                6 + i,
                (Window(start, start + 1800),),
                120,
            )
        )
    vehicles = [van(f"v{j}", max_duration_s=3 * 3600) for j in range(6)]
    p = Problem(seconds, metres, tuple(orders), tuple(vehicles))
    s = solve(p, Params(time_limit_s=None, search_limit=500))
    check(p, s)
    assert {u.order_id for u in s.unserved} == {o.id for o in orders if alone(p, o.id)}
