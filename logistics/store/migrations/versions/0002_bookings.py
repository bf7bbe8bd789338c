"""Bookings: slot booking deadlines, held bookings carry an expiry, idempotency keys, and the
``hold_places`` function that takes places under row locks.

Revision ID: 0002_bookings
Revises: 0001_initial
Create Date: 2026-11-28 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_bookings"
down_revision: str | None = "0001_initial"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# Take places in slots, all or nothing, in one round trip (see logistics/store/bookings.py).
# Each statement of a PL/pgSQL function gets a fresh snapshot under READ COMMITTED, so the
# count that follows the row locks sees every booking committed before they were granted.
# "Occupies capacity" is logistics.slots.OCCUPYING: confirmed, collected, no-show, or held and
# not expired at p_now.  The time rules (not started, before the deadline, inside the horizon)
# are checked again here only so that a refused hold writes nothing; the pure rules in Python
# give the reason.
HOLD_PLACES = """
CREATE FUNCTION hold_places(
    p_ids bigint[], p_territory text, p_platform uuid, p_hold uuid, p_key text, p_hash text,
    p_expires timestamptz, p_now timestamptz
) RETURNS TABLE (
    id bigint, territory_id text, merchant_id uuid, collection_point_id uuid,
    starts_at timestamptz, ends_at timestamptz, capacity integer, book_from timestamptz,
    book_until timestamptz, closes_by varchar, timezone text, site_platform_id uuid,
    site_external_id text, site_name text, handling_minutes smallint, claimed boolean,
    taken bigint, booking_id uuid
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (platform_id, scope, key, territory_id, request_hash,
                                      resource_id)
        VALUES (p_platform, 'holds', p_key, p_territory, p_hash, p_hold)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN  -- an earlier request holds this key: the caller replays it
            RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::uuid, NULL::uuid,
                NULL::timestamptz, NULL::timestamptz, NULL::integer, NULL::timestamptz,
                NULL::timestamptz, NULL::varchar, NULL::text, NULL::uuid, NULL::text, NULL::text,
                NULL::smallint, false, NULL::bigint, NULL::uuid;
            RETURN;
        END IF;
    END IF;
    -- In id order, so that baskets overlapping in any order cannot deadlock.
    PERFORM 1 FROM slots s WHERE s.id = ANY(p_ids) ORDER BY s.id FOR UPDATE;
    RETURN QUERY
    WITH site AS MATERIALIZED (
        SELECT s.*, t.timezone,
               coalesce(m.platform_id, c.platform_id) AS site_platform_id,
               coalesce(m.external_id, c.external_id) AS site_external_id,
               coalesce(m.name, c.name) AS site_name, c.handling_minutes,
               (SELECT count(*) FROM bookings b WHERE b.slot_id = s.id AND (
                    b.status IN ('confirmed', 'collected', 'no_show')
                    OR (b.status = 'held' AND b.expires_at > p_now))) AS taken
        FROM slots s JOIN territories t ON t.id = s.territory_id
        LEFT JOIN merchants m ON m.id = s.merchant_id
        LEFT JOIN collection_points c ON c.id = s.collection_point_id
        WHERE s.id = ANY(p_ids)
    ), ok AS (
        SELECT count(*) = cardinality(p_ids) AND bool_and(
            site.territory_id = p_territory
            AND coalesce(site.site_platform_id, p_platform) = p_platform
            AND site.taken < site.capacity
            AND p_now < site.starts_at
            AND p_now < coalesce(site.book_until, site.starts_at)
            AND p_now >= coalesce(site.book_from, p_now)) AS ok
        FROM site
    ), ins AS (
        INSERT INTO bookings (territory_id, platform_id, slot_id, hold_group, status,
                              idempotency_key, expires_at, created_at, updated_at)
        SELECT p_territory, p_platform, site.id, p_hold, 'held', p_key, p_expires, p_now, p_now
        FROM site, ok WHERE ok.ok
        RETURNING bookings.id, bookings.slot_id
    )
    SELECT site.id, site.territory_id, site.merchant_id, site.collection_point_id,
           site.starts_at, site.ends_at, site.capacity, site.book_from, site.book_until,
           site.closes_by, site.timezone, site.site_platform_id, site.site_external_id,
           site.site_name, site.handling_minutes, true, site.taken, ins.id
    FROM site LEFT JOIN ins ON ins.slot_id = site.id ORDER BY site.id;
END $$
"""


def upgrade() -> None:
    op.add_column("slots", sa.Column("book_from", sa.DateTime(timezone=True), nullable=True))
    op.add_column("slots", sa.Column("book_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "slots",
        sa.Column("closes_by", sa.String(length=16), server_default="start", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_slots_closes_by"), "slots", "closes_by IN ('start', 'notice', 'cutoff')"
    )
    op.create_check_constraint(
        op.f("ck_slots_book_until"), "slots", "book_until IS NULL OR book_until <= starts_at"
    )
    op.create_check_constraint(
        op.f("ck_bookings_held_expires"), "bookings", "status <> 'held' OR expires_at IS NOT NULL"
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("platform_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(key) BETWEEN 1 AND 200", name=op.f("ck_idempotency_keys_key_length")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_idempotency_keys_platform_id_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_idempotency_keys_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("platform_id", "scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(
        op.f("ix_idempotency_keys_territory_id"), "idempotency_keys", ["territory_id"], unique=False
    )
    op.execute(HOLD_PLACES)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS hold_places")
    op.drop_table("idempotency_keys")
    op.drop_constraint(op.f("ck_bookings_held_expires"), "bookings", type_="check")
    op.drop_constraint(op.f("ck_slots_book_until"), "slots", type_="check")
    op.drop_constraint(op.f("ck_slots_closes_by"), "slots", type_="check")
    op.drop_column("slots", "closes_by")
    op.drop_column("slots", "book_until")
    op.drop_column("slots", "book_from")
