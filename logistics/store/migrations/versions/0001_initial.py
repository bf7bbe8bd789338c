"""Initial schema: territories, communes, platforms, API keys, merchants, collection points,
depots, vehicles, delivery addresses, orders, zones, plans, rounds, stops, slots and bookings.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27 11:39:23.649342
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def _geom(kind: str) -> Geometry:
    # GiST indexes are created explicitly below (op.create_index(..., postgresql_using="gist")).
    return Geometry(geometry_type=kind, srid=4326, spatial_index=False)


def upgrade() -> None:
    op.create_table(
        "territories",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("departements", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("timezone", sa.Text(), server_default="Europe/Paris", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id ~ '^[a-z0-9][a-z0-9_-]*$'", name=op.f("ck_territories_id_slug")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
    )
    op.create_table(
        "communes",
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("insee_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("postcodes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("geom", _geom("MULTIPOLYGON"), nullable=False),
        sa.CheckConstraint("population >= 0", name=op.f("ck_communes_population_nonnegative")),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_communes_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("territory_id", "insee_code", name=op.f("pk_communes")),
    )
    op.create_index(
        "ix_communes_departement", "communes", ["territory_id", "departement"], unique=False
    )
    op.create_index("ix_communes_geom", "communes", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "depots",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_depots_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depots")),
        sa.UniqueConstraint("territory_id", "name", name=op.f("uq_depots_territory_id_name")),
    )
    op.create_index("ix_depots_geom", "depots", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_depots_territory_id"), "depots", ["territory_id"], unique=False)
    op.create_table(
        "plans",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "superseded",
                name="plan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column(
            "params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "totals", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "unserved", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_plans_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_index(
        "ix_plans_territory_id_service_date",
        "plans",
        ["territory_id", "service_date"],
        unique=False,
    )
    op.create_table(
        "platforms",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_platforms_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("territory_id", "name", name=op.f("uq_platforms_territory_id_name")),
    )
    op.create_index(op.f("ix_platforms_territory_id"), "platforms", ["territory_id"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "platform",
                "coordinator",
                "analyst",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("key_prefix", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=True),
        sa.Column("territory_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_api_keys_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_api_keys_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_platform_id"), "api_keys", ["platform_id"], unique=False)
    op.create_index(op.f("ix_api_keys_territory_id"), "api_keys", ["territory_id"], unique=False)
    op.create_table(
        "collection_points",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "mairie",
                "market_hall",
                "relay_shop",
                "other",
                name="collection_point_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("commune_code", sa.Text(), nullable=True),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.Column("capacity", sa.Integer(), server_default="50", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("slot_minutes", sa.SmallInteger(), server_default="30", nullable=False),
        sa.Column("slot_capacity", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("buffer_minutes", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("notice_minutes", sa.Integer(), server_default="120", nullable=False),
        sa.Column("same_day_cutoff", sa.Time(), nullable=True),
        sa.Column("horizon_days", sa.SmallInteger(), server_default="14", nullable=False),
        sa.Column("handling_minutes", sa.SmallInteger(), server_default="10", nullable=False),
        sa.Column("service_minutes", sa.SmallInteger(), server_default="5", nullable=False),
        sa.CheckConstraint(
            "buffer_minutes >= 0 AND notice_minutes >= 0 AND horizon_days >= 0 AND handling_minutes >= 0 AND service_minutes >= 0",
            name=op.f("ck_collection_points_minutes_nonnegative"),
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_collection_points_capacity_nonnegative")),
        sa.CheckConstraint(
            "slot_capacity >= 0", name=op.f("ck_collection_points_slot_capacity_nonnegative")
        ),
        sa.CheckConstraint(
            "slot_minutes > 0", name=op.f("ck_collection_points_slot_minutes_positive")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_collection_points_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id", "commune_code"],
            ["communes.territory_id", "communes.insee_code"],
            name="fk_collection_points_commune_communes",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_collection_points_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_points")),
        sa.UniqueConstraint(
            "territory_id",
            "platform_id",
            "external_id",
            name=op.f("uq_collection_points_territory_id_platform_id_external_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        "ix_collection_points_geom",
        "collection_points",
        ["geom"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_collection_points_territory_id"),
        "collection_points",
        ["territory_id"],
        unique=False,
    )
    op.create_table(
        "delivery_addresses",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("commune_code", sa.Text(), nullable=True),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_delivery_addresses_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id", "commune_code"],
            ["communes.territory_id", "communes.insee_code"],
            name="fk_delivery_addresses_commune_communes",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_delivery_addresses_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_addresses")),
        sa.UniqueConstraint(
            "platform_id", "external_id", name=op.f("uq_delivery_addresses_platform_id_external_id")
        ),
    )
    op.create_index(
        "ix_delivery_addresses_geom",
        "delivery_addresses",
        ["geom"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_delivery_addresses_territory_id"),
        "delivery_addresses",
        ["territory_id"],
        unique=False,
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("commune_code", sa.Text(), nullable=True),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.Column("accepts_pickup", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("slot_minutes", sa.SmallInteger(), server_default="30", nullable=False),
        sa.Column("slot_capacity", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("buffer_minutes", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("notice_minutes", sa.Integer(), server_default="120", nullable=False),
        sa.Column("same_day_cutoff", sa.Time(), nullable=True),
        sa.Column("horizon_days", sa.SmallInteger(), server_default="14", nullable=False),
        sa.Column("handling_minutes", sa.SmallInteger(), server_default="10", nullable=False),
        sa.Column("service_minutes", sa.SmallInteger(), server_default="5", nullable=False),
        sa.CheckConstraint(
            "buffer_minutes >= 0 AND notice_minutes >= 0 AND horizon_days >= 0 AND handling_minutes >= 0 AND service_minutes >= 0",
            name=op.f("ck_merchants_minutes_nonnegative"),
        ),
        sa.CheckConstraint(
            "slot_capacity >= 0", name=op.f("ck_merchants_slot_capacity_nonnegative")
        ),
        sa.CheckConstraint("slot_minutes > 0", name=op.f("ck_merchants_slot_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_merchants_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id", "commune_code"],
            ["communes.territory_id", "communes.insee_code"],
            name="fk_merchants_commune_communes",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_merchants_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
        sa.UniqueConstraint(
            "platform_id", "external_id", name=op.f("uq_merchants_platform_id_external_id")
        ),
    )
    op.create_index(
        "ix_merchants_geom", "merchants", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(op.f("ix_merchants_territory_id"), "merchants", ["territory_id"], unique=False)
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("depot_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("capacity_kg", sa.Float(), nullable=False),
        sa.Column("capacity_litres", sa.Float(), nullable=False),
        sa.Column("capacity_parcels", sa.Integer(), nullable=False),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("max_duration_minutes", sa.Integer(), nullable=True),
        sa.Column("cost_per_km", sa.Float(), server_default="0", nullable=False),
        sa.Column("cost_per_hour", sa.Float(), server_default="0", nullable=False),
        sa.Column("fixed_cost", sa.Float(), server_default="0", nullable=False),
        sa.Column("skills", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint(
            "capacity_kg >= 0 AND capacity_litres >= 0 AND capacity_parcels >= 0",
            name=op.f("ck_vehicles_capacity_nonnegative"),
        ),
        sa.CheckConstraint(
            "cost_per_km >= 0 AND cost_per_hour >= 0 AND fixed_cost >= 0",
            name=op.f("ck_vehicles_cost_nonnegative"),
        ),
        sa.CheckConstraint("shift_end > shift_start", name=op.f("ck_vehicles_shift_order")),
        sa.ForeignKeyConstraint(
            ["depot_id"], ["depots.id"], name=op.f("fk_vehicles_depot_id_depots")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_vehicles_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("territory_id", "name", name=op.f("uq_vehicles_territory_id_name")),
    )
    op.create_index(op.f("ix_vehicles_depot_id"), "vehicles", ["depot_id"], unique=False)
    op.create_index(op.f("ix_vehicles_territory_id"), "vehicles", ["territory_id"], unique=False)
    op.create_table(
        "zones",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("hub_depot_id", sa.Uuid(), nullable=True),
        sa.Column(
            "round_days", postgresql.ARRAY(sa.SmallInteger()), server_default="{}", nullable=False
        ),
        sa.Column("cutoff", sa.Time(), server_default="18:00", nullable=False),
        sa.Column("cutoff_days_before", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column(
            "commune_codes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("geom", _geom("MULTIPOLYGON"), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cutoff_days_before >= 0", name=op.f("ck_zones_cutoff_days_nonnegative")
        ),
        sa.CheckConstraint(
            "round_days <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
            name=op.f("ck_zones_round_days_iso_weekdays"),
        ),
        sa.ForeignKeyConstraint(
            ["hub_depot_id"], ["depots.id"], name=op.f("fk_zones_hub_depot_id_depots")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_zones_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("territory_id", "name", name=op.f("uq_zones_territory_id_name")),
    )
    op.create_index("ix_zones_geom", "zones", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_zones_territory_id"), "zones", ["territory_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column(
            "fulfilment",
            sa.Enum(
                "home_delivery",
                "collection_point",
                "at_shop",
                name="fulfilment",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("delivery_address_id", sa.Uuid(), nullable=True),
        sa.Column("collection_point_id", sa.Uuid(), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "required_skills", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status", sa.Text(), server_default="received", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "fulfilment <> 'collection_point' OR collection_point_id IS NOT NULL",
            name=op.f("ck_orders_collection_point_given"),
        ),
        sa.CheckConstraint(
            "fulfilment <> 'home_delivery' OR delivery_address_id IS NOT NULL",
            name=op.f("ck_orders_home_delivery_has_address"),
        ),
        sa.CheckConstraint(
            "(window_start IS NULL) = (window_end IS NULL) AND (window_start IS NULL OR window_end > window_start)",
            name=op.f("ck_orders_window_order"),
        ),
        sa.ForeignKeyConstraint(
            ["collection_point_id"],
            ["collection_points.id"],
            name=op.f("fk_orders_collection_point_id_collection_points"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_address_id"],
            ["delivery_addresses.id"],
            name=op.f("fk_orders_delivery_address_id_delivery_addresses"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_orders_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_orders_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "platform_id", "external_id", name=op.f("uq_orders_platform_id_external_id")
        ),
        sa.UniqueConstraint(
            "platform_id", "idempotency_key", name=op.f("uq_orders_platform_id_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_orders_collection_point_id"), "orders", ["collection_point_id"], unique=False
    )
    op.create_index(
        op.f("ix_orders_delivery_address_id"), "orders", ["delivery_address_id"], unique=False
    )
    op.create_index(
        "ix_orders_territory_id_service_date",
        "orders",
        ["territory_id", "service_date"],
        unique=False,
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distance_m", sa.Float(), server_default="0", nullable=False),
        sa.Column("duration_s", sa.Float(), server_default="0", nullable=False),
        sa.Column("geom", _geom("LINESTRING"), nullable=True),
        sa.Column(
            "totals", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_rounds_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_rounds_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_rounds_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    op.create_index("ix_rounds_geom", "rounds", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_rounds_plan_id"), "rounds", ["plan_id"], unique=False)
    op.create_index(op.f("ix_rounds_territory_id"), "rounds", ["territory_id"], unique=False)
    op.create_index(op.f("ix_rounds_vehicle_id"), "rounds", ["vehicle_id"], unique=False)
    op.create_table(
        "slots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=True),
        sa.Column("collection_point_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_slots_capacity_nonnegative")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_slots_slot_order")),
        sa.CheckConstraint(
            "num_nonnulls(merchant_id, collection_point_id) = 1", name=op.f("ck_slots_one_site")
        ),
        sa.ForeignKeyConstraint(
            ["collection_point_id"],
            ["collection_points.id"],
            name=op.f("fk_slots_collection_point_id_collection_points"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_slots_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_slots_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots")),
        sa.UniqueConstraint(
            "collection_point_id", "starts_at", name=op.f("uq_slots_collection_point_id_starts_at")
        ),
        sa.UniqueConstraint(
            "merchant_id", "starts_at", name=op.f("uq_slots_merchant_id_starts_at")
        ),
    )
    op.create_index(
        "ix_slots_territory_id_starts_at", "slots", ["territory_id", "starts_at"], unique=False
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("platform_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("hold_group", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "held",
                "confirmed",
                "collected",
                "no_show",
                "cancelled",
                "expired",
                name="booking_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="held",
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_bookings_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_bookings_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["slots.id"], name=op.f("fk_bookings_slot_id_slots"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_bookings_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    op.create_index(op.f("ix_bookings_hold_group"), "bookings", ["hold_group"], unique=False)
    op.create_index(op.f("ix_bookings_order_id"), "bookings", ["order_id"], unique=False)
    op.create_index(
        "ix_bookings_platform_id_idempotency_key",
        "bookings",
        ["platform_id", "idempotency_key"],
        unique=False,
    )
    op.create_index("ix_bookings_slot_id_status", "bookings", ["slot_id", "status"], unique=False)
    op.create_index(op.f("ix_bookings_territory_id"), "bookings", ["territory_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("parcels", sa.Integer(), server_default="1", nullable=False),
        sa.Column("weight_kg", sa.Float(), server_default="0", nullable=False),
        sa.Column("volume_litres", sa.Float(), server_default="0", nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("parcels > 0", name=op.f("ck_order_lines_parcels_positive")),
        sa.CheckConstraint(
            "weight_kg >= 0 AND volume_litres >= 0", name=op.f("ck_order_lines_size_nonnegative")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_order_lines_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_order_lines_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    op.create_index(
        op.f("ix_order_lines_merchant_id"), "order_lines", ["merchant_id"], unique=False
    )
    op.create_index(op.f("ix_order_lines_order_id"), "order_lines", ["order_id"], unique=False)
    op.create_index(
        op.f("ix_order_lines_territory_id"), "order_lines", ["territory_id"], unique=False
    )
    op.create_table(
        "stops",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "start",
                "pickup",
                "delivery",
                "end",
                name="stop_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("depot_id", sa.Uuid(), nullable=True),
        sa.Column("merchant_id", sa.Uuid(), nullable=True),
        sa.Column("collection_point_id", sa.Uuid(), nullable=True),
        sa.Column("delivery_address_id", sa.Uuid(), nullable=True),
        sa.Column("order_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waiting_s", sa.Float(), server_default="0", nullable=False),
        sa.Column(
            "load", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("locked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("geom", _geom("POINT"), nullable=False),
        sa.CheckConstraint("waiting_s >= 0", name=op.f("ck_stops_waiting_nonnegative")),
        sa.ForeignKeyConstraint(
            ["collection_point_id"],
            ["collection_points.id"],
            name=op.f("fk_stops_collection_point_id_collection_points"),
        ),
        sa.ForeignKeyConstraint(
            ["delivery_address_id"],
            ["delivery_addresses.id"],
            name=op.f("fk_stops_delivery_address_id_delivery_addresses"),
        ),
        sa.ForeignKeyConstraint(["depot_id"], ["depots.id"], name=op.f("fk_stops_depot_id_depots")),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_stops_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_stops_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_stops_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stops")),
        sa.UniqueConstraint("round_id", "seq", name=op.f("uq_stops_round_id_seq")),
    )
    op.create_index("ix_stops_geom", "stops", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_stops_territory_id"), "stops", ["territory_id"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints; reverse order of creation.
    op.drop_table("stops")
    op.drop_table("order_lines")
    op.drop_table("bookings")
    op.drop_table("slots")
    op.drop_table("rounds")
    op.drop_table("orders")
    op.drop_table("zones")
    op.drop_table("vehicles")
    op.drop_table("merchants")
    op.drop_table("delivery_addresses")
    op.drop_table("collection_points")
    op.drop_table("api_keys")
    op.drop_table("platforms")
    op.drop_table("plans")
    op.drop_table("depots")
    op.drop_table("communes")
    op.drop_table("territories")
