"""Orders: what a customer bought, from which merchants, and how it reaches them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from logistics.api.schemas.bookings import BOOKING_EXAMPLE, BookingOut
from logistics.api.schemas.common import ExternalRef, IsoDate, Storable
from logistics.store.models import Fulfilment
from logistics.store.orders import (
    MAX_LINES,
    AddressInput,
    LineInput,
    OrderInput,
    OrderView,
)

FulfilmentName = Literal["home_delivery", "collection_point", "at_shop"]

_LINE_EXAMPLE: dict[str, Any] = {
    "merchant": "m-bakery",
    "parcels": 1,
    "weight_kg": 2.5,
    "volume_litres": 12.0,
    "ready_at": "2026-06-16T08:00:00+02:00",
}
ORDER_CREATE_EXAMPLE: dict[str, Any] = {
    "external_id": "A-2026-000123",
    "fulfilment": "at_shop",
    "lines": [_LINE_EXAMPLE],
    "hold_id": "8b0e2f4c-3f7a-4d59-9a0e-5c2b1d7e6f10",
}
HOME_DELIVERY_EXAMPLE: dict[str, Any] = {
    "external_id": "A-2026-000124",
    "fulfilment": "home_delivery",
    "service_date": "2026-06-17",
    "lines": [_LINE_EXAMPLE, {**_LINE_EXAMPLE, "merchant": "m-farm", "weight_kg": 6.0}],
    "delivery_address": {
        "lon": 6.0601,
        "lat": 44.6672,
        "address": "12 route de Gap, 05500 La Fare-en-Champsaur",
        "label": "Mme Martin",
    },
    "window": {"start": "2026-06-17T14:00:00+02:00", "end": "2026-06-17T18:00:00+02:00"},
    "required_skills": ["refrigerated"],
}
ORDER_EXAMPLE: dict[str, Any] = {
    "id": "5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02",
    "external_id": "A-2026-000123",
    "status": "received",
    "service_date": "2026-06-16",
    "fulfilment": "at_shop",
    "lines": [
        {
            "id": "0b9d8c7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a",
            "merchant_id": "1d4b6f2a-9c3e-4e7b-8a5d-6f0c2b9e3a71",
            **_LINE_EXAMPLE,
            "merchant_name": "Boulangerie du Champsaur",
        }
    ],
    "delivery_address": None,
    "collection_point": None,
    "window": None,
    "required_skills": [],
    "bookings": [
        {
            **BOOKING_EXAMPLE,
            "status": "confirmed",
            "order_id": "5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02",
        }
    ],
    "planned": None,
    "created_at": "2026-06-15T17:02:00+02:00",
}


class OrderLineIn(BaseModel):
    """One merchant's part of the order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_LINE_EXAMPLE]})

    merchant: ExternalRef = Field(description="The merchant's external id on your platform.")
    parcels: int = Field(1, ge=1, le=1000)
    weight_kg: float = Field(0.0, ge=0, le=10_000, allow_inf_nan=False)
    volume_litres: float = Field(0.0, ge=0, le=100_000, allow_inf_nan=False)
    ready_at: AwareDatetime | None = Field(
        None, description="When the goods are ready for pickup (ISO 8601 with offset)."
    )


class DeliveryAddressIn(BaseModel):
    """Where a home delivery goes."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [HOME_DELIVERY_EXAMPLE["delivery_address"]]}
    )

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS 84 longitude.")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS 84 latitude.")
    address: Annotated[str, Storable] = Field(
        min_length=1, max_length=500, description="The address as text."
    )
    label: Annotated[str, Storable] | None = Field(
        None, max_length=200, description="Name on the bell, floor..."
    )


class TimeWindow(BaseModel):
    """When the customer can receive the delivery."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [HOME_DELIVERY_EXAMPLE["window"]]}
    )

    start: AwareDatetime
    end: AwareDatetime


