"""``/v1/merchants``: a platform's shops, craftspeople and producers (upsert by external id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from logistics.api.auth import AnyPrincipal, PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._paging import Offset
from logistics.api.routes._responses import error_responses
from logistics.api.routes._sites import (
    CommuneFilter,
    ExternalIdPath,
    Limit,
    PlatformFilter,
    TerritoryFilter,
    find_one,
    visibility,
    write_sites,
)
from logistics.api.schemas.merchants import (
    MERCHANT_EXAMPLE,
    MerchantBulkResult,
    MerchantIn,
    MerchantItem,
    MerchantOut,
    MerchantPage,
)
from logistics.api.schemas.sites import site_columns, site_fields
from logistics.store.models import Merchant
from logistics.store.sites import MAX_BATCH, delete_site, list_sites

router = APIRouter(prefix="/v1/merchants", tags=["merchants"])

_READ_ERRORS = error_responses(401, 404, 409, 422)
_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _out(row: dict[str, object]) -> MerchantOut:
    return MerchantOut.model_validate(site_fields(row))


@router.put(
    "/{external_id}",
    response_model=MerchantOut,
    summary="Create or replace a merchant",
    responses={
        200: {"description": "The merchant existed and was replaced."},
        201: {"model": MerchantOut, "description": "The merchant was created."},
        **_WRITE_ERRORS,
    },
)
def put_merchant(
    external_id: ExternalIdPath,
    merchant: Annotated[MerchantIn, Body(examples=[MERCHANT_EXAMPLE])],
    session: SessionDep,
    principal: PlatformPrincipal,
    response: Response,
) -> MerchantOut:
    """Create the platform's merchant with this external id, or replace it.

    Omitted fields take their defaults. The location must lie in the platform's territory; its
    commune is stored. Answers 201 when created, 200 when replaced. Platform keys only.
    """
    who = principal.require_tenant()
    [row], created = write_sites(
        session,
        Merchant,
        principal,
        who.territory_id,
        who.platform_id,
        [site_columns(merchant, external_id)],
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _out(row)


@router.post(
    "",
    response_model=MerchantBulkResult,
    summary="Create or replace several merchants",
    responses=_WRITE_ERRORS,
)
def post_merchants(
    merchants: Annotated[
        list[MerchantItem],
        Body(
            max_length=MAX_BATCH,
            description=f"At most {MAX_BATCH} merchants, each with its `external_id`.",
            examples=[[{"external_id": "boulangerie-42", **MERCHANT_EXAMPLE}]],
        ),
    ],
    session: SessionDep,
    principal: PlatformPrincipal,
) -> MerchantBulkResult:
    """Upsert a list of the platform's merchants by external id, all or nothing.

    One bad item (named by its index and external id) and none is written. Platform keys only.
    """
    who = principal.require_tenant()
    rows, created = write_sites(
        session,
        Merchant,
        principal,
        who.territory_id,
        who.platform_id,
        [site_columns(m, m.external_id) for m in merchants],
    )
    return MerchantBulkResult(
        items=[_out(r) for r in rows], created=created, replaced=len(rows) - created
    )


@router.get(
    "/{external_id}",
    response_model=MerchantOut,
    summary="Read a merchant",
    responses=_READ_ERRORS,
)
def get_merchant(
    external_id: ExternalIdPath,
    session: SessionDep,
    principal: AnyPrincipal,
    platform_id: PlatformFilter = None,
    territory_id: TerritoryFilter = None,
) -> MerchantOut:
    """Return a merchant by its platform's external id.

    Platform keys see their own merchants; coordinators and analysts their territory's (add
    `platform_id` if two platforms use the same external id); administrators every territory's.
    """
    return _out(
        find_one(
            session,
            Merchant,
            principal,
            external_id,
            platform_id=platform_id,
            territory_id=territory_id,
        )
    )


@router.get(
    "",
    response_model=MerchantPage,
    summary="List merchants",
    responses=error_responses(401, 422),
)
def get_merchants(
    session: SessionDep,
    principal: AnyPrincipal,
    commune: CommuneFilter = None,
    platform_id: PlatformFilter = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> MerchantPage:
    """List the merchants visible to the key, ordered by external id.

    One page at a time; filter by commune (INSEE code) or platform.
    """
    rows, total = list_sites(
        session,
        Merchant,
        visibility(principal),
        commune_code=commune,
        platform_id=platform_id,
        limit=limit,
        offset=offset,
    )
    return MerchantPage(items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)


@router.delete(
    "/{external_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a merchant",
    responses=_WRITE_ERRORS,
)
def delete_merchant(
    external_id: ExternalIdPath, session: SessionDep, principal: PlatformPrincipal
) -> Response:
    """Delete the platform's merchant and its slots for good.

    Refused (409) while orders, planned rounds or held/confirmed bookings use it: set
    `accepts_pickup` to false to stop offering it.
    """
    principal.require_platform()
    row = find_one(session, Merchant, principal, external_id)
    delete_site(session, Merchant, row["id"])
    return Response(status_code=status.HTTP_204_NO_CONTENT)
