"""Webhooks: subscriptions, the event outbox, deliveries and their log.

The flow is a transactional outbox:

1. A change that platforms must hear about calls :func:`emit_event` in the same transaction as
   the change.  The event row, and one pending delivery per matching subscription, commit or
   roll back with it: no event for a change that did not happen, no change without its event.
2. A worker task (:mod:`logistics.jobs.tasks`) claims due deliveries (:func:`claim_due`), posts
   them outside any transaction and records each attempt (:func:`record_attempt`), which either
   marks the delivery delivered, schedules the next attempt, or gives up.

Delivery is at least once: a worker that dies after posting but before recording leaves a
claimed delivery whose lease expires and is posted again (receivers deduplicate on the
``X-Logistics-Delivery`` header, which stays the same across attempts).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.store.models import (
    Booking,
    BookingStatus,
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

__all__ = [
    "DEFAULT_ETA_MARGIN",
    "EVENT_TYPES",
    "SECRET_PREFIX",
    "DueDelivery",
    "claim_due",
    "create_webhook",
    "delete_webhook",
    "emit_event",
    "emit_expired_holds",
    "eta_moved",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "record_attempt",
]

EVENT_TYPES: tuple[str, ...] = ("order.planned", "order.eta_changed", "hold.expired")
"""Event types a platform may subscribe to (add new ones here, and document them)."""
SECRET_PREFIX = "whsec_"
DEFAULT_ETA_MARGIN = dt.timedelta(minutes=15)
"""ETA moves up to this much do not call for ``order.eta_changed`` (see :func:`eta_moved`)."""


def _check_event_type(event_type: str, field: str = "event_type") -> str:
    if event_type not in EVENT_TYPES:
        raise InputError(
            f"{field}: unknown event type {event_type!r}; expected one of {', '.join(EVENT_TYPES)}",
            {"field": field, "value": event_type, "accepted": list(EVENT_TYPES)},
        )
    return event_type


def create_webhook(
    session: Session,
    territory_id: str,
    platform_id: uuid.UUID,
    url: str,
    event_types: Sequence[str],
    description: str | None = None,
) -> tuple[Webhook, str]:
    """Register a platform's webhook and generate its signing secret.

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id, platform_id
        The platform that receives the events.
    url
        Where events are POSTed (``http`` or ``https``).
    event_types
        Types of :data:`EVENT_TYPES` to receive (at least one).
    description
        A note for humans.

    Returns
    -------
    tuple of Webhook and str
        The stored subscription and its secret (to show once).

    Raises
    ------
    InputError
        No event type, or an unknown one.
    ConflictError
        The platform already has a webhook with this URL.
    """
    if not event_types:
        raise InputError(
            f"event_types: give at least one of {', '.join(EVENT_TYPES)}",
            {"field": "event_types", "value": []},
        )
    types = sorted({_check_event_type(t, "event_types") for t in event_types})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = Webhook(
        territory_id=territory_id,
        platform_id=platform_id,
        url=url,
        event_types=types,
        description=description,
        secret=secret,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            f"this platform already has a webhook for {url!r}; delete it or use another URL",
            {"field": "url", "value": url},
        ) from exc
    return row, secret


def list_webhooks(session: Session, platform_id: uuid.UUID) -> list[Webhook]:
    """Return the platform's webhooks, oldest first."""
    return list(
        session.scalars(
            sa.select(Webhook)
            .where(Webhook.platform_id == platform_id)
            .order_by(Webhook.created_at, Webhook.id)
        )
    )


