"""Engine, sessions and the declarative base."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """The application's engine. Statement parameters (emails, password hashes, notes) are kept
    out of every log line and error message: a failed statement shows its SQL, never its values."""
    # A request checks out one connection (its read session, or its mutation's transaction), so
    # the pool bounds concurrent requests per process; pre-ping costs one round trip per request
    # and spares a request the error of a connection the server closed while it sat idle.
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=20,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session, one transaction: committed when the block succeeds, rolled back otherwise."""
    async with factory() as session, session.begin():
        yield session


async def lock_for_owner(session: AsyncSession, *, namespace: int, owner_id: uuid.UUID) -> None:
    """Hold, until the transaction ends, a lock named by `namespace` and an owner.

    For a per-user limit checked as a count then an insert: without it, concurrent requests
    all count below the limit and all insert. A transaction-scoped advisory lock makes them
    count one after another (a row lock on the user would also block unrelated account
    changes); unrelated owners whose ids hash alike merely wait for each other briefly.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:owner))"),
        {"namespace": namespace, "owner": str(owner_id)},
    )
