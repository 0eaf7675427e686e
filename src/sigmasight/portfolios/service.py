"""Portfolios: create, read, update, delete, scoped to their owner."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.access import visible_to
from sigmasight.auth.actor import Actor
from sigmasight.errors import Conflict, Invalid, NotFound
from sigmasight.pagination import Page, PageRequest, paginate
from sigmasight.portfolios.models import Portfolio

MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2000


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


async def _ensure_name_free(
    session: AsyncSession, *, owner_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = select(Portfolio.id).where(
        Portfolio.owner_id == owner_id, func.lower(Portfolio.name) == name.lower()
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
    session.add(portfolio)
    await session.flush()
    return portfolio


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    name: str | None = None,
    description: str | None = None,
) -> Portfolio:
    """Rename or re-describe a portfolio; an empty description clears it."""
    portfolio = await get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    if name is not None:
        name = _clean_name(name)
        await _ensure_name_free(
            session, owner_id=portfolio.owner_id, name=name, exclude=portfolio.id
        )
        portfolio.name = name
    if description is not None:
        portfolio.description = _clean_description(description)
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
