"""Offer slots least crowded first: :func:`rank_slots`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from logistics.slots._time import utc
from logistics.slots._validate import check_int
from logistics.slots.calendar import Slot


@dataclass(frozen=True)
class RankedSlot:
    """A slot offered to a customer with its current occupancy.

    Parameters
    ----------
    slot
        The slot.
    occupancy
        Customers currently booked in it (live holds and confirmed bookings).
    """

    slot: Slot
    occupancy: int

    @property
    def remaining(self) -> int:
        """Places left (never negative)."""
        return max(self.slot.capacity - self.occupancy, 0)

    def to_dict(self) -> dict[str, Any]:
        """Return the offer as JSON-ready data."""
        return {**self.slot.to_dict(), "occupancy": self.occupancy, "remaining": self.remaining}


def rank_slots(
    slots: Iterable[Slot],
    occupancy: Mapping[str, int],
    *,
    now: datetime | None = None,
    include_full: bool = False,
) -> list[RankedSlot]:
    """Rank `slots` least crowded first, ties by start time.

    Crowding is the number of customers present (the contact a new customer adds), so a slot with
    1 customer comes before one with 2 whatever their capacities.

    Parameters
    ----------
    slots
        Candidate slots (for a basket: the slots of its collection point, or of one merchant).
    occupancy
        Customers booked per :attr:`Slot.id`; a missing id means 0.
    now
        When given, drop the slots that cannot be booked at `now` (started, past notice or
        cut-off, beyond the horizon).
    include_full
        Keep slots with no place left (they sort by occupancy like the others); by default they
        are dropped.

    Returns
    -------
    list of RankedSlot
        Offers ordered by (occupancy, start, site id).

    Raises
    ------
    InputError
        If an occupancy is negative or not an integer, or `now` is naive.
    """
    offers = []
    for slot in slots:
        count = check_int(f"occupancy[{slot.id!r}]", occupancy.get(slot.id, 0), 0)
        if now is not None and slot.refusal(now) is not None:
            continue
        offer = RankedSlot(slot, count)
        if offer.remaining == 0 and not include_full:
            continue
        offers.append(offer)
    offers.sort(key=lambda o: (o.occupancy, utc(o.slot.start), o.slot.site_id))
    return offers
