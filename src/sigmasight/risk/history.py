"""Daily return histories of a set of symbols, aligned on the NYSE calendar, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.factors import FactorBetas, factor_betas, simple_returns
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.marketdata import calendar, prices
from sigmasight.marketdata.models import DailyBar

LOOKBACK_DAYS = 252  # trading days of returns kept: enough for the 150-day betas and any window
CACHE_SECONDS = 24 * 3600  # a new price version makes old entries unreachable; this frees them


@dataclass(frozen=True)
class ReturnHistory:
    """Simple daily returns of `symbols` over `days` (NaN where a close is missing)."""

    symbols: list[str]
    days: list[date]  # the trading day each return ends on, oldest first
    returns: np.ndarray  # [symbols x days]
    # Factor betas already regressed on this history, by the underlyings asked for.
    _betas: dict[tuple[str, ...], FactorBetas] = field(
        default_factory=dict, compare=False, repr=False
    )

    def factor_betas(self, underlyings: Sequence[str], *, window: int) -> FactorBetas:
        """Factor betas of these underlyings over the last `window` returns, regressed once
        per history (books sharing it, a what-if and its base, share the regression)."""
        key = (*underlyings, f"window={window}")
        if key not in self._betas:
            span = slice(-window, None)
            self._betas[key] = factor_betas(
                self.rows(underlyings)[:, span], self.rows(FACTOR_ETFS)[:, span]
            )
        return self._betas[key]

    def until(self, day: date) -> ReturnHistory:
        """The returns up to and including `day`."""
        keep = sum(1 for d in self.days if d <= day)
        return ReturnHistory(self.symbols, self.days[:keep], self.returns[:, :keep])

    def rows(self, symbols: Sequence[str]) -> np.ndarray:
        """The return rows of these symbols, in their order (NaN rows for unknown ones)."""
        index = {s: i for i, s in enumerate(self.symbols)}
        out = np.full((len(symbols), len(self.days)), np.nan)
        for row, symbol in enumerate(symbols):
            if symbol in index:
                out[row] = self.returns[index[symbol]]
        return out


async def load_returns(
    session: AsyncSession,
    redis: Redis,
    *,
    symbols: Sequence[str],
    end: date,
    days: int = LOOKBACK_DAYS,
) -> ReturnHistory:
    """Returns of these symbols over the `days` trading days ending on `end`.

    Each symbol's series depends only on its stored bars, so it is kept in Redis under the
    current price version (shared by every API process, forgotten when bars are stored) and
    read from PostgreSQL only when missing there.
    """
    calendar_days = calendar.trading_days_back(end, days + 1)
    wanted = sorted(set(symbols))
    version = await prices.price_version(redis)
    # Without a price version (Redis unreachable) nothing cached can be trusted or kept.
    keys = (
        [f"sigmasight:returns:{version}:{end}:{days}:{s}" for s in wanted]
        if version is not None
        else []
    )
    series: dict[str, np.ndarray] = {}
    for symbol, raw in zip(wanted, await prices.cache_get_many(redis, keys), strict=False):
        if raw is not None:
            series[symbol] = np.frombuffer(raw, dtype=np.float64)
    missing = [s for s in wanted if s not in series]
    if missing:
        fresh = await _returns_from_bars(session, missing, calendar_days)
        if keys:
            await prices.cache_set_many(
                redis,
                {
                    key: fresh[symbol].tobytes()
                    for symbol, key in zip(wanted, keys, strict=True)
                    if symbol in fresh
                },
                ttl_seconds=CACHE_SECONDS,
            )
        series |= fresh
    returns = np.vstack([series[s] for s in wanted]) if wanted else np.empty((0, days))
    return ReturnHistory(wanted, calendar_days[1:], returns)


async def _returns_from_bars(
    session: AsyncSession, symbols: Sequence[str], calendar_days: Sequence[date]
) -> dict[str, np.ndarray]:
    column = {day: i for i, day in enumerate(calendar_days)}
    row = {s: i for i, s in enumerate(symbols)}
    closes = np.full((len(symbols), len(calendar_days)), np.nan)
    bars = await session.execute(
        select(DailyBar.symbol, DailyBar.day, DailyBar.close).where(
            DailyBar.symbol.in_(symbols),
            DailyBar.day >= calendar_days[0],
            DailyBar.day <= calendar_days[-1],
        )
    )
    for symbol, day, close in bars:
        if day in column:
            closes[row[symbol], column[day]] = float(close)
    returns = simple_returns(closes)
    return {s: np.ascontiguousarray(returns[i]) for i, s in enumerate(symbols)}
