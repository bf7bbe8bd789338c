import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from logistics.store import migrate
from logistics.store.models import Base

MODEL_TABLES = {t.name for t in Base.metadata.sorted_tables}


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"spatial_ref_sys"}


def test_upgrade_downgrade_upgrade(db_engine, db_url):
    assert migrate.current(db_url) == migrate.head()
    assert _tables(db_engine) == MODEL_TABLES | {"alembic_version"}
    try:
        migrate.downgrade(db_url, "base")
        assert migrate.current(db_url) is None
        assert _tables(db_engine) <= {"alembic_version"}
        with db_engine.connect() as conn:  # PostGIS itself is untouched
            assert conn.execute(sa.text("SELECT postgis_lib_version()")).scalar()
    finally:
        migrate.upgrade(db_url, "head")
    assert migrate.current(db_url) == migrate.head()
    assert _tables(db_engine) == MODEL_TABLES | {"alembic_version"}


def test_migrations_create_exactly_the_models(db_engine):
    with db_engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, type_, reflected, other: (
                    not (type_ == "table" and reflected and other is None)
                ),
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_every_geometry_column_has_a_gist_index(db_engine):
    inspector = sa.inspect(db_engine)
    for table in Base.metadata.sorted_tables:
        geometry = [c.name for c in table.columns if c.type.__class__.__name__ == "Geometry"]
        indexed = {
            tuple(i["column_names"])
            for i in inspector.get_indexes(table.name)
            if i.get("dialect_options", {}).get("postgresql_using") == "gist"
        }
        for column in geometry:
            assert (column,) in indexed, f"{table.name}.{column} has no GiST index"


def test_every_business_table_has_a_territory_key():
    for table in Base.metadata.sorted_tables:
        if table.name in {"territories", "api_keys"}:
            continue  # the territory itself; API keys may be global (admin)
        column = table.columns.get("territory_id")
        assert column is not None and not column.nullable, table.name
