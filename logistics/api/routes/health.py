"""``GET /health``: is the service up and does its database answer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from logistics import __version__
from logistics.api.routes._responses import error_responses
from logistics.api.schemas import DatabaseInfo, Health
from logistics.store.db import check_database

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    summary="Check the service and its database",
    responses=error_responses(503),
)
async def health(request: Request) -> Health:
    """Report the service version and the PostgreSQL and PostGIS versions (503 if unreachable)."""
    async with request.app.state.database_turns:  # as a session would (logistics.api.deps)
        status = await run_in_threadpool(check_database, request.app.state.engine)
    return Health(
        version=__version__,
        database=DatabaseInfo(
            server_version=status.server_version,
            postgis_version=status.postgis_version,
            database=status.database,
        ),
    )
