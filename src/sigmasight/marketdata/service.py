"""Market data use cases: backfill from the provider chain, store, and serve prices."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.batch import service as batch_service
from sigmasight.batch.models import BatchJob
from sigmasight.errors import DomainError
from sigmasight.instruments import occ
from sigmasight.instruments.csv_reading import RowIssue
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.marketdata.price_file import parse_price_file
from sigmasight.marketdata.providers.base import (
    Bar,
    MarketDataProvider,
    ProviderError,
    SecurityProfile,
    UnknownSymbol,
)
from sigmasight.marketdata.providers.synthetic import FACTOR_ETFS

logger = logging.getLogger(__name__)
FACTOR_ETF_SYMBOLS = tuple(FACTOR_ETFS)
BACKFILL_JOB = "backfill_market_data"


@dataclass(slots=True)
class BackfillReport:
    symbols: int = 0
    bars_stored: int = 0
    up_to_date: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # symbol -> error

    def add(self, other: BackfillReport) -> None:
        """Fold another run's counts into this one."""
        self.symbols += other.symbols
        self.bars_stored += other.bars_stored
        self.up_to_date += other.up_to_date
        self.failed |= other.failed


async def store_bars(session: AsyncSession, bars: Sequence[Bar], *, source: str) -> int:
    """Upsert daily bars by (symbol, day); a re-fetched day replaces the stored one."""
    rows = [
        {
            "symbol": b.symbol,
            "day": b.day,
            "open": b.open,
            "high": b.high,
            "low": b.low,
            "close": b.close,
            "volume": b.volume,
            "source": source,
        }
        for b in bars
    ]
    if not rows:
        return 0
    # One statement run over many parameter sets: compiled once, sent in batches by the driver.
    stmt = insert(cast(Table, DailyBar.__table__))
    stmt = stmt.on_conflict_do_update(
        index_elements=["symbol", "day"],
        set_={
            "open": stmt.excluded.open,
            "high": stmt.excluded.high,
            "low": stmt.excluded.low,
            "close": stmt.excluded.close,
            "volume": stmt.excluded.volume,
            "source": stmt.excluded.source,
            "fetched_at": func.now(),
        },
    )
    await session.execute(stmt, rows)
    return len(rows)


async def store_profiles(
    session: AsyncSession, profiles: Sequence[SecurityProfile], *, source: str
) -> None:
    """Upsert security-master rows."""
    if not profiles:
        return
    stmt = insert(Security).values(
        [
            {
                "symbol": p.symbol,
                "name": p.name,
                "sector": p.sector,
                "industry": p.industry,
                "asset_type": p.asset_type,
                "dividend_yield": p.dividend_yield,
                "source": source,
            }
            for p in profiles
        ]
    )
    excluded = stmt.excluded
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Security.symbol],
            set_={
                "name": func.coalesce(excluded.name, Security.name),
                "sector": func.coalesce(excluded.sector, Security.sector),
                "industry": func.coalesce(excluded.industry, Security.industry),
                "dividend_yield": func.coalesce(excluded.dividend_yield, Security.dividend_yield),
                "asset_type": excluded.asset_type,
                "source": excluded.source,
                "updated_at": func.now(),
            },
        )
    )


async def _record(
    session: AsyncSession,
    symbols: Sequence[str],
    *,
    now: datetime,
    source: str | None,
    error: str | None,
) -> None:
    """Note a refresh attempt for each symbol: its success, or the error it ended with."""
    if not symbols:
        return
    stmt = insert(SymbolFetchStatus).values(
        [
            {
                "symbol": symbol,
                "last_attempt_at": now,
                "source": source,
                "last_error": error,
                "last_error_code": None if error is None else error.split(":", 1)[0][:32],
                "last_success_at": now if error is None else None,
            }
            for symbol in symbols
        ]
    )
    update = {k: v for k, v in stmt.excluded.items() if k != "symbol"}
    if error is not None:
        # A failure keeps the last success time and source: that data is still what we serve.
        update.pop("last_success_at")
        update.pop("source")
    await session.execute(stmt.on_conflict_do_update(index_elements=["symbol"], set_=update))


async def _cached_days(
    session: AsyncSession, symbols: Sequence[str], start: date, end: date
) -> dict[str, set[date]]:
    rows = await session.execute(
        select(DailyBar.symbol, DailyBar.day).where(
            DailyBar.symbol.in_(symbols), DailyBar.day >= start, DailyBar.day <= end
        )
    )
    cached: dict[str, set[date]] = {s: set() for s in symbols}
    for symbol, day in rows:
        cached[symbol].add(day)
    return cached


async def _fetch(
    providers: Sequence[MarketDataProvider],
    call: Callable[[MarketDataProvider], Awaitable[list[Bar]]],
) -> tuple[list[Bar], str]:
    """The first provider's answer; an unknown symbol or a fault moves on to the next."""
    errors: list[str] = []
    for provider in providers:
        try:
            return await call(provider), provider.name
        except ProviderError as error:
            errors.append(f"{type(error).__name__}: {error}")
    raise ProviderError("all providers", "; ".join(errors) or "no provider configured")


