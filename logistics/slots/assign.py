"""Batch slot assignment minimising contact: :func:`assign_slots` (exact) and :func:`fcfs_assign`.

Contact in a slot holding k customers is the number of pairs present together, k(k−1)/2.  Given
requests that each accept a set of slots, :func:`assign_slots` finds, exactly:

1. the largest number of requests that can be placed within the capacities, then
2. among those, the smallest total contact Σ k(k−1)/2 (customers already booked count), then
3. among those, the most requests placed in their preferred slot.

It is a min-cost flow (OR-Tools ``SimpleMinCostFlow.solve_max_flow_with_min_cost``): source →
request (capacity 1) → each accepted slot → sink through one unit arc per place, the j-th
customer's arc costing the j−1 pairs they add.  These costs increase with j (convex), so the flow
fills a slot's cheap places first and its cost is exactly the contact.  Contact is weighted by
(number of requests + 1) and a placement outside the request's preferred slot costs 1, which makes
the preference a strict tie-break.  Among requests that tie on all three criteria, which are left
out is decided by the solver (deterministically for the same input).

:func:`fcfs_assign` is the naive baseline of a booking system taking requests one by one in
arrival order: each takes its preferred slot if it has room, else the earliest accepted slot with
room.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
from ortools.graph.python import min_cost_flow

from logistics.errors import InputError
from logistics.slots._time import require_aware, utc
from logistics.slots._validate import check_int, check_items
from logistics.slots.calendar import Slot


class UnplacedReason(StrEnum):
    """Why a request got no slot."""

    NO_ACCEPTABLE_SLOT = "no_acceptable_slot"
    """The request accepts no slot at all (e.g. its window holds no open slot)."""
    ALL_ACCEPTABLE_FULL = "all_acceptable_full"
    """Every slot it accepts is full."""


@dataclass(frozen=True)
class SlotRequest:
    """A customer to be given one slot.

    Parameters
    ----------
    request_id
        Unique id of the request (e.g. the order id).
    acceptable
        Ids (:attr:`Slot.id`) of the slots the customer accepts; may be empty.
    preferred
        Optional preferred slot id, one of `acceptable`.

    Raises
    ------
    InputError
        If the id is empty or `preferred` is not acceptable.
    """

    request_id: str
    acceptable: frozenset[str]
    preferred: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.request_id, str) or not self.request_id:
            raise InputError(
                f"request_id={self.request_id!r} is not accepted; expected a non-empty string",
                {"field": "request_id", "value": repr(self.request_id)},
            )
        if isinstance(self.acceptable, str):
            raise InputError(
                f"request {self.request_id!r}: acceptable={self.acceptable!r} must be a set of "
                "slot ids, not one string",
                {"field": "acceptable", "value": self.acceptable},
            )
        object.__setattr__(self, "acceptable", frozenset(self.acceptable))
        if self.preferred is not None and self.preferred not in self.acceptable:
            raise InputError(
                f"request {self.request_id!r}: preferred slot {self.preferred!r} is not among "
                "its acceptable slots",
                {"field": "preferred", "value": self.preferred},
            )


@dataclass(frozen=True)
class Unplaced:
    """A request that could not be placed, with the reason."""

    request_id: str
    reason: UnplacedReason
    message: str


@dataclass(frozen=True)
class Assignment:
    """The result of an assignment.

    Attributes
    ----------
    placements
        Slot id given to each placed request.
    unplaced
        The requests left without a slot, with a reason, in request order.
    occupancy
        Customers per slot id after the assignment, existing bookings included (every slot).
    contact_pairs
        Σ k(k−1)/2 over the slots.
    peak
        The largest number of customers in one slot.
    preferred_met
        Placed requests that got their preferred slot.
    method
        ``"optimal"`` or ``"fcfs"``.
    """

    placements: dict[str, str]
    unplaced: tuple[Unplaced, ...]
    occupancy: dict[str, int]
    contact_pairs: int
    peak: int
    preferred_met: int
    method: str


def contact_pairs(occupancy: Iterable[int]) -> int:
    """Return Σ k(k−1)/2: the pairs of customers present together, summed over slots."""
    return sum(k * (k - 1) // 2 for k in occupancy)


def slots_in_window(
    slots: Iterable[Slot], start: datetime, end: datetime, *, site_id: str | None = None
) -> frozenset[str]:
    """Return the ids of the slots lying entirely inside the window [start, end).

    Parameters
    ----------
    slots
        Candidate slots.
    start, end
        The window the customer accepts (aware).
    site_id
        Keep only slots at this site.

    Returns
    -------
    frozenset of str
        The slot ids.

    Raises
    ------
    InputError
        If a bound is naive.
    """
    lo, hi = utc(require_aware(start, "start")), utc(require_aware(end, "end"))
    return frozenset(
        slot.id
        for slot in slots
        if (site_id is None or slot.site_id == site_id)
        and lo <= utc(slot.start)
        and utc(slot.end) <= hi
    )


def _check(
    requests: Sequence[SlotRequest], slots: Sequence[Slot], occupancy: Mapping[str, int] | None
) -> tuple[dict[str, Slot], dict[str, int]]:
    """Validate the inputs; return slots by id and existing occupancy per slot id."""
    by_id: dict[str, Slot] = {}
    for slot in check_items("slots", slots, Slot):
        if slot.id in by_id:
            raise InputError(
                f"slot id {slot.id!r} appears twice in slots; each slot must be given once",
                {"field": "slots", "value": slot.id},
            )
        by_id[slot.id] = slot
    existing = {slot_id: 0 for slot_id in by_id}
    for slot_id, count in (occupancy or {}).items():
        if slot_id not in by_id:
            raise InputError(
                f"occupancy names slot {slot_id!r}, which is not among the slots given",
                {"field": "occupancy", "value": slot_id},
            )
        existing[slot_id] = check_int(f"occupancy[{slot_id!r}]", count, 0)
    seen: set[str] = set()
    for request in check_items("requests", requests, SlotRequest):
        if request.request_id in seen:
            raise InputError(
                f"request id {request.request_id!r} appears twice; request ids must be unique",
                {"field": "request_id", "value": request.request_id},
            )
        seen.add(request.request_id)
        unknown = sorted(request.acceptable - by_id.keys())
        if unknown:
            raise InputError(
                f"request {request.request_id!r} accepts unknown slot id(s) {unknown[:5]}; "
                "acceptable ids must be ids of the slots given",
                {"field": "acceptable", "value": unknown[:5]},
            )
    return by_id, existing


def _unplaced(request: SlotRequest) -> Unplaced:
    if not request.acceptable:
        return Unplaced(
            request.request_id,
            UnplacedReason.NO_ACCEPTABLE_SLOT,
            f"request {request.request_id!r} accepts no slot (no open slot in its window)",
        )
    return Unplaced(
        request.request_id,
        UnplacedReason.ALL_ACCEPTABLE_FULL,
        f"request {request.request_id!r}: all {len(request.acceptable)} slot(s) it accepts are "
        "full",
    )


def _result(
    requests: Sequence[SlotRequest],
    placements: dict[str, str],
    existing: dict[str, int],
    method: str,
) -> Assignment:
    occupancy = dict(existing)
    for slot_id in placements.values():
        occupancy[slot_id] += 1
    return Assignment(
        placements=placements,
        unplaced=tuple(_unplaced(r) for r in requests if r.request_id not in placements),
        occupancy=occupancy,
        contact_pairs=contact_pairs(occupancy.values()),
        peak=max(occupancy.values(), default=0),
        preferred_met=sum(
            1
            for r in requests
            if r.preferred is not None and placements.get(r.request_id) == r.preferred
        ),
        method=method,
    )


def assign_slots(
    requests: Sequence[SlotRequest],
    slots: Sequence[Slot],
    *,
    occupancy: Mapping[str, int] | None = None,
) -> Assignment:
    """Give slots to `requests`, placing as many as possible with the least total contact.

    Parameters
    ----------
    requests
        The customers to place, each with the slots it accepts.
    slots
        The slots available, with their capacities.
    occupancy
        Customers already booked per slot id (they use capacity and count in the contact).

    Returns
    -------
    Assignment
        An optimal assignment (see the module docstring for the exact objective).

    Raises
    ------
    InputError
        If ids repeat, a request accepts an unknown slot id or an occupancy is invalid.
    """
    by_id, existing = _check(requests, slots, occupancy)
    live = [r for r in requests if r.acceptable]
    if not live:
        return _result(requests, {}, existing, "optimal")
    slot_ids = sorted({s for r in live for s in r.acceptable})
    demand = {s: 0 for s in slot_ids}
    for request in live:
        for s in request.acceptable:
            demand[s] += 1
    weight = len(live) + 1
    source, sink = 0, 1
    request_node = {r.request_id: 2 + i for i, r in enumerate(live)}
    slot_node = {s: 2 + len(live) + i for i, s in enumerate(slot_ids)}
    tails: list[int] = []
    heads: list[int] = []
    costs: list[int] = []
    arc_pair: list[tuple[str, str] | None] = []
    for request in live:
        tails.append(source)
        heads.append(request_node[request.request_id])
        costs.append(0)
        arc_pair.append(None)
        for s in sorted(request.acceptable):
            tails.append(request_node[request.request_id])
            heads.append(slot_node[s])
            # Every placement costs 1 except in the preferred slot: with the number placed fixed
            # by the max flow, the total is (placed - preferred met), a pure tie-break.
            costs.append(0 if request.preferred == s else 1)
            arc_pair.append((request.request_id, s))
    for s in slot_ids:
        room = max(by_id[s].capacity - existing[s], 0)
        for j in range(min(room, demand[s])):
            tails.append(slot_node[s])
            heads.append(sink)
            costs.append((existing[s] + j) * weight)
            arc_pair.append(None)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, dtype=np.int32),
        np.asarray(heads, dtype=np.int32),
        np.ones(len(tails), dtype=np.int64),
        np.asarray(costs, dtype=np.int64),
    )
    solver.set_node_supply(source, len(live))
    solver.set_node_supply(sink, -len(live))
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:  # pragma: no cover - the network is always well formed
        raise RuntimeError(f"OR-Tools min-cost flow ended with status {status}")
    flows = solver.flows(np.arange(len(tails), dtype=np.int32))
    placements: dict[str, str] = {}
    for arc, pair in enumerate(arc_pair):
        if pair is not None and flows[arc] > 0:
            placements[pair[0]] = pair[1]
    ordered = {
        r.request_id: placements[r.request_id] for r in requests if r.request_id in placements
    }
    return _result(requests, ordered, existing, "optimal")


def fcfs_assign(
    requests: Sequence[SlotRequest],
    slots: Sequence[Slot],
    *,
    occupancy: Mapping[str, int] | None = None,
) -> Assignment:
    """Give slots first come, first served, as a naive booking system does.

    Requests are taken in the given (arrival) order; each takes its preferred slot if it has
    room, else the earliest accepted slot with room (ties by slot id).

    Parameters
    ----------
    requests
        The customers, in arrival order.
    slots
        The slots available, with their capacities.
    occupancy
        Customers already booked per slot id.

    Returns
    -------
    Assignment
        The baseline assignment (``method="fcfs"``).

    Raises
    ------
    InputError
        As :func:`assign_slots`.
    """
    by_id, existing = _check(requests, slots, occupancy)
    load = dict(existing)
    placements: dict[str, str] = {}
    for request in requests:
        order = sorted(request.acceptable, key=lambda s: (utc(by_id[s].start), s))
        if request.preferred is not None:
            order.insert(0, request.preferred)
        for s in order:
            if load[s] < by_id[s].capacity:
                load[s] += 1
                placements[request.request_id] = s
                break
    return _result(requests, placements, existing, "fcfs")
