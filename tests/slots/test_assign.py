from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.errors import InputError
from logistics.slots import (
    Slot,
    SlotRequest,
    SlotTemplate,
    UnplacedReason,
    assign_slots,
    contact_pairs,
    fcfs_assign,
    generate_slots,
    slots_in_window,
)

from .conftest import paris

BASE = paris(2026, 6, 16, 9, 0)


def make_slots(capacities: list[int]) -> list[Slot]:
    return [
        Slot(
            "cp",
            BASE + timedelta(minutes=15 * i),
            BASE + timedelta(minutes=15 * (i + 1)),
            capacity,
        )
        for i, capacity in enumerate(capacities)
    ]


def request(name: str, slots: list[Slot], indices: list[int], preferred: int | None = None):
    return SlotRequest(
        name,
        frozenset(slots[i].id for i in indices),
        None if preferred is None else slots[preferred].id,
    )


def test_contact_pairs() -> None:
    assert contact_pairs([0, 1, 2, 3, 4]) == 0 + 0 + 1 + 3 + 6


def test_optimal_spreads_where_fcfs_crowds() -> None:
    slots = make_slots([4, 4, 4])
    requests = [request(f"r{i}", slots, [0, 1, 2]) for i in range(3)]
    fcfs = fcfs_assign(requests, slots)
    assert fcfs.occupancy == {slots[0].id: 3, slots[1].id: 0, slots[2].id: 0}
    assert (fcfs.contact_pairs, fcfs.peak, fcfs.method) == (3, 3, "fcfs")
    best = assign_slots(requests, slots)
    assert sorted(best.occupancy.values()) == [1, 1, 1]
    assert (best.contact_pairs, best.peak, best.method) == (0, 1, "optimal")
    assert list(best.placements) == ["r0", "r1", "r2"]


def test_placing_everyone_comes_first() -> None:
    slots = make_slots([1, 1])
    requests = [request("flexible", slots, [0, 1]), request("strict", slots, [0])]
    fcfs = fcfs_assign(requests, slots)
    assert fcfs.placements == {"flexible": slots[0].id}
    assert [(u.request_id, u.reason) for u in fcfs.unplaced] == [
        ("strict", UnplacedReason.ALL_ACCEPTABLE_FULL)
    ]
    best = assign_slots(requests, slots)
    assert best.placements == {"flexible": slots[1].id, "strict": slots[0].id}
    assert best.unplaced == ()


def test_existing_bookings_use_capacity_and_count_in_contact() -> None:
    slots = make_slots([3, 3])
    requests = [request(f"r{i}", slots, [0, 1]) for i in range(3)]
    best = assign_slots(requests, slots, occupancy={slots[0].id: 2})
    # 2 already there: 2+1 / 2 (3+1 pairs) or 2+0 / 3 (1+3 pairs), both 4; 2+2 / 1 is over capacity
    assert best.contact_pairs == 4
    assert len(best.placements) == 3
    full = assign_slots(requests, slots, occupancy={slots[0].id: 3, slots[1].id: 2})
    assert len(full.placements) == 1
    assert {u.reason for u in full.unplaced} == {UnplacedReason.ALL_ACCEPTABLE_FULL}


def test_preference_breaks_ties_without_adding_contact() -> None:
    slots = make_slots([2, 2])
    requests = [
        request("a", slots, [0, 1], preferred=1),
        request("b", slots, [0, 1], preferred=1),
        request("c", slots, [0, 1], preferred=0),
    ]
    best = assign_slots(requests, slots)
    assert best.contact_pairs == 1  # three customers in two slots: one pair at least
    assert best.preferred_met == 3  # among the 1-pair assignments, the one pleasing everyone
    assert best.placements == {"a": slots[1].id, "b": slots[1].id, "c": slots[0].id}


def test_contact_outweighs_preference() -> None:
    slots = make_slots([3, 3])
    requests = [request("a", slots, [0, 1], preferred=1), request("b", slots, [0, 1], preferred=1)]
    best = assign_slots(requests, slots)
    assert (best.contact_pairs, best.preferred_met) == (0, 1)
    fcfs = fcfs_assign(requests, slots)
    assert (fcfs.contact_pairs, fcfs.preferred_met) == (1, 2)


def test_reasons_for_unplaced_requests() -> None:
    slots = make_slots([1])
    requests = [
        request("first", slots, [0]),
        request("second", slots, [0]),
        SlotRequest("nowhere", frozenset()),
    ]
    for result in (assign_slots(requests, slots), fcfs_assign(requests, slots)):
        reasons = {u.request_id: u.reason for u in result.unplaced}
        assert reasons == {
            "second": UnplacedReason.ALL_ACCEPTABLE_FULL,
            "nowhere": UnplacedReason.NO_ACCEPTABLE_SLOT,
        }
        messages = {u.request_id: u.message for u in result.unplaced}
        assert "all 1 slot(s) it accepts are full" in messages["second"]
        assert "accepts no slot" in messages["nowhere"]


def test_empty_inputs() -> None:
    empty = assign_slots([], [])
    assert (empty.placements, empty.unplaced, empty.contact_pairs, empty.peak) == ({}, (), 0, 0)


def test_slots_in_window(tuesday: date) -> None:
    template = SlotTemplate("cp", "Mo-Sa 09:00-12:00,14:00-18:30", 15, 4)
    other = SlotTemplate("shop", "Mo-Sa 09:00-12:00,14:00-18:30", 15, 4)
    slots = generate_slots(template, tuesday, tuesday) + generate_slots(other, tuesday, tuesday)
    window = slots_in_window(
        slots, paris(2026, 6, 16, 11, 10), paris(2026, 6, 16, 14, 30), site_id="cp"
    )
    assert sorted(window) == [
        "cp@2026-06-16T11:15:00+02:00",
        "cp@2026-06-16T11:30:00+02:00",
        "cp@2026-06-16T11:45:00+02:00",
        "cp@2026-06-16T14:00:00+02:00",
        "cp@2026-06-16T14:15:00+02:00",
    ]
    assert len(slots_in_window(slots, paris(2026, 6, 16, 11, 10), paris(2026, 6, 16, 14, 30))) == 10


