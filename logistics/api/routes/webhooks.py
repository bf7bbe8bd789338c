"""``/v1/webhooks``: a platform's signed event notifications and their delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response, status

from logistics.api.auth import PlatformPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._paging import Offset
from logistics.api.routes._responses import error_responses
from logistics.api.schemas.webhooks import (
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from logistics.store.models import Webhook
from logistics.store.webhooks import (
    create_webhook,
    delete_webhook,
    get_webhook,
    list_deliveries,
    list_webhooks,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WEBHOOK_EXAMPLE_ID = "8d2e4c1a-7b3f-4e5d-9a0c-1f2b3c4d5e6f"
WebhookId = Annotated[
    uuid.UUID, Path(description="The webhook's id.", examples=[WEBHOOK_EXAMPLE_ID])
]
_ERRORS = error_responses(401, 403, 404, 422)
_HINT_LENGTH = 10


def _out(row: Webhook) -> WebhookOut:
    return WebhookOut(
        id=row.id,
        url=row.url,
        event_types=list(row.event_types),
        description=row.description,
        secret_hint=row.secret[:_HINT_LENGTH] + "…",
        created_at=row.created_at,
    )


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook",
    responses=error_responses(400, 401, 403, 409, 422),
)
def post_webhook(
    webhook: Annotated[WebhookIn, Body()],
    session: SessionDep,
    principal: PlatformPrincipal,
) -> WebhookCreated:
    """Register a URL to receive the platform's events, signed with a new secret.

    The secret is in this response only: store it to verify the `X-Logistics-Signature` header
    of every delivery (see docs/api.md). Platform keys only; 409 if the platform already has a
    webhook for this URL.
    """
    who = principal.require_tenant()
    row, secret = create_webhook(
        session,
        who.territory_id,
        who.platform_id,
        str(webhook.url),
        list(webhook.event_types),
        webhook.description,
    )
    return WebhookCreated(**_out(row).model_dump(), secret=secret)


@router.get("", response_model=list[WebhookOut], summary="List webhooks", responses=_ERRORS)
def get_webhooks(session: SessionDep, principal: PlatformPrincipal) -> list[WebhookOut]:
    """List the platform's webhooks, oldest first (without their secrets)."""
    return [_out(row) for row in list_webhooks(session, principal.require_platform())]


@router.get("/{webhook_id}", response_model=WebhookOut, summary="Read a webhook", responses=_ERRORS)
def get_one_webhook(
    webhook_id: WebhookId, session: SessionDep, principal: PlatformPrincipal
) -> WebhookOut:
    """Return one of the platform's webhooks (another platform's answers 404)."""
    return _out(get_webhook(session, principal.require_platform(), webhook_id))


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook",
    responses=_ERRORS,
)
def delete_one_webhook(
    webhook_id: WebhookId, session: SessionDep, principal: PlatformPrincipal
) -> Response:
    """Delete a webhook: nothing more is sent to it; its pending deliveries and log go too."""
    delete_webhook(session, principal.require_platform(), webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryPage,
    summary="A webhook's delivery log",
    responses=_ERRORS,
)
def get_deliveries(
    webhook_id: WebhookId,
    session: SessionDep,
    principal: PlatformPrincipal,
    limit: Annotated[int, Query(ge=1, le=200, description="Most items.", examples=[50])] = 50,
    offset: Offset = 0,
) -> DeliveryPage:
    """List the events sent to a webhook, newest first, each with its attempts.

    Every attempt shows when it was made, the receiver's status code, the error and how long it
    took; a pending delivery shows when it is tried next.
    """
    get_webhook(session, principal.require_platform(), webhook_id)
    rows, total = list_deliveries(session, webhook_id, limit=limit, offset=offset)
    return DeliveryPage.model_validate(
        {"items": rows, "total": total, "limit": limit, "offset": offset}
    )
