"""``/v1/options``: every way a basket can reach its customer, least crowded first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from logistics.api.auth import PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import NowDep, tenant
from logistics.api.schemas import ERROR_RESPONSES
from logistics.api.schemas.options import (
    DeliveryDay,
    HomeDeliveryOptions,
    OptionsOut,
    OptionsRequest,
    PointOptions,
    ShopOptions,
    SiteReason,
    ZoneRef,
)
from logistics.api.schemas.slots import SlotOut, site_ref
from logistics.slots import rank_slots
from logistics.slots._time import local_instant
from logistics.store.bookings import Tenant
from logistics.store.orders import resolve_merchants
from logistics.store.slots import (
    Site,
    SlotView,
    ZoneDays,
    get_site,
    list_slots,
    nearby_collection_points,
    zones_containing,
)

router = APIRouter(prefix="/v1/options", tags=["options"])

_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}
# When no slot of a site can be held, the site's reason is the first of the slots' reasons in
# this order (SiteReason lists the site's own reasons first).
_SITE_REASONS = get_args(SiteReason)[2:]
HOME_DELIVERY_DAYS = 3
"""Round days offered for home delivery."""
HOME_DELIVERY_HORIZON = 28
"""Days ahead searched for round days."""


def _ranked(views: list[SlotView], limit: int) -> list[SlotOut]:
    """Return the slots that can be held least crowded first, then the others by time."""
    available = [v for v in views if v.available]
    by_pure = {v.slot.id: v for v in available}
    ranked = rank_slots(
        [v.slot for v in available], {v.slot.id: v.occupancy for v in available}, include_full=True
    )
    ordered = [by_pure[r.slot.id] for r in ranked] + [v for v in views if not v.available]
    return [SlotOut.from_view(v) for v in ordered[:limit]]


def _site_options(
    site: Site, views: list[SlotView], limit: int
) -> tuple[bool, str | None, str | None, list[SlotOut]]:
    if not site.accepts_pickup or site.slot_capacity < 1:
        return False, "no_pickup", f"{site.name!r} does not offer pickup", []
    if not views:
        return False, "closed", f"{site.name!r} has no opening on these days", []
    slots = _ranked(views, limit)
    if any(v.available for v in views):
        return True, None, None, slots
    reasons = {v.reason for v in views}
    reason = next(r for r in _SITE_REASONS if r in reasons)
    message = next(v.message for v in views if v.reason == reason)
    return False, reason, f"no slot of {site.name!r} can be held: {message}", slots


def next_round_days(
    zone: ZoneDays, now: dt.datetime, tz: ZoneInfo, count: int = HOME_DELIVERY_DAYS
) -> list[DeliveryDay]:
    """Return the zone's next `count` round days whose order cut-off is still ahead.

    An order for round day D must be placed before ``cutoff`` (local time) on
    D − ``cutoff_days_before``.  Extension point: the zones package's
    ``logistics.zones.next_delivery_date`` is meant to replace this minimal rule.
    """
    days = []
    today = now.astimezone(tz).date()
    for offset in range(HOME_DELIVERY_HORIZON):
        day = today + dt.timedelta(days=offset)
        if day.isoweekday() not in zone.round_days:
            continue
        deadline = local_instant(
            day - dt.timedelta(days=zone.cutoff_days_before),
            zone.cutoff,
            tz,
        )
        if now < deadline:
            days.append(DeliveryDay(date=day, order_by=deadline.astimezone(tz)))
            if len(days) == count:
                break
    return days


def home_delivery(
    session: SessionDep, who: Tenant, lon: float, lat: float, now: dt.datetime, tz: ZoneInfo
) -> HomeDeliveryOptions:
    """Return the home-delivery days of the zone containing the customer's position."""
    total, zones = zones_containing(session, who.territory_id, lon, lat)
    if not zones:
        reason = (
            "no zones defined for this territory"
            if total == 0
            else "no delivery zone contains this address"
        )
        return HomeDeliveryOptions(zone=None, round_weekdays=[], days=[], reason=reason)
    zone = zones[0]
    days = next_round_days(zone, now, tz)
    return HomeDeliveryOptions(
        zone=ZoneRef(id=zone.id, name=zone.name),
        round_weekdays=list(zone.round_days),
        days=days,
        reason=None if days else f"zone {zone.name!r} has no round day in the next weeks",
    )


def _options(session: SessionDep, who: Tenant, now: dt.datetime, req: OptionsRequest) -> OptionsOut:
    merchant_ids = resolve_merchants(session, who.platform_id, req.merchants, "merchants")
    shops = [get_site(session, m) for m in dict.fromkeys(merchant_ids)]
    tz = shops[0].tz
    first = req.date or now.astimezone(tz).date()
    last = first + dt.timedelta(days=req.days - 1)
    at_shop = []
    for shop in shops:
        views = list_slots(session, shop, first, last, now)
        available, reason, message, slots = _site_options(shop, views, req.limit)
        at_shop.append(
            ShopOptions(
                site=site_ref(shop),
                available=available,
                reason=reason,
                message=message,
                slots=slots,
            )
        )
    points = []
    for point, distance in nearby_collection_points(
        session, who.territory_id, who.platform_id, req.lon, req.lat, req.radius_km * 1000
    ):
        views = list_slots(session, point, first, last, now, parcels=req.parcels)
        available, reason, message, slots = _site_options(point, views, req.limit)
        points.append(
            PointOptions(
                site=site_ref(point),
                distance_m=round(distance, 1),
                available=available,
                reason=reason,
                message=message,
                slots=slots,
            )
        )
    return OptionsOut(
        first_day=first,
        last_day=last,
        at_shop=at_shop,
        collection_points=points,
        home_delivery=home_delivery(session, who, req.lon, req.lat, now, tz),
    )


@router.get("", response_model=OptionsOut, summary="Options for a basket", responses=_ERRORS)
def options_get(
    query: Annotated[OptionsRequest, Query()],
    session: SessionDep,
    principal: PlatformPrincipal,
    now: NowDep,
) -> OptionsOut:
    """List how the basket can reach the customer.

    Pickup slots at each merchant's shop and at collection points within `radius_km`, each
    least crowded first with its occupancy, or the reason it cannot be held (full, past its
    cut-off, closed...); and the home-delivery days of the zone containing the customer's
    position.
    """
    return _options(session, tenant(principal), now, query)


@router.post(
    "", response_model=OptionsOut, summary="Options for a basket (JSON body)", responses=_ERRORS
)
def options_post(
    body: OptionsRequest, session: SessionDep, principal: PlatformPrincipal, now: NowDep
) -> OptionsOut:
    """List how the basket can reach the customer (as `GET`, with a JSON body)."""
    return _options(session, tenant(principal), now, body)
