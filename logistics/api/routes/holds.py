"""``/v1/holds``: reserve slots while the customer pays, then confirm with the order."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from logistics.api.auth import PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import (
    CheckoutReader,
    IdempotencyKey,
    NowDep,
    hold_ttl_minutes,
    mark_replay,
)
from logistics.api.routes._responses import error_responses
from logistics.api.schemas.holds import HoldConfirm, HoldCreate, HoldOut
from logistics.errors import InputError
from logistics.store.bookings import (
    HoldRequest,
    confirm_hold,
    get_hold,
    hold_slots,
    release_hold,
)
from logistics.store.orders import resolve_merchants

router = APIRouter(prefix="/v1/holds", tags=["holds"])

HoldId = Annotated[
    uuid.UUID,
    Path(description="The hold's id.", examples=["8b0e2f4c-3f7a-4d59-9a0e-5c2b1d7e6f10"]),
]


@router.post(
    "",
    response_model=HoldOut,
    status_code=status.HTTP_201_CREATED,
    summary="Hold a slot, or a basket's slots all or nothing",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def create_hold(
    body: HoldCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: PlatformPrincipal,
    now: NowDep,
    idempotency_key: IdempotencyKey,
) -> HoldOut:
    """Reserve places while the customer pays.

    The places are freed on their own when the hold expires (10 minutes by default). Nothing
    is held unless every slot has room and can be booked now (409 with each slot's reason:
    `slot_full`, `booking_closed`, `before_drop`...; `basket_refused` for a basket). Retrying
    with the same `Idempotency-Key` returns the same hold.
    """
    who = principal.require_tenant()
    merchants = (
        []
        if body.merchants is None
        else resolve_merchants(session, who.platform_id, body.merchants, "merchants")
    )
    if len(set(merchants)) != len(merchants):
        raise InputError(
            f"merchants={body.merchants!r} repeats a merchant; list each once",
            {"field": "merchants", "value": body.merchants},
        )
    held = hold_slots(
        session,
        who,
        HoldRequest(tuple(body.slot_ids), tuple(merchants)),
        now,
        ttl_minutes=hold_ttl_minutes(request),
        idempotency_key=idempotency_key,
    )
    mark_replay(response, held.replayed)
    return HoldOut.from_view(held)


@router.get(
    "/{hold_id}",
    response_model=HoldOut,
    summary="Read a hold",
    responses=error_responses(401, 403, 404, 422),
)
def read_hold(
    hold_id: HoldId, session: SessionDep, principal: CheckoutReader, now: NowDep
) -> HoldOut:
    """Return the hold and its bookings, with their status now (`expired` once lapsed).

    The platform reads its own holds, coordinators their territory's.
    """
    return HoldOut.from_view(get_hold(session, hold_id, now, principal.owns))


@router.delete(
    "/{hold_id}",
    response_model=HoldOut,
    summary="Release a hold",
    responses=error_responses(401, 403, 404, 409, 422),
)
def delete_hold(
    hold_id: HoldId, session: SessionDep, principal: PlatformPrincipal, now: NowDep
) -> HoldOut:
    """Give the hold's places back (the customer left checkout).

    A confirmed hold is not released (409 `hold_confirmed`: cancel its bookings or the
    order); a lapsed one answers 409 `hold_expired`. Platform keys only.
    """
    principal.require_tenant()
    return HoldOut.from_view(release_hold(session, hold_id, now, principal.owns))


@router.post(
    "/{hold_id}/confirm",
    response_model=HoldOut,
    summary="Confirm a hold with its order",
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def confirm(
    hold_id: HoldId,
    body: HoldConfirm,
    session: SessionDep,
    principal: PlatformPrincipal,
    now: NowDep,
) -> HoldOut:
    """Turn the hold's places into confirmed bookings of the order.

    The order must use the hold's sites (its collection point, or the shops of exactly its
    merchants). Refused with 409 `hold_expired` once the hold has lapsed; confirming again
    with the same order is a no-op. Platform keys only.
    """
    principal.require_tenant()
    return HoldOut.from_view(confirm_hold(session, hold_id, body.order_id, now, principal.owns))
