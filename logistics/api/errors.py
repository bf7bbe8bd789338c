"""Exception handlers: every error leaves the API as ``{"error": {code, message, details}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from logistics.errors import LogisticsError, SetupError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_input",
}


def _body(code: str, message: str, details: object = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details}}


async def _logistics_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LogisticsError)
    return JSONResponse(jsonable_encoder(exc.to_dict()), status_code=exc.http_status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())),
            "message": e.get("msg"),
            "value": e.get("input"),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "request", "message": "invalid", "value": None}
    message = f"{first['field']}: {first['message']} (got {first['value']!r})"
    return JSONResponse(jsonable_encoder(_body("invalid_input", message, errors)), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such resource: {request.method} {request.url.path}; see /docs"
    return JSONResponse(
        _body(code, message, {"path": request.url.path}),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("database error on %s %s", request.method, request.url.path)
    error = SetupError("the database failed to answer; try again later", None)
    return JSONResponse(error.to_dict(), status_code=error.http_status)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(_body("internal", "internal error; it has been logged"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the same JSON shape."""
    app.add_exception_handler(LogisticsError, _logistics_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
