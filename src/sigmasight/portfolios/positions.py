"""Positions: stocks and listed options, long and short, scoped through their portfolio."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight import conflicts
from sigmasight.access import visible_to
from sigmasight.auth.actor import Actor
from sigmasight.conflicts import constraint_errors
from sigmasight.errors import Conflict, Invalid, NotFound
from sigmasight.instruments import occ
from sigmasight.instruments.occ import OptionType
from sigmasight.pagination import Page, PageRequest, paginate, paginate_each
from sigmasight.portfolios import service as portfolios
from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.models import (
    Portfolio,
    Position,
    PositionType,
    position_tags,
)

OPTION_MULTIPLIER = 100
MAX_MULTIPLIER = 10_000
MAX_ENTRY_AGE = timedelta(days=3653)  # ten years
MAX_ABS_QUANTITY = Decimal("1e12")
MAX_PRICE = Decimal("1e9")
MAX_NOTES_LENGTH = 2000
DECIMAL_PLACES = 6  # scale of the quantity and price columns


class PositionStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    ALL = "ALL"


class TagMatch(StrEnum):
    ANY = "ANY"
    ALL = "ALL"


@dataclass(frozen=True, slots=True)
class PositionFilter:
    status: PositionStatus = PositionStatus.OPEN
    types: Sequence[PositionType] = ()
    symbol: str | None = None
    tag_ids: Sequence[uuid.UUID] = ()
    tag_match: TagMatch = TagMatch.ANY


@dataclass(frozen=True, slots=True)
class Instrument:
    """What a symbol denotes: a stock, or an option contract on an underlying."""

    symbol: str
    underlying: str
    option: occ.OptionContract | None = None


@dataclass(slots=True)
class PositionDraft:
    symbol: str
    quantity: Decimal
    entry_price: Decimal
    entry_date: date
    multiplier: int | None = None
    notes: str | None = None
    tag_ids: Sequence[uuid.UUID] = field(default_factory=tuple)


def parse_instrument(symbol: str, *, field: str = "symbol") -> Instrument:
    """Read a ticker or an OCC/OSI option symbol."""
    try:
        if occ.looks_like_option(symbol):
            contract = occ.parse_option(symbol)
            return Instrument(contract.symbol, contract.underlying, contract)
        ticker = occ.normalise_stock_symbol(symbol)
    except occ.SymbolError as exc:
        raise Invalid(str(exc), field=field, code=exc.code) from exc
    return Instrument(ticker, ticker)


def expired_option(instrument: Instrument, *, today: date, field: str = "symbol") -> Invalid | None:
    """The OPTION_EXPIRED problem of an option that expired before `today`, else None.

    One wording for both paths: `addPosition` refuses such an option (opening it by hand is a
    mistake), a CSV import keeps the row with this as a warning (a broker's statement lists
    options that expired since it was cut).
    """
    option = instrument.option
    if option is None or option.expiration >= today:
        return None
    return Invalid(
        f"{instrument.symbol} expired on {option.expiration}.", field=field, code="OPTION_EXPIRED"
    )


def position_type_for(quantity: Decimal, option_type: OptionType | None) -> PositionType:
    """LONG/SHORT for stock, LC/LP/SC/SP for options, from the sign of the quantity."""
    long = quantity > 0
    if option_type is None:
        return PositionType.LONG if long else PositionType.SHORT
    if option_type is OptionType.CALL:
        return PositionType.LC if long else PositionType.SC
    return PositionType.LP if long else PositionType.SP


def _check_places(value: Decimal, *, field: str) -> None:
    # Stored with six decimals: anything finer would be rounded silently (or to zero).
    if value.as_tuple().exponent < -DECIMAL_PLACES:  # type: ignore[operator]
        raise Invalid(
            f"At most {DECIMAL_PLACES} decimal places.", field=field, code="TOO_MANY_DECIMALS"
        )


def check_quantity(quantity: Decimal, *, field: str = "quantity") -> Decimal:
    """A signed, non-zero, finite quantity (negative is short), at most six decimals."""
    if not quantity.is_finite() or abs(quantity) >= MAX_ABS_QUANTITY:
        raise Invalid("Quantity is out of range.", field=field, code="OUT_OF_RANGE")
    _check_places(quantity.normalize(), field=field)
    if quantity == 0:
        raise Invalid(
            "Quantity must not be zero; use a negative quantity for shorts.",
            field=field,
            code="ZERO_QUANTITY",
        )
    return quantity


def check_price(price: Decimal, *, field: str, allow_zero: bool = False) -> Decimal:
    """A finite price, positive (or zero where allowed, as for an option that expired worthless)."""
    if not price.is_finite() or price >= MAX_PRICE:
        raise Invalid("Price is out of range.", field=field, code="OUT_OF_RANGE")
    _check_places(price.normalize(), field=field)
    if price < 0 or (price == 0 and not allow_zero):
        raise Invalid("Price must be positive.", field=field, code="NON_POSITIVE_PRICE")
    return price


def check_entry_date(entry_date: date, *, today: date, field: str = "entryDate") -> date:
    """Not in the future and not older than ten years."""
    if entry_date > today:
        raise Invalid("Entry date is in the future.", field=field, code="FUTURE_DATE")
    if entry_date < today - MAX_ENTRY_AGE:
        raise Invalid("Entry date is more than 10 years ago.", field=field, code="DATE_TOO_OLD")
    return entry_date


def to_decimal(value: float | str | Decimal, *, field: str) -> Decimal:
    """A Decimal from API input, refusing NaN, infinities and junk."""
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Invalid(f"'{value}' is not a number.", field=field, code="NOT_A_NUMBER") from exc
    if not result.is_finite():
        raise Invalid(f"'{value}' is not a finite number.", field=field, code="NOT_A_NUMBER")
    return result


def _check_multiplier(multiplier: int | None, instrument: Instrument) -> int:
    if multiplier is None:
        return OPTION_MULTIPLIER if instrument.option else 1
    if not 1 <= multiplier <= MAX_MULTIPLIER:
        raise Invalid(
            f"Multiplier must be between 1 and {MAX_MULTIPLIER}.",
            field="multiplier",
            code="OUT_OF_RANGE",
        )
    return multiplier


def _check_notes(notes: str | None) -> str | None:
    if notes is not None and len(notes) > MAX_NOTES_LENGTH:
        raise Invalid(
            f"Notes must be at most {MAX_NOTES_LENGTH} characters.", field="notes", code="TOO_LONG"
        )
    return (notes or "").strip() or None


def position_values(
    *,
    portfolio_id: uuid.UUID,
    instrument: Instrument,
    quantity: Decimal,
    entry_price: Decimal,
    entry_date: date,
    multiplier: int | None = None,
) -> dict[str, Any]:
    """Column values of a new position from checked inputs (type and option terms derived)."""
    option = instrument.option
    return {
        "portfolio_id": portfolio_id,
        "symbol": instrument.symbol,
        "underlying": instrument.underlying,
        "position_type": position_type_for(quantity, option.option_type if option else None),
        "quantity": quantity,
        "multiplier": _check_multiplier(multiplier, instrument),
        "entry_price": entry_price,
        "entry_date": entry_date,
        "option_type": option.option_type if option else None,
        "strike": option.strike if option else None,
        "expiration": option.expiration if option else None,
    }


def _visible(actor: Actor) -> Select[Position]:
    return select(Position).join(Portfolio).where(visible_to(actor, Portfolio.owner_id))


async def get(session: AsyncSession, *, actor: Actor, position_id: uuid.UUID) -> Position | None:
    """The position if it exists and the actor may see its portfolio."""
    stmt = _visible(actor).where(Position.id == position_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_raise(session: AsyncSession, *, actor: Actor, position_id: uuid.UUID) -> Position:
    """The position, or NotFound when it is missing or not the actor's."""
    position = await get(session, actor=actor, position_id=position_id)
    if position is None:
        raise NotFound("Position not found.", field="positionId")
    return position


