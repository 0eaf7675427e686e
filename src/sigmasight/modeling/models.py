"""Modeling sessions, their pro-forma trades and their saved snapshots."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.db import Base, IdMixin, TimestampMixin
from sigmasight.instruments.trading import OrderType, TradeAction


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


def _json() -> Mapped[Any]:
    return mapped_column(JSON().with_variant(JSONB(), "postgresql"), nullable=False)


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, create_constraint=True)


class ModelingSession(IdMixin, TimestampMixin, Base):
    """A what-if session: the book as it stood when the session began, plus trades on paper."""

    __tablename__ = "modeling_sessions"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus), default=SessionStatus.ACTIVE, nullable=False
    )
    as_of: Mapped[date] = mapped_column(Date, nullable=False)  # the day the book was taken
    cash: Mapped[Decimal] = mapped_column(Numeric(20, 2), nullable=False)
    # The open positions when the session began: [{id, symbol, quantity, entryPrice, ...}].
    base_positions: Mapped[list[dict[str, Any]]] = _json()
    # Every mark the session values at, frozen when first seen: {symbol: {close, day}}.
    marks: Mapped[dict[str, dict[str, Any]]] = _json()


class ProFormaTrade(IdMixin, TimestampMixin, Base):
    """A trade on paper, applied in `seq` order to the session's base book."""

    __tablename__ = "pro_forma_trades"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modeling_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[TradeAction] = mapped_column(_enum(TradeAction), nullable=False)
    symbol: Mapped[str] = mapped_column(String(32), nullable=False)  # ticker or OCC symbol
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6), nullable=False)  # > 0
    price: Mapped[Decimal] = mapped_column(Numeric(20, 6), nullable=False)  # per share
    price_source: Mapped[str] = mapped_column(String(16), nullable=False)  # QUOTE | MODEL | GIVEN
    order_type: Mapped[OrderType] = mapped_column(
        _enum(OrderType), default=OrderType.MARKET, nullable=False
    )
    limit_price: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    origin: Mapped[str] = mapped_column(String(32), nullable=False)  # how it was added


class SavedModelingSnapshot(IdMixin, TimestampMixin, Base):
    """A named record of a session's base, pro-forma and impact at one moment."""

    __tablename__ = "modeling_snapshots"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modeling_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    data: Mapped[dict[str, Any]] = _json()
