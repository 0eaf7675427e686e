"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import CheckConstraint, text
from sqlalchemy.ext.asyncio import create_async_engine

from sigmasight import migrate
from sigmasight.models import metadata
from sigmasight.settings import Settings


async def test_models_match_migrations(settings: Settings) -> None:
    # given: the test database, built by `alembic upgrade head`
    config = migrate.alembic_config(str(settings.database_url))
    # when / then: autogenerate finds nothing to add, drop or alter (raises otherwise)
    await asyncio.to_thread(command.check, config)


async def test_check_constraints_match_migrations(settings: Settings) -> None:
    # given: autogenerate does not compare CHECK constraints, so compare their names here
    declared = {
        str(c.name)
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, CheckConstraint)
    }
    engine = create_async_engine(str(settings.database_url))
    # when
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                "WHERE c.contype = 'c' AND n.nspname = 'public'"
            )
        )
        migrated = {name for (name,) in rows}
    await engine.dispose()
    # then
    assert migrated == declared
