"""Bookings: slot booking deadlines, held bookings carry an expiry, idempotency keys.

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


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_constraint(op.f("ck_bookings_held_expires"), "bookings", type_="check")
    op.drop_constraint(op.f("ck_slots_book_until"), "slots", type_="check")
    op.drop_constraint(op.f("ck_slots_closes_by"), "slots", type_="check")
    op.drop_column("slots", "closes_by")
    op.drop_column("slots", "book_until")
    op.drop_column("slots", "book_from")
