"""What the merchants and collection-points routes share: visibility, lookups, parameters."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Path, Query
from sqlalchemy.orm import Session

from logistics.api.auth import Principal
from logistics.api.schemas.sites import EXTERNAL_ID_DESCRIPTION, EXTERNAL_ID_PATTERN
from logistics.errors import ConflictError, NotFoundError
from logistics.store.models import Role
from logistics.store.sites import SiteModel, Visibility, find_sites, upsert_sites

ExternalIdPath = Annotated[
    str,
    Path(
        description=EXTERNAL_ID_DESCRIPTION,
        pattern=EXTERNAL_ID_PATTERN,
        examples=["boulangerie-42"],
    ),
]
PlatformFilter = Annotated[
    uuid.UUID | None,
    Query(
        description="Only this platform's objects (for keys that see several platforms).",
        examples=["0b1d7c52-8f4e-4f0a-a3a1-7e9c5d2b6f31"],
    ),
]
TerritoryFilter = Annotated[
    str | None,
    Query(
        description="Only this territory's objects (administrators' keys see every territory).",
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
        examples=["champsaur"],
    ),
]
CommuneFilter = Annotated[
    str | None,
    Query(
        description="Only objects in this commune (INSEE code).",
        pattern=r"^(\d{2}|2[AB])\d{3}$",
        examples=["05132"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="Most items per page.", examples=[100])]


def visibility(principal: Principal) -> Visibility:
    """Return what ``principal`` may see: its platform's (and shared) or its territory's sites."""
    platform = principal.platform_id if principal.role is Role.PLATFORM else None
    return Visibility(territory_id=principal.territory_id, platform_id=platform)


def find_one(
    session: Session,
    model: SiteModel,
    principal: Principal,
    external_id: str,
    *,
    platform_id: uuid.UUID | None = None,
    territory_id: str | None = None,
) -> dict[str, Any]:
    """Return the one site with ``external_id`` visible to ``principal``.

    Raises
    ------
    NotFoundError
        None is visible (another tenant's sites answer exactly like missing ones).
    ConflictError
        Several platforms (or territories) use this external id: the caller must narrow with
        ``platform_id`` or ``territory_id``.
    """
    noun = "merchant" if model.__tablename__ == "merchants" else "collection point"
    rows = find_sites(
        session,
        model,
        visibility(principal),
        external_id=external_id,
        platform_id=platform_id,
        territory_id=territory_id,
    )
    if not rows:
        raise NotFoundError(
            f"no {noun} with external_id {external_id!r}",
            {"field": "external_id", "value": external_id},
        )
    if len(rows) > 1:
        owners = [f"{r['territory_id']}/{r['platform_id'] or 'shared'}" for r in rows]
        raise ConflictError(
            f"{len(rows)} {noun}s have external_id {external_id!r} ({', '.join(owners)}); "
            "add ?platform_id= (or ?territory_id=) to choose one",
            {"field": "external_id", "value": external_id, "owners": owners},
        )
    return rows[0]


def write_sites(
    session: Session,
    model: SiteModel,
    principal: Principal,
    territory_id: str,
    platform_id: uuid.UUID | None,
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], int]:
    """Upsert sites (all or nothing) and return them as stored, in order, and how many are new."""
    written = upsert_sites(session, model, territory_id, platform_id, rows)
    ids = [site_id for site_id, _ in written]
    stored = {r["id"]: r for r in find_sites(session, model, visibility(principal), site_ids=ids)}
    return [stored[i] for i in ids], sum(1 for _, created in written if created)
