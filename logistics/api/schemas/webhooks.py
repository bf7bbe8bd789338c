"""Bodies of ``/v1/webhooks``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal, get_args

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints

from logistics.api.schemas.paging import Page
from logistics.api.schemas.sites import Text

EventType = Literal["order.planned", "order.eta_changed", "hold.expired"]
"""The event types (the same as :data:`logistics.store.webhooks.EVENT_TYPES`; a test checks)."""

WebhookUrl = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=2000, allowed_schemes=["http", "https"]),
    Field(
        description="Where events are POSTed (http or https; https in production).",
        examples=["https://market.example/hooks/logistics"],
    ),
]

_WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": "8d2e4c1a-7b3f-4e5d-9a0c-1f2b3c4d5e6f",
    "url": "https://market.example/hooks/logistics",
    "event_types": ["hold.expired", "order.eta_changed", "order.planned"],
    "description": "Checkout notifications",
    "secret_hint": "whsec_Zx3q…",
    "created_at": "2026-03-02T09:15:00+01:00",
}


class WebhookIn(BaseModel):
    """A webhook to register."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://market.example/hooks/logistics",
                    "event_types": ["order.planned", "order.eta_changed", "hold.expired"],
                    "description": "Checkout notifications",
                }
            ]
        }
    )

    url: WebhookUrl
    event_types: list[EventType] = Field(
        default_factory=lambda: list(get_args(EventType)),
        min_length=1,
        max_length=10,
        description="Events to receive (default: all).",
    )
    description: Text | None = Field(None, description="A note for humans.")


class WebhookOut(BaseModel):
    """A registered webhook (its secret is only shown when it is created)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WEBHOOK_EXAMPLE]})

    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    secret_hint: str = Field(description="The first characters of the secret, to tell it apart.")
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    """A webhook just registered, with its signing secret: store it now, it is not shown again."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**_WEBHOOK_EXAMPLE, "secret": "whsec_Zx3qN8pV4kT2mL9rW6yB1cD5fH7jK0sA3eG8iU2oQ4"}
            ]
        }
    )

    secret: str = Field(
        description="HMAC-SHA256 key of the `X-Logistics-Signature` header (see docs/api.md)."
    )


class DeliveryAttemptOut(BaseModel):
    """One attempt to deliver an event."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "attempt": 1,
                    "attempted_at": "2026-03-02T09:16:00+01:00",
                    "status_code": 500,
                    "error": "HTTP 500: Internal Server Error",
                    "duration_ms": 41.7,
                }
            ]
        }
    )

    attempt: int = Field(description="1 for the first attempt.")
    attempted_at: dt.datetime
    status_code: int | None = Field(description="The receiver's HTTP status (null: no answer).")
    error: str | None = Field(description="Why it failed (null: delivered).")
    duration_ms: float


_DELIVERY_EXAMPLE: dict[str, Any] = {
    "id": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
    "event_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "event_type": "order.planned",
    "status": "delivered",
    "attempts": 2,
    "next_attempt_at": None,
    "delivered_at": "2026-03-02T09:17:00+01:00",
    "created_at": "2026-03-02T09:16:00+01:00",
    "log": [
        {
            "attempt": 1,
            "attempted_at": "2026-03-02T09:16:00+01:00",
            "status_code": 500,
            "error": "HTTP 500: Internal Server Error",
            "duration_ms": 41.7,
        },
        {
            "attempt": 2,
            "attempted_at": "2026-03-02T09:17:00+01:00",
            "status_code": 200,
            "error": None,
            "duration_ms": 12.3,
        },
    ],
}


class DeliveryOut(BaseModel):
    """An event sent (or being sent) to the webhook, with every attempt."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DELIVERY_EXAMPLE]})

    id: uuid.UUID = Field(description="Sent as `X-Logistics-Delivery` (the same on retries).")
    event_id: uuid.UUID = Field(description="The event's `id` in the body.")
    event_type: str
    status: Literal["pending", "delivered", "failed"] = Field(
        description="pending (will be tried, again), delivered, or failed (given up).",
        examples=["delivered"],
    )
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="When it is tried next, if pending.")
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    log: list[DeliveryAttemptOut] = Field(description="The attempts, first first.")


class DeliveryPage(Page[DeliveryOut]):
    """One page of a webhook's deliveries, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [_DELIVERY_EXAMPLE], "total": 1, "limit": 50, "offset": 0}]
        }
    )
