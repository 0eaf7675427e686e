"""portfolio cash, risk limits, security dividend yield

Revision ID: 57a18b3c884a
Revises: 48058bc97aa6
Create Date: 2026-11-25 09:25:18.571356
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "57a18b3c884a"
down_revision: str | None = "48058bc97aa6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "portfolios",
        sa.Column(
            "cash",
            sa.Numeric(precision=20, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
    )
    op.add_column(
        "portfolios",
        sa.Column("gross_limit_percent", sa.Numeric(precision=10, scale=2), nullable=True),
    )
    op.add_column(
        "portfolios",
        sa.Column("net_target_min_percent", sa.Numeric(precision=10, scale=2), nullable=True),
    )
    op.add_column(
        "portfolios",
        sa.Column("net_target_max_percent", sa.Numeric(precision=10, scale=2), nullable=True),
    )
    op.create_check_constraint(
        op.f("ck_portfolios_gross_limit_positive"),
        "portfolios",
        "gross_limit_percent IS NULL OR gross_limit_percent > 0",
    )
    op.create_check_constraint(
        op.f("ck_portfolios_net_target_complete"),
        "portfolios",
        "(net_target_min_percent IS NULL) = (net_target_max_percent IS NULL)",
    )
    op.create_check_constraint(
        op.f("ck_portfolios_net_target_ordered"),
        "portfolios",
        "net_target_min_percent IS NULL OR net_target_min_percent <= net_target_max_percent",
    )
    op.add_column("securities", sa.Column("dividend_yield", sa.Double(), nullable=True))
    op.create_check_constraint(
        op.f("ck_securities_dividend_yield_range"),
        "securities",
        "dividend_yield IS NULL OR (dividend_yield >= 0 AND dividend_yield < 1)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_securities_dividend_yield_range"), "securities", type_="check")
    op.drop_column("securities", "dividend_yield")
    op.drop_constraint(op.f("ck_portfolios_net_target_ordered"), "portfolios", type_="check")
    op.drop_constraint(op.f("ck_portfolios_net_target_complete"), "portfolios", type_="check")
    op.drop_constraint(op.f("ck_portfolios_gross_limit_positive"), "portfolios", type_="check")
    op.drop_column("portfolios", "net_target_max_percent")
    op.drop_column("portfolios", "net_target_min_percent")
    op.drop_column("portfolios", "gross_limit_percent")
    op.drop_column("portfolios", "cash")
