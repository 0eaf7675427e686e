"""Creating throwaway databases for tests and benchmarks."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def recreate_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `server_url`; returns its URL."""
    target = make_url(server_url).set(database=name)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return target.render_as_string(hide_password=False)


async def scratch_database(name: str) -> str:
    """A freshly migrated database `name` on DATABASE_URL's server (default: local PostgreSQL)."""
    from sigmasight import migrate
    from sigmasight.settings import Settings

    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = await recreate_database(Settings(database_url=base).database_url or base, name)
    await asyncio.to_thread(migrate.upgrade, url)
    return url
