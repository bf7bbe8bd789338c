"""Alembic environment: migrate the database whose URL the caller put in the config.

Called through :mod:`logistics.store.migrate` (``logistics db upgrade``), which sets
``config.attributes["database_url"]``; a caller may instead pass an open connection in
``config.attributes["connection"]``.  Objects that are not ours (PostGIS's ``spatial_ref_sys``,
the ``tiger`` and ``topology`` schemas of postgis_tiger_geocoder / postgis_topology) are never
compared, so autogenerate does not propose to drop them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context

from logistics.store.models import Base

config = context.config
target_metadata = Base.metadata
EXCLUDED_SCHEMAS = {"tiger", "tiger_data", "topology"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # Never touch a table we do not model (PostGIS's own, or another tool's).
    return not (
        type_ == "table"
        and (getattr(obj, "schema", None) in EXCLUDED_SCHEMAS or (reflected and compare_to is None))
    )


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "schema":
        return name not in EXCLUDED_SCHEMAS
    return True


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        include_name=include_name,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no database URL: call logistics.store.migrate.upgrade(url) or `logistics db upgrade`"
        )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
