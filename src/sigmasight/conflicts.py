"""Unique violations as the Conflict a service's own check would have raised.

A service checks for a duplicate before it writes, but two requests can both pass that check
and race to the insert; PostgreSQL's unique index then refuses the second. The refusal is the
same conflict, so it must reach the caller as the same typed error, never as an internal error.
The table below is the one place that says which index means which conflict.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.errors import Conflict

# PostgreSQL's SQLSTATE for unique_violation.
UNIQUE_VIOLATION = "23505"

CONFLICTS: dict[str, Callable[[], Conflict]] = {
    "uq_positions_live_symbol_entry_date": lambda: Conflict(
        "An open position with this symbol and entry date already exists; update it instead.",
        field="symbol",
        code="DUPLICATE_POSITION",
    ),
    "uq_tags_owner_name_key": lambda: Conflict(
        "You already have a tag with this name (names ignore case).",
        field="name",
        code="NAME_TAKEN",
    ),
    "uq_portfolios_owner_name_key": lambda: Conflict(
        "You already have a portfolio with this name (names ignore case).",
        field="name",
        code="NAME_TAKEN",
    ),
}


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the unique index `error` violated, or None for any other integrity error."""
    # asyncpg's exception (with the constraint name) is the cause of the DBAPI adapter's one.
    cause = getattr(error.orig, "__cause__", None)
    if getattr(cause, "sqlstate", None) != UNIQUE_VIOLATION:
        return None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def as_conflict(error: IntegrityError) -> Conflict | None:
    """The conflict a known unique index stands for; None when the index is not in the table."""
    factory = CONFLICTS.get(violated_constraint(error) or "")
    return factory() if factory is not None else None


@asynccontextmanager
async def unique_conflicts(session: AsyncSession) -> AsyncIterator[None]:
    """Run the writes of the block inside a savepoint; a known unique violation rolls back the
    savepoint (the transaction stays usable) and raises its Conflict."""
    savepoint = None
    try:
        # Opening a savepoint flushes what is already pending, so that flush is covered too
        # (a violation there leaves no savepoint to roll back: the caller's transaction ends).
        savepoint = await session.begin_nested()
        yield
        await session.flush()
    except IntegrityError as error:
        if savepoint is not None and savepoint.is_active:
            await savepoint.rollback()
        conflict = as_conflict(error)
        if conflict is None:
            raise
        raise conflict from None
    except BaseException:
        if savepoint is not None and savepoint.is_active:
            await savepoint.rollback()
        raise
    await savepoint.commit()


async def flush(session: AsyncSession) -> None:
    """Flush pending changes; a known unique violation raises its Conflict."""
    async with unique_conflicts(session):
        pass
