"""Portfolios: create, read, update, delete, scoped to their owner."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.access import visible_to
from sigmasight.auth.actor import Actor
from sigmasight.conflicts import constraint_errors
from sigmasight.errors import Conflict, Invalid, NotFound
from sigmasight.pagination import Page, PageRequest, paginate
from sigmasight.portfolios.models import Portfolio
from sigmasight.text import fold

MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2000
MONEY_PLACES = 2  # cash is stored in cents, limits in hundredths of a percent
MAX_ABS_CASH = Decimal("1e13")  # dollars, either way
MAX_GROSS_LIMIT_PERCENT = Decimal(10_000)  # of equity: 100x leverage
MAX_ABS_NET_TARGET_PERCENT = Decimal(1_000)  # of equity, long or short


def _visible(actor: Actor) -> Select[Portfolio]:
    return select(Portfolio).where(visible_to(actor, Portfolio.owner_id))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("Portfolio name is required.", field="name", code="REQUIRED")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            f"Portfolio name must be at most {MAX_NAME_LENGTH} characters.",
            field="name",
            code="TOO_LONG",
        )
    return name


def _clean_description(description: str | None) -> str | None:
    if description is None:
        return None
    description = description.strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise Invalid(
            f"Description must be at most {MAX_DESCRIPTION_LENGTH} characters.",
            field="description",
            code="TOO_LONG",
        )
    return description or None


def _check_places(value: Decimal, *, field: str) -> None:
    # Stored with two decimals: anything finer would be rounded silently.
    if value.normalize().as_tuple().exponent < -MONEY_PLACES:  # type: ignore[operator]
        raise Invalid(
            f"At most {MONEY_PLACES} decimal places.", field=field, code="TOO_MANY_DECIMALS"
        )


def check_cash(cash: Decimal, *, field: str = "cash") -> Decimal:
    """Dollars to the cent, finite and under 10 trillion either way; negative is a margin debit."""
    if not cash.is_finite() or abs(cash) >= MAX_ABS_CASH:
        raise Invalid(
            "Cash must be a finite amount under $10,000,000,000,000 either way.",
            field=field,
            code="OUT_OF_RANGE",
        )
    _check_places(cash, field=field)
    return cash


def _check_gross_limit(percent: Decimal | None) -> Decimal | None:
    field = "grossLimitPercent"
    if percent is None:
        return None
    if not percent.is_finite() or not 0 < percent <= MAX_GROSS_LIMIT_PERCENT:
        raise Invalid(
            f"Gross limit must be above 0% and at most {MAX_GROSS_LIMIT_PERCENT:,}% of equity.",
            field=field,
            code="OUT_OF_RANGE",
        )
    _check_places(percent, field=field)
    return percent


def _check_net_target(
    low: Decimal | None, high: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    if low is None and high is None:
        return None, None
    if low is None or high is None:
        missing = "netTargetMinPercent" if low is None else "netTargetMaxPercent"
        raise Invalid(
            "Give both ends of the net target range, or neither to clear it.",
            field=missing,
            code="INCOMPLETE_RANGE",
        )
    for value, field in ((low, "netTargetMinPercent"), (high, "netTargetMaxPercent")):
        if not value.is_finite() or abs(value) > MAX_ABS_NET_TARGET_PERCENT:
            raise Invalid(
                f"Net target must be between -{MAX_ABS_NET_TARGET_PERCENT:,}% and "
                f"{MAX_ABS_NET_TARGET_PERCENT:,}% of equity.",
                field=field,
                code="OUT_OF_RANGE",
            )
        _check_places(value, field=field)
    if low > high:
        raise Invalid(
            f"The net target minimum ({low}%) is above its maximum ({high}%).",
            field="netTargetMinPercent",
            code="MIN_ABOVE_MAX",
        )
    return low, high


async def _ensure_name_free(
    session: AsyncSession, *, owner_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = select(Portfolio.id).where(
        Portfolio.owner_id == owner_id, Portfolio.name_key == fold(name)
    )
    if exclude is not None:
        stmt = stmt.where(Portfolio.id != exclude)
    if (await session.execute(stmt)).first() is not None:
        raise Conflict(
            f"You already have a portfolio named '{name}'.", field="name", code="NAME_TAKEN"
        )


async def get(session: AsyncSession, *, actor: Actor, portfolio_id: uuid.UUID) -> Portfolio | None:
    """The portfolio if it exists and the actor may see it."""
    stmt = _visible(actor).where(Portfolio.id == portfolio_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_raise(
    session: AsyncSession, *, actor: Actor, portfolio_id: uuid.UUID
) -> Portfolio:
    """The portfolio, or NotFound when it is missing or not the actor's."""
    portfolio = await get(session, actor=actor, portfolio_id=portfolio_id)
    if portfolio is None:
        raise NotFound("Portfolio not found.", field="portfolioId")
    return portfolio


