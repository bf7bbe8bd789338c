"""Webhook signatures: HMAC-SHA256 of ``"<timestamp>.<body>"`` with the webhook's secret.

Every delivery carries ``X-Logistics-Timestamp`` (Unix seconds) and ``X-Logistics-Signature:
sha256=<hex>``.  Signing the timestamp with the body lets a receiver refuse replays: it checks
the signature, then that the timestamp is recent.  This module has no dependency beyond the
standard library, so receivers may copy :func:`verify_signature` as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["DEFAULT_TOLERANCE", "SIGNATURE_SCHEME", "sign", "verify_signature"]

SIGNATURE_SCHEME = "sha256"
DEFAULT_TOLERANCE = 300
"""Seconds a signed timestamp stays acceptable (either way, for clock skew)."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Return the ``X-Logistics-Signature`` value of a body sent at ``timestamp``.

    Parameters
    ----------
    secret
        The webhook's secret (``whsec_…``).
    timestamp
        Unix seconds, as sent in ``X-Logistics-Timestamp``.
    body
        The exact bytes of the request body.

    Returns
    -------
    str
        ``"sha256=<64 hex digits>"``.
    """
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}={digest}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    header: str,
    tolerance: float = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """Tell whether a received webhook is authentic and fresh.

    Parameters
    ----------
    secret
        The webhook's secret, as shown when it was created.
    timestamp
        The ``X-Logistics-Timestamp`` header.
    body
        The raw request body (bytes as received, before any JSON parsing).
    header
        The ``X-Logistics-Signature`` header.
    tolerance
        Most seconds between the timestamp and ``now`` (replays older than this are refused).
    now
        The current Unix time (default: the clock).

    Returns
    -------
    bool
        True if the signature matches and the timestamp is within ``tolerance`` of ``now``.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    return hmac.compare_digest(header.strip(), sign(secret, sent, body))