def get_webhook(session: Session, platform_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook:
    """Return the platform's webhook.

    Raises
    ------
    NotFoundError
        It does not exist or belongs to another platform (the same answer).
    """
    row = session.get(Webhook, webhook_id)
    if row is None or row.platform_id != platform_id:
        raise NotFoundError(
            f"no webhook {webhook_id}", {"field": "webhook_id", "value": str(webhook_id)}
        )
    return row


def delete_webhook(session: Session, platform_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    """Delete the platform's webhook with its pending deliveries and delivery log.

    Raises
    ------
    NotFoundError
        It does not exist or belongs to another platform.
    """
    session.delete(get_webhook(session, platform_id, webhook_id))
    session.flush()


def emit_event(
    session: Session,
    platform_id: uuid.UUID,
    territory_id: str,
    event_type: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
) -> uuid.UUID | None:
    """Record an event for a platform in the caller's transaction (the outbox).

    One pending delivery is queued for each of the platform's webhooks subscribed to
    ``event_type``; nothing is sent before the caller commits.

    Parameters
    ----------
    session
        The session of the change that causes the event (the caller commits).
    platform_id, territory_id
        Who receives it.
    event_type
        One of :data:`EVENT_TYPES`.
    payload
        JSON-serialisable data sent as the event's ``data``.
    dedupe_key
        When given, a second event with the same key for the same platform is ignored (e.g.
        ``"hold.expired:<hold id>"``).

    Returns
    -------
    uuid.UUID or None
        The event id; None if ``dedupe_key`` was already used.

    Raises
    ------
    InputError
        Unknown event type.
    """
    _check_event_type(event_type)
    stmt = (
        insert(WebhookEvent)
        .values(
            territory_id=territory_id,
            platform_id=platform_id,
            event_type=event_type,
            payload=payload,
            dedupe_key=dedupe_key,
        )
        .on_conflict_do_nothing(index_elements=["platform_id", "dedupe_key"])
        .returning(WebhookEvent.id)
    )
    event_id = session.execute(stmt).scalar_one_or_none()
    if event_id is None:
        return None
    subscribers = sa.select(
        sa.func.gen_random_uuid(), sa.literal(event_id, sa.Uuid), Webhook.id, Webhook.territory_id
    ).where(Webhook.platform_id == platform_id, Webhook.event_types.contains([event_type]))
    session.execute(
        insert(WebhookDelivery).from_select(
            ["id", "event_id", "webhook_id", "territory_id"], subscribers
        )
    )
    return event_id


def eta_moved(old: dt.datetime | None, new: dt.datetime | None, margin: dt.timedelta) -> bool:
    """Tell whether an ETA moved by more than ``margin`` (so ``order.eta_changed`` is due).

    Parameters
    ----------
    old, new
        The previous and the new ETA (aware datetimes); None when there is none.
    margin
        Moves up to this much (either way) are not worth telling.

    Returns
    -------
    bool
        True if both ETAs exist and differ by more than ``margin``.  A first ETA (``old`` is
        None) is ``order.planned``'s business, a removed one (``new`` is None) is not a move.

    Raises
    ------
    InputError
        A negative margin.
    """
    if margin < dt.timedelta(0):
        raise InputError(
            f"margin {margin} is negative; expected a duration >= 0",
            {"field": "margin", "value": str(margin)},
        )
    if old is None or new is None:
        return False
    return abs(new - old) > margin


@dataclass(frozen=True)
class DueDelivery:
    """A claimed delivery, with what is needed to send it."""

    delivery_id: uuid.UUID
    attempt: int
    territory_id: str
    url: str
    secret: str
    event_id: uuid.UUID
    event_type: str
    event_created_at: dt.datetime
    payload: dict[str, Any]


def claim_due(
    session: Session, *, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[DueDelivery]:
    """Claim up to ``limit`` pending deliveries due at ``now``, oldest first.

    A claimed delivery's next attempt is pushed ``lease`` ahead, so that concurrent workers
    skip it and, if this worker dies before recording the attempt, another one retries it once
    the lease is over.  Rows locked by another worker's claim are skipped, not waited for.

    Parameters
    ----------
    session
        Open session; commit right after, before sending.
    now
        The current time.
    lease
        How long the claim lasts.
    limit
        Most deliveries claimed.

    Returns
    -------
    list of DueDelivery
        The claimed deliveries, each with its attempt number (1 for the first).
    """
    due = (
        sa.select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease)
        .returning(WebhookDelivery.id)
    ).all()
    if not claimed:
        return []
    rows = session.execute(
        sa.select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookDelivery.territory_id,
            Webhook.url,
            Webhook.secret,
            WebhookEvent.id.label("event_id"),
            WebhookEvent.event_type,
            WebhookEvent.created_at,
            WebhookEvent.payload,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(claimed))
        .order_by(WebhookEvent.created_at, WebhookDelivery.id)
    )
    return [
        DueDelivery(
            delivery_id=r.id,
            attempt=r.attempts + 1,
            territory_id=r.territory_id,
            url=r.url,
            secret=r.secret,
            event_id=r.event_id,
            event_type=r.event_type,
            event_created_at=r.created_at,
            payload=r.payload,
        )
        for r in rows
    ]


def record_attempt(
    session: Session,
    delivery: DueDelivery,
    *,
    at: dt.datetime,
    status_code: int | None,
    error: str | None,
    duration_ms: float,
    retry_in: dt.timedelta | None,
) -> DeliveryStatus | None:
    """Log one attempt of a claimed delivery and move the delivery on.

    Parameters
    ----------
    session
        Open session (the caller commits).
    delivery
        The claimed delivery.
    at
        When the attempt started.
    status_code
        The receiver's HTTP status; None if no response came (the error says why).
    error
        What went wrong; None for a success (a 2xx status).
    duration_ms
        How long the attempt took.
    retry_in
        When the attempt failed, how long to wait before the next one; None to give up.

    Returns
    -------
    DeliveryStatus or None
        The delivery's new status; None if it no longer exists (its webhook was deleted while
        it was being sent).
    """
    if error is None:
        status, next_at, delivered = DeliveryStatus.DELIVERED, None, at
    elif retry_in is None:
        status, next_at, delivered = DeliveryStatus.FAILED, None, None
    else:
        status, next_at, delivered = DeliveryStatus.PENDING, at + retry_in, None
    updated = session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.delivery_id)
        .values(
            status=status,
            attempts=delivery.attempt,
            next_attempt_at=next_at,
            delivered_at=delivered,
        )
        .returning(WebhookDelivery.id)
    ).first()
    if updated is None:  # the webhook was deleted meanwhile, and its deliveries with it
        return None
    session.add(
        WebhookAttempt(
            territory_id=delivery.territory_id,
            delivery_id=delivery.delivery_id,
            attempt=delivery.attempt,
            attempted_at=at,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
        )
    )
    session.flush()
    return status


