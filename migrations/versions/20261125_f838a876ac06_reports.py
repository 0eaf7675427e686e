"""Reports: requested report files, their job runs and where each file is stored.

Revision ID: f838a876ac06
Revises: 22742a1c0368
Create Date: 2026-11-25 15:16:04.964888
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f838a876ac06"
down_revision: str | None = "22742a1c0368"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "RISK_SUMMARY",
                "EXPOSURES",
                "PERFORMANCE",
                "SCENARIOS",
                "MODELING_SESSION",
                name="reportkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "format",
            sa.Enum(
                "PDF",
                "HTML",
                name="reportformat",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("portfolio_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(length=16), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["batch_jobs.id"],
            name=op.f("fk_reports_job_id_batch_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reports_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_reports_portfolio_id_portfolios"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["modeling_sessions.id"],
            name=op.f("fk_reports_session_id_modeling_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("job_id", name=op.f("uq_reports_job_id")),
    )
    op.create_index(
        "ix_reports_owner_created", "reports", ["owner_id", "created_at", "id"], unique=False
    )
    op.create_index(op.f("ix_reports_portfolio_id"), "reports", ["portfolio_id"], unique=False)
    op.create_index(op.f("ix_reports_session_id"), "reports", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_session_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_portfolio_id"), table_name="reports")
    op.drop_index("ix_reports_owner_created", table_name="reports")
    op.drop_table("reports")
