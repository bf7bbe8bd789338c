"""Plans: idempotent planning (request key), the job and author of a plan, re-planning links,
and planning requests (a queued job's status and progress).

Revision ID: 0004_plans
Revises: 0003_api
Create Date: 2026-11-27 15:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_plans"
down_revision: str | None = "0003_api"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("request_key", sa.Text(), nullable=True))
    op.add_column("plans", sa.Column("job_id", sa.BigInteger(), nullable=True))
    op.add_column("plans", sa.Column("created_by", sa.Text(), nullable=True))
    op.add_column("plans", sa.Column("replaces_plan_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_plans_replaces_plan_id_plans"),
        "plans",
        "plans",
        ["replaces_plan_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_unique_constraint(
        op.f("uq_plans_territory_id_request_key"), "plans", ["territory_id", "request_key"]
    )
    op.create_table(
        "plan_requests",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("territory_id", sa.Text(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), server_default="plan", nullable=False),
        sa.Column("request_key", sa.Text(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("source_plan_id", sa.Uuid(), nullable=True),
        sa.Column(
            "params",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="plan_request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="queued",
            nullable=False,
        ),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
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
        sa.CheckConstraint("kind IN ('plan', 'replan')", name=op.f("ck_plan_requests_kind")),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1", name=op.f("ck_plan_requests_progress_share")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_plan_requests_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_requests_source_plan_id_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_requests_plan_id_plans"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_requests")),
        sa.UniqueConstraint("job_id", name=op.f("uq_plan_requests_job_id")),
        sa.UniqueConstraint(
            "territory_id", "request_key", name=op.f("uq_plan_requests_territory_id_request_key")
        ),
    )
    op.create_index(
        op.f("ix_plan_requests_territory_id"), "plan_requests", ["territory_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_requests_territory_id"), table_name="plan_requests")
    op.drop_table("plan_requests")
    op.drop_constraint(op.f("uq_plans_territory_id_request_key"), "plans", type_="unique")
    op.drop_constraint(op.f("fk_plans_replaces_plan_id_plans"), "plans", type_="foreignkey")
    op.drop_column("plans", "replaces_plan_id")
    op.drop_column("plans", "created_by")
    op.drop_column("plans", "job_id")
    op.drop_column("plans", "request_key")
