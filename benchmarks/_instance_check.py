"""Read Solomon / Li & Lim instance files and check a solution, independently of the engine.

This module has its own minimal reader (it does not use :mod:`logistics.routing.instances`) so
that the benchmark's verdict does not depend on the code it measures.  Conventions are those of
the best-known results (``benchmarks/instances/SOURCE.md``): travel time equals the Euclidean
distance computed in double precision without rounding; service must *start* by the due date
(waiting when early is allowed); every vehicle is back at the depot by the depot's due date;
loads stay within ``[0, capacity]`` along the route; a Li & Lim request is served by one vehicle,
pickup before delivery.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Instance", "Verdict", "check_routes", "read"]

EPS = 1e-9  # slack for float summation only; integer scaling errors are NOT forgiven


@dataclass(frozen=True)
class Instance:
    """An instance: node 0 is the depot; ``sibling[i]`` pairs pickups and deliveries (PDPTW)."""

    name: str
    kind: str  # "vrptw" or "pdptw"
    fleet: int
    capacity: float
    x: np.ndarray
    y: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    pickup_of: np.ndarray  # for a delivery, its pickup (0 otherwise)
    delivery_of: np.ndarray  # for a pickup, its delivery (0 otherwise)

    @property
    def n(self) -> int:
        """Number of nodes including the depot."""
        return len(self.x)

    def distances(self) -> np.ndarray:
        """Return the double-precision Euclidean distance matrix."""
        dx = self.x[:, None] - self.x[None, :]
        dy = self.y[:, None] - self.y[None, :]
        return np.sqrt(dx * dx + dy * dy)


def read(path: str | Path) -> Instance:
    """Read a Solomon / Gehring-Homberger (VRPTW) or Li & Lim (PDPTW) file.

    Raises
    ------
    ValueError
        When the file is in neither format.
    """
    path = Path(path)
    lines = [line.split() for line in path.read_text().splitlines()]
    lines = [f for f in lines if f]
    if any(f[0].upper() == "VEHICLE" for f in lines):
        return _read_solomon(path.stem, lines)
    return _read_li_lim(path.stem, lines)


def _read_solomon(name: str, lines: list[list[str]]) -> Instance:
    i = next(k for k, f in enumerate(lines) if f[0].upper() == "VEHICLE")
    # VEHICLE / NUMBER CAPACITY / <fleet> <capacity>
    fleet, capacity = int(lines[i + 2][0]), float(lines[i + 2][1])
    rows = [
        [float(v) for v in f]
        for f in lines[i + 3 :]
        if len(f) == 7 and all(_is_number(v) for v in f)
    ]
    if not rows or rows[0][0] != 0:
        raise ValueError(f"{name}: no customer rows starting with the depot 0")
    a = np.array(rows)
    if not np.array_equal(a[:, 0], np.arange(len(a))):
        raise ValueError(f"{name}: customer numbers are not 0..n-1")
    zeros = np.zeros(len(a), dtype=int)
    return Instance(
        name, "vrptw", fleet, capacity, a[:, 1], a[:, 2], a[:, 3], a[:, 4], a[:, 5], a[:, 6],
        zeros, zeros.copy(),
    )  # fmt: skip


def _read_li_lim(name: str, lines: list[list[str]]) -> Instance:
    fleet, capacity = int(lines[0][0]), float(lines[0][1])
    rows = [[float(v) for v in f] for f in lines[1:] if len(f) == 9]
    a = np.array(rows)
    if len(a) == 0 or not np.array_equal(a[:, 0], np.arange(len(a))):
        raise ValueError(f"{name}: node numbers are not 0..n-1")
    pickup_of, delivery_of = a[:, 7].astype(int), a[:, 8].astype(int)
    for i in range(1, len(a)):
        if a[i, 3] > 0 and pickup_of[delivery_of[i]] != i:
            raise ValueError(f"{name}: pickup {i} and delivery {delivery_of[i]} do not match")
    return Instance(
        name, "pdptw", fleet, capacity, a[:, 1], a[:, 2], a[:, 3], a[:, 4], a[:, 5], a[:, 6],
        pickup_of, delivery_of,
    )  # fmt: skip


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Verdict:
    """The result of checking a solution: violations, route count and recomputed distance."""

    violations: tuple[str, ...]
    vehicles: int
    distance: float

    @property
    def feasible(self) -> bool:
        """Whether there is no violation."""
        return not self.violations


def check_routes(
    inst: Instance,
    routes: list[list[int]],
    *,
    unserved: list[int] | None = None,
    reported_distance: float | None = None,
    reported_vehicles: int | None = None,
) -> Verdict:
    """Check ``routes`` (node ids in visiting order, depot excluded) against ``inst``.

    Every customer node must be visited exactly once (an unserved node is a violation), the
    fleet size is not exceeded, each route respects the time windows, the depot's horizon and
    the capacity along the route, and each Li & Lim request is on one route, pickup first.
    The reported distance and vehicle count, when given, must match the recomputation
    (relative 1e-6).
    """
    d = inst.distances()
    out: list[str] = []
    used = [r for r in routes if r]
    seen: dict[int, int] = {}
    for k, route in enumerate(used):
        for node in route:
            if not 1 <= node < inst.n:
                out.append(f"route {k}: node {node} is not a customer")
                continue
            if node in seen:
                out.append(f"node {node} visited twice (routes {seen[node]} and {k})")
            seen[node] = k
    missing = [i for i in range(1, inst.n) if i not in seen]
    if missing:
        out.append(f"{len(missing)} node(s) not visited: {missing[:10]}")
    if unserved:
        out.append(f"{len(unserved)} node(s) reported unserved: {sorted(unserved)[:10]}")
    if len(used) > inst.fleet:
        out.append(f"{len(used)} routes > fleet of {inst.fleet}")

    total = 0.0
    for k, route in enumerate(used):
        t = float(inst.ready[0])
        load = 0.0
        prev = 0
        position: dict[int, int] = {}
        for pos, node in enumerate(route):
            if not 1 <= node < inst.n:
                break
            position[node] = pos
            total += d[prev, node]
            t = max(t + d[prev, node], float(inst.ready[node]))
            if t > inst.due[node] + EPS:
                out.append(
                    f"route {k}: node {node} starts at {t:.6f} > due {inst.due[node]:g} "
                    f"(late by {t - inst.due[node]:.3g})"
                )
            t += inst.service[node]
            load += inst.demand[node]
            if load > inst.capacity + EPS:
                out.append(f"route {k}: load {load:g} > capacity {inst.capacity:g} at {node}")
            if load < -EPS:
                out.append(f"route {k}: load {load:g} < 0 at {node}")
            prev = node
        total += d[prev, 0]
        back = t + d[prev, 0]
        if back > inst.due[0] + EPS:
            out.append(f"route {k}: back at the depot at {back:.6f} > horizon {inst.due[0]:g}")
        if inst.kind == "pdptw":
            for node, pos in position.items():
                if inst.demand[node] > 0:
                    drop = int(inst.delivery_of[node])
                    if drop not in position:
                        out.append(f"route {k}: pickup {node} without its delivery {drop}")
                    elif position[drop] < pos:
                        out.append(f"route {k}: delivery {drop} before its pickup {node}")
    if reported_distance is not None and not math.isclose(
        reported_distance, total, rel_tol=1e-6, abs_tol=1e-6
    ):
        out.append(f"reported distance {reported_distance} != recomputed {total}")
    if reported_vehicles is not None and reported_vehicles != len(used):
        out.append(f"reported vehicles {reported_vehicles} != {len(used)} non-empty routes")
    return Verdict(tuple(out), len(used), total)
