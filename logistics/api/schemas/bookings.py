"""Bookings: one customer's place in one slot (``/v1/bookings``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logistics.store.bookings import BookingView

BookingStatusName = Literal["held", "confirmed", "collected", "no_show", "cancelled", "expired"]

SITE_EXAMPLE: dict[str, Any] = {
    "kind": "merchant",
    "id": "1d4b6f2a-9c3e-4e7b-8a5d-6f0c2b9e3a71",
    "external_id": "m-bakery",
    "name": "Boulangerie du Champsaur",
}
BOOKING_EXAMPLE: dict[str, Any] = {
    "id": "c5a1e9d2-7b3f-4a8e-b6d4-2f9e8c7a1b03",
    "hold_id": "8b0e2f4c-3f7a-4d59-9a0e-5c2b1d7e6f10",
    "status": "held",
    "slot_id": 4182,
    "site": SITE_EXAMPLE,
    "starts_at": "2026-06-16T09:30:00+02:00",
    "ends_at": "2026-06-16T10:00:00+02:00",
    "order_id": None,
    "expires_at": "2026-06-15T17:10:00+02:00",
    "created_at": "2026-06-15T17:00:00+02:00",
    "updated_at": "2026-06-15T17:00:00+02:00",
}


class SiteRef(BaseModel):
    """The merchant or collection point of a slot."""

    model_config = ConfigDict(json_schema_extra={"examples": [SITE_EXAMPLE]})

    kind: Literal["merchant", "collection_point"] = Field(
        description="`merchant` (collected at the shop) or `collection_point` (a shared place)."
    )
    id: uuid.UUID = Field(description="The service's id of the site (usable as `site=`).")
    external_id: str = Field(description="The platform's own id of the site.")
    name: str


class BookingOut(BaseModel):
    """A booking: one customer's place in one slot, and where it stands."""

    model_config = ConfigDict(json_schema_extra={"examples": [BOOKING_EXAMPLE]})

    id: uuid.UUID
    hold_id: uuid.UUID = Field(description="The hold that took the place (shared by a basket).")
    status: BookingStatusName = Field(
        description="`held` (until `expires_at`), `expired` (a lapsed hold: its place is free), "
        "`confirmed`, `collected`, `no_show` or `cancelled`."
    )
    slot_id: int
    site: SiteRef
    starts_at: dt.datetime = Field(description="Start of the slot (ISO 8601 with offset).")
    ends_at: dt.datetime
    order_id: uuid.UUID | None = Field(description="The order, once confirmed.")
    expires_at: dt.datetime | None = Field(description="When the hold lapses if unconfirmed.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_view(cls, view: BookingView) -> BookingOut:
        """Build the response body of a stored booking."""
        return cls(
            id=view.id,
            hold_id=view.hold_id,
            status=view.status.value,
            slot_id=view.slot_id,
            site=SiteRef(
                kind=view.site_kind,
                id=view.site_id,
                external_id=view.site_external_id,
                name=view.site_name,
            ),
            starts_at=view.starts_at,
            ends_at=view.ends_at,
            order_id=view.order_id,
            expires_at=view.expires_at,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )
