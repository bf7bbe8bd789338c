"""``/v1/collection-points``: mairies, market halls and relay shops where customers collect.

A platform key writes the platform's own points.  A coordinator key (or an administrator's, with
``territory_id``) writes *shared* points, which every platform of the territory sees and uses.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from sqlalchemy.orm import Session

from logistics.api.auth import AnyPrincipal, Principal, require_roles
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
from logistics.api.schemas.collection_points import (
    COLLECTION_POINT_EXAMPLE,
    CollectionPointBulkResult,
    CollectionPointIn,
    CollectionPointItem,
    CollectionPointOut,
    CollectionPointPage,
)
from logistics.api.schemas.sites import site_columns, site_fields
from logistics.errors import InputError, PermissionDeniedError
from logistics.store.models import CollectionPoint, Role
from logistics.store.sites import MAX_BATCH, delete_site, list_sites
from logistics.store.territory import get_territory

router = APIRouter(prefix="/v1/collection-points", tags=["collection points"])

WriterPrincipal = Annotated[Principal, require_roles(Role.PLATFORM, Role.COORDINATOR)]
_READ_ERRORS = error_responses(401, 404, 409, 422)
_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
WriteTerritory = Annotated[
    str | None,
    Query(
        description="Territory of a shared point written with an administrator's key (other "
        "keys write in their own territory).",
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        examples=["champsaur"],
    ),
]


def _out(row: dict[str, object]) -> CollectionPointOut:
    return CollectionPointOut.model_validate(
        site_fields(row) | {"shared": row["platform_id"] is None}
    )


def _owner(
    session: Session, principal: Principal, territory_id: str | None
) -> tuple[str, uuid.UUID | None]:
    """Return the territory and platform (None: shared) the caller's writes go to."""
    if principal.role is Role.ADMIN:
        if territory_id is None:
            raise InputError(
                "query.territory_id: an administrator's key must say which territory the shared "
                "point is in (?territory_id=...)",
                {"field": "territory_id", "value": None},
            )
        return get_territory(session, territory_id).id, None
    assert principal.territory_id is not None  # platform and coordinator keys have one
    if territory_id is not None:
        principal.check_territory(territory_id)
    platform = principal.platform_id if principal.role is Role.PLATFORM else None
    return principal.territory_id, platform


def _check_may_change(principal: Principal, row: dict[str, object]) -> None:
    shared = row["platform_id"] is None
    if shared and principal.role is Role.PLATFORM:
        raise PermissionDeniedError(
            f"collection point {row['external_id']!r} is shared by the territory; only its "
            "coordinators may change or delete it",
            {"role": principal.role.value, "external_id": row["external_id"]},
        )
    if not shared and principal.role is not Role.PLATFORM:
        raise PermissionDeniedError(
            f"collection point {row['external_id']!r} belongs to platform {row['platform_id']}; "
            "only that platform's key may change or delete it",
            {"role": principal.role.value, "external_id": row["external_id"]},
        )


@router.put(
    "/{external_id}",
    response_model=CollectionPointOut,
    summary="Create or replace a collection point",
    responses={
        200: {"description": "The point existed and was replaced."},
        201: {"model": CollectionPointOut, "description": "The point was created."},
        **_WRITE_ERRORS,
    },
)
def put_collection_point(
    external_id: ExternalIdPath,
    point: Annotated[CollectionPointIn, Body(examples=[COLLECTION_POINT_EXAMPLE])],
    session: SessionDep,
    principal: WriterPrincipal,
    response: Response,
    territory_id: WriteTerritory = None,
) -> CollectionPointOut:
    """Create or replace a collection point by external id.

    A platform key writes the platform's own point; a coordinator's key (or an administrator's,
    with `territory_id`) writes a point shared by the territory. Answers 201 when created, 200
    when replaced; 409 if the id is taken on the other side (shared or platform's own).
    """
    territory, platform = _owner(session, principal, territory_id)
    [row], created = write_sites(
        session, CollectionPoint, principal, territory, platform, [site_columns(point, external_id)]
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return _out(row)


@router.post(
    "",
    response_model=CollectionPointBulkResult,
    summary="Create or replace several collection points",
    responses=_WRITE_ERRORS,
)
def post_collection_points(
    points: Annotated[
        list[CollectionPointItem],
        Body(
            max_length=MAX_BATCH,
            description=f"At most {MAX_BATCH} points, each with its `external_id`.",
            examples=[[{"external_id": "mairie-st-bonnet", **COLLECTION_POINT_EXAMPLE}]],
        ),
    ],
    session: SessionDep,
    principal: WriterPrincipal,
    territory_id: WriteTerritory = None,
) -> CollectionPointBulkResult:
    """Upsert a list of collection points by external id, all or nothing.

    The owner rules are those of `PUT`. One bad item, named by its index and external id, and
    none is written.
    """
    territory, platform = _owner(session, principal, territory_id)
    rows, created = write_sites(
        session,
        CollectionPoint,
        principal,
        territory,
        platform,
        [site_columns(p, p.external_id) for p in points],
    )
    return CollectionPointBulkResult(
        items=[_out(r) for r in rows], created=created, replaced=len(rows) - created
    )


@router.get(
    "/{external_id}",
    response_model=CollectionPointOut,
    summary="Read a collection point",
    responses=_READ_ERRORS,
)
def get_collection_point(
    external_id: ExternalIdPath,
    session: SessionDep,
    principal: AnyPrincipal,
    platform_id: PlatformFilter = None,
    territory_id: TerritoryFilter = None,
) -> CollectionPointOut:
    """Return a collection point by external id.

    Platform keys see their own points and the territory's shared points; coordinators and
    analysts every point of their territory.
    """
    return _out(
        find_one(
            session,
            CollectionPoint,
            principal,
            external_id,
            platform_id=platform_id,
            territory_id=territory_id,
        )
    )


@router.get(
    "",
    response_model=CollectionPointPage,
    summary="List collection points",
    responses=error_responses(401, 422),
)
def get_collection_points(
    session: SessionDep,
    principal: AnyPrincipal,
    commune: CommuneFilter = None,
    platform_id: PlatformFilter = None,
    shared: Annotated[
        bool | None,
        Query(description="true: only shared points; false: only platforms' own.", examples=[True]),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> CollectionPointPage:
    """List the collection points visible to the key, ordered by external id.

    One page at a time; filter by commune, platform or shared.
    """
    rows, total = list_sites(
        session,
        CollectionPoint,
        visibility(principal),
        commune_code=commune,
        platform_id=platform_id,
        shared=shared,
        limit=limit,
        offset=offset,
    )
    return CollectionPointPage(
        items=[_out(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.delete(
    "/{external_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a collection point",
    responses=_WRITE_ERRORS,
)
def delete_collection_point(
    external_id: ExternalIdPath,
    session: SessionDep,
    principal: WriterPrincipal,
    platform_id: PlatformFilter = None,
    territory_id: TerritoryFilter = None,
) -> Response:
    """Delete a collection point and its slots for good.

    Platforms delete their own points, coordinators shared ones. Refused (409) while orders,
    planned rounds or held/confirmed bookings use it.
    """
    row = find_one(
        session,
        CollectionPoint,
        principal,
        external_id,
        platform_id=platform_id,
        territory_id=territory_id,
    )
    _check_may_change(principal, row)
    delete_site(session, CollectionPoint, row["id"])
    return Response(status_code=status.HTTP_204_NO_CONTENT)
