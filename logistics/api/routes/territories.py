"""``/v1/territories``: the territories served and their communes (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from logistics.api.auth import AnyPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._responses import error_responses
from logistics.api.schemas import CommuneFeatureCollection, TerritoryOut
from logistics.store.territory import communes_feature_collection, list_territories

router = APIRouter(prefix="/v1/territories", tags=["territories"])

TerritoryId = Annotated[
    str,
    Path(
        description="Territory id, as listed by `GET /v1/territories`.",
        examples=["ecrins"],
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
    ),
]


@router.get(
    "",
    response_model=list[TerritoryOut],
    summary="List territories",
    responses=error_responses(401),
)
def territories(session: SessionDep, principal: AnyPrincipal) -> list[TerritoryOut]:
    """List the territories visible to the caller, with their communes and population."""
    return [
        TerritoryOut(**row)
        for row in list_territories(session)
        if principal.territory_id in (None, row["id"])
    ]


@router.get(
    "/{territory_id}/communes",
    response_model=CommuneFeatureCollection,
    summary="Communes of a territory as GeoJSON",
    responses={
        200: {
            "description": "The communes, as `application/geo+json`.",
            "content": {
                "application/geo+json": {
                    "schema": {"$ref": "#/components/schemas/CommuneFeatureCollection"}
                }
            },
        },
        **error_responses(401, 404, 422),
    },
)
def communes(
    territory_id: TerritoryId,
    session: SessionDep,
    principal: AnyPrincipal,
    departement: Annotated[
        str | None,
        Query(
            description="Keep only this département's communes (INSEE code, e.g. `05`).",
            pattern=r"^(\d{2}|2[AB]|97\d)$",
            examples=["05"],
        ),
    ] = None,
) -> JSONResponse:
    """Return the territory's current communes (outline, INSEE code, population, postcodes)."""
    principal.check_territory(territory_id)
    collection = communes_feature_collection(session, territory_id, departement)
    # Built in SQL (ST_AsGeoJSON): returned as is rather than re-validated coordinate by
    # coordinate; the response model above documents its exact shape.
    return JSONResponse(collection, media_type="application/geo+json")
