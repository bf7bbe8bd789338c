"""Click-and-collect slots (pure core: no database, no HTTP).

Calendars (:class:`SlotTemplate`, :func:`generate_slots`), public holidays (:class:`HolidayRule`),
shared collection points (:func:`slots_after_drops`), booking lifecycle rules (:func:`hold`,
:func:`transition`, :func:`effective_status`), least-crowded ranking (:func:`rank_slots`) and
contact-minimising assignment (:func:`assign_slots`, baseline :func:`fcfs_assign`).
"""

from logistics.slots.assign import (
    Assignment,
    SlotRequest,
    Unplaced,
    UnplacedReason,
    assign_slots,
    contact_pairs,
    fcfs_assign,
    slots_in_window,
)
from logistics.slots.booking import (
    DEFAULT_HOLD_MINUTES,
    OCCUPYING,
    Action,
    BasketHold,
    Booking,
    BookingStatus,
    HoldPolicy,
    count_occupying,
    effective_status,
    hold,
    hold_basket,
    occupies_capacity,
    transition,
)
from logistics.slots.calendar import (
    Closure,
    Refusal,
    Slot,
    SlotTemplate,
    generate_slots,
    open_intervals,
)
from logistics.slots.collection import Drop, earliest_collection, slots_after_drops
from logistics.slots.public_holidays import HolidayPolicy, HolidayRule, holiday_names
from logistics.slots.ranking import RankedSlot, rank_slots

__all__ = [
    "DEFAULT_HOLD_MINUTES",
    "OCCUPYING",
    "Action",
    "Assignment",
    "BasketHold",
    "Booking",
    "BookingStatus",
    "Closure",
    "Drop",
    "HoldPolicy",
    "HolidayPolicy",
    "HolidayRule",
    "RankedSlot",
    "Refusal",
    "Slot",
    "SlotRequest",
    "SlotTemplate",
    "Unplaced",
    "UnplacedReason",
    "assign_slots",
    "contact_pairs",
    "count_occupying",
    "earliest_collection",
    "effective_status",
    "fcfs_assign",
    "generate_slots",
    "hold",
    "hold_basket",
    "holiday_names",
    "occupies_capacity",
    "open_intervals",
    "rank_slots",
    "slots_after_drops",
    "slots_in_window",
    "transition",
]
