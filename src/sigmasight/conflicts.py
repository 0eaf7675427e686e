"""Integrity violations as the domain error a service's own check would have raised.

A service checks before it writes (is the name free? does the portfolio exist?), but two
requests can both pass that check and race to the write; PostgreSQL's unique index or foreign
key then refuses one of them. The refusal means what the check means, so it must reach the
caller as the same typed error (a Conflict, a NotFound), never as an internal error. The table
below is the one place that says which constraint means which error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.errors import Conflict, DomainError, NotFound

# PostgreSQL's SQLSTATEs for unique_violation and foreign_key_violation.
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"

CONFLICTS: dict[str, Callable[[], DomainError]] = {
    "uq_users_email_key": lambda: Conflict(
        "An account with this email already exists.", field="email", code="EMAIL_TAKEN"
    ),
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
    # Deleted by another request between the ownership check and the insert.
    "fk_positions_portfolio_id_portfolios": lambda: NotFound(
        "Portfolio not found.", field="portfolioId"
    ),
    "fk_position_tags_tag_id_tags": lambda: NotFound("Tag not found.", field="tagIds"),
}


def violated_constraint(error: IntegrityError) -> str | None:
    """The unique index or foreign key `error` violated; None for any other integrity error."""
    # asyncpg's exception (with the constraint name) is the cause of the DBAPI adapter's one.
    cause = getattr(error.orig, "__cause__", None)
    if getattr(cause, "sqlstate", None) not in (UNIQUE_VIOLATION, FOREIGN_KEY_VIOLATION):
        return None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def as_conflict(error: IntegrityError) -> DomainError | None:
    """The error a known constraint stands for; None when the constraint is not in the table."""
    factory = CONFLICTS.get(violated_constraint(error) or "")
    return factory() if factory is not None else None


@asynccontextmanager
async def constraint_errors(session: AsyncSession) -> AsyncIterator[None]:
    """Run the writes of the block inside a savepoint; a known violation rolls back the
    savepoint (the transaction stays usable) and raises its domain error."""
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
    """Flush pending changes; a known violation raises its domain error."""
    async with constraint_errors(session):
        pass
