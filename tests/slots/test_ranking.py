from __future__ import annotations

from datetime import date

import pytest

from logistics.errors import InputError
from logistics.slots import Slot, SlotTemplate, generate_slots, rank_slots

from .conftest import paris


@pytest.fixture
def morning(tuesday: date) -> list[Slot]:
    template = SlotTemplate("cp", "Tu 09:00-10:00", 15, 3)
    return generate_slots(template, tuesday, tuesday)  # 09:00 09:15 09:30 09:45


def test_least_crowded_first_ties_by_time(morning: list[Slot]) -> None:
    occupancy = {morning[0].id: 2, morning[1].id: 1, morning[3].id: 1}
    ranked = rank_slots(morning, occupancy)
    assert [r.slot.start.strftime("%H:%M") for r in ranked] == ["09:30", "09:15", "09:45", "09:00"]
    assert [r.occupancy for r in ranked] == [0, 1, 1, 2]
    assert [r.remaining for r in ranked] == [3, 2, 2, 1]


def test_full_slots_are_dropped_unless_asked(morning: list[Slot]) -> None:
    occupancy = {morning[0].id: 3, morning[1].id: 5}
    assert [r.slot for r in rank_slots(morning, occupancy)] == morning[2:]
    everything = rank_slots(morning, occupancy, include_full=True)
    assert [r.occupancy for r in everything] == [0, 0, 3, 5]
    assert everything[-1].remaining == 0


def test_unbookable_slots_are_dropped_with_now(morning: list[Slot]) -> None:
    ranked = rank_slots(morning, {}, now=paris(2026, 6, 16, 9, 20))
    assert [r.slot.start.strftime("%H:%M") for r in ranked] == ["09:30", "09:45"]


def test_to_dict_carries_occupancy(morning: list[Slot]) -> None:
    data = rank_slots(morning, {morning[0].id: 1})[-1].to_dict()
    assert data["start"] == "2026-06-16T09:00:00+02:00"
    assert (data["occupancy"], data["remaining"], data["capacity"]) == (1, 2, 3)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_invalid_occupancy(morning: list[Slot], bad: object) -> None:
    with pytest.raises(InputError, match=r"occupancy\[.*\]=.* expected an integer >= 0"):
        rank_slots(morning, {morning[0].id: bad})  # type: ignore[dict-item]
