"""Books as they stood at past closes: the positions held that day, valued at that day's prices.

The nightly batch and the history backfill value a portfolio on a trading day the same way the
API values it today (`valuation.value_positions`), with the market as it was at that close:
each symbol's last close on or before the day, its realised volatility up to the day, and the
positions entered by then (closed ones realised, the rest open).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.marketdata import prices
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.prices import LatestPrice
from sigmasight.portfolios.models import Portfolio, Position
from sigmasight.risk.service import Book, closes_at_expiry, volatility_lookback
from sigmasight.risk.valuation import MarketInputs, Quote, value_positions
from sigmasight.settings import Settings


@dataclass(frozen=True)
class _Series:
    days: np.ndarray  # datetime64[D], ascending
    closes: np.ndarray
    sources: list[str]

    def last_on(self, day: date) -> int:
        """Index of the last close on or before `day`, or -1."""
        return int(np.searchsorted(self.days, np.datetime64(day, "D"), side="right")) - 1


async def _closes(
    session: AsyncSession,
    symbols: Sequence[str],
    *,
    volatility_symbols: Collection[str],
    first: date,
    last: date,
    lookback: timedelta,
) -> dict[str, _Series]:
    """Closes up to `last`: from `lookback` before `first` for the symbols whose realised
    volatility is needed, from a week before it for the others (just their marks), and for a
    symbol with no close in its span, its last one before (a stale mark, still a mark)."""
    short = [s for s in symbols if s not in volatility_symbols]
    long = [s for s in symbols if s in volatility_symbols]
    spans = [(long, first - lookback), (short, first - timedelta(days=7))]
    rows = [
        row
        for wanted, start in spans
        if wanted
        for row in await session.execute(
            select(DailyBar.symbol, DailyBar.day, DailyBar.close, DailyBar.source).where(
                DailyBar.symbol.in_(wanted), DailyBar.day >= start, DailyBar.day <= last
            )
        )
    ]
    missing = set(symbols) - {row[0] for row in rows}
    if missing:
        rows += list(
            await session.execute(
                select(DailyBar.symbol, DailyBar.day, DailyBar.close, DailyBar.source)
                .distinct(DailyBar.symbol)
                .where(DailyBar.symbol.in_(sorted(missing)), DailyBar.day <= last)
                .order_by(DailyBar.symbol, DailyBar.day.desc())
            )
        )
    grouped: dict[str, tuple[list[date], list[float], list[str]]] = {}
    for symbol, day, close, source in sorted(rows, key=lambda r: (r[0], r[1])):
        days, closes, sources = grouped.setdefault(symbol, ([], [], []))
        days.append(day)
        closes.append(float(close))
        sources.append(source)
    return {
        s: _Series(np.array(d, dtype="datetime64[D]"), np.array(c), src)
        for s, (d, c, src) in grouped.items()
    }


async def load_books_on(
    session: AsyncSession,
    *,
    portfolio_ids: Sequence[uuid.UUID],
    days: Sequence[date],
    settings: Settings,
) -> dict[date, dict[uuid.UUID, Book]]:
    """These portfolios as held at each of these days' closes, valued at those closes, read in
    a fixed number of queries however many days are asked for."""
    if not days:
        return {}
    first, last = min(days), max(days)
    portfolios = {
        p.id: p
        for p in await session.scalars(select(Portfolio).where(Portfolio.id.in_(portfolio_ids)))
    }
    positions = list(
        await session.scalars(
            select(Position)
            .where(Position.portfolio_id.in_(list(portfolios)), Position.entry_date <= last)
            .order_by(Position.symbol, Position.id)
        )
    )
    symbols = sorted({p.symbol for p in positions} | {p.underlying for p in positions})
    options = [p for p in positions if p.expiration is not None]
    optioned = {p.underlying for p in options}  # realised volatility is needed for these only
    lookback = volatility_lookback(settings)
    series = await _closes(
        session, symbols, volatility_symbols=optioned, first=first, last=last, lookback=lookback
    )
    securities = await prices.securities(session, sorted({p.underlying for p in positions}))
    statuses = await prices.fetch_statuses(session, symbols)
    expiry_closes = await closes_at_expiry(
        session, [p for p in options if p.expiration is not None and p.expiration < last]
    )
    dividend_yields = {
        s: float(sec.dividend_yield)
        for s, sec in securities.items()
        if sec.dividend_yield is not None
    }
    books: dict[date, dict[uuid.UUID, Book]] = {}
    for day in sorted(set(days)):
        held = [p for p in positions if p.entry_date <= day]
        latest: dict[str, LatestPrice] = {}
        closes: dict[str, np.ndarray] = {}
        for symbol, s in series.items():
            i = s.last_on(day)
            if i < 0:
                continue
            on = s.days[i].astype(date)
            latest[symbol] = LatestPrice(symbol, Decimal(str(s.closes[i])), on, s.sources[i])
            if symbol in optioned:
                start = s.last_on(day - lookback) + 1
                closes[symbol] = s.closes[start : i + 1]
        market = MarketInputs(
            quotes={s: Quote(float(p.close), p.day) for s, p in latest.items()},
            dividend_yields=dividend_yields,
            closes=closes,
            expiry_closes=expiry_closes,
            risk_free_rate=settings.risk_free_rate,
            realized_window=settings.realized_volatility_window,
            today=day,
        )
        valuations = value_positions(held, market)
        on_day = {
            pid: Book(portfolio, {}, {}, latest, securities, statuses, market)
            for pid, portfolio in portfolios.items()
        }
        for position in held:
            book = on_day[position.portfolio_id]
            book.positions[position.id] = position
            book.valuations[position.id] = valuations[position.id]
        books[day] = on_day
    return books
