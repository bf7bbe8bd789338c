"""Send due webhook deliveries: sign, POST, log the attempt, schedule the retry.

Called by the ``dispatch_webhooks`` task (:mod:`logistics.jobs.tasks`); usable directly (tests,
scripts) with a session factory.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session, sessionmaker

from logistics import __version__
from logistics.errors import InputError
from logistics.jobs.signing import sign
from logistics.store.db import session_scope
from logistics.store.models import DeliveryStatus
from logistics.store.webhooks import DueDelivery, claim_due, record_attempt

__all__ = ["DispatchReport", "WebhookParams", "dispatch_due", "envelope", "send"]

_MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class WebhookParams:
    """How webhooks are sent.

    Parameters
    ----------
    backoff
        Wait after each failed attempt: after the first, the second... A delivery is given up
        (``failed``) after ``len(backoff) + 1`` attempts.  Default: 1 min, 5 min, 30 min, 2 h,
        6 h, 24 h (7 attempts over about 33 hours).
    timeout_s
        Seconds to wait for the receiver's answer (connect and read).
    lease
        How long a claimed delivery is reserved for its worker; longer than ``timeout_s``.
    batch
        Deliveries claimed at once.
    max_per_run
        Most deliveries one run of :func:`dispatch_due` sends (the task then ends; the next
        run continues).
    """

    backoff: tuple[dt.timedelta, ...] = (
        1 * _MINUTE,
        5 * _MINUTE,
        30 * _MINUTE,
        120 * _MINUTE,
        360 * _MINUTE,
        1440 * _MINUTE,
    )
    timeout_s: float = 10.0
    lease: dt.timedelta = field(default=5 * _MINUTE)
    batch: int = 20
    max_per_run: int = 500

    def __post_init__(self) -> None:
        if any(wait < dt.timedelta(0) for wait in self.backoff):
            raise InputError(
                f"backoff {[str(w) for w in self.backoff]} has a negative wait",
                {"field": "backoff", "value": [str(w) for w in self.backoff]},
            )
        if not 0 < self.timeout_s <= 120:
            raise InputError(
                f"timeout_s = {self.timeout_s}; expected seconds in (0, 120]",
                {"field": "timeout_s", "value": self.timeout_s},
            )
        if self.lease.total_seconds() <= self.timeout_s:
            raise InputError(
                f"lease {self.lease} must be longer than timeout_s = {self.timeout_s} s, or a "
                "delivery could be sent twice at once",
                {"field": "lease", "value": str(self.lease)},
            )
        for name in ("batch", "max_per_run"):
            if getattr(self, name) < 1:
                raise InputError(
                    f"{name} = {getattr(self, name)}; expected at least 1",
                    {"field": name, "value": getattr(self, name)},
                )

    @property
    def max_attempts(self) -> int:
        """Attempts before a delivery is given up."""
        return len(self.backoff) + 1

    def retry_in(self, attempt: int) -> dt.timedelta | None:
        """Return the wait after failed attempt number ``attempt`` (1-based); None: give up."""
        return self.backoff[attempt - 1] if attempt <= len(self.backoff) else None


def envelope(delivery: DueDelivery) -> bytes:
    """Return the JSON body of a delivery: the event's id, type, time, territory and data."""
    event = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": delivery.event_created_at.isoformat(),
        "territory_id": delivery.territory_id,
        "data": delivery.payload,
    }
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Attempt:
    """What one POST gave: the status code (if any answer came), an error, the duration."""

    status_code: int | None
    error: str | None
    duration_ms: float


def send(client: httpx.Client, delivery: DueDelivery, *, at: dt.datetime) -> Attempt:
    """POST one delivery, signed, and report how it went (never raises for network errors).

    Parameters
    ----------
    client
        The HTTP client (its timeout applies).
    delivery
        The claimed delivery.
    at
        The time sent in ``X-Logistics-Timestamp`` (and signed).

    Returns
    -------
    Attempt
        A 2xx answer is a success; redirects are not followed and count as failures.
    """
    body = envelope(delivery)
    timestamp = str(int(at.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"logistics-webhooks/{__version__}",
        "X-Logistics-Event": delivery.event_type,
        "X-Logistics-Delivery": str(delivery.delivery_id),
        "X-Logistics-Timestamp": timestamp,
        "X-Logistics-Signature": sign(delivery.secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = client.post(delivery.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:500], elapsed)
    elapsed = (time.perf_counter() - started) * 1000
    if 200 <= response.status_code < 300:
        return Attempt(response.status_code, None, elapsed)
    text = " ".join(response.text.split())[:200]
    error = f"HTTP {response.status_code}" + (f": {text}" if text else "")
    return Attempt(response.status_code, error, elapsed)


@dataclass(frozen=True)
class DispatchReport:
    """Outcome of one :func:`dispatch_due` run."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempts(self) -> int:
        """Deliveries attempted."""
        return self.delivered + self.retrying + self.failed


def dispatch_due(
    factory: sessionmaker[Session],
    params: WebhookParams | None = None,
    *,
    now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> DispatchReport:
    """Send every due delivery (up to ``params.max_per_run``), recording each attempt.

    Parameters
    ----------
    factory
        Session factory of the store.
    params
        Back-off, timeout, lease and batch size (defaults: :class:`WebhookParams`).
    now
        The current time (default: the clock); deliveries due by then are sent.
    client
        HTTP client to use (default: a new one with ``params.timeout_s``).

    Returns
    -------
    DispatchReport
        How many were delivered, will be retried, or were given up.
    """
    params = params or WebhookParams()
    own_client = client is None
    http = client or httpx.Client(timeout=params.timeout_s, follow_redirects=False)
    counts = {status: 0 for status in DeliveryStatus}
    sent = 0
    try:
        while sent < params.max_per_run:
            at = now or dt.datetime.now(dt.UTC)
            with session_scope(factory) as session:
                claimed = claim_due(
                    session,
                    now=at,
                    lease=params.lease,
                    limit=min(params.batch, params.max_per_run - sent),
                )
            if not claimed:
                break
            for delivery in claimed:
                attempt_at = now or dt.datetime.now(dt.UTC)
                result = send(http, delivery, at=attempt_at)
                with session_scope(factory) as session:
                    status = record_attempt(
                        session,
                        delivery,
                        at=attempt_at,
                        status_code=result.status_code,
                        error=result.error,
                        duration_ms=result.duration_ms,
                        retry_in=None
                        if result.error is None
                        else params.retry_in(delivery.attempt),
                    )
                if status is not None:
                    counts[status] += 1
                sent += 1
    finally:
        if own_client:
            http.close()
    return DispatchReport(
        delivered=counts[DeliveryStatus.DELIVERED],
        retrying=counts[DeliveryStatus.PENDING],
        failed=counts[DeliveryStatus.FAILED],
    )
