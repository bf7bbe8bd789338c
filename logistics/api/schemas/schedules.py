"""Bodies of ``/v1/schedules``: a platform's orders of a day with their planned times."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from logistics.api.schemas.bookings import BOOKING_EXAMPLE, BookingOut
from logistics.api.schemas.orders import CollectionPointRef, FulfilmentName
from logistics.api.schemas.rounds import PLAN_REF_EXAMPLE, PlanRefOut

PICKUP_EXAMPLE: dict[str, Any] = {
    "merchant_id": "1d4b6f2a-9c3e-4e7b-8a5d-6f0c2b9e3a71",
    "merchant": "m-bakery",
    "merchant_name": "Boulangerie du Champsaur",
    "eta": "2026-06-16T08:20:00+02:00",
}
ENTRY_EXAMPLE: dict[str, Any] = {
    "order_id": "5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02",
    "external_id": "A-2026-000123",
    "status": "planned",
    "fulfilment": "collection_point",
    "eta": "2026-06-16T11:10:00+02:00",
    "round_id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24",
    "pickups": [PICKUP_EXAMPLE],
    "collection_point": {
        "id": "7a2c4e6f-8b0d-4f1a-9c3e-5d7f9b1a3c05",
        "external_id": "cp-mairie",
        "name": "Mairie de Saint-Bonnet",
    },
    "bookings": [
        {
            **BOOKING_EXAMPLE,
            "status": "confirmed",
            "order_id": "5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02",
            "site": {
                "kind": "collection_point",
                "id": "7a2c4e6f-8b0d-4f1a-9c3e-5d7f9b1a3c05",
                "external_id": "cp-mairie",
                "name": "Mairie de Saint-Bonnet",
            },
            "starts_at": "2026-06-16T14:00:00+02:00",
            "ends_at": "2026-06-16T14:30:00+02:00",
        }
    ],
    "unserved_reason": None,
}


class PickupEta(BaseModel):
    """When the round collects the order's goods at one merchant."""

    model_config = ConfigDict(json_schema_extra={"examples": [PICKUP_EXAMPLE]})

    merchant_id: uuid.UUID
    merchant: str = Field(description="The merchant's external id.")
    merchant_name: str
    eta: dt.datetime | None = Field(description="Planned arrival at the merchant.")


class ScheduleEntry(BaseModel):
    """One order of the day: its status, planned times, slots and collection point."""

    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    order_id: uuid.UUID
    external_id: str = Field(description="Your id of the order.")
    status: str = Field(description="`received`, `planned`, `delivered`, `cancelled`...")
    fulfilment: FulfilmentName
    eta: dt.datetime | None = Field(
        description="Planned arrival at the customer or the collection point; null when the "
        "plan does not carry the order (collected at the shop, unserved, or not planned yet)."
    )
    round_id: uuid.UUID | None = Field(description="The round that drops the order.")
    pickups: list[PickupEta] = Field(description="Pickups of its goods at the merchants.")
    collection_point: CollectionPointRef | None
    bookings: list[BookingOut] = Field(description="Its pickup slots (at shop or point).")
    unserved_reason: str | None = Field(
        description="Why the plan leaves the order out, when it does."
    )


class ScheduleOut(BaseModel):
    """A platform's schedule for a date: its orders and where each stands in the day's plan.

    ``plan`` is the published plan of the day or, before one is published, the latest draft
    (its times may still change); null when the day has no plan yet.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2026-06-16",
                    "territory": "champsaur",
                    "plan": PLAN_REF_EXAMPLE,
                    "limit": 500,
                    "offset": 0,
                    "orders": [ENTRY_EXAMPLE],
                }
            ]
        }
    )

    date: dt.date
    territory: str
    plan: PlanRefOut | None
    limit: int
    offset: int
    orders: list[ScheduleEntry]
