"""``/v1/schedules`` (a platform's day) and ``/v1/merchants/{external_id}/pickups.ics``.

Both read the plan that stands for the day: the published plan, or — before one is
published — the latest draft (whose times may still change; ``plan.status`` says which).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import icalendar
from fastapi import APIRouter, Query, Response

from logistics.api.auth import PlatformPrincipal, Principal, require_roles
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import NowDep
from logistics.api.routes._paging import Offset
from logistics.api.routes._responses import error_responses
from logistics.api.routes._sites import ExternalIdPath, PlatformFilter, find_one
from logistics.api.routes.rounds import plan_ref_body
from logistics.api.schemas.bookings import BookingOut
from logistics.api.schemas.common import IsoDate
from logistics.api.schemas.orders import CollectionPointRef
from logistics.api.schemas.schedules import PickupEta, ScheduleEntry, ScheduleOut
from logistics.store.models import Merchant, Role
from logistics.store.orders import list_orders
from logistics.store.schedules import day_plan, merchant_pickups, order_stops

router = APIRouter(tags=["schedules"])

DateQuery = Annotated[IsoDate, Query(description="The service date.", examples=["2026-06-16"])]
PickupReader = Annotated[Principal, require_roles(Role.PLATFORM, Role.COORDINATOR)]
"""The merchant's platform, the territory's coordinators and administrators."""

ICS_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//logistics//pickups//EN\r\n"
    "X-WR-CALNAME:Pickups at Boulangerie du Champsaur\r\nBEGIN:VEVENT\r\n"
    "SUMMARY:Pickup: 2 parcels (Van 1)\r\nDTSTART:20260616T062000Z\r\n"
    "DTEND:20260616T062500Z\r\nDTSTAMP:20260615T163000Z\r\n"
    "UID:6b8d0f2a-4c6e-4a8b-9d1f-3a5c7e9b1d57@logistics\r\n"
    "DESCRIPTION:Orders: A-2026-000123 A-2026-000124\\nParcels: 2\\nWeight: 4.5 kg\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def _reason(item: dict[str, Any]) -> str | None:
    reason = item.get("reason") or item.get("message")
    return None if reason is None else str(reason)


@router.get(
    "/v1/schedules",
    response_model=ScheduleOut,
    summary="Your orders of a day with their planned times",
    responses=error_responses(401, 403, 422),
)
def schedule(
    session: SessionDep,
    principal: PlatformPrincipal,
    now: NowDep,
    date: DateQuery,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Most orders per page (1 to 1000).", examples=[500])
    ] = 500,
    offset: Offset = 0,
) -> ScheduleOut:
    """Return your orders of a date with their planned times.

    For each order (by external id): status, planned ETA at the customer or collection
    point, pickup times at the merchants, slots booked, collection point, and round.

    Times come from the day's published plan or, before one is published, from the latest
    draft (`plan.status` says which: a draft's times may still change). Platform keys only:
    you see your own orders, never another platform's.
    """
    tenant = principal.require_tenant()
    plan = day_plan(session, tenant.territory_id, date, drafts=True)
    orders = list_orders(
        session,
        tenant.territory_id,
        date,
        now,
        platform_id=tenant.platform_id,
        limit=limit,
        offset=offset,
    )
    stops = {} if plan is None else order_stops(session, plan, [o.id for o in orders])
    reasons = {} if plan is None else {str(u.get("order_id")): _reason(u) for u in plan.unserved}
    entries = []
    for order in orders:
        where = stops.get(order.id)
        merchants = {line.merchant_id: line for line in order.lines}
        pickups = []
        for merchant_id, eta in where.pickups if where else ():
            line = merchants.get(merchant_id)
            if line is not None:
                pickups.append(
                    PickupEta(
                        merchant_id=merchant_id,
                        merchant=line.merchant,
                        merchant_name=line.merchant_name,
                        eta=eta,
                    )
                )
        entries.append(
            ScheduleEntry(
                order_id=order.id,
                external_id=order.external_id,
                status=order.status,
                fulfilment=order.fulfilment,
                eta=None if where is None else where.eta,
                round_id=None if where is None else where.round_id,
                pickups=pickups,
                collection_point=None
                if order.collection_point is None
                else CollectionPointRef(**order.collection_point),
                bookings=[BookingOut.from_view(b) for b in order.bookings],
                unserved_reason=reasons.get(str(order.id)),
            )
        )
    return ScheduleOut.model_validate(
        {
            "date": date,
            "territory": tenant.territory_id,
            "plan": None if plan is None else plan_ref_body(plan),
            "limit": limit,
            "offset": offset,
            "orders": entries,
        }
    )


@router.get(
    "/v1/merchants/{external_id}/pickups.ics",
    summary="A merchant's pickups of a day (iCalendar)",
    response_class=Response,
    responses={
        200: {
            "description": "An iCalendar (RFC 5545) with one event per planned pickup.",
            "content": {"text/calendar": {"schema": {"type": "string", "examples": [ICS_EXAMPLE]}}},
        },
        **error_responses(401, 403, 404, 409, 422),
    },
)
def pickups_calendar(
    external_id: ExternalIdPath,
    session: SessionDep,
    principal: PickupReader,
    date: DateQuery,
    platform_id: PlatformFilter = None,
) -> Response:
    """Return when rounds collect goods at a merchant on a date, as iCalendar.

    One event per planned pickup stop: start = ETA, end = planned departure; the description
    lists the orders, parcels and weight.

    The merchant's platform and the territory's coordinators read it (another platform's
    merchant answers 404). The times come from the day's published plan or, before one is
    published, the latest draft; a day without a plan gives an empty calendar.
    """
    merchant = find_one(session, Merchant, principal, external_id, platform_id=platform_id)
    plan = day_plan(session, merchant["territory_id"], date, drafts=True)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//logistics//pickups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Pickups at {merchant['name']}")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for pickup in [] if plan is None else merchant_pickups(session, plan, merchant["id"]):
        if pickup.arrival is None:
            continue
        end = pickup.departure if pickup.departure and pickup.departure > pickup.arrival else None
        event = icalendar.Event()
        event.add("uid", f"{pickup.stop_id}@logistics")
        event.add("dtstamp", stamp)
        event.add("dtstart", pickup.arrival.astimezone(dt.UTC))
        event.add("dtend", (end or pickup.arrival + dt.timedelta(minutes=5)).astimezone(dt.UTC))
        event.add("summary", f"Pickup: {pickup.parcels} parcels ({pickup.vehicle})")
        if merchant.get("address"):
            event.add("location", merchant["address"])
        event.add(
            "description",
            f"Orders: {' '.join(pickup.order_refs)}\nParcels: {pickup.parcels}\n"
            f"Weight: {pickup.kg:g} kg\nRound: {pickup.round_id} ({pickup.plan_status} plan)",
        )
        calendar.add_component(event)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in external_id)
    return Response(
        calendar.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pickups-{safe}-{date}.ics"'},
    )
