"""Idempotency keys: the first request under a key wins; a retry gets the same resource back.

A key is claimed in the same transaction as the work it protects, so a request that fails
leaves no claim behind and may be retried under the same key.  Concurrent requests with one key
serialise on the key's primary key: the second waits for the first to commit, then sees its
claim.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, InputError

__all__ = [
    "MAX_KEY_LENGTH",
    "check_key",
    "claim",
    "claim_params",
    "earlier_resource",
    "request_hash",
]

MAX_KEY_LENGTH = 200

_CLAIM = sa.text(
    "INSERT INTO idempotency_keys (platform_id, scope, key, territory_id, request_hash, "
    "resource_id) VALUES (:p, :scope, :key, :t, :h, :r) ON CONFLICT DO NOTHING RETURNING 1"
)
_EARLIER = sa.text(
    "SELECT request_hash, resource_id FROM idempotency_keys "
    "WHERE platform_id = :p AND scope = :scope AND key = :key"
)


def check_key(key: object) -> str:
    """Return `key` if it is an acceptable idempotency key (1 to 200 printable characters).

    Raises
    ------
    InputError
        Otherwise, naming the header and the value.
    """
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_KEY_LENGTH
        or not key.isprintable()
        or key != key.strip()
    ):
        raise InputError(
            f"Idempotency-Key={key!r} is not accepted; expected 1 to {MAX_KEY_LENGTH} printable "
            "characters without surrounding spaces, e.g. a UUID",
            {"field": "Idempotency-Key", "value": repr(key)},
        )
    return key


def request_hash(payload: Mapping[str, Any]) -> str:
    """Return the SHA-256 of `payload` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def claim_params(
    *,
    platform_id: uuid.UUID,
    territory_id: str,
    scope: str,
    key: str,
    digest: str,
    resource_id: uuid.UUID,
) -> dict[str, Any]:
    """Return the parameters of a claim (after checking the key); see :func:`claim`.

    Raises
    ------
    InputError
        If the key is malformed.
    """
    check_key(key)
    return {
        "p": platform_id,
        "scope": scope,
        "key": key,
        "t": territory_id,
        "h": digest,
        "r": resource_id,
    }


def earlier_resource(session: Session, params: dict[str, Any]) -> uuid.UUID:
    """Return the resource created under a key that was already claimed.

    Raises
    ------
    ConflictError
        Code ``idempotency_key_reused`` if the key was first used with a different request.
    """
    earlier = session.execute(_EARLIER, params).one()
    if earlier.request_hash != params["h"]:
        raise ConflictError(
            f"Idempotency-Key {params['key']!r} was already used for a different "
            f"{params['scope']} request; use a new key for a new request (a retry must repeat "
            "the first request exactly)",
            {"field": "Idempotency-Key", "value": params["key"], "scope": params["scope"]},
            code="idempotency_key_reused",
        )
    return uuid.UUID(str(earlier.resource_id))


def claim(
    session: Session,
    *,
    platform_id: uuid.UUID,
    territory_id: str,
    scope: str,
    key: str,
    digest: str,
    resource_id: uuid.UUID,
) -> uuid.UUID | None:
    """Claim `key` for a new resource, or return the resource an earlier request created.

    Parameters
    ----------
    session
        Open session; the claim is part of the caller's transaction.
    platform_id, territory_id
        The caller.
    scope
        What the key protects (``"holds"``, ``"orders"``): keys are per platform and scope.
    key
        The client's idempotency key.
    digest
        :func:`request_hash` of the request.
    resource_id
        The id the new resource will have if the key is fresh.

    Returns
    -------
    uuid.UUID or None
        ``None`` if the key was free (now claimed for `resource_id`); else the id of the
        resource the first request created.

    Raises
    ------
    InputError
        If the key is malformed.
    ConflictError
        Code ``idempotency_key_reused`` if the key was first used with a different request.
    """
    params = claim_params(
        platform_id=platform_id,
        territory_id=territory_id,
        scope=scope,
        key=key,
        digest=digest,
        resource_id=resource_id,
    )
    if session.execute(_CLAIM, params).first() is not None:
        return None
    return earlier_resource(session, params)
