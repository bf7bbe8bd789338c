"""Shared fixtures: a migrated PostGIS test database, sessions, clean-up, paths.

The database is ``LOGISTICS_TEST_DATABASE_URL`` (default: the ``logistics_test`` database of the
local server that ``make db`` provisions).  If it is unreachable or lacks PostGIS, every test
that needs it FAILS with the reason (never skips): a green run means PostGIS was tested.

Fixtures for other areas to use:

- ``db_url``: the test database URL (checked reachable, with PostGIS).
- ``db_engine``: session-wide engine on a schema freshly migrated to head.
- ``db_session``: a Session for one test; every table is emptied after the test.
- ``clean_db``: empties every table after the test (for tests that write through the CLI or
  the API instead of ``db_session``).
- ``data_dir``: the repository's ``data/`` folder; ``test_data``: ``tests/data/``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from logistics.errors import SetupError
from logistics.store import migrate
from logistics.store.db import check_database, make_engine, make_sessionmaker
from logistics.store.models import Base

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TEST_URL = "postgresql+psycopg://logistics:logistics@127.0.0.1:5432/logistics_test"


def reset_schema(engine: Engine, url: str) -> None:
    """Bring the database back to an empty schema (keeping the PostGIS extension).

    Downgrading every migration is the normal path (and exercises the downgrades); then every
    non-extension table, type and function left in the ``public`` schema is dropped (a revision
    this checkout does not know, or a run killed half-way, leaves some behind).
    """
    with contextlib.suppress(Exception):  # unknown revision, stale schema of another checkout
        migrate.downgrade(url, "base")
    # Then drop whatever is left (nothing after a clean downgrade; tables, types and functions
    # after a run killed half-way through a migration test, or from another checkout).
    with engine.begin() as conn:
        not_extension = (
            "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
        )
        tables = conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND "
                + not_extension.format(oid="c.oid")
            )
        ).scalars()
        for table in list(tables):
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
        types = conn.execute(
            sa.text(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype = 'e' AND "
                + not_extension.format(oid="t.oid")
            )
        ).scalars()
        for name in list(types):
            conn.execute(sa.text(f'DROP TYPE IF EXISTS "{name}" CASCADE'))
        # Functions of our migrations (e.g. hold_places) survive their tables: without this a
        # test run killed half-way leaves CREATE FUNCTION failing on every later run.
        functions = conn.execute(
            sa.text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' AND " + not_extension.format(oid="p.oid")
            )
        ).scalars()
        for signature in list(functions):
            conn.execute(sa.text(f"DROP FUNCTION IF EXISTS {signature} CASCADE"))


def truncate_all(engine: Engine) -> None:
    """Empty every table of the models (fast: one TRUNCATE ... CASCADE)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def db_url() -> str:
    url = os.environ.get("LOGISTICS_TEST_DATABASE_URL", DEFAULT_TEST_URL)
    try:
        check_database(url)
    except SetupError as exc:
        pytest.fail(
            f"PostGIS test database not usable: {exc.message}\n"
            "Run `make test` (it provisions PostgreSQL + PostGIS) or set "
            "LOGISTICS_TEST_DATABASE_URL.",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    reset_schema(engine, db_url)
    migrate.upgrade(db_url, "head")
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(db_engine: Engine) -> Iterator[Engine]:
    yield db_engine
    truncate_all(db_engine)


@pytest.fixture
def db_session(clean_db: Engine) -> Iterator[Session]:
    session = make_sessionmaker(clean_db)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return REPO / "data"


@pytest.fixture(scope="session")
def test_data() -> Path:
    return REPO / "tests" / "data"
