"""Engines, sessions and the database check.

Everything takes the database URL explicitly (the shell reads it from
:class:`logistics.config.Settings`); nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from logistics.errors import SetupError

__all__ = [
    "DatabaseStatus",
    "check_database",
    "make_engine",
    "make_sessionmaker",
    "pool_capacity",
    "redact",
    "session_scope",
]


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 5,
    max_overflow: int = 10,
    pre_ping: bool = True,
    connect_timeout: int = 5,
) -> Engine:
    """Create an engine for a PostgreSQL URL.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``postgresql+psycopg://logistics:logistics@127.0.0.1:5432/logistics``.
    echo
        Log every SQL statement.
    pool_size
        Connections kept open in the pool.
    max_overflow
        Connections opened beyond `pool_size` when every pooled one is in use (closed again
        when given back).
    pre_ping
        Check each connection with a round trip when it leaves the pool, so that one broken
        since its last use (a server restart) is replaced instead of failing the caller.
        Without it, the first statement on a broken connection fails; the pool then
        replaces every connection older than the failure.
    connect_timeout
        Seconds to wait for the server before giving up on a connection.

    Returns
    -------
    Engine
        An engine whose connections are checked before use unless `pre_ping` is false.

    Raises
    ------
    InputError
        If the URL cannot be parsed.
    """
    from logistics.errors import InputError

    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise InputError(
            f"database URL {url!r} is not a SQLAlchemy URL; expected e.g. "
            "postgresql+psycopg://user:password@host:5432/dbname",
            {"field": "database_url", "value": url},
        ) from exc
    connect_args = (
        {"connect_timeout": connect_timeout} if parsed.drivername.startswith("postgresql") else {}
    )
    return sa.create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=pre_ping,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args=connect_args,
    )


def pool_capacity(engine: Engine) -> int | None:
    """Return the most connections `engine`'s pool hands out at once (None: no limit)."""
    pool = engine.pool
    if isinstance(pool, sa.pool.QueuePool):
        overflow = pool._max_overflow  # public only as a create_engine argument
        return None if overflow < 0 else pool.size() + overflow
    return None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session in a transaction: commit on success, roll back on any error.

    Parameters
    ----------
    factory
        A session factory from :func:`make_sessionmaker`.

    Yields
    ------
    Session
        The session; everything done with it is one transaction.
    """
    with factory() as session, session.begin():
        yield session


@dataclass(frozen=True)
class DatabaseStatus:
    """What :func:`check_database` found."""

    server_version: str
    postgis_version: str
    database: str


def redact(url: str) -> str:
    """Return ``url`` with its password hidden (for messages and logs)."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


def check_database(target: str | Engine) -> DatabaseStatus:
    """Connect and report the PostgreSQL and PostGIS versions.

    Parameters
    ----------
    target
        A database URL or an engine.

    Returns
    -------
    DatabaseStatus
        Server version, PostGIS library version and database name.

    Raises
    ------
    SetupError
        If the server is unreachable or the PostGIS extension is not installed in the database;
        the message says how to fix it.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            server = conn.execute(sa.text("SHOW server_version")).scalar_one()
            database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
            try:
                postgis = conn.execute(sa.text("SELECT postgis_lib_version()")).scalar_one()
            except ProgrammingError as exc:
                raise SetupError(
                    f"the database {database!r} at {shown} has no PostGIS extension; run "
                    "`make db` (scripts/ensure-postgis) or ask its administrator for "
                    "`CREATE EXTENSION postgis`",
                    {"database_url": shown},
                ) from exc
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise SetupError(
            f"cannot reach PostgreSQL at {shown}: {reason}. Run `make db` "
            "(scripts/ensure-postgis) to install and start a local server, or set "
            "LOGISTICS_DATABASE_URL to a reachable PostGIS database",
            {"database_url": shown},
        ) from exc
    finally:
        if isinstance(target, str):
            engine.dispose()
    return DatabaseStatus(
        server_version=str(server), postgis_version=str(postgis), database=str(database)
    )