async def lock_or_raise(session: AsyncSession, *, actor: Actor, position_id: uuid.UUID) -> Position:
    """The position, row-locked until the transaction ends; NotFound when not the actor's.

    Changes that check the position's state first (still open? which tags?) take it, so a
    concurrent change waits and then checks the state the first one committed.
    """
    stmt = (
        _visible(actor)
        .where(Position.id == position_id)
        .with_for_update(of=Position)
        .execution_options(populate_existing=True)
    )
    position = (await session.execute(stmt)).scalar_one_or_none()
    if position is None:
        raise NotFound("Position not found.", field="positionId")
    return position


def _filtered(stmt: Select[Position], flt: PositionFilter) -> Select[Position]:
    if flt.status is PositionStatus.OPEN:
        stmt = stmt.where(Position.exit_date.is_(None))
    elif flt.status is PositionStatus.CLOSED:
        stmt = stmt.where(Position.exit_date.is_not(None))
    if flt.types:
        stmt = stmt.where(Position.position_type.in_(list(flt.types)))
    if flt.symbol:
        symbol = flt.symbol.strip().upper()
        stmt = stmt.where(or_(Position.symbol == symbol, Position.underlying == symbol))
    tag_ids = list(dict.fromkeys(flt.tag_ids))
    if tag_ids:
        tagged = select(position_tags.c.position_id).where(position_tags.c.tag_id.in_(tag_ids))
        if flt.tag_match is TagMatch.ALL:
            tagged = tagged.group_by(position_tags.c.position_id).having(
                func.count(func.distinct(position_tags.c.tag_id)) == len(tag_ids)
            )
        stmt = stmt.where(Position.id.in_(tagged))
    return stmt


