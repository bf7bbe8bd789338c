"""``/v1/slots``: a site's pickup slots with their occupancy."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from logistics.api.auth import AnyPrincipal, Principal
from logistics.api.deps import SessionDep
from logistics.api.routes._checkout import NowDep
from logistics.api.routes._responses import error_responses
from logistics.api.schemas.common import IsoDate, Storable
from logistics.api.schemas.slots import SlotList, SlotOut, site_ref
from logistics.errors import InputError, NotFoundError
from logistics.store.slots import Site, SiteKind, find_site, get_site, list_slots

router = APIRouter(prefix="/v1/slots", tags=["slots"])

_SITE_FORMS = "a site id (UUID), `merchant:<external id>` or `collection_point:<external id>`"


def resolve_site(session: SessionDep, principal: Principal, site: str) -> Site:
    """Return the site named by `site` if the caller may see it (else 404, as unknown).

    Raises
    ------
    InputError
        `site` has none of the accepted forms.
    NotFoundError
        No such site, or another tenant's.
    PermissionDeniedError
        An external id from a key that is not a platform key.
    """
    prefix, _, external_id = site.partition(":")
    kinds: dict[str, SiteKind] = {"merchant": "merchant", "collection_point": "collection_point"}
    if external_id and prefix in kinds:
        who = principal.require_tenant()
        return find_site(session, kinds[prefix], external_id, who.platform_id, who.territory_id)
    try:
        site_id = uuid.UUID(site)
    except ValueError as exc:
        raise InputError(
            f"site={site!r} is not accepted; expected {_SITE_FORMS}",
            {"field": "site", "value": site},
        ) from exc
    try:
        found = get_site(session, site_id)
    except NotFoundError:
        found = None
    if found is None or not principal.owns(found.platform_id, found.territory_id):
        raise NotFoundError(f"no site {site!r}", {"field": "site", "value": site})
    return found


def today(now: dt.datetime, site: Site) -> dt.date:
    """Return the local date of `now` at `site`."""
    return now.astimezone(site.tz).date()


@router.get(
    "",
    response_model=SlotList,
    summary="List a site's slots with their occupancy",
    responses=error_responses(401, 403, 404, 422),
)
def slots(
    session: SessionDep,
    principal: AnyPrincipal,
    now: NowDep,
    site: Annotated[
        str,
        Storable,
        Query(
            description=f"The merchant or collection point: {_SITE_FORMS}.",
            examples=["merchant:m-bakery"],
            min_length=1,
            max_length=240,
        ),
    ],
    date: Annotated[
        IsoDate | None,
        Query(description="First day (Europe/Paris); default today.", examples=["2026-06-16"]),
    ] = None,
    days: Annotated[
        int, Query(ge=1, le=31, description="Number of days from `date` (1 to 31).", examples=[2])
    ] = 1,
) -> SlotList:
    """List the slots of a merchant or collection point with their occupancy.

    Occupancy counts live holds, confirmed, collected and no-show bookings; each slot says
    why it cannot be held when it cannot (full, past its cut-off, before the goods are
    dropped...). Platform keys see their own merchants and their own or shared collection
    points; coordinators and analysts see their territory's sites.
    """
    found = resolve_site(session, principal, site)
    first = date or today(now, found)
    last = first + dt.timedelta(days=days - 1)
    views = list_slots(session, found, first, last, now)
    return SlotList(
        site=site_ref(found),
        first_day=first,
        last_day=last,
        slots=[SlotOut.from_view(v) for v in views],
    )
