"""API keys: generation and hashing (keys are stored as SHA-256 hashes, never in clear).

A key looks like ``lgk_<43 url-safe characters>``; its first 12 characters are kept as
``key_prefix`` so that an administrator can tell keys apart without seeing them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

KEY_PREFIX = "lgk_"
SHOWN_PREFIX_LENGTH = 12

__all__ = ["NewApiKey", "generate_api_key", "hash_api_key"]


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
