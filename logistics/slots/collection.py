"""Shared collection points: slots open only once the round has dropped the goods.

A collection point (mairie, market hall, relay shop) is a site with its own
:class:`~logistics.slots.SlotTemplate`; every merchant whose orders are collected there shares its
slots and therefore their capacity, which belongs to the site's slot, not to a merchant.  Once a
round plan exists for a day, the goods reach the point at the planned drop time; customers may
only come after that plus the time needed to unload and sort (the handling time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from logistics.errors import InputError
from logistics.slots._time import require_aware, utc
from logistics.slots._validate import check_int
from logistics.slots.calendar import Slot


@dataclass(frozen=True)
class Drop:
    """A planned delivery of goods to a collection point.

    Parameters
    ----------
    site_id
        The collection point.
    at
        Planned drop time (aware datetime), from the round plan.
    handling_minutes
        Minutes needed after the drop before customers can collect (default 15).

    Raises
    ------
    InputError
        If `at` is naive or `handling_minutes` is negative.
    """

    site_id: str
    at: datetime
    handling_minutes: int = 15

    def __post_init__(self) -> None:
        require_aware(self.at, "drop.at")
        check_int("drop.handling_minutes", self.handling_minutes, 0, 24 * 60)

    @property
    def earliest_collection(self) -> datetime:
        """First instant a customer may collect: drop time plus handling time (UTC)."""
        return earliest_collection(self.at, timedelta(minutes=self.handling_minutes))


def earliest_collection(drop_at: datetime, handling: timedelta) -> datetime:
    """Return the first instant goods dropped at `drop_at` can be collected.

    Parameters
    ----------
    drop_at
        Planned drop time (aware).
    handling
        Time to unload and sort after the drop (not negative).

    Returns
    -------
    datetime
        ``drop_at + handling`` as a UTC instant (real time, correct across DST changes).

    Raises
    ------
    InputError
        If `drop_at` is naive or `handling` negative.
    """
    if not isinstance(handling, timedelta) or handling < timedelta(0):
        raise InputError(
            f"handling={handling!r} is not accepted; expected a duration of zero or more",
            {"field": "handling", "value": repr(handling)},
        )
    return utc(require_aware(drop_at, "drop_at")) + handling


def slots_after_drops(slots: Iterable[Slot], drops: Iterable[Drop]) -> list[Slot]:
    """Keep the slots that start once the goods have been dropped and handled.

    A slot is removed when a drop is planned at its site on its local day and the slot starts
    before the latest such drop's :attr:`Drop.earliest_collection` (all the day's goods must be
    there).  Slots of sites or days without a planned drop are kept: no plan exists yet.

    Parameters
    ----------
    slots
        Slots of one or several sites.
    drops
        The planned drops (for one order, pass only the drop of the round carrying it).

    Returns
    -------
    list of Slot
        The slots kept, in their input order.
    """
    by_site: dict[str, list[Drop]] = {}
    for drop in drops:
        by_site.setdefault(drop.site_id, []).append(drop)
    kept = []
    for slot in slots:
        day = slot.start.date()  # the local day, in the slot's own zone
        limits = [
            drop.earliest_collection
            for drop in by_site.get(slot.site_id, ())
            if drop.at.astimezone(slot.start.tzinfo).date() == day
        ]
        if not limits or utc(slot.start) >= max(limits):
            kept.append(slot)
    return kept