async def list_for_portfolio(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID,
    flt: PositionFilter,
    page: PageRequest,
) -> Page[Position]:
    """A page of one portfolio's positions by symbol (the caller has checked access)."""
    stmt = _filtered(select(Position).where(Position.portfolio_id == portfolio_id), flt)
    return await paginate(session, stmt, keys=[Position.symbol, Position.id], request=page)


async def list_for_portfolios(
    session: AsyncSession,
    *,
    portfolio_ids: Sequence[uuid.UUID],
    flt: PositionFilter,
    page: PageRequest,
) -> dict[uuid.UUID, Page[Position]]:
    """The same page of many portfolios' positions in one query, each exactly as
    `list_for_portfolio` gives it (the caller has checked access)."""
    return await paginate_each(
        session,
        _filtered(select(Position), flt),
        partition=Position.portfolio_id,
        partitions=portfolio_ids,
        keys=[Position.symbol, Position.id],
        request=page,
    )


async def count_for_portfolios(
    session: AsyncSession, *, portfolio_ids: Sequence[uuid.UUID], flt: PositionFilter
) -> dict[uuid.UUID, int]:
    """How many of each portfolio's positions match the filter, in one query."""
    matching = _filtered(select(Position).where(Position.portfolio_id.in_(portfolio_ids)), flt)
    rows = matching.subquery()
    stmt = select(rows.c.portfolio_id, func.count()).group_by(rows.c.portfolio_id)
    counts: dict[uuid.UUID, int] = dict.fromkeys(portfolio_ids, 0)
    for portfolio_id, count in await session.execute(stmt):
        counts[portfolio_id] = int(count)
    return counts


async def _ensure_no_live_duplicate(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID,
    symbol: str,
    entry_date: date,
    exclude: uuid.UUID | None = None,
) -> None:
    clause = [
        Position.portfolio_id == portfolio_id,
        Position.symbol == symbol,
        Position.entry_date == entry_date,
        Position.exit_date.is_(None),
    ]
    if exclude is not None:
        clause.append(Position.id != exclude)
    if await session.scalar(select(exists().where(*clause))):
        raise Conflict(
            f"An open {symbol} position entered on {entry_date} already exists; update it instead.",
            field="symbol",
            code="DUPLICATE_POSITION",
        )


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    draft: PositionDraft,
    today: date,
) -> Position:
    """Open a position; options are recognised by their OCC symbol and typed by quantity sign."""
    portfolio = await portfolios.get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    instrument = parse_instrument(draft.symbol)
    expired = expired_option(instrument, today=today)
    if expired is not None:
        raise expired
    quantity = check_quantity(draft.quantity)
    entry_price = check_price(draft.entry_price, field="entryPrice")
    entry_date = check_entry_date(draft.entry_date, today=today)
    _check_multiplier(draft.multiplier, instrument)  # refuse bad input before any query
    notes = _check_notes(draft.notes)
    tags = await tag_service.resolve_owned(
        session, owner_id=portfolio.owner_id, tag_ids=draft.tag_ids
    )
    await _ensure_no_live_duplicate(
        session, portfolio_id=portfolio.id, symbol=instrument.symbol, entry_date=entry_date
    )
    position = Position(
        **position_values(
            portfolio_id=portfolio.id,
            instrument=instrument,
            quantity=quantity,
            entry_price=entry_price,
            entry_date=entry_date,
            multiplier=draft.multiplier,
        ),
        notes=notes,
    )
    async with constraint_errors(session):  # a concurrent add may have opened the same one
        session.add(position)
    await tag_service.replace_position_tags(session, position=position, tags=tags)
    return position


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    position_id: uuid.UUID,
    today: date,
    quantity: Decimal | None = None,
    entry_price: Decimal | None = None,
    entry_date: date | None = None,
    multiplier: int | None = None,
    notes: str | None = None,
) -> Position:
    """Change a position's size, cost, entry date, multiplier or notes (empty notes clear them)."""
    position = await lock_or_raise(session, actor=actor, position_id=position_id)
    if quantity is not None:
        if position.exit_date is not None:
            raise Invalid("A closed position cannot be resized.", field="quantity", code="CLOSED")
        position.quantity = check_quantity(quantity)
        position.position_type = position_type_for(position.quantity, position.option_type)
    if entry_price is not None:
        position.entry_price = check_price(entry_price, field="entryPrice")
    if entry_date is not None:
        position.entry_date = check_entry_date(entry_date, today=today)
        if position.exit_date is not None and position.exit_date < position.entry_date:
            raise Invalid(
                "Entry date is after the exit date.", field="entryDate", code="DATE_ORDER"
            )
        if position.exit_date is None:
            await _ensure_no_live_duplicate(
                session,
                portfolio_id=position.portfolio_id,
                symbol=position.symbol,
                entry_date=position.entry_date,
                exclude=position.id,
            )
    if multiplier is not None:
        position.multiplier = _check_multiplier(multiplier, parse_instrument(position.symbol))
    if notes is not None:
        position.notes = _check_notes(notes)
    await conflicts.flush(session)  # a concurrent change may have taken the entry date
    await session.refresh(position)
    return position