async def backfill(
    session: AsyncSession,
    *,
    providers: Sequence[MarketDataProvider],
    symbols: Sequence[str],
    end: date,
    days: int,
    now: datetime,
) -> BackfillReport:
    """Fetch the trading days of the window ending on `end` that are not stored yet.

    A symbol whose providers all fail is recorded as failing and skipped; what was stored
    before stays, and is served as stale.
    """
    window = calendar.trading_days_back(end, days)
    wanted = sorted({s.upper() for s in symbols})
    cached = await _cached_days(session, wanted, window[0], window[-1])
    report = BackfillReport(symbols=len(wanted))
    profiles: list[tuple[SecurityProfile, str]] = []
    known = set(await session.scalars(select(Security.symbol).where(Security.symbol.in_(wanted))))
    fetched: dict[str, list[Bar]] = {}  # by source
    refreshed: dict[str, list[str]] = {}  # symbols, by source
    for symbol in wanted:
        missing = [d for d in window if d not in cached[symbol]]
        if occ.looks_like_option(symbol) and end in cached[symbol]:
            missing = []  # an option's past quotes, where a provider has them, come with the last
        if not missing:
            report.up_to_date += 1
        else:
            try:
                bars, source = await _fetch(providers, _bars_call(symbol, missing))
                fetched.setdefault(source, []).extend(bars)
                refreshed.setdefault(source, []).append(symbol)
            except ProviderError as error:
                report.failed[symbol] = str(error)
                logger.warning("backfill of %s failed: %s", symbol, error)
        if symbol not in known and not occ.looks_like_option(symbol):
            profile = await _profile(providers, symbol)
            if profile is not None:
                profiles.append(profile)
    # Stored in bulk at the end: one INSERT per few thousand bars rather than per symbol.
    for source, bars in fetched.items():
        report.bars_stored += await store_bars(session, bars, source=source)
        await _record(session, refreshed[source], now=now, source=source, error=None)
    for symbol, message in report.failed.items():
        await _record(session, [symbol], now=now, source=None, error=message)
    for source in {s for _, s in profiles}:
        await store_profiles(session, [p for p, s in profiles if s == source], source=source)
    await session.flush()
    return report


def _bars_call(
    symbol: str, missing: list[date]
) -> Callable[[MarketDataProvider], Awaitable[list[Bar]]]:
    async def call(provider: MarketDataProvider) -> list[Bar]:
        if occ.looks_like_option(symbol):
            days = missing if provider.quotes_past_options else missing[-1:]
            quotes = [await provider.option_quote(symbol, day) for day in days]
            return [Bar(symbol, q.day, q.price, q.price, q.price, q.price, 0) for q in quotes]
        bars = await provider.daily_bars(symbol, missing[0], missing[-1])
        if not bars:
            raise UnknownSymbol(provider.name, f"no bars for {symbol}")
        return bars

    return call


async def _profile(
    providers: Sequence[MarketDataProvider], symbol: str
) -> tuple[SecurityProfile, str] | None:
    for provider in providers:
        try:
            profile = await provider.profile(symbol)
        except ProviderError:
            continue
        if profile.sector or profile.name:
            return profile, provider.name
    return None


class PriceFileRejected(DomainError):
    """The price file has errors; nothing was stored."""

    code = "INVALID_ROWS"

    def __init__(self, errors: list[RowIssue]) -> None:
        count = len(errors)
        super().__init__(
            f"The price file has {count} error{'s' if count != 1 else ''}; nothing was stored.",
            field="csv",
        )
        self.errors = errors


@dataclass(frozen=True, slots=True)
class PriceImport:
    bars: int
    symbols: list[str]
    profiles: int


async def import_price_file(session: AsyncSession, *, data: bytes, now: datetime) -> PriceImport:
    """Store a user's own price file, all or nothing; its rows are labelled `file`."""
    parsed = parse_price_file(data)
    if parsed.errors:
        raise PriceFileRejected(parsed.errors)
    await store_bars(session, parsed.bars, source="file")
    await store_profiles(session, list(parsed.profiles.values()), source="file")
    symbols = sorted({b.symbol for b in parsed.bars})
    await _record(session, symbols, now=now, source="file", error=None)
    await session.flush()
    return PriceImport(len(parsed.bars), symbols, len(parsed.profiles))


async def request_backfill(
    session: AsyncSession,
    *,
    symbols: Sequence[str],
    requested_by: uuid.UUID | None,
    end: date,
    days: int,
    portfolio_id: uuid.UUID | None = None,
) -> BatchJob | None:
    """Queue a backfill of these symbols, their underlyings and the factor ETFs, unless every
    one of them already covers the window of `days` trading days ending on `end`; with a
    portfolio, always, since the job then also writes that portfolio's daily history."""
    wanted = set(FACTOR_ETF_SYMBOLS)
    for symbol in symbols:
        wanted.add(symbol)
        if occ.looks_like_option(symbol):
            wanted.add(occ.parse_option(symbol).underlying)
    window = calendar.trading_days_back(end, days)
    spans = {
        symbol: (first, last)
        for symbol, first, last in await session.execute(
            select(DailyBar.symbol, func.min(DailyBar.day), func.max(DailyBar.day))
            .where(DailyBar.symbol.in_(wanted), DailyBar.day >= window[0])
            .group_by(DailyBar.symbol)
        )
    }

    def covered(symbol: str) -> bool:
        first, last = spans.get(symbol, (None, None))
        if occ.looks_like_option(symbol):
            return last is not None and last >= end
        return first == window[0] and last is not None and last >= end

    if portfolio_id is None and all(covered(s) for s in wanted):
        return None
    params: dict[str, Any] = {"symbols": sorted(wanted)}
    if portfolio_id is not None:
        params["portfolioIds"] = [str(portfolio_id)]
    return await batch_service.create(
        session,
        name=BACKFILL_JOB,
        params=params,
        requested_by=requested_by,
        as_of=end,
    )
