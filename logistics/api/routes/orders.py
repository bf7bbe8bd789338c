"""``/v1/orders``: create (idempotent, optionally confirming a hold), read, list, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from logistics.api.auth import PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import (
    CheckoutReader,
    IdempotencyKey,
    NowDep,
    mark_replay,
)
from logistics.api.routes._paging import Offset
from logistics.api.routes._responses import error_responses
from logistics.api.routes._territory import TerritoryQuery, resolve_territory
from logistics.api.schemas.common import IsoDate
from logistics.api.schemas.orders import OrderCreate, OrderList, OrderOut
from logistics.store.models import Role
from logistics.store.orders import cancel_order, create_order, get_order, list_orders

router = APIRouter(prefix="/v1/orders", tags=["orders"])

OrderId = Annotated[
    uuid.UUID,
    Path(description="The order's id.", examples=["5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02"]),
]


@router.post(
    "",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an order (and confirm its hold)",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def create(
    body: OrderCreate,
    response: Response,
    session: SessionDep,
    principal: PlatformPrincipal,
    now: NowDep,
    idempotency_key: IdempotencyKey,
) -> OrderOut:
    """Record a customer's order.

    Lines per merchant (parcels, weight, volume, ready time), fulfilment, customer window and
    required skills. With `hold_id`, the hold is confirmed in the same transaction: both
    happen or neither does (409 `hold_expired` if it lapsed). Retrying with the same
    `Idempotency-Key` returns the same order.
    """
    order = create_order(
        session, principal.require_tenant(), body.to_input(), now, idempotency_key=idempotency_key
    )
    mark_replay(response, order.replayed)
    return OrderOut.from_view(order)


@router.get(
    "",
    response_model=OrderList,
    summary="List a day's orders",
    responses=error_responses(401, 403, 404, 422),
)
def orders_of_day(
    session: SessionDep,
    principal: CheckoutReader,
    now: NowDep,
    date: Annotated[
        IsoDate,
        Query(description="Service date (delivery or collection day).", examples=["2026-06-16"]),
    ],
    territory: TerritoryQuery = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Most orders per page (1 to 1000).", examples=[100])
    ] = 100,
    offset: Offset = 0,
) -> OrderList:
    """List the orders of a service date, by external id.

    A platform sees its own orders, coordinators their territory's; administrators name the
    territory.
    """
    territory_id = resolve_territory(principal, territory)
    platform_id = principal.platform_id if principal.role is Role.PLATFORM else None
    views = list_orders(
        session, territory_id, date, now, platform_id=platform_id, limit=limit, offset=offset
    )
    return OrderList(
        date=date, limit=limit, offset=offset, orders=[OrderOut.from_view(v) for v in views]
    )


@router.get(
    "/{order_id}",
    response_model=OrderOut,
    summary="Read an order",
    responses=error_responses(401, 403, 404, 422),
)
def read(
    order_id: OrderId, session: SessionDep, principal: CheckoutReader, now: NowDep
) -> OrderOut:
    """Return the order: status, lines, bookings and planned ETA.

    The ETA appears once a plan includes the order. The platform reads its own orders,
    coordinators their territory's; another platform's order answers 404, like an unknown id.
    """
    return OrderOut.from_view(get_order(session, order_id, now, principal.owns))


@router.post(
    "/{order_id}/cancel",
    response_model=OrderOut,
    summary="Cancel an order",
    responses=error_responses(401, 403, 404, 409, 422),
)
def cancel(
    order_id: OrderId, session: SessionDep, principal: PlatformPrincipal, now: NowDep
) -> OrderOut:
    """Cancel the order and its held or confirmed bookings (their places are freed).

    Refused (409) if it is already cancelled or delivered, or a booking was collected.
    Platform keys only.
    """
    principal.require_tenant()
    return OrderOut.from_view(cancel_order(session, order_id, now, principal.owns))
