"""PostGIS store: SQLAlchemy 2 + GeoAlchemy2 tables, queries and Alembic migrations."""
