"""``/v1/bookings``: read a booking; cancel it, mark it collected or no-show."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from logistics.api.auth import Principal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import BookingDesk, CheckoutReader, NowDep
from logistics.api.routes._responses import error_responses
from logistics.api.schemas.bookings import BookingOut
from logistics.slots import Action
from logistics.store.bookings import booking_action, get_booking

router = APIRouter(prefix="/v1/bookings", tags=["bookings"])

BookingId = Annotated[
    uuid.UUID,
    Path(description="The booking's id.", examples=["c5a1e9d2-7b3f-4a8e-b6d4-2f9e8c7a1b03"]),
]
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = error_responses(401, 403, 404, 409, 422)


@router.get(
    "/{booking_id}",
    response_model=BookingOut,
    summary="Read a booking",
    responses=error_responses(401, 403, 404, 422),
)
def read_booking(
    booking_id: BookingId, session: SessionDep, principal: CheckoutReader, now: NowDep
) -> BookingOut:
    """Return the booking with its status now (a lapsed hold reads `expired`).

    The platform reads its own bookings, coordinators their territory's.
    """
    return BookingOut.from_view(get_booking(session, booking_id, now, principal.owns))


def _act(
    session: SessionDep, principal: Principal, booking_id: uuid.UUID, action: Action, now: NowDep
) -> BookingOut:
    return BookingOut.from_view(booking_action(session, booking_id, action, now, principal.owns))


@router.post(
    "/{booking_id}/cancel",
    response_model=BookingOut,
    summary="Cancel a booking",
    responses=_CHANGE_ERRORS,
)
def cancel(
    booking_id: BookingId, session: SessionDep, principal: BookingDesk, now: NowDep
) -> BookingOut:
    """Cancel a held or confirmed booking; its place is freed.

    Allowed at any time before collection; refused (409) once collected, no-show, cancelled
    or expired.
    """
    return _act(session, principal, booking_id, Action.CANCEL, now)


@router.post(
    "/{booking_id}/collect",
    response_model=BookingOut,
    summary="Mark a booking collected",
    responses=_CHANGE_ERRORS,
)
def collect(
    booking_id: BookingId, session: SessionDep, principal: BookingDesk, now: NowDep
) -> BookingOut:
    """Record that the customer came.

    Only a confirmed booking can be collected (409 `illegal_transition` otherwise, e.g. a
    cancelled one).
    """
    return _act(session, principal, booking_id, Action.COLLECT, now)


@router.post(
    "/{booking_id}/no-show",
    response_model=BookingOut,
    summary="Mark a booking no-show",
    responses=_CHANGE_ERRORS,
)
def no_show(
    booking_id: BookingId, session: SessionDep, principal: BookingDesk, now: NowDep
) -> BookingOut:
    """Record that the customer did not come.

    Only a confirmed booking, once its slot has ended (409 `slot_not_ended` before).
    """
    return _act(session, principal, booking_id, Action.NO_SHOW, now)
