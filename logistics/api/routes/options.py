"""``/v1/options``: every way a basket can reach its customer, least crowded first."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query

from logistics.api.auth import PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import NowDep
from logistics.api.routes._responses import error_responses
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
from logistics.errors import InfeasibleError, InputError
from logistics.slots import rank_slots
from logistics.store.bookings import Tenant
from logistics.store.orders import resolve_merchants
from logistics.store.slots import Site, SlotView, get_site, list_slots, nearby_collection_points
from logistics.store.zones import count_zones, lookup_zone_sql, read_zones, zone_objects
from logistics.zones import Zone, next_delivery

router = APIRouter(prefix="/v1/options", tags=["options"])

_ERRORS: dict[int | str, dict[str, Any]] = error_responses(401, 403, 422)
# When no slot of a site can be held, the site's reason is the first of the slots' reasons in
# this order (SiteReason lists the site's own reasons first).
_SITE_REASONS = get_args(SiteReason)[2:]
HOME_DELIVERY_DAYS = 3
"""Round days offered for home delivery."""


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
    zone: Zone, now: dt.datetime, count: int = HOME_DELIVERY_DAYS
) -> list[DeliveryDay]:
    """Return the next `count` home deliveries an order placed at `now` can go on.

    The zones core decides each one (:func:`logistics.zones.next_delivery`: round days, the
    order cut-off in the zone's time zone, no round on French public holidays); the delivery
    after one is the first an order placed at that one's cut-off still makes.
    """
    days: list[DeliveryDay] = []
    ordered_at = now
    while len(days) < count:
        try:
            delivery = next_delivery(zone, ordered_at)
        except InfeasibleError:
            break
        days.append(DeliveryDay(date=delivery.date, order_by=delivery.cutoff))
        ordered_at = delivery.cutoff
    return days


def home_delivery(
    session: SessionDep, who: Tenant, lon: float, lat: float, now: dt.datetime
) -> HomeDeliveryOptions:
    """Return the home-delivery days of the stored zone containing the customer's position."""
    found = lookup_zone_sql(session, who.territory_id, lon, lat)
    if found is None:
        reason = (
            "no zones defined for this territory"
            if count_zones(session, who.territory_id) == 0
            else "no delivery zone contains this address"
        )
        return HomeDeliveryOptions(zone=None, round_weekdays=[], days=[], reason=reason)
    ref = ZoneRef(id=found["id"], name=found["name"])
    frame = read_zones(session, who.territory_id, names=[found["name"]], geometry=False)
    try:
        zone = zone_objects(frame)[0]
    except InputError as exc:  # e.g. a zone stored without round days: no day, and why
        return HomeDeliveryOptions(
            zone=ref,
            round_weekdays=sorted(int(d) for d in frame.iloc[0]["round_days"]),
            days=[],
            reason=f"zone {ref.name!r} cannot be served: {exc.message}",
        )
    days = next_round_days(zone, now)
    return HomeDeliveryOptions(
        zone=ref,
        round_weekdays=sorted(zone.round_days),
        days=days,
        reason=None if days else f"zone {zone.name!r} has no round day in the coming year",
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
        home_delivery=home_delivery(session, who, req.lon, req.lat, now),
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
    cut-off, closed...); and the next home-delivery days of the zone containing the customer's
    position (its round days and order cut-off; no round on French public holidays).
    """
    return _options(session, principal.require_tenant(), now, query)


@router.post(
    "",
    response_model=OptionsOut,
    summary="Options for a basket (JSON body)",
    responses=error_responses(400, 401, 403, 422),
)
def options_post(
    body: OptionsRequest, session: SessionDep, principal: PlatformPrincipal, now: NowDep
) -> OptionsOut:
    """List how the basket can reach the customer (as `GET`, with a JSON body)."""
    return _options(session, principal.require_tenant(), now, body)