def list_deliveries(
    session: Session, webhook_id: uuid.UUID, *, limit: int = 50, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Return a page of a webhook's deliveries, newest first, each with its attempts.

    Returns
    -------
    tuple
        Dicts (``id, event_id, event_type, status, attempts, next_attempt_at, delivered_at,
        created_at, log``, where ``log`` lists the attempts in order) and the total count.
    """
    total = session.scalar(
        sa.select(sa.func.count()).where(WebhookDelivery.webhook_id == webhook_id)
    )
    rows = session.execute(
        sa.select(WebhookDelivery, WebhookEvent.event_type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [d.id for d, _ in rows]
    log: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
    for attempt in session.scalars(
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(ids))
        .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)
    ):
        log[attempt.delivery_id].append(
            {
                "attempt": attempt.attempt,
                "attempted_at": attempt.attempted_at,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "duration_ms": attempt.duration_ms,
            }
        )
    out = [
        {
            "id": d.id,
            "event_id": d.event_id,
            "event_type": event_type,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at,
            "delivered_at": d.delivered_at,
            "created_at": d.created_at,
            "log": log[d.id],
        }
        for d, event_type in rows
    ]
    return out, total or 0


def emit_expired_holds(
    session: Session, *, now: dt.datetime, lookback: dt.timedelta = dt.timedelta(days=1)
) -> int:
    """Emit ``hold.expired`` once for every hold that expired unconfirmed.

    A hold is the group of bookings of one basket (``bookings.hold_group``); it has expired when
    its bookings are still ``held`` (or marked ``expired``) after their ``expires_at``.  Holds
    that expired more than ``lookback`` ago are left alone, so that turning webhooks on does not
    replay history.  Capacity never depends on this: it only tells platforms.

    Parameters
    ----------
    session
        Open session (the caller commits).
    now
        The current time.
    lookback
        How far back expired holds are looked for.

    Returns
    -------
    int
        Events emitted.
    """
    expired = session.execute(
        sa.select(
            Booking.platform_id,
            Booking.territory_id,
            Booking.hold_group,
            sa.func.array_agg(aggregate_order_by(Booking.id, Booking.id)).label("bookings"),
            sa.func.array_agg(aggregate_order_by(Booking.slot_id, Booking.id)).label("slots"),
            sa.func.max(Booking.expires_at).label("expired_at"),
        )
        .where(
            Booking.status.in_([BookingStatus.HELD, BookingStatus.EXPIRED]),
            Booking.expires_at < now,
            Booking.expires_at >= now - lookback,
            ~sa.exists().where(
                WebhookEvent.platform_id == Booking.platform_id,
                WebhookEvent.dedupe_key == sa.func.concat("hold.expired:", Booking.hold_group),
            ),
        )
        .group_by(Booking.platform_id, Booking.territory_id, Booking.hold_group)
        .order_by(sa.func.max(Booking.expires_at))
    ).all()
    emitted = 0
    for row in expired:
        event = emit_event(
            session,
            row.platform_id,
            row.territory_id,
            "hold.expired",
            {
                "hold_id": str(row.hold_group),
                "booking_ids": [str(b) for b in row.bookings],
                "slot_ids": list(row.slots),
                "expired_at": row.expired_at.isoformat(),
            },
            dedupe_key=f"hold.expired:{row.hold_group}",
        )
        emitted += event is not None
    return emitted