def test_validation() -> None:
    slots = make_slots([1, 1])
    with pytest.raises(InputError, match=r"request 'r' accepts unknown slot id\(s\) \['cp@x'\]"):
        assign_slots([SlotRequest("r", frozenset({"cp@x"}))], slots)
    with pytest.raises(InputError, match=r"request id 'r' appears twice"):
        fcfs_assign([request("r", slots, [0]), request("r", slots, [1])], slots)
    with pytest.raises(InputError, match=r"slot id .* appears twice"):
        assign_slots([], slots + slots[:1])
    with pytest.raises(InputError, match=r"occupancy\[.*\]=-1"):
        assign_slots([], slots, occupancy={slots[0].id: -1})
    with pytest.raises(InputError, match=r"occupancy names slot 'cp@y'"):
        assign_slots([], slots, occupancy={"cp@y": 1})
    with pytest.raises(InputError, match=r"preferred slot .* is not among its acceptable slots"):
        SlotRequest("r", frozenset({slots[0].id}), slots[1].id)
    with pytest.raises(InputError, match=r"must be a set of slot ids, not one string"):
        SlotRequest("r", slots[0].id)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"request_id='' is not accepted"):
        SlotRequest("", frozenset())


# --- properties ---------------------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn, max_slots: int = 6, max_requests: int = 14):
    capacities = draw(st.lists(st.integers(1, 4), min_size=1, max_size=max_slots))
    slots = make_slots(capacities)
    existing = {s.id: draw(st.integers(0, s.capacity + 1)) for s in slots if draw(st.booleans())}
    n = draw(st.integers(0, max_requests))
    requests = []
    for i in range(n):
        indices = draw(st.lists(st.integers(0, len(slots) - 1), max_size=len(slots), unique=True))
        preferred = draw(st.sampled_from([None, *indices])) if indices else None
        requests.append(request(f"r{i}", slots, indices, preferred))
    return requests, slots, existing


def check_valid(result, requests: list[SlotRequest], slots: list[Slot], existing) -> None:
    by_id = {s.id: s for s in slots}
    accepted = {r.request_id: r.acceptable for r in requests}
    for request_id, slot_id in result.placements.items():
        assert slot_id in accepted[request_id]  # every request's window is respected
    load = {s.id: existing.get(s.id, 0) for s in slots}
    for slot_id in result.placements.values():
        load[slot_id] += 1
    assert load == result.occupancy
    for slot_id, count in load.items():
        # never over capacity (a slot already over capacity gets nobody new)
        assert count <= max(by_id[slot_id].capacity, existing.get(slot_id, 0))
        if existing.get(slot_id, 0) >= by_id[slot_id].capacity:
            assert count == existing.get(slot_id, 0)
    assert result.contact_pairs == contact_pairs(load.values())
    assert len(result.placements) + len(result.unplaced) == len(requests)


@settings(max_examples=300, deadline=None)
@given(instance=instances())
def test_assignment_is_valid_and_beats_fcfs(instance) -> None:
    requests, slots, existing = instance
    best = assign_slots(requests, slots, occupancy=existing)
    fcfs = fcfs_assign(requests, slots, occupancy=existing)
    check_valid(best, requests, slots, existing)
    check_valid(fcfs, requests, slots, existing)
    assert len(best.placements) >= len(fcfs.placements)
    if len(best.placements) == len(fcfs.placements):
        assert best.contact_pairs <= fcfs.contact_pairs
    # an optimal unplaced request really had nowhere to go
    for unplaced in best.unplaced:
        request = next(r for r in requests if r.request_id == unplaced.request_id)
        full = all(
            best.occupancy[s] >= next(x.capacity for x in slots if x.id == s)
            for s in request.acceptable
        )
        expected = (
            UnplacedReason.NO_ACCEPTABLE_SLOT
            if not request.acceptable
            else UnplacedReason.ALL_ACCEPTABLE_FULL
        )
        assert unplaced.reason is expected and full


def brute_force(requests, slots, existing) -> tuple[int, int, int]:
    """Best (placed, -contact, preferred met) over every assignment."""
    capacity = {s.id: s.capacity for s in slots}
    best = None
    options = [[None, *sorted(r.acceptable)] for r in requests]
    for choice in itertools.product(*options):
        load = {s.id: existing.get(s.id, 0) for s in slots}
        feasible = True
        for slot_id in choice:
            if slot_id is not None:
                load[slot_id] += 1
                if load[slot_id] > capacity[slot_id]:
                    feasible = False
        if not feasible:
            continue
        placed = sum(c is not None for c in choice)
        preferred = sum(
            1
            for r, c in zip(requests, choice, strict=True)
            if r.preferred is not None and c == r.preferred
        )
        key = (placed, -contact_pairs(load.values()), preferred)
        best = key if best is None or key > best else best
    assert best is not None
    return best


@settings(max_examples=150, deadline=None)
@given(instance=instances(max_slots=4, max_requests=6))
def test_assignment_is_exact(instance) -> None:
    requests, slots, existing = instance
    best = assign_slots(requests, slots, occupancy=existing)
    assert (len(best.placements), -best.contact_pairs, best.preferred_met) == brute_force(
        requests, slots, existing
    )
