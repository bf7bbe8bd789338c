"""Standard benchmark instances: Solomon / Gehring-Homberger VRPTW and Li & Lim PDPTW.

The formats are described in ``benchmarks/instances/SOURCE.md``.  :func:`read_instance` reads one
file, :func:`to_problem` turns it into a :class:`~logistics.routing.model.Problem` and
:func:`solve_instance` solves it and reports the result in the convention of the best-known
results: double-precision Euclidean distances, unrounded.

Integer scaling.  The engine works in integers, so :func:`to_problem` multiplies every time by
:data:`SCALE` and rounds each travel time *up* (``ceil(d * SCALE)``).  Times in the files are
integers, so windows and service times scale exactly; a travel time is never shorter in the
model than in double precision, hence every arrival and service start computed in the model is
at or after the double-precision one and a schedule that meets the windows in scaled integers
meets them in double precision too (the reverse may fail by less than one unit in ``SCALE`` per
arc: the model is slightly conservative).  Distances (``metres``) are ``d * SCALE`` as floats,
so that ``km`` equals the instance's distance and ``cost_per_km=1`` prices it exactly.
"""

from __future__ import annotations

import csv
import itertools
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from logistics.errors import InputError
from logistics.routing.model import Order, Pickup, Problem, Vehicle, Window

__all__ = [
    "SCALE",
    "Instance",
    "euclidean_distance",
    "read_bks",
    "read_instance",
    "solve_instance",
    "to_problem",
]

SCALE = 1000
"""Factor applied to times and distances of an instance before they become integers."""

DEPOT_SITE = "depot"


@dataclass(frozen=True, eq=False)
class Instance:
    """A benchmark instance as read from its file.

    Parameters
    ----------
    name
        File name without extension (the key of ``bks.csv``).
    kind
        ``"vrptw"`` (Solomon / Gehring-Homberger) or ``"pdptw"`` (Li & Lim).
    vehicles
        Fleet size given by the file.
    capacity
        Capacity of every vehicle.
    x, y, demand, ready, due, service
        One value per node, node 0 being the depot.
    pairs
        ``(pickup node, delivery node)`` of each request (PDPTW only).
    """

    name: str
    kind: Literal["vrptw", "pdptw"]
    vehicles: int
    capacity: int
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    pairs: tuple[tuple[int, int], ...] = ()

    @property
    def nodes(self) -> int:
        """Number of nodes, depot included."""
        return len(self.x)

    def distances(self) -> np.ndarray:
        """Return the ``n x n`` double-precision Euclidean distances between nodes."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.sqrt(dx * dx + dy * dy)


def _bad(path: Path, what: str) -> InputError:
    return InputError(
        f"{path}: {what}; expected a Solomon/Gehring-Homberger VRPTW or a Li & Lim PDPTW "
        "instance (see benchmarks/instances/SOURCE.md)",
        {"field": "file", "value": str(path)},
    )


def _numbers(path: Path, line: str, count: int) -> list[float]:
    try:
        values = [float(v) for v in line.split()]
    except ValueError:
        raise _bad(path, f"non-numeric row {line.strip()!r}") from None
    if len(values) < count:
        raise _bad(path, f"row {line.strip()!r} has {len(values)} fields, expected {count}")
    return values


def _read_solomon(path: Path, lines: list[str]) -> Instance:
    upper = [ln.strip().upper() for ln in lines]
    try:
        v_at = upper.index("VEHICLE")
        c_at = upper.index("CUSTOMER")
    except ValueError:
        raise _bad(path, "no VEHICLE or CUSTOMER block") from None
    fleet = [ln for ln in lines[v_at + 1 : c_at] if ln.strip() and ln.split()[0].isdigit()]
    if not fleet:
        raise _bad(path, "no NUMBER CAPACITY line in the VEHICLE block")
    vehicles, capacity = (int(v) for v in _numbers(path, fleet[0], 2)[:2])
    rows = [
        _numbers(path, ln, 7)
        for ln in lines[c_at + 1 :]
        if ln.strip() and ln.split()[0].lstrip("-").isdigit()
    ]
    if len(rows) < 2:
        raise _bad(path, "fewer than two nodes in the CUSTOMER block")
    data = np.array([r[:7] for r in rows])
    if list(data[:, 0].astype(int)) != list(range(len(rows))):
        raise _bad(path, "customer numbers must be 0, 1, 2, ... in order")
    return Instance(
        name=path.stem,
        kind="vrptw",
        vehicles=vehicles,
        capacity=capacity,
        x=data[:, 1],
        y=data[:, 2],
        demand=data[:, 3].astype(int),
        ready=data[:, 4],
        due=data[:, 5],
        service=data[:, 6],
    )


def _read_li_lim(path: Path, lines: list[str]) -> Instance:
    body = [ln for ln in lines if ln.strip()]
    head = _numbers(path, body[0], 2)
    rows = [_numbers(path, ln, 9) for ln in body[1:]]
    if len(rows) < 3:
        raise _bad(path, "fewer than three nodes")
    data = np.array([r[:9] for r in rows])
    if list(data[:, 0].astype(int)) != list(range(len(rows))):
        raise _bad(path, "node indices must be 0, 1, 2, ... in order")
    pairs = []
    n = len(rows)
    for i in range(1, n):
        delivery = int(data[i, 8])
        if delivery:
            if not 0 < delivery < n or int(data[delivery, 7]) != i:
                raise _bad(path, f"pickup {i} names delivery {delivery}, which does not name it")
            pairs.append((i, delivery))
    if 2 * len(pairs) != n - 1:
        raise _bad(path, f"{n - 1} nodes but {len(pairs)} pickup-delivery pairs")
    return Instance(
        name=path.stem,
        kind="pdptw",
        vehicles=int(head[0]),
        capacity=int(head[1]),
        x=data[:, 1],
        y=data[:, 2],
        demand=data[:, 3].astype(int),
        ready=data[:, 4],
        due=data[:, 5],
        service=data[:, 6],
        pairs=tuple(pairs),
    )


def read_instance(path: str | Path) -> Instance:
    """Read a Solomon / Gehring-Homberger or a Li & Lim instance file.

    Parameters
    ----------
    path
        The instance file; the format is recognised from its content.

    Returns
    -------
    Instance

    Raises
    ------
    InputError
        If the file is missing, unreadable or in neither format.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"instance file {str(path)!r} does not exist", {"field": "file", "value": str(path)}
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({exc.__class__.__name__})") from None
    lines = text.splitlines()
    if not any(ln.strip() for ln in lines):
        raise _bad(path, "empty file")
    if any(ln.strip().upper() == "VEHICLE" for ln in lines):
        return _read_solomon(path, lines)
    first = next(ln for ln in lines if ln.strip()).split()
    if len(first) == 3 and all(f.replace(".", "", 1).isdigit() for f in first):
        return _read_li_lim(path, lines)
    raise _bad(path, "unknown format")


