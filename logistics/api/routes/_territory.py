"""The ``territory`` query parameter shared by the routes that read one territory's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from logistics.api.auth import Principal
from logistics.errors import InputError

TerritoryQuery = Annotated[
    str | None,
    Query(
        description="Territory id (default: the territory of the key).",
        examples=["ecrins"],
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=64,
    ),
]


def resolve_territory(principal: Principal, territory: str | None) -> str:
    """Return the territory asked for, or the key's; refuse one the key may not see.

    Raises
    ------
    InputError
        If neither the request nor the key names a territory.
    NotFoundError
        If the key is bound to another territory.
    """
    territory = territory or principal.territory_id
    if territory is None:
        raise InputError(
            "territory: this key is bound to no territory; give ?territory=<id> "
            "(see GET /v1/territories)",
            {"field": "territory", "value": None},
        )
    principal.check_territory(territory)
    return territory
