"""A session's base book and its pro-forma book: positions, not stored, built from the
session's snapshot and trades."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sigmasight.errors import Invalid
from sigmasight.instruments import occ
from sigmasight.instruments.occ import OptionType
from sigmasight.modeling.models import ModelingSession, ProFormaTrade
from sigmasight.portfolios.models import Position, PositionType
from sigmasight.portfolios.positions import position_type_for

OPTION_MULTIPLIER = 100


def snapshot_of(position: Position) -> dict[str, Any]:
    """How a session keeps a base position."""
    return {
        "id": str(position.id),
        "symbol": position.symbol,
        "underlying": position.underlying,
        "positionType": position.position_type.value,
        "quantity": str(position.quantity),
        "multiplier": position.multiplier,
        "entryPrice": str(position.entry_price),
        "entryDate": position.entry_date.isoformat(),
        "optionType": position.option_type.value if position.option_type else None,
        "strike": str(position.strike) if position.strike is not None else None,
        "expiration": position.expiration.isoformat() if position.expiration else None,
    }


# A session's base never changes once taken, so its positions are built once per process:
# building 500 mapped objects costs more than valuing them. Never mutate what this returns.
_BASES: dict[uuid.UUID, tuple[Position, ...]] = {}
MAX_CACHED_BASES = 64


def base_positions(session: ModelingSession) -> tuple[Position, ...]:
    """The session's base book as (unsaved, shared, read-only) positions, with their ids."""
    found = _BASES.get(session.id)
    if found is None:
        found = tuple(_position(session.portfolio_id, raw) for raw in session.base_positions)
        if len(_BASES) >= MAX_CACHED_BASES:
            _BASES.pop(next(iter(_BASES)))
        _BASES[session.id] = found
    return found


def _position(portfolio_id: uuid.UUID, raw: dict[str, Any]) -> Position:
    return Position(
        id=uuid.UUID(raw["id"]),
        portfolio_id=portfolio_id,
        symbol=raw["symbol"],
        underlying=raw["underlying"],
        position_type=PositionType(raw["positionType"]),
        quantity=Decimal(raw["quantity"]),
        multiplier=raw["multiplier"],
        entry_price=Decimal(raw["entryPrice"]),
        entry_date=date.fromisoformat(raw["entryDate"]),
        option_type=OptionType(raw["optionType"]) if raw["optionType"] else None,
        strike=Decimal(raw["strike"]) if raw["strike"] is not None else None,
        expiration=date.fromisoformat(raw["expiration"]) if raw["expiration"] else None,
    )


def apply_trades(
    session: ModelingSession, trades: Sequence[ProFormaTrade], *, today: date
) -> list[Position]:
    """The book after the trades, in order: opening trades add a lot at the trade's price,
    closing trades reduce the symbol's lots of that side, oldest first.

    Raises Invalid (CLOSES_MORE_THAN_HELD) when a trade closes more than the book holds then.
    """
    lots = list(base_positions(session))
    for trade in trades:
        signed = trade.quantity * trade.action.sign
        if not trade.action.closes:
            lots.append(_lot(session.portfolio_id, trade, signed, today))
            continue
        # Oldest first: by entry date (the base comes by symbol and id), then in book order.
        same_side = sorted(
            (i for i, p in enumerate(lots) if p.symbol == trade.symbol and p.quantity * signed < 0),
            key=lambda i: lots[i].entry_date,
        )
        held = sum((abs(lots[i].quantity) for i in same_side), Decimal(0))
        if trade.quantity > held:
            raise Invalid(
                f"{trade.action.value} {trade.quantity} {trade.symbol}: the book holds {held}.",
                field="quantity",
                code="CLOSES_MORE_THAN_HELD",
            )
        remaining = trade.quantity
        for i in same_side:
            lot = lots[i]
            taken = min(abs(lot.quantity), remaining)
            remaining -= taken
            # A reduced lot is a new object: the shared base positions stay as they were.
            lots[i] = _reduced(lot, lot.quantity + (taken if lot.quantity < 0 else -taken))
        lots = [p for p in lots if p.quantity != 0]
    return lots


def _reduced(position: Position, quantity: Decimal) -> Position:
    return Position(
        id=position.id,
        portfolio_id=position.portfolio_id,
        symbol=position.symbol,
        underlying=position.underlying,
        position_type=position.position_type,
        quantity=quantity,
        multiplier=position.multiplier,
        entry_price=position.entry_price,
        entry_date=position.entry_date,
        option_type=position.option_type,
        strike=position.strike,
        expiration=position.expiration,
    )


def _lot(portfolio_id: uuid.UUID, trade: ProFormaTrade, signed: Decimal, today: date) -> Position:
    contract = occ.parse_option(trade.symbol) if occ.looks_like_option(trade.symbol) else None
    return Position(
        id=trade.id,
        portfolio_id=portfolio_id,
        symbol=trade.symbol,
        underlying=contract.underlying if contract else trade.symbol,
        position_type=position_type_for(signed, contract.option_type if contract else None),
        quantity=signed,
        multiplier=OPTION_MULTIPLIER if contract else 1,
        entry_price=trade.price,
        entry_date=today,
        option_type=contract.option_type if contract else None,
        strike=contract.strike if contract else None,
        expiration=contract.expiration if contract else None,
    )


def trade_cost(trade: ProFormaTrade) -> Decimal:
    """Dollars the trade pays (negative: receives): signed quantity x price x multiplier."""
    multiplier = OPTION_MULTIPLIER if occ.looks_like_option(trade.symbol) else 1
    return trade.quantity * trade.action.sign * trade.price * multiplier
