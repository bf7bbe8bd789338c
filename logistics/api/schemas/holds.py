"""Holds: places reserved while the customer pays (``/v1/holds``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from logistics.api.schemas.bookings import BOOKING_EXAMPLE, BookingOut
from logistics.api.schemas.common import ExternalRef
from logistics.store.bookings import MAX_BASKET, HoldView

HOLD_EXAMPLE: dict[str, Any] = {
    "id": "8b0e2f4c-3f7a-4d59-9a0e-5c2b1d7e6f10",
    "status": "held",
    "expires_at": "2026-06-15T17:10:00+02:00",
    "order_id": None,
    "bookings": [BOOKING_EXAMPLE],
}


class HoldCreate(BaseModel):
    """What to hold: one slot, or a whole basket all or nothing.

    A basket collected at the shops takes one slot per merchant, at that merchant; a basket
    collected at a collection point takes that point's one slot (shared by all its merchants).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"slot_ids": [4182]},
                {"slot_ids": [4182, 5120], "merchants": ["m-bakery", "m-farm"]},
                {"slot_ids": [7301], "merchants": ["m-bakery", "m-farm"]},
            ]
        },
    )

    slot_ids: list[int] = Field(
        min_length=1,
        max_length=MAX_BASKET,
        description="Slot ids from `GET /v1/options` or `GET /v1/slots`.",
        examples=[[4182]],
    )
    merchants: list[ExternalRef] | None = Field(
        None,
        min_length=1,
        max_length=MAX_BASKET,
        description="The basket's merchants (external ids). Required to hold several slots; "
        "then checked: one slot per merchant at that merchant, or one collection-point slot.",
        examples=[["m-bakery", "m-farm"]],
    )


class HoldConfirm(BaseModel):
    """The order a hold is for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"order_id": "5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02"}]},
    )

    order_id: uuid.UUID = Field(description="An order of the same platform (`POST /v1/orders`).")


class HoldOut(BaseModel):
    """A hold and its bookings (one per slot)."""

    model_config = ConfigDict(json_schema_extra={"examples": [HOLD_EXAMPLE]})

    id: uuid.UUID
    status: Literal["held", "expired", "confirmed", "cancelled"] = Field(
        description="`held` until `expires_at`, then `expired` (its places are free again); "
        "`confirmed` once confirmed with its order; `cancelled` once released."
    )
    expires_at: dt.datetime | None = Field(description="When an unconfirmed hold lapses.")
    order_id: uuid.UUID | None
    bookings: list[BookingOut]

    @classmethod
    def from_view(cls, view: HoldView) -> HoldOut:
        """Build the response body of a stored hold."""
        return cls(
            id=view.id,
            status=view.status,
            expires_at=view.expires_at,
            order_id=view.order_id,
            bookings=[BookingOut.from_view(b) for b in view.bookings],
        )
