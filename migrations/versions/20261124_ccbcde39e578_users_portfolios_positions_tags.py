"""users portfolios positions tags

Revision ID: ccbcde39e578
Revises:
Create Date: 2026-11-24 05:38:36.494992
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ccbcde39e578"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "user", "admin", name="role", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(
        "uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True
    )
    op.create_table(
        "portfolios",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
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
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_portfolios_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolios")),
    )
    op.create_index(op.f("ix_portfolios_owner_id"), "portfolios", ["owner_id"], unique=False)
    op.create_index(
        "uq_portfolios_owner_name_lower",
        "portfolios",
        ["owner_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], unique=False)
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "tags",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "REGULAR",
                "STRATEGY",
                name="tagkind",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
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
        sa.CheckConstraint("color ~ '^#[0-9A-Fa-f]{6}$'", name=op.f("ck_tags_color_hex")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_tags_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    op.create_index(op.f("ix_tags_owner_id"), "tags", ["owner_id"], unique=False)
    op.create_index(
        "uq_tags_owner_name_lower",
        "tags",
        ["owner_id", sa.literal_column("lower(name)")],
        unique=True,
    )
    op.create_table(
        "positions",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("underlying", sa.String(length=16), nullable=False),
        sa.Column(
            "position_type",
            sa.Enum(
                "LONG",
                "SHORT",
                "LC",
                "LP",
                "SC",
                "SP",
                name="positiontype",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("entry_price", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("exit_price", sa.Numeric(precision=20, scale=6), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column(
            "option_type",
            sa.Enum(
                "CALL",
                "PUT",
                name="optiontype",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("strike", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("expiration", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
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
        sa.CheckConstraint(
            "(position_type IN ('LONG', 'LC', 'LP')) = (quantity > 0)",
            name=op.f("ck_positions_type_matches_sign"),
        ),
        sa.CheckConstraint(
            "(position_type IN ('LONG', 'SHORT')) = (option_type IS NULL) AND (option_type IS NULL) = (strike IS NULL) AND (option_type IS NULL) = (expiration IS NULL)",
            name=op.f("ck_positions_option_fields_complete"),
        ),
        sa.CheckConstraint(
            "(exit_date IS NULL) = (exit_price IS NULL)", name=op.f("ck_positions_exit_complete")
        ),
        sa.CheckConstraint("entry_price > 0", name=op.f("ck_positions_entry_price_positive")),
        sa.CheckConstraint(
            "exit_price IS NULL OR exit_price >= 0",
            name=op.f("ck_positions_exit_price_nonnegative"),
        ),
        sa.CheckConstraint("multiplier > 0", name=op.f("ck_positions_multiplier_positive")),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_positions_quantity_nonzero")),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_positions_portfolio_id_portfolios"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
    )
    op.create_index(
        "ix_positions_live_portfolio_symbol",
        "positions",
        ["portfolio_id", "symbol"],
        unique=False,
        postgresql_where=sa.text("exit_date IS NULL"),
    )
    op.create_index(op.f("ix_positions_portfolio_id"), "positions", ["portfolio_id"], unique=False)
    op.create_index("ix_positions_underlying", "positions", ["underlying"], unique=False)
    op.create_index(
        "uq_positions_live_symbol_entry_date",
        "positions",
        ["portfolio_id", "symbol", "entry_date"],
        unique=True,
        postgresql_where=sa.text("exit_date IS NULL"),
    )
    op.create_table(
        "position_tags",
        sa.Column("position_id", sa.Uuid(), nullable=False),
        sa.Column("tag_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["positions.id"],
            name=op.f("fk_position_tags_position_id_positions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_position_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("position_id", "tag_id", name=op.f("pk_position_tags")),
    )
    op.create_index(op.f("ix_position_tags_tag_id"), "position_tags", ["tag_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_position_tags_tag_id"), table_name="position_tags")
    op.drop_table("position_tags")
    op.drop_index(
        "uq_positions_live_symbol_entry_date",
        table_name="positions",
        postgresql_where=sa.text("exit_date IS NULL"),
    )
    op.drop_index("ix_positions_underlying", table_name="positions")
    op.drop_index(op.f("ix_positions_portfolio_id"), table_name="positions")
    op.drop_index(
        "ix_positions_live_portfolio_symbol",
        table_name="positions",
        postgresql_where=sa.text("exit_date IS NULL"),
    )
    op.drop_table("positions")
    op.drop_index("uq_tags_owner_name_lower", table_name="tags")
    op.drop_index(op.f("ix_tags_owner_id"), table_name="tags")
    op.drop_table("tags")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens")
    op.drop_index("ix_refresh_tokens_family_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("uq_portfolios_owner_name_lower", table_name="portfolios")
    op.drop_index(op.f("ix_portfolios_owner_id"), table_name="portfolios")
    op.drop_table("portfolios")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
