"""Stored daily risk: one row per portfolio (and per position) and trading day.

Written by the nightly batch and the history backfill, read by the history and performance
queries, which never recompute them. Amounts are dollars, as double precision: Greeks times
quantity times multiplier overflow narrow numerics.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.db import Base, IdMixin, TimestampMixin


class GreekColumns:
    """Summed position Greeks: delta in shares, theta per calendar day, vega per vol point,
    rho per 1% rate, dollar delta and dollar gamma (per 1% move) in dollars."""

    delta: Mapped[float | None] = mapped_column(Float)
    gamma: Mapped[float | None] = mapped_column(Float)
    theta: Mapped[float | None] = mapped_column(Float)
    vega: Mapped[float | None] = mapped_column(Float)
    rho: Mapped[float | None] = mapped_column(Float)
    dollar_delta: Mapped[float | None] = mapped_column(Float)
    dollar_gamma: Mapped[float | None] = mapped_column(Float)


class PortfolioSnapshot(IdMixin, TimestampMixin, GreekColumns, Base):
    """A portfolio at one trading day's close."""

    __tablename__ = "portfolio_snapshots"
    __table_args__ = (
        Index("uq_portfolio_snapshots_portfolio_day", "portfolio_id", "day", unique=True),
        Index("ix_portfolio_snapshots_day", "day"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    cash: Mapped[float] = mapped_column(Float, nullable=False)
    market_value: Mapped[float] = mapped_column(Float, nullable=False)
    total_value: Mapped[float] = mapped_column(Float, nullable=False)  # cash + market value
    # Net money put into positions this day: cost of positions added, less proceeds of closes.
    net_flow: Mapped[float] = mapped_column(Float, nullable=False)
    daily_pnl: Mapped[float | None] = mapped_column(Float)
    daily_return: Mapped[float | None] = mapped_column(Float)  # fraction, time-weighted
    cumulative_pnl: Mapped[float] = mapped_column(Float, nullable=False)  # since inception
    long_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    short_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    gross_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    net_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    delta_long_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    delta_short_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    delta_gross_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    delta_net_exposure: Mapped[float] = mapped_column(Float, nullable=False)
    beta: Mapped[float | None] = mapped_column(Float)  # to SPY, from the day's risk metrics
    var95: Mapped[float | None] = mapped_column(Float)  # 1-day historical, dollars
    position_count: Mapped[int] = mapped_column(Integer, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False)  # every position priced


class PositionSnapshot(IdMixin, GreekColumns, Base):
    """A position at one trading day's close (held that day, or closed on it)."""

    __tablename__ = "position_snapshots"
    __table_args__ = (
        Index(
            "uq_position_snapshots_portfolio_day_position",
            "portfolio_id",
            "day",
            "position_id",
            unique=True,
        ),
        Index("ix_position_snapshots_position_id", "position_id"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False
    )
    position_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("positions.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    price: Mapped[float | None] = mapped_column(Float)  # per share; the exit price on the exit day
    market_value: Mapped[float | None] = mapped_column(Float)
    daily_pnl: Mapped[float | None] = mapped_column(Float)
    notional_exposure: Mapped[float | None] = mapped_column(Float)
    delta_adjusted_exposure: Mapped[float | None] = mapped_column(Float)
    implied_volatility: Mapped[float | None] = mapped_column(Float)


class PortfolioRiskSnapshot(IdMixin, TimestampMixin, Base):
    """A portfolio's risk metrics and factor exposures as of one trading day's close."""

    __tablename__ = "portfolio_risk_snapshots"
    __table_args__ = (
        Index("uq_portfolio_risk_snapshots_portfolio_day", "portfolio_id", "day", unique=True),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    window: Mapped[int] = mapped_column(Integer, nullable=False)  # trading days
    observations: Mapped[int] = mapped_column(Integer, nullable=False)
    annualized_volatility: Mapped[float | None] = mapped_column(Float)
    beta: Mapped[float | None] = mapped_column(Float)  # to SPY
    sharpe_ratio: Mapped[float | None] = mapped_column(Float)
    sortino_ratio: Mapped[float | None] = mapped_column(Float)
    max_drawdown: Mapped[float | None] = mapped_column(Float)
    var_method: Mapped[str] = mapped_column(String(16), nullable=False)
    var95: Mapped[float | None] = mapped_column(Float)  # 1-day, dollars of loss
    var99: Mapped[float | None] = mapped_column(Float)
    cvar95: Mapped[float | None] = mapped_column(Float)
    cvar99: Mapped[float | None] = mapped_column(Float)
    parametric_var95: Mapped[float | None] = mapped_column(Float)
    parametric_var99: Mapped[float | None] = mapped_column(Float)
    average_correlation: Mapped[float | None] = mapped_column(Float)
    # [{factor, etf, beta, dollarExposure, rSquared, observations, quality}]
    factor_exposures: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), default=list, nullable=False
    )