async def close(
    session: AsyncSession,
    *,
    actor: Actor,
    position_id: uuid.UUID,
    exit_price: Decimal,
    exit_date: date,
    today: date,
) -> Position:
    """Record a position's exit; a price of zero is allowed (an option that expired worthless)."""
    position = await lock_or_raise(session, actor=actor, position_id=position_id)
    if position.exit_date is not None:
        raise Conflict("Position is already closed.", field="positionId", code="ALREADY_CLOSED")
    if exit_date > today:
        raise Invalid("Exit date is in the future.", field="exitDate", code="FUTURE_DATE")
    if exit_date < position.entry_date:
        raise Invalid("Exit date is before the entry date.", field="exitDate", code="DATE_ORDER")
    position.exit_price = check_price(exit_price, field="exitPrice", allow_zero=True)
    position.exit_date = exit_date
    await session.flush()
    await session.refresh(position)
    return position


async def delete(session: AsyncSession, *, actor: Actor, position_id: uuid.UUID) -> None:
    """Delete a position outright (close it instead to keep its history)."""
    position = await get_or_raise(session, actor=actor, position_id=position_id)
    await session.delete(position)
    await session.flush()


async def set_tags(
    session: AsyncSession, *, actor: Actor, position_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
) -> Position:
    """Replace a position's tags with the given ones (the portfolio owner's tags, at most 20)."""
    # Replacing is delete-then-insert: two at once would both insert the same links.
    position = await lock_or_raise(session, actor=actor, position_id=position_id)
    owner_id = await session.scalar(
        select(Portfolio.owner_id).where(Portfolio.id == position.portfolio_id)
    )
    assert owner_id is not None  # a position always has a portfolio
    tags = await tag_service.resolve_owned(session, owner_id=owner_id, tag_ids=tag_ids)
    await tag_service.replace_position_tags(session, position=position, tags=tags)
    return position


async def held_symbols(session: AsyncSession) -> list[str]:
    """Every symbol in an open position, in any portfolio, and the underlyings of its options:
    what the market data must cover (an option is priced off its underlying's close)."""
    stmt = select(Position.symbol, Position.underlying).where(Position.exit_date.is_(None))
    rows = await session.execute(stmt.distinct())
    return sorted({symbol for row in rows for symbol in row})


async def symbols_open_to(
    session: AsyncSession, *, actor: Actor, symbols: Sequence[str], public: Sequence[str]
) -> set[str]:
    """Of `symbols`, those whose market data the actor may see: the `public` ones (factor ETFs),
    and the symbols and underlyings of the actor's own positions (an admin sees all).

    Prices and fetch times are stored only for what someone holds, so answering for any other
    symbol would tell one user what another holds.
    """
    wanted = set(symbols)
    if actor.is_admin:
        return wanted
    open_to = wanted & set(public)
    rest = wanted - open_to
    if rest:
        owned = (
            select(Position.symbol, Position.underlying)
            .join(Portfolio, Portfolio.id == Position.portfolio_id)
            .where(
                Portfolio.owner_id == actor.user_id,
                or_(Position.symbol.in_(rest), Position.underlying.in_(rest)),
            )
            .distinct()
        )
        open_to |= {symbol for row in await session.execute(owned) for symbol in row} & rest
    return open_to
