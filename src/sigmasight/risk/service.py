"""Portfolio risk: load books in a fixed number of queries, value them, and total them up.

Everything the API shows about money and risk comes from a `Book`: the portfolio, its
positions, and each position's valuation. Totals over any subset of positions (the whole book, a
strategy, a sector) go through `Book.totals`, so every view adds up the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

import numpy as np
from redis.asyncio import Redis
from sqlalchemy import Date, String, column, select, true, values
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.exposures import (
    ExposureTotals,
    LimitStatus,
    exposure_totals,
    gross_limit_status,
    net_range_status,
    percent_of,
)
from sigmasight.marketdata import prices
from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.marketdata.prices import LatestPrice
from sigmasight.portfolios.groups import GroupBy, PositionGroup, group
from sigmasight.portfolios.models import Portfolio, Position, Tag
from sigmasight.risk.valuation import (
    Greeks,
    MarketInputs,
    PositionValuation,
    Quote,
    is_expired,
    value_positions,
)
from sigmasight.settings import Settings


class ExposureBasis(StrEnum):
    NOTIONAL = "NOTIONAL"
    DELTA_ADJUSTED = "DELTA_ADJUSTED"


class BookFlag(StrEnum):
    """Why a book's totals or percentages are partial."""

    NON_POSITIVE_EQUITY = "NON_POSITIVE_EQUITY"  # percentages of equity are undefined
    INCOMPLETE = "INCOMPLETE"  # some open position lacks a price, an exposure or Greeks


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """A portfolio's exposure limits, in % of equity; None when not set."""

    gross_limit_percent: float | None
    net_target_min_percent: float | None
    net_target_max_percent: float | None

    @classmethod
    def of(cls, portfolio: Portfolio) -> RiskLimits:
        """The limits stored on a portfolio."""

        def percent(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return cls(
            percent(portfolio.gross_limit_percent),
            percent(portfolio.net_target_min_percent),
            percent(portfolio.net_target_max_percent),
        )


@dataclass(frozen=True, slots=True)
class Exposure:
    """Exposure of a set of positions on one basis, with percentages of the book's equity."""

    basis: ExposureBasis
    totals: ExposureTotals
    equity: float
    gross_limit_percent: float | None = None
    target_range_percent: tuple[float, float] | None = None

    def percent(self, amount: float) -> float | None:
        return percent_of(amount, self.equity)

    @property
    def status(self) -> LimitStatus | None:
        """The worst of the gross-limit and net-range statuses; None without limits or equity."""
        statuses = []
        gross = self.percent(self.totals.gross)
        net = self.percent(self.totals.net)
        if self.gross_limit_percent is not None and gross is not None:
            statuses.append(gross_limit_status(gross, self.gross_limit_percent))
        if self.target_range_percent is not None and net is not None:
            statuses.append(net_range_status(net, *self.target_range_percent))
        order = [LimitStatus.WITHIN, LimitStatus.NEAR, LimitStatus.BREACHED]
        return max(statuses, key=order.index) if statuses else None


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over a set of open positions; missing numbers are left out and `complete` says so."""

    market_value: float
    unrealized_pnl: float
    greeks: Greeks
    notional: ExposureTotals
    delta_adjusted: ExposureTotals
    position_count: int
    complete: bool


@dataclass(frozen=True)
class Book:
    """A portfolio with every position valued."""

    portfolio: Portfolio
    positions: dict[uuid.UUID, Position]
    valuations: dict[uuid.UUID, PositionValuation]
    prices: dict[str, LatestPrice]  # of the book's symbols and underlyings
    securities: dict[str, Security]  # of the underlyings
    statuses: dict[str, SymbolFetchStatus]  # the last refresh attempt of each symbol
    market: MarketInputs
    _totals: dict[tuple[uuid.UUID, ...], Totals] = field(default_factory=dict, repr=False)

    @property
    def cash(self) -> float:
        return float(self.portfolio.cash)

    @property
    def limits(self) -> RiskLimits:
        return RiskLimits.of(self.portfolio)

    def totals(self, position_ids: Iterable[uuid.UUID]) -> Totals:
        """Totals over these open positions (a group, a sector), computed once per set."""
        ids = tuple(position_ids)
        if ids not in self._totals:
            self._totals[ids] = self._sum(ids)
        return self._totals[ids]

    def _sum(self, ids: Sequence[uuid.UUID]) -> Totals:
        rows = [self.valuations[i] for i in ids if i in self.valuations]
        rows = [v for v in rows if v.is_open]
        known_greeks = [v.greeks for v in rows if v.greeks is not None]
        complete = all(
            v.market_value is not None
            and v.greeks is not None
            and v.notional_exposure is not None
            and v.delta_adjusted_exposure is not None
            for v in rows
        )
        nan = float("nan")
        return Totals(
            market_value=float(sum(v.market_value for v in rows if v.market_value is not None)),
            unrealized_pnl=float(
                sum(v.unrealized_pnl for v in rows if v.unrealized_pnl is not None)
            ),
            greeks=Greeks.total(known_greeks),
            notional=exposure_totals(
                [nan if v.notional_exposure is None else v.notional_exposure for v in rows]
            ),
            delta_adjusted=exposure_totals(
                [
                    nan if v.delta_adjusted_exposure is None else v.delta_adjusted_exposure
                    for v in rows
                ]
            ),
            position_count=len(rows),
            complete=complete,
        )

    @cached_property
    def book_totals(self) -> Totals:
        """Totals over every open position."""
        return self._sum([p.id for p in self.open_positions])

    @property
    def equity(self) -> float:
        """Cash plus the market value of the open positions, in dollars."""
        return self.cash + self.book_totals.market_value

    @property
    def total_pnl(self) -> float:
        """Unrealised P&L of open positions plus realised P&L of closed ones, in dollars."""
        return self.book_totals.unrealized_pnl + sum(
            v.realized_pnl for v in self.valuations.values() if v.realized_pnl is not None
        )

    @property
    def total_pnl_percent(self) -> float | None:
        """`total_pnl` as a percentage of the summed absolute cost of all positions."""
        cost = sum(abs(v.cost_basis) for v in self.valuations.values())
        return self.total_pnl / cost * 100.0 if cost else None

    def exposure(
        self, basis: ExposureBasis, position_ids: Iterable[uuid.UUID] | None = None
    ) -> Exposure:
        """Exposure of these positions (the book's, with its limits, by default)."""
        totals = self.book_totals if position_ids is None else self.totals(position_ids)
        amounts = totals.notional if basis is ExposureBasis.NOTIONAL else totals.delta_adjusted
        if position_ids is not None:
            return Exposure(basis, amounts, self.equity)
        limits = self.limits
        target = None
        if limits.net_target_min_percent is not None and limits.net_target_max_percent is not None:
            target = (limits.net_target_min_percent, limits.net_target_max_percent)
        return Exposure(basis, amounts, self.equity, limits.gross_limit_percent, target)

    @property
    def flags(self) -> list[BookFlag]:
        flags = []
        if self.equity <= 0:
            flags.append(BookFlag.NON_POSITIVE_EQUITY)
        if not self.book_totals.complete:
            flags.append(BookFlag.INCOMPLETE)
        return flags

    def valuation_of(self, position: Position) -> PositionValuation:
        """The position's valuation; one the book does not hold (added since it was loaded) is
        valued with the book's market data, where its own prices are missing and flagged."""
        found = self.valuations.get(position.id)
        return found or value_positions([position], self.market)[position.id]

    @cached_property
    def open_positions(self) -> list[Position]:
        """Open positions by symbol, then id."""
        return [p for p in self.positions.values() if self.valuations[p.id].is_open]

    def groups(self, by: GroupBy, tags: Mapping[uuid.UUID, list[Tag]]) -> list[PositionGroup]:
        """The open positions in groups (`tags` by position, needed for TAG and STRATEGY)."""
        sectors = {symbol: security.sector for symbol, security in self.securities.items()}
        return group(self.open_positions, by, sectors=sectors, tags=tags)


async def load_books(
    session: AsyncSession,
    redis: Redis,
    *,
    portfolio_ids: Sequence[uuid.UUID],
    settings: Settings,
    today: date,
) -> dict[uuid.UUID, Book]:
    """Value these portfolios (the caller has checked access) in a fixed number of queries."""
    portfolios = {
        p.id: p
        for p in await session.scalars(select(Portfolio).where(Portfolio.id.in_(portfolio_ids)))
    }
    positions = list(
        await session.scalars(
            select(Position)
            .where(Position.portfolio_id.in_(list(portfolios)))
            .order_by(Position.symbol, Position.id)
        )
    )
    live = [p for p in positions if p.is_open]
    # Closed positions still show their symbol's latest price, sector and data quality.
    underlyings = sorted({p.underlying for p in positions})
    latest = await prices.latest_prices(
        session,
        redis,
        sorted({p.symbol for p in positions} | set(underlyings)),
        ttl_seconds=settings.latest_price_cache_seconds,
    )
    securities = await prices.securities(session, underlyings) if underlyings else {}
    statuses = await prices.fetch_statuses(session, sorted({p.symbol for p in positions}))
    market = await market_inputs(
        session,
        positions=live,
        latest=latest,
        securities=securities,
        settings=settings,
        today=today,
    )
    valuations = value_positions(positions, market)
    books: dict[uuid.UUID, Book] = {
        pid: Book(portfolio, {}, {}, latest, securities, statuses, market)
        for pid, portfolio in portfolios.items()
    }
    for position in positions:
        book = books[position.portfolio_id]
        book.positions[position.id] = position
        book.valuations[position.id] = valuations[position.id]
    return books


def volatility_lookback(settings: Settings) -> timedelta:
    """Calendar days of closes read for realised volatility: twice its window of trading
    days, plus room for holidays."""
    return timedelta(days=settings.realized_volatility_window * 2 + 15)


async def market_inputs(
    session: AsyncSession,
    *,
    positions: Sequence[Position],
    latest: Mapping[str, LatestPrice],
    securities: Mapping[str, Security],
    settings: Settings,
    today: date,
) -> MarketInputs:
    """What valuing these open positions at these marks needs besides: dividend yields, the
    recent closes behind realised volatility, and the closes of expired options' underlyings."""
    quotes = {s: Quote(float(p.close), p.day) for s, p in latest.items()}
    options = [p for p in positions if p.expiration is not None]
    expired = {
        p.id
        for p in options
        if p.expiration is not None
        and is_expired(
            p.expiration, quotes[p.underlying].day if p.underlying in quotes else None, today
        )
    }
    return MarketInputs(
        quotes=quotes,
        dividend_yields={
            s: float(sec.dividend_yield)
            for s, sec in securities.items()
            if sec.dividend_yield is not None
        },
        closes=await recent_closes(
            session,
            sorted({p.underlying for p in options if p.id not in expired}),
            since=today - volatility_lookback(settings),
        ),
        expiry_closes=await closes_at_expiry(session, [p for p in options if p.id in expired]),
        risk_free_rate=settings.risk_free_rate,
        realized_window=settings.realized_volatility_window,
        today=today,
    )


async def value_books(
    session: AsyncSession,
    *,
    books: Sequence[tuple[Portfolio, Sequence[Position]]],
    latest: Mapping[str, LatestPrice],
    settings: Settings,
    today: date,
    known: Mapping[int, PositionValuation] | None = None,
) -> list[Book]:
    """Books of positions that need not be stored (what-ifs), valued at these marks.

    A position object shared by several books (a what-if keeps its base's) is valued once, and
    not at all when `known` (valuations by position object, from an earlier call at the same
    marks) has it: a valuation depends only on the position and the market.
    """
    valued: dict[int, PositionValuation] = dict(known or {})
    positions = [p for _, held in books for p in held]
    fresh = list({id(p): p for p in positions if id(p) not in valued}.values())
    underlyings = sorted({p.underlying for p in positions})
    securities = await prices.securities(session, underlyings) if underlyings else {}
    market = await market_inputs(
        session,
        positions=fresh,
        latest=latest,
        securities=securities,
        settings=settings,
        today=today,
    )
    result = []
    for portfolio, held in books:
        todo = [p for p in held if id(p) not in valued]
        by_id = value_positions(todo, market)
        valued.update({id(p): by_id[p.id] for p in todo})
        valuations = {p.id: valued[id(p)] for p in held}
        result.append(
            Book(
                portfolio, {p.id: p for p in held}, valuations, dict(latest), securities, {}, market
            )
        )
    return result


async def recent_closes(
    session: AsyncSession, symbols: Sequence[str], *, since: date
) -> dict[str, np.ndarray]:
    """Each symbol's closes since `since`, oldest first (symbols without any left out)."""
    if not symbols:
        return {}
    rows = await session.execute(
        select(DailyBar.symbol, DailyBar.close)
        .where(DailyBar.symbol.in_(symbols), DailyBar.day >= since)
        .order_by(DailyBar.symbol, DailyBar.day)
    )
    series: dict[str, list[float]] = {}
    for symbol, close in rows:
        series.setdefault(symbol, []).append(float(close))
    return {s: np.array(c) for s, c in series.items()}


async def closes_at_expiry(
    session: AsyncSession, options: Sequence[Position]
) -> dict[tuple[str, date], float]:
    """Each expired option's underlying close on or before its expiration, in one statement."""
    pairs = sorted({(p.underlying, p.expiration) for p in options if p.expiration is not None})
    if not pairs:
        return {}
    expiries = values(column("symbol", String), column("expiration", Date), name="expiries").data(
        pairs
    )
    settle = (
        select(DailyBar.close)
        .where(DailyBar.symbol == expiries.c.symbol, DailyBar.day <= expiries.c.expiration)
        .order_by(DailyBar.day.desc())
        .limit(1)
        .lateral("settle")
    )
    rows = await session.execute(
        select(expiries.c.symbol, expiries.c.expiration, settle.c.close).select_from(
            expiries.join(settle, true())
        )
    )
    return {(symbol, expiration): float(close) for symbol, expiration, close in rows}
