"""Run the packaged Alembic migrations against a database given by URL.

The migrations live in :mod:`logistics.store.migrations` (shipped inside the package, so an
installed ``logistics`` can migrate without the repository).  No ``alembic.ini`` is needed: the
configuration is built here and the URL is handed to ``env.py`` through ``Config.attributes``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from logistics.store.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current", "downgrade", "head", "upgrade"]


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration for the packaged migrations and the database ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: the latest)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    """Downgrade the database at ``url`` to ``revision`` (default: one step; ``base``: empty)."""
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """Return the revision the database at ``url`` is at, or None if it was never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """Return the latest revision of the packaged migrations."""
    script = ScriptDirectory.from_config(alembic_config(""))
    rev = script.get_current_head()
    assert rev is not None
    return rev
