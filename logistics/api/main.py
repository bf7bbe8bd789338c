"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from logistics import __version__
from logistics.api.deps import install_database_turns
from logistics.api.errors import install_error_handlers
from logistics.api.routes import (
    bookings,
    collection_points,
    health,
    holds,
    merchants,
    options,
    orders,
    plans,
    rounds,
    schedules,
    slots,
    territories,
    webhooks,
)
from logistics.api.routes import coverage as coverage_routes
from logistics.api.routes import zones as zones_routes
from logistics.config import Settings
from logistics.store.db import make_engine, make_sessionmaker

DESCRIPTION = """
Logistics for rural shop platforms: delivery rounds, click-and-collect slots and zones.

Every error has the same body: `{"error": {"code": …, "message": …, "details": …}}`; the
message names the field, the value received and what is accepted. Positions are WGS 84
longitude/latitude; times are ISO 8601 with their offset.
"""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the API application.

    Parameters
    ----------
    settings
        Service settings; read from the ``LOGISTICS_*`` environment when omitted.
    engine
        An existing engine to use (tests); otherwise one is made from
        ``settings.database_url`` and disposed of when the app shuts down.

    Returns
    -------
    FastAPI
        The application, with its routes and error handlers.
    """
    settings = settings or Settings()
    owned = engine is None
    engine = engine or make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=0,  # a connection opened per request beyond the pool costs more than a wait
        pre_ping=settings.db_pre_ping,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            engine.dispose()

    app = FastAPI(
        title="logistics",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "AGPL-3.0-or-later"},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    install_database_turns(app, engine)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(territories.router)
    app.include_router(merchants.router)
    app.include_router(collection_points.router)
    app.include_router(webhooks.router)
    app.include_router(zones_routes.router)
    app.include_router(coverage_routes.router)
    app.include_router(slots.router)
    app.include_router(options.router)
    app.include_router(holds.router)
    app.include_router(bookings.router)
    app.include_router(orders.router)
    app.include_router(plans.router)
    app.include_router(rounds.router)
    app.include_router(schedules.router)
    return app
