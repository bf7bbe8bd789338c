"""A hand-made feasible solution for small problems (test fixture, not an engine).

Each order is served by the first vehicle that has the skills, one after the other: its pickups
in order, then its drop, each stop starting at the earliest moment its window allows.  An order
that does not fit (window passed, shift over) is left unserved with the code ``"hand"``.
"""

from __future__ import annotations

from logistics.routing.model import (
    Order,
    Problem,
    Route,
    Solution,
    StopRef,
    Totals,
    Unserved,
    Visit,
)


def _start(windows, t):
    for w in windows:
        if t <= w.end:
            return max(t, w.start)
    return None


def hand_solution(problem: Problem, vehicles: int = 2) -> Solution:
    zero = tuple(0.0 for _ in problem.dimensions)
    routes, unserved = [], []
    todo = list(problem.orders)
    for v in problem.vehicles[:vehicles]:
        t, here = v.shift.start, v.start_location
        load = list(zero)
        visits = [Visit("start", here, (), None, t, 0, t, t, tuple(load))]
        dist = 0.0
        rest: list[Order] = []
        for o in todo:
            if not o.skills <= v.skills:
                rest.append(o)
                continue
            plan, tt, pos, d, ld = [], t, here, 0.0, list(load)
            ok = True
            stops = [
                (p.location, p.windows, p.service_s, p.amount, "pickup", p.site, StopRef(o.id, i))
                for i, p in enumerate(o.pickups)
            ]
            stops.append(
                (
                    o.drop_location,
                    o.drop_windows,
                    o.drop_service_s,
                    tuple(-q for q in o.amount),
                    "drop",
                    o.drop_site,
                    StopRef(o.id),
                )
            )
            for loc, windows, service, amount, kind, site, ref in stops:
                arrive = tt + int(problem.seconds[pos, loc])
                begin = _start(windows, arrive)
                if begin is None:
                    ok = False
                    break
                ld = [a + b for a, b in zip(ld, amount, strict=True)]
                if any(q > c + 1e-9 for q, c in zip(ld, v.capacity, strict=True)):
                    ok = False
                    break
                d += float(problem.metres[pos, loc])
                plan.append(
                    Visit(
                        kind,
                        loc,
                        (o.id,),
                        site,
                        arrive,
                        begin - arrive,
                        begin,
                        begin + service,
                        tuple(ld),
                        (ref,),
                    )
                )
                tt, pos = begin + service, loc
            back = tt + int(problem.seconds[pos, v.end_location]) if ok else 0
            if ok and back <= v.shift.end:
                visits += plan
                t, here, dist, load = tt, pos, dist + d, ld
            else:
                rest.append(o)
        todo = rest
        if len(visits) == 1:
            continue
        end = t + int(problem.seconds[here, v.end_location])
        dist += float(problem.metres[here, v.end_location])
        visits.append(Visit("end", v.end_location, (), None, end, 0, end, end, tuple(load)))
        routes.append(Route(v.id, tuple(visits), dist, end - visits[0].departure_s, 10.0, 1.0))
    unserved = [Unserved(o.id, "hand", "did not fit the hand-made rounds") for o in todo]
    served = len(problem.orders) - len(unserved)
    totals = Totals(
        len(routes),
        sum(r.distance_m for r in routes) / 1000,
        1.0,
        10.0 * len(routes),
        1.0,
        served,
        len(unserved),
    )
    return Solution(tuple(routes), tuple(unserved), totals, {}, 0.01, "hand")