class OrderCreate(BaseModel):
    """A new order.

    `fulfilment` decides the other fields: `home_delivery` needs `delivery_address`;
    `collection_point` needs `collection_point`; `at_shop` needs neither. Give `hold_id` to
    confirm a hold in the same step (its slot's day is the service date).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [ORDER_CREATE_EXAMPLE, HOME_DELIVERY_EXAMPLE]},
    )

    external_id: Annotated[str, Storable] = Field(
        min_length=1, max_length=200, description="Your id of the order (unique on your platform)."
    )
    fulfilment: FulfilmentName
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINES)
    service_date: IsoDate | None = Field(
        None, description="Day of delivery or collection; optional with `hold_id`."
    )
    delivery_address: DeliveryAddressIn | None = None
    collection_point: ExternalRef | None = Field(
        None, description="External id of the collection point."
    )
    window: TimeWindow | None = None
    required_skills: list[Annotated[str, Storable]] = Field(
        default_factory=list, max_length=20, description="Vehicle skills, e.g. `refrigerated`."
    )
    hold_id: uuid.UUID | None = Field(None, description="A hold to confirm with this order.")

    def to_input(self) -> OrderInput:
        """Return the store's order input (which checks how the fields fit together)."""
        return OrderInput(
            external_id=self.external_id,
            fulfilment=Fulfilment(self.fulfilment),
            lines=tuple(
                LineInput(
                    merchant=line.merchant,
                    parcels=line.parcels,
                    weight_kg=line.weight_kg,
                    volume_litres=line.volume_litres,
                    ready_at=line.ready_at,
                )
                for line in self.lines
            ),
            service_date=self.service_date,
            delivery_address=None
            if self.delivery_address is None
            else AddressInput(**self.delivery_address.model_dump()),
            collection_point=self.collection_point,
            window_start=None if self.window is None else self.window.start,
            window_end=None if self.window is None else self.window.end,
            required_skills=tuple(self.required_skills),
            hold_id=self.hold_id,
        )


class OrderLineOut(BaseModel):
    """A stored order line."""

    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE["lines"][0]]})

    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant: str = Field(description="The merchant's external id.")
    merchant_name: str
    parcels: int
    weight_kg: float
    volume_litres: float
    ready_at: dt.datetime | None


class DeliveryAddressOut(BaseModel):
    """A stored delivery address."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**HOME_DELIVERY_EXAMPLE["delivery_address"], "commune_code": "05054"}]
        }
    )

    lon: float
    lat: float
    address: str | None
    label: str | None
    commune_code: str | None = Field(description="INSEE code of the commune it lies in.")


class CollectionPointRef(BaseModel):
    """The collection point of an order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7a2c4e6f-8b0d-4f1a-9c3e-5d7f9b1a3c05",
                    "external_id": "cp-mairie",
                    "name": "Mairie de Saint-Bonnet",
                }
            ]
        }
    )

    id: uuid.UUID
    external_id: str
    name: str


class PlannedOut(BaseModel):
    """The order in the latest plan of its day (published first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plan_id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13",
                    "plan_status": "published",
                    "round_id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24",
                    "eta": "2026-06-17T15:20:00+02:00",
                }
            ]
        }
    )

    plan_id: uuid.UUID
    plan_status: Literal["draft", "published"]
    round_id: uuid.UUID
    eta: dt.datetime | None = Field(
        description="Planned arrival at the customer or at the collection point."
    )


class OrderOut(BaseModel):
    """An order as stored: lines, fulfilment, bookings, status and planned ETA."""

    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})

    id: uuid.UUID
    external_id: str
    status: str = Field(description="`received`, `planned`, `delivered`, `cancelled`...")
    service_date: dt.date
    fulfilment: FulfilmentName
    lines: list[OrderLineOut]
    delivery_address: DeliveryAddressOut | None
    collection_point: CollectionPointRef | None
    window: TimeWindow | None
    required_skills: list[str]
    bookings: list[BookingOut]
    planned: PlannedOut | None = Field(description="Null until a plan includes the order.")
    created_at: dt.datetime

    @classmethod
    def from_view(cls, view: OrderView) -> OrderOut:
        """Build the response body of a stored order."""
        window = None
        if view.window_start is not None and view.window_end is not None:
            window = TimeWindow(start=view.window_start, end=view.window_end)
        return cls(
            id=view.id,
            external_id=view.external_id,
            status=view.status,
            service_date=view.service_date,
            fulfilment=view.fulfilment,
            lines=[OrderLineOut(**vars(line)) for line in view.lines],
            delivery_address=None
            if view.delivery_address is None
            else DeliveryAddressOut(**view.delivery_address),
            collection_point=None
            if view.collection_point is None
            else CollectionPointRef(**view.collection_point),
            window=window,
            required_skills=list(view.required_skills),
            bookings=[BookingOut.from_view(b) for b in view.bookings],
            planned=None
            if view.planned is None
            else PlannedOut(
                plan_id=view.planned.plan_id,
                plan_status=view.planned.plan_status,
                round_id=view.planned.round_id,
                eta=view.planned.eta,
            ),
            created_at=view.created_at,
        )


class OrderList(BaseModel):
    """A page of a day's orders."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"date": "2026-06-16", "limit": 100, "offset": 0, "orders": [ORDER_EXAMPLE]}
            ]
        }
    )

    date: dt.date
    limit: int
    offset: int
    orders: list[OrderOut]
