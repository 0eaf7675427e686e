"""name keys for case-insensitive uniqueness

Portfolio and tag names were unique per owner on `lower(name)`, which disagrees with Python's
case folding (dotted capital I, final sigma), so a name the service accepted could hit a raw
unique violation. Each row now stores `name_key` = NFKC + casefold of its name, and the unique
indexes are on that key. Existing rows are backfilled here; rows whose keys now collide (only
possible for names that `lower()` told apart) get a numbered suffix instead of failing the
migration.

Revision ID: 22742a1c0368
Revises: 42ce21e62a05
Create Date: 2026-11-25 13:12:00.108152
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "22742a1c0368"
down_revision: str | None = "42ce21e62a05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_LENGTHS = {"portfolios": 100, "tags": 50}


def _fold(value: str) -> str:
    # The key as defined at this revision (sigmasight.text.fold), copied so that later changes
    # to the application cannot change what this migration wrote.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def _backfill(table: str) -> None:
    bind = op.get_bind()
    named = sa.table(
        table,
        sa.column("id"),
        sa.column("owner_id"),
        sa.column("name"),
        sa.column("name_key"),
        sa.column("created_at"),
    )
    c = named.c
    rows = bind.execute(
        sa.select(c.id, c.owner_id, c.name).order_by(c.owner_id, c.created_at, c.id)
    ).all()
    taken: set[tuple[object, str]] = set()
    for row_id, owner_id, name in rows:
        new_name, key = name, _fold(name)
        suffix = 2
        while (owner_id, key) in taken:
            tail = f" ({suffix})"
            new_name = name[: NAME_LENGTHS[table] - len(tail)] + tail
            key = _fold(new_name)
            suffix += 1
        taken.add((owner_id, key))
        bind.execute(sa.update(named).where(c.id == row_id).values(name=new_name, name_key=key))


def upgrade() -> None:
    for table in ("portfolios", "tags"):
        op.add_column(table, sa.Column("name_key", sa.Text(), nullable=True))
        op.drop_index(f"uq_{table}_owner_name_lower", table_name=table)
        _backfill(table)
        op.alter_column(table, "name_key", nullable=False)
        op.create_index(f"uq_{table}_owner_name_key", table, ["owner_id", "name_key"], unique=True)


def downgrade() -> None:
    for table in ("tags", "portfolios"):
        op.drop_index(f"uq_{table}_owner_name_key", table_name=table)
        op.create_index(
            f"uq_{table}_owner_name_lower",
            table,
            ["owner_id", sa.literal_column("lower(name::text)")],
            unique=True,
        )
        op.drop_column(table, "name_key")
