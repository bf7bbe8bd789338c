"""``/v1/rounds``: a day's rounds as GeoJSON, one round, and a round's driver sheet (CSV).

Which plan a day's rounds come from: the published plan of that day; for coordinators (and
administrators), the latest draft when none is published yet; any plan of the day with
``plan_id``.  Analysts read published plans (or a plan they name).  Platforms read their
orders' times with ``/v1/schedules`` instead (403 here).
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from logistics.api.auth import Principal, ReaderPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._responses import error_responses
from logistics.api.routes._territory import TerritoryQuery, resolve_territory
from logistics.api.schemas import ERROR_RESPONSES
from logistics.api.schemas.common import IsoDate
from logistics.api.schemas.rounds import RoundFeatureCollection
from logistics.errors import NotFoundError
from logistics.store.models import Role
from logistics.store.schedules import (
    SHEET_COLUMNS,
    PlanRef,
    RoundView,
    day_plan,
    get_plan_ref,
    get_round,
    plan_rounds,
    round_features,
    sheet_rows,
)

router = APIRouter(prefix="/v1/rounds", tags=["rounds"])

RoundId = Annotated[
    uuid.UUID,
    Path(description="The round's id.", examples=["9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24"]),
]
SHEET_EXAMPLE = (
    "seq,kind,eta,departure,place,address,orders,parcels,kg,notes\r\n"
    "0,start,08:00,08:00,Hub de Saint-Bonnet,,,,,\r\n"
    '1,pickup,08:20,08:25,Boulangerie du Champsaur,"2 place de l\'Église, 05500 La Fare",'
    "A-2026-000123,1,2.5,\r\n"
    '2,delivery,08:50,08:55,Mme Martin,"12 route de Gap, 05500 La Fare",A-2026-000123,1,2.5,'
    "customer window 08:30-12:00\r\n"
    "3,end,09:20,09:20,Hub de Saint-Bonnet,,,,,\r\n"
)


class GeoJSONResponse(JSONResponse):
    """A JSON response sent and documented as ``application/geo+json`` (RFC 7946)."""

    media_type = "application/geo+json"


def _json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Document errors as ``application/json`` on a route whose answers are GeoJSON."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {
        code: {
            "description": ERROR_RESPONSES[code]["description"],
            "content": {"application/json": {"schema": schema}},
        }
        for code in codes
    }


def drafts_visible(principal: Principal) -> bool:
    """Tell whether a key sees draft plans by default (coordinators and administrators)."""
    return principal.role in (Role.COORDINATOR, Role.ADMIN)


def plan_ref_body(plan: PlanRef) -> dict[str, Any]:
    """Return the ``plan`` member of a rounds collection."""
    return {
        "id": str(plan.id),
        "status": plan.status,
        "territory": plan.territory_id,
        "date": plan.service_date.isoformat(),
        "published_at": None if plan.published_at is None else plan.published_at.isoformat(),
    }


def _collection(plan: PlanRef, rounds: list[RoundView]) -> GeoJSONResponse:
    features = [feature for r in rounds for feature in round_features(r)]
    body = {"type": "FeatureCollection", "plan": plan_ref_body(plan), "features": features}
    return GeoJSONResponse(body)


@router.get(
    "",
    response_model=RoundFeatureCollection,
    response_class=GeoJSONResponse,
    summary="A day's rounds as GeoJSON",
    responses=_json_errors(401, 403, 404, 422),
)
def day_rounds(
    session: SessionDep,
    principal: ReaderPrincipal,
    date: Annotated[
        IsoDate, Query(description="Service date of the rounds.", examples=["2026-06-16"])
    ],
    territory: TerritoryQuery = None,
    plan_id: Annotated[
        uuid.UUID | None,
        Query(
            description="A plan of that day (default: the published one; coordinators get "
            "the latest draft when none is published).",
            examples=["3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13"],
        ),
    ] = None,
) -> GeoJSONResponse:
    """Return the rounds of a territory's day as GeoJSON.

    One LineString per round (vehicle, km, hours, start and end), then a Point per stop
    (sequence, kind, ETA, waiting, orders).

    The rounds are those of the day's published plan; when none is published, coordinators
    (and administrators) get the latest draft and analysts 404. `plan_id` names another plan
    of the day. 404 when the day has no such plan.
    """
    territory_id = resolve_territory(principal, territory)
    if plan_id is not None:
        plan = get_plan_ref(session, plan_id, principal.owns)
        if (plan.territory_id, plan.service_date) != (territory_id, date):
            raise NotFoundError(
                f"no plan {str(plan_id)!r} of territory {territory_id!r} on {date.isoformat()}",
                {"field": "plan_id", "value": str(plan_id)},
            )
    else:
        found = day_plan(session, territory_id, date, drafts=drafts_visible(principal))
        if found is None:
            kind = "plan" if drafts_visible(principal) else "published plan"
            raise NotFoundError(
                f"no {kind} of territory {territory_id!r} on {date.isoformat()}; "
                "POST /v1/plans makes one",
                {"field": "date", "value": date.isoformat()},
            )
        plan = found
    return _collection(plan, plan_rounds(session, plan.id))


@router.get(
    "/{round_id}",
    response_model=RoundFeatureCollection,
    response_class=GeoJSONResponse,
    summary="One round as GeoJSON",
    responses=_json_errors(401, 403, 404, 422),
)
def one_round(
    round_id: RoundId, session: SessionDep, principal: ReaderPrincipal
) -> GeoJSONResponse:
    """Return one round (its line, then its stops in visiting order), of any plan.

    Another territory's round answers 404, like an unknown id.
    """
    found = get_round(session, round_id, principal.owns)
    return _collection(get_plan_ref(session, found.plan_id), [found])


@router.get(
    "/{round_id}/sheet.csv",
    summary="A round's driver sheet (CSV)",
    response_class=Response,
    responses={
        200: {
            "description": "The driver sheet: one row per stop, in visiting order.",
            "content": {"text/csv": {"schema": {"type": "string", "examples": [SHEET_EXAMPLE]}}},
        },
        **error_responses(401, 403, 404, 422),
    },
)
def driver_sheet(round_id: RoundId, session: SessionDep, principal: ReaderPrincipal) -> Response:
    """Return the driver sheet of a round as CSV (UTF-8, comma-separated, a header row).

    Columns: `seq`, `kind` (start, pickup, delivery, end), `eta` and `departure` (local
    HH:MM), `place`, `address`, `orders` (the platforms' order numbers, space-separated),
    `parcels`, `kg`, `notes` (customer window, waiting, locked stop).
    """
    found = get_round(session, round_id, principal.owns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SHEET_COLUMNS)
    writer.writeheader()
    writer.writerows(sheet_rows(found))
    name = f"round-{found.service_date.isoformat()}-{found.vehicle}-{found.id.hex[:8]}.csv"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )
