"""Daily return histories of a set of symbols, aligned on the NYSE calendar, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.factors import simple_returns
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar

LOOKBACK_DAYS = 252  # trading days of returns kept: enough for the 150-day betas and any window


@dataclass(frozen=True)
class ReturnHistory:
    """Simple daily returns of `symbols` over `days` (NaN where a close is missing)."""

    symbols: list[str]
    days: list[date]  # the trading day each return ends on, oldest first
    returns: np.ndarray  # [symbols x days]

    def rows(self, symbols: Sequence[str]) -> np.ndarray:
        """The return rows of these symbols, in their order (NaN rows for unknown ones)."""
        index = {s: i for i, s in enumerate(self.symbols)}
        out = np.full((len(symbols), len(self.days)), np.nan)
        for row, symbol in enumerate(symbols):
            if symbol in index:
                out[row] = self.returns[index[symbol]]
        return out


async def load_returns(
    session: AsyncSession, *, symbols: Sequence[str], end: date, days: int = LOOKBACK_DAYS
) -> ReturnHistory:
    """Returns of these symbols over the `days` trading days ending on `end`."""
    calendar_days = calendar.trading_days_back(end, days + 1)
    wanted = sorted(set(symbols))
    column = {day: i for i, day in enumerate(calendar_days)}
    row = {s: i for i, s in enumerate(wanted)}
    closes = np.full((len(wanted), len(calendar_days)), np.nan)
    if wanted:
        bars = await session.execute(
            select(DailyBar.symbol, DailyBar.day, DailyBar.close).where(
                DailyBar.symbol.in_(wanted),
                DailyBar.day >= calendar_days[0],
                DailyBar.day <= end,
            )
        )
        for symbol, day, close in bars:
            if day in column:
                closes[row[symbol], column[day]] = float(close)
    return ReturnHistory(wanted, calendar_days[1:], simple_returns(closes))