def read_bks(set_dir: str | Path) -> dict[str, tuple[int, float]]:
    """Return the best-known ``(vehicles, distance)`` of each instance of a set folder.

    Raises
    ------
    InputError
        If the folder has no readable ``bks.csv``.
    """
    path = Path(set_dir) / "bks.csv"
    if not path.is_file():
        raise InputError(f"{path} does not exist", {"field": "set_dir", "value": str(set_dir)})
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            row["instance"]: (int(row["vehicles"]), float(row["distance"]))
            for row in csv.DictReader(fh)
        }


def to_problem(instance: Instance) -> Problem:
    """Turn an instance into a planning problem (times scaled by :data:`SCALE`, see module doc).

    Every node ``i`` is matrix location ``i``.  A VRPTW customer becomes an order whose single
    pickup is at the depot (window = the horizon, no service) and whose drop is the customer; a
    PDPTW request becomes an order picked up at its pickup node and dropped at its delivery node.
    Order ids are the customer (VRPTW) or pickup node (PDPTW) numbers as strings.
    """
    d = instance.distances()
    seconds = np.ceil(d * SCALE)
    metres = d * SCALE
    horizon = Window(int(instance.ready[0] * SCALE), int(instance.due[0] * SCALE))

    def window(i: int) -> tuple[Window, ...]:
        return (Window(int(instance.ready[i] * SCALE), int(instance.due[i] * SCALE)),)

    def service(i: int) -> int:
        return round(instance.service[i] * SCALE)

    orders: list[Order] = []
    if instance.kind == "vrptw":
        for i in range(1, instance.nodes):
            pickup = Pickup(0, (horizon,), 0, (float(instance.demand[i]),), DEPOT_SITE)
            orders.append(Order(str(i), (pickup,), i, window(i), service(i), str(i)))
    else:
        for p, q in instance.pairs:
            pickup = Pickup(p, window(p), service(p), (float(instance.demand[p]),), str(p))
            orders.append(Order(str(p), (pickup,), q, window(q), service(q), str(q)))
    vehicles = tuple(
        Vehicle(
            id=f"v{k + 1}",
            start_location=0,
            end_location=0,
            shift=horizon,
            capacity=(float(instance.capacity),),
            cost_per_km=1.0,
        )
        for k in range(instance.vehicles)
    )
    return Problem(
        seconds=seconds,
        metres=metres,
        orders=tuple(orders),
        vehicles=vehicles,
        dimensions=("demand",),
        location_ids=tuple(range(instance.nodes)),
    )


def euclidean_distance(instance: Instance, routes: list[list[int]]) -> float:
    """Return the total double-precision Euclidean length of routes (depot added at both ends)."""
    total = 0.0
    for route in routes:
        path = [0, *route, 0]
        for a, b in itertools.pairwise(path):
            total += math.hypot(instance.x[a] - instance.x[b], instance.y[a] - instance.y[b])
    return total


def solve_instance(
    path: str | Path,
    *,
    time_limit_s: float | None = 10.0,
    seed: int = 0,
    search_limit: int | None = None,
) -> dict[str, Any]:
    """Solve one benchmark instance and report it in the best-known results' convention.

    Parameters
    ----------
    path
        The instance file.
    time_limit_s, seed, search_limit
        As in :class:`~logistics.routing.solve.Params`.

    Returns
    -------
    dict
        ``{"instance", "vehicles", "distance", "routes", "unserved", "seconds"}``: routes list
        node ids in visiting order (depot excluded), ``distance`` is the double-precision
        Euclidean total, ``unserved`` lists the node ids of orders left out and ``seconds``
        the wall time of reading, solving and reporting.

    Raises
    ------
    InputError
        If the file cannot be read or a parameter is invalid.
    """
    from logistics.routing.solve import Params, solve

    began = time.perf_counter()
    instance = read_instance(path)
    params = Params(time_limit_s=time_limit_s, seed=seed, search_limit=search_limit)
    solution = solve(to_problem(instance), params)
    routes = [
        [v.location for v in r.visits if v.kind in ("pickup", "drop") and v.location != 0]
        for r in solution.routes
    ]
    routes = [r for r in routes if r]
    delivery = dict(instance.pairs)
    unserved: list[int] = []
    for u in solution.unserved:
        node = int(u.order_id)
        unserved.extend([node, delivery[node]] if instance.kind == "pdptw" else [node])
    return {
        "instance": instance.name,
        "vehicles": len(routes),
        "distance": euclidean_distance(instance, routes),
        "routes": routes,
        "unserved": sorted(unserved),
        "seconds": round(time.perf_counter() - began, 3),
    }