async def lock_or_raise(
    session: AsyncSession, *, actor: Actor, portfolio_id: uuid.UUID
) -> Portfolio:
    """The portfolio, row-locked until the transaction ends; NotFound when not the actor's.

    Whole-book rewrites (an import) take this lock so that two of them on one portfolio run
    one after the other: each then sees the book the previous one committed, instead of both
    planning against the same old book and writing twice.
    """
    stmt = (
        _visible(actor)
        .where(Portfolio.id == portfolio_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    portfolio = (await session.execute(stmt)).scalar_one_or_none()
    if portfolio is None:
        raise NotFound("Portfolio not found.", field="portfolioId")
    return portfolio


async def list_for_actor(
    session: AsyncSession, *, actor: Actor, page: PageRequest
) -> Page[Portfolio]:
    """The actor's portfolios (every portfolio for an admin), by name."""
    return await paginate(
        session, _visible(actor), keys=[Portfolio.name, Portfolio.id], request=page
    )


async def create(
    session: AsyncSession, *, actor: Actor, name: str, description: str | None = None
) -> Portfolio:
    """Create a portfolio owned by the actor; names are unique per owner ignoring case."""
    name = _clean_name(name)
    await _ensure_name_free(session, owner_id=actor.user_id, name=name)
    portfolio = Portfolio(
        owner_id=actor.user_id, name=name, description=_clean_description(description)
    )
    async with constraint_errors(session):  # a concurrent create may have taken the name
        session.add(portfolio)
    return portfolio


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    name: str | None = None,
    description: str | None = None,
    cash: Decimal | None = None,
) -> Portfolio:
    """Rename, re-describe or set the cash of a portfolio; an empty description clears it."""
    portfolio = await get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    if cash is not None:
        portfolio.cash = check_cash(cash)
    if name is not None:
        name = _clean_name(name)
        await _ensure_name_free(
            session, owner_id=portfolio.owner_id, name=name, exclude=portfolio.id
        )
    if description is not None:
        portfolio.description = _clean_description(description)
    async with constraint_errors(session):  # a concurrent rename may have taken the name
        if name is not None:
            portfolio.name = name
    await session.refresh(portfolio)
    return portfolio


async def set_risk_limits(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    gross_limit_percent: Decimal | None,
    net_target_min_percent: Decimal | None,
    net_target_max_percent: Decimal | None,
) -> Portfolio:
    """Set the gross limit and net target range (percent of equity); None clears a limit."""
    portfolio = await get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    gross = _check_gross_limit(gross_limit_percent)
    low, high = _check_net_target(net_target_min_percent, net_target_max_percent)
    portfolio.gross_limit_percent = gross
    portfolio.net_target_min_percent = low
    portfolio.net_target_max_percent = high
    await session.flush()
    await session.refresh(portfolio)
    return portfolio


async def delete(session: AsyncSession, *, actor: Actor, portfolio_id: uuid.UUID) -> None:
    """Delete a portfolio with its positions."""
    portfolio = await get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    await session.delete(portfolio)
    await session.flush()


async def count_for_actor(session: AsyncSession, *, actor: Actor) -> int:
    """How many portfolios the actor can see."""
    stmt = select(func.count()).select_from(Portfolio).where(visible_to(actor, Portfolio.owner_id))
    return int(await session.scalar(stmt) or 0)
