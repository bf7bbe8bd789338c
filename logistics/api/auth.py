"""Authentication and tenancy: bearer API keys, roles, and who may see what.

Every ``/v1`` route depends on :func:`get_principal` (or one of the role-restricted aliases
below).  Object lookups then go through the ``Principal``'s checks so that another tenant's
ids answer 404, exactly as ids that do not exist.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from logistics.api.deps import SessionDep
from logistics.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from logistics.store.bookings import Tenant
from logistics.store.keys import authenticate, hash_api_key
from logistics.store.models import Role

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key created with `logistics keys create`, sent as "
    "`Authorization: Bearer lgk_…`.",
)


@dataclass(frozen=True)
class Principal:
    """The caller: the key's role and the platform and territory it is bound to."""

    key_id: uuid.UUID
    name: str
    role: Role
    platform_id: uuid.UUID | None
    territory_id: str | None

    def check_territory(self, territory_id: str) -> None:
        """Refuse (404, as for an unknown territory) a territory this key is not bound to.

        Raises
        ------
        NotFoundError
            The key is bound to another territory.
        """
        if self.territory_id is not None and territory_id != self.territory_id:
            raise NotFoundError(
                f"no territory {territory_id!r}", {"field": "territory", "value": territory_id}
            )

    def owns(self, platform_id: uuid.UUID | None, territory_id: str) -> bool:
        """Tell whether an object of ``platform_id`` in ``territory_id`` is visible.

        Platform keys see their own platform's objects (and shared ones with no platform, in
        their territory); other roles see every object of their territory; admins see all.
        """
        if self.territory_id is not None and territory_id != self.territory_id:
            return False
        if self.role is Role.PLATFORM:
            return platform_id is None or platform_id == self.platform_id
        return True

    def require_platform(self) -> uuid.UUID:
        """Return the caller's platform id; refuse callers that are not platforms.

        Raises
        ------
        PermissionDeniedError
            The key is not a platform key.
        """
        if self.role is not Role.PLATFORM or self.platform_id is None:
            raise PermissionDeniedError(
                f"this action is for platform keys; this key's role is {self.role.value!r}",
                {"role": self.role.value},
            )
        return self.platform_id

    def require_tenant(self) -> Tenant:
        """Return the caller's platform and its territory; refuse callers that are not platforms.

        Raises
        ------
        PermissionDeniedError
            The key is not a platform key (administrators included).
        """
        platform_id = self.require_platform()
        assert self.territory_id is not None  # a platform key is bound to its territory
        return Tenant(platform_id, self.territory_id)


class KeyCache:
    """Keys found valid lately, by their hash, trusted for `ttl` seconds (at most `size`).

    Unknown and revoked keys are never cached: they are looked up on every request.
    """

    def __init__(self, ttl: float, size: int = 4096) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        """Return the principal of a key hash looked up less than `ttl` seconds ago."""
        with self._lock:
            found = self._items.get(digest)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._items[digest]
                return None
            return found[1]

    def put(self, digest: str, principal: Principal) -> None:
        """Remember a valid key's principal for `ttl` seconds."""
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[digest] = (time.monotonic() + self.ttl, principal)
            self._items.move_to_end(digest)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_CACHE_LOCK = threading.Lock()


def key_cache(request: Request) -> KeyCache:
    """Return the app's :class:`KeyCache` (``LOGISTICS_AUTH_CACHE_SECONDS``), made on first use."""
    state = request.app.state
    with _CACHE_LOCK:
        if not hasattr(state, "key_cache"):
            state.key_cache = KeyCache(float(state.settings.auth_cache_seconds))
        cache: KeyCache = state.key_cache
    return cache


def _lookup(session: SessionDep, key: str) -> Principal | None:
    row = authenticate(session, key)
    if row is None:
        return None
    return Principal(
        key_id=row.id,
        name=row.name,
        role=Role(row.role),
        platform_id=row.platform_id,
        territory_id=row.territory_id,
    )


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate the request's bearer key.

    A key found valid is trusted for ``LOGISTICS_AUTH_CACHE_SECONDS`` (5 s by default) by the
    server process without looking it up again; so a revoked key is refused at the latest that
    long after ``logistics keys revoke``.

    Raises
    ------
    AuthenticationError
        No ``Authorization: Bearer`` header, or an unknown or revoked key.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError(
            "missing API key: send `Authorization: Bearer <key>` "
            "(keys are created with `logistics keys create`)"
        )
    cache = key_cache(request)
    digest = hash_api_key(credentials.credentials)
    principal = cache.get(digest)
    if principal is None:
        principal = await run_in_threadpool(_lookup, session, credentials.credentials)
        if principal is None:
            raise AuthenticationError("unknown or revoked API key")
        cache.put(digest, principal)
    request.state.principal = principal
    return principal


def require_roles(*roles: Role, admin: bool = True) -> object:
    """Build a dependency that admits only keys of ``roles`` (and admins, unless ``admin=False``).

    ``admin=False`` is for writes to a platform's own objects, which administrators read but
    do not change.
    """
    allowed = {*roles, Role.ADMIN} if admin else set(roles)

    async def dependency(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            raise PermissionDeniedError(
                f"role {principal.role.value!r} may not do this; accepted roles: "
                + ", ".join(sorted(r.value for r in allowed)),
                {"role": principal.role.value, "accepted": sorted(r.value for r in allowed)},
            )
        return principal

    return Depends(dependency)


AnyPrincipal = Annotated[Principal, Depends(get_principal)]
"""Any valid key."""
PlatformPrincipal = Annotated[Principal, require_roles(Role.PLATFORM)]
"""Platform keys (and admins)."""
CoordinatorPrincipal = Annotated[Principal, require_roles(Role.COORDINATOR)]
"""Coordinator keys (and admins)."""
ReaderPrincipal = Annotated[Principal, require_roles(Role.COORDINATOR, Role.ANALYST)]
"""Keys that may read a territory's planning and coverage (coordinators, analysts, admins)."""
