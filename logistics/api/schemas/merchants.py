"""Bodies of ``/v1/merchants``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from logistics.api.schemas.paging import BulkResult, Page
from logistics.api.schemas.sites import SLOT_SETTINGS_EXAMPLE, ExternalId, SiteBase, SiteOut

MERCHANT_EXAMPLE: dict[str, Any] = {
    "name": "Boulangerie du Champsaur",
    "kind": "bakery",
    "address": "12 place Grenette, 05500 Saint-Bonnet-en-Champsaur",
    "location": {"lon": 6.0825, "lat": 44.6841},
    "opening_hours": "Tu-Sa 07:00-12:30,15:30-19:00; Su 07:00-12:00; PH off",
    "accepts_pickup": True,
    "slot_settings": SLOT_SETTINGS_EXAMPLE,
}
MERCHANT_OUT_EXAMPLE: dict[str, Any] = {
    **MERCHANT_EXAMPLE,
    "id": "3f0c2a8e-5d1b-4c11-9a7e-2b6f0d4e8a10",
    "external_id": "boulangerie-42",
    "platform_id": "0b1d7c52-8f4e-4f0a-a3a1-7e9c5d2b6f31",
    "territory_id": "champsaur",
    "commune_code": "05132",
    "commune_name": "Saint-Bonnet-en-Champsaur",
    "created_at": "2026-03-02T09:15:00+01:00",
    "updated_at": "2026-03-02T09:15:00+01:00",
}

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_;-]{0,63}$")]


class MerchantIn(SiteBase):
    """A merchant as a platform sends it (`PUT /v1/merchants/{external_id}`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [MERCHANT_EXAMPLE]})

    kind: Kind = Field(
        "shop",
        description="OpenStreetMap `shop=*` (or `craft=*`) value: lower-case letters, digits, "
        "`_;-`.",
        examples=["bakery"],
    )
    accepts_pickup: StrictBool = Field(
        True, description="Whether customers may collect orders at the shop (pickup slots)."
    )


class MerchantItem(MerchantIn):
    """A merchant in a bulk upsert (`POST /v1/merchants`): the body of a PUT plus its id."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"external_id": "boulangerie-42", **MERCHANT_EXAMPLE}]}
    )

    external_id: ExternalId


class MerchantOut(SiteOut):
    """A stored merchant."""

    model_config = ConfigDict(json_schema_extra={"examples": [MERCHANT_OUT_EXAMPLE]})

    platform_id: uuid.UUID = Field(description="The platform the merchant sells through.")
    kind: str = Field(description="OpenStreetMap `shop=*` value.")
    accepts_pickup: bool


class MerchantPage(Page[MerchantOut]):
    """One page of merchants, ordered by external id."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [MERCHANT_OUT_EXAMPLE], "total": 1, "limit": 100, "offset": 0}]
        }
    )


class MerchantBulkResult(BulkResult[MerchantOut]):
    """The merchants written by a bulk upsert, in the order sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [MERCHANT_OUT_EXAMPLE], "created": 1, "replaced": 0}]
        }
    )
