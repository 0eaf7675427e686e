"""Stored market data: daily bars, the security master, and each symbol's fetch health."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Enum,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.db import Base
from sigmasight.marketdata.providers.base import AssetType

PRICE = Numeric(20, 6)


class DailyBar(Base):
    """One symbol's trading day (stocks, ETFs, and options under their OCC symbol)."""

    __tablename__ = "market_data_cache"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    open: Mapped[Decimal] = mapped_column(PRICE, nullable=False)
    high: Mapped[Decimal] = mapped_column(PRICE, nullable=False)
    low: Mapped[Decimal] = mapped_column(PRICE, nullable=False)
    close: Mapped[Decimal] = mapped_column(PRICE, nullable=False)
    volume: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    fetched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Security(Base):
    """The security master: what a symbol is."""

    __tablename__ = "securities"
    __table_args__ = (
        CheckConstraint(
            "dividend_yield IS NULL OR (dividend_yield >= 0 AND dividend_yield < 1)",
            name="dividend_yield_range",
        ),
    )

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(200))
    asset_type: Mapped[AssetType] = mapped_column(
        Enum(AssetType, native_enum=False, length=16, create_constraint=True),
        default=AssetType.UNKNOWN,
        nullable=False,
    )
    # Annual continuous dividend yield as a fraction (0.0052 = 0.52%); null when unknown.
    dividend_yield: Mapped[float | None] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class SymbolFetchStatus(Base):
    """The last attempt to refresh a symbol, so faults are visible and earlier data still served."""

    __tablename__ = "market_data_status"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_code: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(16))
