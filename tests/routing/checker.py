"""An independent feasibility checker of a round plan against its problem.

It imports nothing from the engine: every time, load, distance and total is recomputed from the
problem's matrices and orders, then compared with what the solution reports.

What is checked, and how precisely
----------------------------------
Orders
    Every order is either served or listed in ``unserved``, exactly once, never both.  A served
    order has each of its pickups exactly once and its drop exactly once, all on the same
    vehicle, every pickup before the drop.  An unserved entry names a known order and, when
    ``codes`` is given, carries one of those codes and a non-empty reason.
Route shape
    A route belongs to a known vehicle (at most one route per vehicle) and is
    ``start, stops..., end`` with the start at the vehicle's start location and the end at its
    end location.  Each stop's ``location``, ``kind``, ``order_ids`` and ``site`` agree with its
    ``refs``.  A stop may carry several refs (several orders handled in one visit): they share the
    location and the kind, service starts inside the windows of every ref, and the service time
    is the sum of theirs.
Times (``time_tol_s`` absorbs the engine's rounding of fractional travel times, per leg)
    * the start's departure is within the shift and its arrival/start are not after it;
    * ``arrival = departure(previous) + seconds[previous, here]`` (± ``time_tol_s``), and the leg
      is finite;
    * ``start >= arrival`` and ``waiting = start - arrival``;
    * the engine may start service later than the earliest possible moment (e.g. to avoid
      waiting elsewhere), but only inside a window: ``start`` lies in one of the windows of the
      stop (of every ref of a merged stop);
    * ``departure = start + service``;
    * the end's arrival is no later than the shift end, and ``end.arrival - start.departure``
      (the route's ``duration_s``) is at most ``max_duration_s``.
    Independently of the reported times, the earliest schedule is recomputed from the shift
    start (leave at ``shift.start``, wait for the next window whenever early): each stop must be
    reachable within a window this way, which proves the *sequence* feasible.  (For the maximum
    duration the reported departure from the depot is used, since leaving later is allowed.)
Load
    Recomputed after each stop from zero at the start (a pickup adds its amount, a drop removes
    the order's total), in every dimension: ``-cap_tol <= load <= capacity + cap_tol`` and equal to
    the reported ``load`` (± ``cap_tol``).
Skills
    The vehicle has every skill the order needs.
Locks
    Each locked stop is on the lock's vehicle, the locked stops appear in the lock's relative
    order, and a prefix lock's stops are exactly the first stops after the start.
Totals
    ``distance_m`` is the sum of ``metres`` along the route (relative 1e-6), ``duration_s`` as
    above, ``co2_kg = km * co2_g_per_km / 1000``, ``cost = fixed + km * cost_per_km
    + hours * cost_per_hour`` for a non-empty route; ``totals.vehicles`` is the number of
    non-empty routes; ``km``, ``hours``, ``cost``, ``co2_kg``, ``served`` and ``unserved`` are the
    sums/counts; the merchants' shares sum to the total cost when any are given.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from logistics.routing.model import Order, Problem, Route, Solution, StopRef, Vehicle, Window

__all__ = ["assert_feasible", "check_solution"]

REL = 1e-6


def _close(a: float, b: float, rel: float = REL, abs_: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def _in_windows(t: float, windows: Sequence[Window], tol: float) -> bool:
    return any(w.start - tol <= t <= w.end + tol for w in windows)


def _earliest_in(t: float, windows: Sequence[Window]) -> float | None:
    """Return the earliest moment ``>= t`` inside one of ``windows`` (``None`` if none)."""
    for w in windows:
        if t <= w.end:
            return max(t, float(w.start))
    return None


def _stop_windows(order: Order, ref: StopRef) -> tuple[Window, ...]:
    if ref.pickup is None:
        return order.drop_windows
    return order.pickups[ref.pickup].windows


def _stop_service(order: Order, ref: StopRef) -> int:
    if ref.pickup is None:
        return order.drop_service_s
    return order.pickups[ref.pickup].service_s


def _stop_location(order: Order, ref: StopRef) -> int:
    if ref.pickup is None:
        return order.drop_location
    return order.pickups[ref.pickup].location


def _stop_site(order: Order, ref: StopRef) -> str | None:
    if ref.pickup is None:
        return order.drop_site
    return order.pickups[ref.pickup].site


def _fmt(ref: StopRef) -> str:
    return f"{ref.order_id}:{'drop' if ref.pickup is None else f'pickup{ref.pickup}'}"


class _Checker:
    def __init__(
        self,
        problem: Problem,
        solution: Solution,
        codes: Iterable[str] | None,
        time_tol_s: float,
        cap_tol: float,
    ) -> None:
        self.p = problem
        self.s = solution
        self.codes = None if codes is None else frozenset(codes)
        self.ttol = time_tol_s
        self.ctol = cap_tol
        self.orders = {o.id: o for o in problem.orders}
        self.vehicles = {v.id: v for v in problem.vehicles}
        self.out: list[str] = []
        # where each stop is served: ref -> (vehicle id, position in route)
        self.where: dict[StopRef, list[tuple[str, int]]] = {}

    def bad(self, kind: str, message: str) -> None:
        self.out.append(f"[{kind}] {message}")

    def run(self) -> list[str]:
        seen_vehicles: Counter[str] = Counter()
        for route in self.s.routes:
            seen_vehicles[route.vehicle_id] += 1
            vehicle = self.vehicles.get(route.vehicle_id)
            if vehicle is None:
                self.bad("unknown-vehicle", f"route of unknown vehicle {route.vehicle_id!r}")
                continue
            self.route(route, vehicle)
        for vid, n in seen_vehicles.items():
            if n > 1:
                self.bad("vehicle-twice", f"vehicle {vid} has {n} routes")
        self.assignment()
        self.locks()
        self.totals()
        return self.out

    # -- one route ---------------------------------------------------------------------------
    def route(self, route: Route, vehicle: Vehicle) -> None:
        vid = vehicle.id
        visits = route.visits
        if len(visits) < 2 or visits[0].kind != "start" or visits[-1].kind != "end":
            kinds = [v.kind for v in visits]
            self.bad("route-shape", f"route {vid}: must be start, stops..., end; got {kinds}")
            return
        if any(v.kind in ("start", "end") for v in visits[1:-1]):
            self.bad("route-shape", f"route {vid}: start/end in the middle of the route")
            return
        if visits[0].location != vehicle.start_location:
            self.bad(
                "location",
                f"route {vid}: starts at {visits[0].location}, "
                f"vehicle starts at {vehicle.start_location}",
            )
        if visits[-1].location != vehicle.end_location:
            self.bad(
                "location",
                f"route {vid}: ends at {visits[-1].location}, vehicle ends at "
                f"{vehicle.end_location}",
            )
        seconds, metres = self.p.seconds, self.p.metres
        tol = self.ttol
        k = len(self.p.dimensions)
        shift = vehicle.shift

        first = visits[0]
        if not (shift.start - tol <= first.departure_s <= shift.end + tol):
            self.bad(
                "shift-start",
                f"route {vid}: leaves the depot at {first.departure_s}, outside the shift "
                f"[{shift.start}, {shift.end}]",
            )
        if first.arrival_s > first.departure_s or first.start_s > first.departure_s:
            self.bad("service", f"route {vid}: start visit arrival/start after its departure")

        load = [0.0] * k
        earliest = float(shift.start)  # earliest-schedule departure of the previous visit
        distance = 0.0
        for i in range(1, len(visits)):
            prev, v = visits[i - 1], visits[i]
            where = f"route {vid} stop {i} ({v.kind} at {v.location})"
            travel = float(seconds[prev.location, v.location])
            metres_leg = float(metres[prev.location, v.location])
            if not (math.isfinite(travel) and math.isfinite(metres_leg)):
                self.bad("unreachable", f"{where}: no route from {prev.location}")
                return
            distance += metres_leg
            expected_arrival = prev.departure_s + travel
            if abs(v.arrival_s - expected_arrival) > tol:
                self.bad(
                    "travel",
                    f"{where}: arrival {v.arrival_s} != departure {prev.departure_s} + "
                    f"travel {travel:g}",
                )
            if v.start_s < v.arrival_s:
                self.bad("waiting", f"{where}: service starts at {v.start_s} before arrival")
            if v.waiting_s != v.start_s - v.arrival_s:
                self.bad(
                    "waiting",
                    f"{where}: waiting {v.waiting_s} != start {v.start_s} - arrival {v.arrival_s}",
                )
            arrival_e = earliest + travel
            if v.kind == "end":
                if v.arrival_s > shift.end + tol:
                    self.bad(
                        "shift-end",
                        f"route {vid}: back at {v.arrival_s}, after the shift end {shift.end}",
                    )
                if arrival_e > shift.end + tol:
                    self.bad(
                        "shift-end",
                        f"route {vid}: even leaving at the shift start it is back at "
                        f"{arrival_e:g} > {shift.end}",
                    )
                duration = v.arrival_s - first.departure_s
                if vehicle.max_duration_s is not None and duration > vehicle.max_duration_s + tol:
                    self.bad(
                        "max-duration",
                        f"route {vid}: duration {duration} > max {vehicle.max_duration_s}",
                    )
                if route.duration_s != duration:
                    self.bad(
                        "totals",
                        f"route {vid}: duration_s {route.duration_s} != end arrival - start "
                        f"departure {duration}",
                    )
                break
            if not v.refs:
                self.bad("refs", f"{where}: a stop without refs")
                continue
            orders: list[Order] = []
            service = 0
            windows_ok = True
            e_start: float | None = arrival_e
            for ref in v.refs:
                order = self.orders.get(ref.order_id)
                if order is None:
                    self.bad("unknown-order", f"{where}: unknown order {ref.order_id!r}")
                    windows_ok = False
                    continue
                if ref.pickup is not None and not 0 <= ref.pickup < len(order.pickups):
                    self.bad("unknown-order", f"{where}: order {order.id} has no {_fmt(ref)}")
                    windows_ok = False
                    continue
                orders.append(order)
                self.where.setdefault(ref, []).append((vid, i))
                kind = "drop" if ref.pickup is None else "pickup"
                if kind != v.kind:
                    self.bad("kind", f"{where}: {_fmt(ref)} in a {v.kind} visit")
                if _stop_location(order, ref) != v.location:
                    self.bad(
                        "location",
                        f"{where}: {_fmt(ref)} is at {_stop_location(order, ref)}",
                    )
                site = _stop_site(order, ref)
                if site is not None and v.site != site:
                    self.bad("site", f"{where}: site {v.site!r}, {_fmt(ref)} is at {site!r}")
                windows = _stop_windows(order, ref)
                if not _in_windows(v.start_s, windows, tol):
                    self.bad(
                        "window",
                        f"{where}: {_fmt(ref)} starts at {v.start_s}, outside "
                        f"{[(w.start, w.end) for w in windows]}",
                    )
                if e_start is not None:
                    e_start = _earliest_in(e_start, windows)
                service += _stop_service(order, ref)
                if not order.skills <= vehicle.skills:
                    self.bad(
                        "skill",
                        f"{where}: order {order.id} needs {sorted(order.skills)}, vehicle has "
                        f"{sorted(vehicle.skills)}",
                    )
                if ref.pickup is None:
                    amount = order.amount
                    load = [a - b for a, b in zip(load, amount, strict=True)]
                else:
                    amount = order.pickups[ref.pickup].amount
                    load = [a + b for a, b in zip(load, amount, strict=True)]
            ids = tuple(dict.fromkeys(r.order_id for r in v.refs))
            if sorted(v.order_ids) != sorted(ids):
                self.bad("refs", f"{where}: order_ids {v.order_ids} != orders of refs {ids}")
            if windows_ok and e_start is None:
                self.bad(
                    "window",
                    f"{where}: even from the earliest schedule (arrival {arrival_e:g}) no window "
                    "of the stop can be met",
                )
            if v.departure_s != v.start_s + service:
                self.bad(
                    "service",
                    f"{where}: departure {v.departure_s} != start {v.start_s} + service {service}",
                )
            earliest = (e_start if e_start is not None else arrival_e) + service
            for d, name in enumerate(self.p.dimensions):
                if load[d] > vehicle.capacity[d] + self.ctol:
                    self.bad(
                        "capacity",
                        f"{where}: load {load[d]:g} {name} > capacity {vehicle.capacity[d]:g}",
                    )
                if load[d] < -self.ctol:
                    self.bad("negative-load", f"{where}: load {load[d]:g} {name} < 0")
            if len(v.load) != k or any(
                abs(a - b) > self.ctol + REL * abs(b) for a, b in zip(v.load, load, strict=True)
            ):
                self.bad("load", f"{where}: reported load {list(v.load)} != recomputed {load}")

        if not _close(route.distance_m, distance):
            self.bad(
                "distance",
                f"route {vid}: distance_m {route.distance_m} != sum of metres {distance}",
            )
        km, hours = distance / 1000.0, route.duration_s / 3600.0
        if not _close(route.co2_kg, km * vehicle.co2_g_per_km / 1000.0):
            self.bad("co2", f"route {vid}: co2_kg {route.co2_kg} != km x g/km")
        if len(visits) > 2:
            cost = vehicle.fixed_cost + km * vehicle.cost_per_km + hours * vehicle.cost_per_hour
            if not _close(route.cost, cost):
                self.bad("cost", f"route {vid}: cost {route.cost} != recomputed {cost}")

    # -- orders ------------------------------------------------------------------------------
    def assignment(self) -> None:
        unserved = Counter(u.order_id for u in self.s.unserved)
        for u in self.s.unserved:
            if u.order_id not in self.orders:
                self.bad("unknown-order", f"unserved order {u.order_id!r} is not in the problem")
            if self.codes is not None and u.code not in self.codes:
                self.bad("unserved-code", f"order {u.order_id}: unknown code {u.code!r}")
            if not u.reason.strip():
                self.bad("unserved-code", f"order {u.order_id}: empty reason")
        for oid, n in unserved.items():
            if n > 1:
                self.bad("unserved-twice", f"order {oid} is listed {n} times as unserved")
        for order in self.p.orders:
            refs = [StopRef(order.id, j) for j in range(len(order.pickups))]
            refs.append(StopRef(order.id))
            places = {ref: self.where.get(ref, []) for ref in refs}
            present = [r for r in refs if places[r]]
            for ref in present:
                if len(places[ref]) > 1:
                    self.bad("served-twice", f"{_fmt(ref)} is served {len(places[ref])} times")
            if not present:
                if order.id not in unserved:
                    self.bad("order-missing", f"order {order.id} is neither served nor unserved")
                continue
            if order.id in unserved:
                self.bad("served-and-unserved", f"order {order.id} is served and unserved")
            if len(present) != len(refs):
                missing = [_fmt(r) for r in refs if not places[r]]
                self.bad("partial", f"order {order.id}: {missing} not served")
                continue
            vehicles = {places[r][0][0] for r in refs}
            if len(vehicles) > 1:
                self.bad("split", f"order {order.id}: served by {sorted(vehicles)}")
                continue
            drop_at = places[refs[-1]][0][1]
            for ref in refs[:-1]:
                if places[ref][0][1] >= drop_at:
                    self.bad("precedence", f"order {order.id}: {_fmt(ref)} not before its drop")

    # -- locks -------------------------------------------------------------------------------
    def locks(self) -> None:
        routes = {r.vehicle_id: r for r in self.s.routes}
        for lock in self.p.locks:
            route = routes.get(lock.vehicle_id)
            positions: list[int] = []
            for ref in lock.stops:
                places = self.where.get(ref, [])
                on = [i for vid, i in places if vid == lock.vehicle_id]
                if not on:
                    self.bad("lock", f"locked {_fmt(ref)} is not on vehicle {lock.vehicle_id}")
                    continue
                positions.append(on[0])
            if positions != sorted(positions):
                self.bad(
                    "lock",
                    f"locked stops on {lock.vehicle_id} out of order: positions {positions}",
                )
            if lock.prefix and route is not None and len(positions) == len(lock.stops):
                # Several locked refs may share one merged visit: the visits they occupy must be
                # exactly the first ones, and those visits hold nothing else.
                first = sorted(set(positions))
                if first != list(range(1, len(first) + 1)):
                    self.bad(
                        "prefix-lock",
                        f"prefix lock on {lock.vehicle_id}: stops at positions {positions}, "
                        "expected the first stops of the route",
                    )
                locked = set(lock.stops)
                for i in first:
                    extra = [r for r in route.visits[i].refs if r not in locked]
                    if extra:
                        self.bad(
                            "prefix-lock",
                            f"prefix lock on {lock.vehicle_id}: {[_fmt(r) for r in extra]} "
                            "inserted inside the locked prefix",
                        )

    # -- totals ------------------------------------------------------------------------------
    def totals(self) -> None:
        t = self.s.totals
        used = [r for r in self.s.routes if len(r.visits) > 2]
        if t.vehicles != len(used):
            self.bad("totals", f"totals.vehicles {t.vehicles} != {len(used)} non-empty routes")
        km = sum(r.distance_m for r in self.s.routes) / 1000.0
        if not _close(t.km, km):
            self.bad("totals", f"totals.km {t.km} != sum of routes {km}")
        hours = sum(r.duration_s for r in used) / 3600.0
        if not _close(t.hours, hours):
            self.bad("totals", f"totals.hours {t.hours} != sum of route durations {hours}")
        cost = sum(r.cost for r in used)
        if not _close(t.cost, cost):
            self.bad("totals", f"totals.cost {t.cost} != sum of route costs {cost}")
        co2 = sum(r.co2_kg for r in self.s.routes)
        if not _close(t.co2_kg, co2):
            self.bad("totals", f"totals.co2_kg {t.co2_kg} != sum of routes {co2}")
        n_unserved = len({u.order_id for u in self.s.unserved})
        if t.unserved != len(self.s.unserved):
            self.bad("totals", f"totals.unserved {t.unserved} != {len(self.s.unserved)}")
        if t.served != len(self.p.orders) - n_unserved:
            self.bad(
                "totals",
                f"totals.served {t.served} != {len(self.p.orders)} orders - {n_unserved} unserved",
            )
        if self.s.merchant_shares:
            shares = sum(self.s.merchant_shares.values())
            if not _close(shares, cost):
                self.bad("shares", f"merchant shares sum to {shares}, routes cost {cost}")
            if any(v < -1e-9 for v in self.s.merchant_shares.values()):
                self.bad("shares", "a merchant's share is negative")


def check_solution(
    problem: Problem,
    solution: Solution,
    *,
    codes: Iterable[str] | None = None,
    time_tol_s: float = 1.0,
    cap_tol: float = 1e-6,
) -> list[str]:
    """Return the violations of ``solution`` against ``problem`` (empty when feasible).

    Parameters
    ----------
    problem, solution
        The planning problem and the engine's answer.
    codes
        Accepted codes of unserved orders (``None``: any code).
    time_tol_s
        Tolerance on each reported time, for the engine's rounding of fractional travel times.
    cap_tol
        Absolute tolerance on loads.

    Returns
    -------
    list of str
        One line per violation, each starting with its kind in brackets, e.g. ``[window]``.
    """
    return _Checker(problem, solution, codes, time_tol_s, cap_tol).run()


def assert_feasible(
    problem: Problem,
    solution: Solution,
    *,
    codes: Iterable[str] | None = None,
    time_tol_s: float = 1.0,
) -> None:
    """Raise ``AssertionError`` listing every violation (see :func:`check_solution`).

    Raises
    ------
    AssertionError
        When the solution violates any rule.
    """
    violations = check_solution(problem, solution, codes=codes, time_tol_s=time_tol_s)
    if violations:
        raise AssertionError(
            f"{len(violations)} violation(s):\n" + "\n".join(f"  {v}" for v in violations)
        )
