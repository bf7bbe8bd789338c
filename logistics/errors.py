"""The project's exceptions.

Every error the service raises on purpose is a :class:`LogisticsError`.  Each kind carries a
stable machine-readable ``code`` and the HTTP status the API answers with; the message names the
offending field and value and says what would be accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LogisticsError(Exception):
    """Base class of every deliberate error of the service.

    Parameters
    ----------
    message
        Human-readable explanation: the field, the value received and what is accepted.
    details
        Machine-readable context (field name, value, file, feature index...), JSON-serialisable.
    code
        Overrides the kind's default error code.
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, details: Any = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        """Return the stable JSON error body ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InputError(LogisticsError, ValueError):
    """Bad input: a field, a file or a parameter has a value that is not accepted."""

    code = "invalid_input"
    http_status = 422


class NotFoundError(LogisticsError, LookupError):
    """A requested object does not exist (or is not visible to the caller)."""

    code = "not_found"
    http_status = 404


class ConflictError(LogisticsError):
    """The request conflicts with the current state (full slot, expired hold, bad transition)."""

    code = "conflict"
    http_status = 409


class InfeasibleError(LogisticsError):
    """The problem as stated has no solution (e.g. no vehicle can serve an order)."""

    code = "infeasible"
    http_status = 422


class AuthenticationError(LogisticsError):
    """Missing or invalid credentials."""

    code = "unauthenticated"
    http_status = 401


class PermissionDeniedError(LogisticsError):
    """Valid credentials whose role may not perform the action."""

    code = "forbidden"
    http_status = 403


class PayloadTooLargeError(LogisticsError):
    """A request body or upload exceeds the accepted size."""

    code = "payload_too_large"
    http_status = 413


class SetupError(LogisticsError):
    """The environment is not ready (database unreachable, PostGIS missing, data file absent)."""

    code = "setup"
    http_status = 503
