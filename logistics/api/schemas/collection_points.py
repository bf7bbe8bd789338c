"""Bodies of ``/v1/collection-points``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictInt

from logistics.api.schemas.paging import BulkResult, Page
from logistics.api.schemas.sites import ExternalId, SiteBase, SiteOut

COLLECTION_POINT_EXAMPLE: dict[str, Any] = {
    "name": "Mairie de Saint-Bonnet",
    "kind": "mairie",
    "address": "Place de la Mairie, 05500 Saint-Bonnet-en-Champsaur",
    "location": {"lon": 6.0807, "lat": 44.6826},
    "opening_hours": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
    "capacity": 40,
    "slot_settings": {
        "slot_minutes": 15,
        "slot_capacity": 3,
        "buffer_minutes": 0,
        "notice_minutes": 120,
        "same_day_cutoff": None,
        "horizon_days": 14,
        "handling_minutes": 10,
        "service_minutes": 5,
    },
}
COLLECTION_POINT_OUT_EXAMPLE: dict[str, Any] = {
    **COLLECTION_POINT_EXAMPLE,
    "id": "6a4f1e0c-9b2d-4d7e-8c3a-1f5e2d9b7a44",
    "external_id": "mairie-st-bonnet",
    "platform_id": None,
    "shared": True,
    "territory_id": "champsaur",
    "commune_code": "05132",
    "commune_name": "Saint-Bonnet-en-Champsaur",
    "created_at": "2026-03-02T09:15:00+01:00",
    "updated_at": "2026-03-02T09:15:00+01:00",
}


Kind = Annotated[
    Literal["mairie", "market_hall", "relay_shop", "other"],
    Field(description="What kind of place it is.", examples=["mairie"]),
]
"""The values of :class:`~logistics.store.models.CollectionPointKind` (a test checks)."""


class CollectionPointIn(SiteBase):
    """A collection point as sent (`PUT /v1/collection-points/{external_id}`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [COLLECTION_POINT_EXAMPLE]})

    kind: Kind = "other"
    capacity: StrictInt = Field(
        50, ge=0, le=100_000, description="Parcels the place can store at once."
    )


class CollectionPointItem(CollectionPointIn):
    """A collection point in a bulk upsert: the body of a PUT plus its external id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"external_id": "mairie-st-bonnet", **COLLECTION_POINT_EXAMPLE}]
        }
    )

    external_id: ExternalId


class CollectionPointOut(SiteOut):
    """A stored collection point."""

    model_config = ConfigDict(json_schema_extra={"examples": [COLLECTION_POINT_OUT_EXAMPLE]})

    platform_id: uuid.UUID | None = Field(
        description="The platform that owns it; null for a point shared by the territory."
    )
    shared: bool = Field(description="True when every platform of the territory may use it.")
    kind: Kind
    capacity: int


class CollectionPointPage(Page[CollectionPointOut]):
    """One page of collection points, ordered by external id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [COLLECTION_POINT_OUT_EXAMPLE], "total": 1, "limit": 100, "offset": 0}
            ]
        }
    )


class CollectionPointBulkResult(BulkResult[CollectionPointOut]):
    """The collection points written by a bulk upsert, in the order sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [COLLECTION_POINT_OUT_EXAMPLE], "created": 1, "replaced": 0}]
        }
    )
