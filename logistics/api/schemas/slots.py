"""Pickup slots with their occupancy (``/v1/slots``, and inside ``/v1/options``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logistics.api.schemas.bookings import SITE_EXAMPLE, SiteRef
from logistics.store.slots import Site, SlotView

SlotReason = Literal[
    "slot_started", "booking_closed", "booking_not_open", "before_drop", "storage_full", "full"
]
SLOT_EXAMPLE: dict[str, Any] = {
    "id": 4182,
    "starts_at": "2026-06-16T09:30:00+02:00",
    "ends_at": "2026-06-16T10:00:00+02:00",
    "capacity": 2,
    "occupancy": 1,
    "remaining": 1,
    "available": True,
    "reason": None,
    "message": None,
    "book_from": "2026-06-02T00:00:00+02:00",
    "book_until": "2026-06-16T08:30:00+02:00",
}
FULL_SLOT_EXAMPLE: dict[str, Any] = {
    **SLOT_EXAMPLE,
    "id": 4183,
    "starts_at": "2026-06-16T10:00:00+02:00",
    "ends_at": "2026-06-16T10:30:00+02:00",
    "occupancy": 2,
    "remaining": 0,
    "available": False,
    "reason": "full",
    "message": "slot 4183 is full (2 of 2 places taken)",
    "book_until": "2026-06-16T09:00:00+02:00",
}


def site_ref(site: Site) -> SiteRef:
    """Return the reference of a stored site."""
    return SiteRef(kind=site.kind, id=site.id, external_id=site.external_id, name=site.name)


class SlotOut(BaseModel):
    """A slot with its occupancy now, and why it cannot be held when it cannot."""

    model_config = ConfigDict(json_schema_extra={"examples": [SLOT_EXAMPLE, FULL_SLOT_EXAMPLE]})

    id: int = Field(description="Slot id, to hold with `POST /v1/holds`.")
    starts_at: dt.datetime = Field(description="ISO 8601 with the Europe/Paris offset.")
    ends_at: dt.datetime
    capacity: int = Field(description="The most customers present at once.")
    occupancy: int = Field(
        description="Customers booked now: live holds, confirmed, collected and no-show."
    )
    remaining: int = Field(description="Places left.")
    available: bool = Field(description="Whether the slot can be held now.")
    reason: SlotReason | None = Field(
        description="Why not: `full`; `booking_closed` (past its notice or same-day cut-off); "
        "`booking_not_open` (beyond the booking horizon); `before_drop` (a collection point "
        "before the planned drop plus handling); `storage_full` (the point cannot store the "
        "basket's parcels that day); `slot_started`."
    )
    message: str | None = Field(description="The reason as a sentence.")
    book_from: dt.datetime | None = Field(description="When booking opens (horizon).")
    book_until: dt.datetime = Field(description="Booking deadline (notice or cut-off).")

    @classmethod
    def from_view(cls, view: SlotView) -> SlotOut:
        """Build the body of a listed slot."""
        slot = view.slot
        tz = slot.start.tzinfo
        return cls(
            id=view.id,
            starts_at=slot.start,
            ends_at=slot.end,
            capacity=slot.capacity,
            occupancy=view.occupancy,
            remaining=view.remaining,
            available=view.available,
            reason=view.reason,
            message=view.message,
            book_from=slot.book_from,
            book_until=slot.deadline.astimezone(tz),
        )


class SlotList(BaseModel):
    """A site's slots over some days."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "site": SITE_EXAMPLE,
                    "first_day": "2026-06-16",
                    "last_day": "2026-06-16",
                    "slots": [SLOT_EXAMPLE, FULL_SLOT_EXAMPLE],
                }
            ]
        }
    )

    site: SiteRef
    first_day: dt.date
    last_day: dt.date
    slots: list[SlotOut] = Field(description="In time order; started slots are left out.")
