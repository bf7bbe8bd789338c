"""API keys: generation, hashing, creation, revocation and lookup.

A key looks like ``lgk_<43 url-safe characters>``; it is shown once when created and stored only
as its SHA-256 hash.  Its first 12 characters are kept as ``key_prefix`` so that an
administrator can tell keys apart without seeing them.

Each key carries one role:

- ``platform``: a shop platform; tied to one platform (and so to its territory); sees and changes
  only that platform's merchants, orders, bookings and webhooks.
- ``coordinator``: plans one territory's rounds.
- ``analyst``: reads one territory's zones, coverage and rounds.
- ``admin``: every territory (operators of the service).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import InputError, NotFoundError
from logistics.store.models import ApiKey, Platform, Role, Territory

KEY_PREFIX = "lgk_"
SHOWN_PREFIX_LENGTH = 12

__all__ = [
    "NewApiKey",
    "authenticate",
    "create_key",
    "generate_api_key",
    "hash_api_key",
    "list_keys",
    "revoke_key",
]


@dataclass(frozen=True)
class NewApiKey:
    """A freshly generated key: ``key`` is shown once, ``key_hash`` and ``prefix`` are stored."""

    key: str
    key_hash: str
    prefix: str


def hash_api_key(key: str) -> str:
    """Return the hex SHA-256 digest under which ``key`` is stored and looked up."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_api_key() -> NewApiKey:
    """Generate a new random key (256 bits from :mod:`secrets`) with its hash and prefix."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewApiKey(key=key, key_hash=hash_api_key(key), prefix=key[:SHOWN_PREFIX_LENGTH])


def _resolve_platform(session: Session, platform: str, territory: str | None) -> Platform:
    """Find a platform by UUID, or by name (within ``territory`` when given)."""
    try:
        found = session.get(Platform, uuid.UUID(platform))
    except ValueError:
        query = sa.select(Platform).where(Platform.name == platform)
        if territory is not None:
            query = query.where(Platform.territory_id == territory)
        matches = session.scalars(query).all()
        if len(matches) > 1:
            raise InputError(
                f"platform name {platform!r} is ambiguous ({len(matches)} platforms); "
                "give its id or --territory",
                {"field": "platform", "value": platform},
            ) from None
        found = matches[0] if matches else None
    if found is None:
        raise NotFoundError(
            f"no platform {platform!r}; create it with `logistics platforms create`",
            {"field": "platform", "value": platform},
        )
    return found


def create_key(
    session: Session,
    *,
    role: str,
    name: str,
    platform: str | None = None,
    territory: str | None = None,
) -> tuple[NewApiKey, ApiKey]:
    """Create an API key and store its hash.

    Parameters
    ----------
    session
        Open session; the caller commits.
    role
        ``platform``, ``coordinator``, ``analyst`` or ``admin``.
    name
        Label for humans (who holds the key).
    platform
        Platform id or name; required for (and only accepted with) the ``platform`` role.
    territory
        Territory id; required for ``coordinator`` and ``analyst``; for ``platform`` it must
        match the platform's territory when given.

    Returns
    -------
    tuple of NewApiKey and ApiKey
        The clear key (to show once) and the stored row.

    Raises
    ------
    InputError
        Unknown role, a missing or superfluous platform or territory, an empty name.
    NotFoundError
        The platform or territory does not exist.
    """
    try:
        role_ = Role(role)
    except ValueError:
        raise InputError(
            f"role {role!r} is not accepted; use one of: {', '.join(r.value for r in Role)}",
            {"field": "role", "value": role},
        ) from None
    if not name.strip():
        raise InputError("name must not be empty", {"field": "name", "value": name})
    platform_row = None
    if role_ is Role.PLATFORM:
        if platform is None:
            raise InputError(
                "a platform key needs --platform (the platform's id or name)",
                {"field": "platform", "value": None},
            )
        platform_row = _resolve_platform(session, platform, territory)
        if territory is not None and territory != platform_row.territory_id:
            raise InputError(
                f"platform {platform_row.name!r} belongs to territory "
                f"{platform_row.territory_id!r}, not {territory!r}",
                {"field": "territory", "value": territory},
            )
        territory = platform_row.territory_id
    elif platform is not None:
        raise InputError(
            f"--platform is only accepted with role 'platform', not {role!r}",
            {"field": "platform", "value": platform},
        )
    if role_ in (Role.COORDINATOR, Role.ANALYST) and territory is None:
        raise InputError(f"a {role} key needs --territory", {"field": "territory", "value": None})
    if role_ is Role.ADMIN and territory is not None:
        raise InputError(
            "an admin key covers every territory; drop --territory",
            {"field": "territory", "value": territory},
        )
    if territory is not None and session.get(Territory, territory) is None:
        raise NotFoundError(
            f"no territory {territory!r}; load it first (logistics load-sample)",
            {"field": "territory", "value": territory},
        )
    new = generate_api_key()
    row = ApiKey(
        name=name.strip(),
        role=role_,
        key_hash=new.key_hash,
        key_prefix=new.prefix,
        platform_id=platform_row.id if platform_row else None,
        territory_id=territory,
    )
    session.add(row)
    session.flush()
    return new, row


def revoke_key(session: Session, key: str) -> ApiKey:
    """Revoke a key given by its id, its shown prefix or the key itself.

    Raises
    ------
    NotFoundError
        No active key matches.
    InputError
        A prefix matches several active keys.
    """
    query = sa.select(ApiKey).where(ApiKey.revoked_at.is_(None))
    try:
        query = query.where(ApiKey.id == uuid.UUID(key))
    except ValueError:
        if key.startswith(KEY_PREFIX) and len(key) > SHOWN_PREFIX_LENGTH:
            query = query.where(ApiKey.key_hash == hash_api_key(key))
        else:
            query = query.where(ApiKey.key_prefix == key)
    rows = session.scalars(query).all()
    if not rows:
        raise NotFoundError(f"no active key {key!r}", {"field": "key", "value": key})
    if len(rows) > 1:
        raise InputError(
            f"prefix {key!r} matches {len(rows)} keys; give the key id",
            {"field": "key", "value": key},
        )
    rows[0].revoked_at = dt.datetime.now(dt.UTC)
    return rows[0]


def list_keys(session: Session) -> list[ApiKey]:
    """Return every key (active and revoked), newest first."""
    return list(session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at.desc())))


def authenticate(session: Session, key: str) -> ApiKey | None:
    """Return the active key row matching the clear ``key``, or None."""
    return session.scalars(
        sa.select(ApiKey).where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at.is_(None))
    ).first()
