"""Dependencies shared by the checkout routers (slots, options, holds, bookings, orders).

- :func:`get_now`: the request's clock (tests override it with
  ``app.dependency_overrides[get_now]``); every booking rule and every hold expiry reads it.
- :data:`IdempotencyKey`: the required ``Idempotency-Key`` header.
- Writes take the calling platform with :meth:`Principal.require_tenant` (403 for other keys,
  admins too: they read a platform's checkout objects but never change them).
- :data:`CheckoutReader`, :data:`BookingDesk`: who reads, and who marks, those objects.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Header, Request, Response

from logistics.api.auth import Principal, require_roles
from logistics.store._idempotency import MAX_KEY_LENGTH
from logistics.store.models import Role


async def get_now() -> dt.datetime:
    """Return the current instant (UTC); async, so that it takes no trip to a thread."""
    return dt.datetime.now(dt.UTC)


NowDep = Annotated[dt.datetime, Depends(get_now)]
"""The instant of the request."""

CheckoutReader = Annotated[Principal, require_roles(Role.PLATFORM, Role.COORDINATOR)]
"""Keys that read holds, bookings and orders: the platform (its own), the territory's
coordinators and admins. Analysts get 403: they read zones, coverage and rounds, not the
customers' orders."""
BookingDesk = Annotated[Principal, require_roles(Role.PLATFORM, Role.COORDINATOR, admin=False)]
"""Keys that cancel a booking or mark it collected or no-show: the platform and the
territory's coordinators (the desk at the site); admins do not change a platform's objects."""

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="A key unique to this request (e.g. a UUID). A retry with the same key and "
        "the same body returns the first result (header `Idempotent-Replayed: true`) and "
        "creates nothing more; the same key with another body is refused (409).",
        examples=["3f1c2a9e-6b1d-4f5e-9a51-0c1d2e3f4a5b"],
    ),
]


def hold_ttl_minutes(request: Request) -> int:
    """Return the configured hold time to live (``LOGISTICS_HOLD_TTL_MINUTES``)."""
    return int(request.app.state.settings.hold_ttl_minutes)


def mark_replay(response: Response, replayed: bool) -> None:
    """Tell an idempotent replay from a first answer (``Idempotent-Replayed`` header)."""
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
