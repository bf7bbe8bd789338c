"""The documented error responses of a route, picked by status code."""

from __future__ import annotations

from typing import Any

from logistics.api.schemas import ERROR_RESPONSES


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return the ``responses=`` entries documenting these error statuses (shared error shape)."""
    return {code: ERROR_RESPONSES[code] for code in codes}
