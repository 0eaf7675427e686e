"""Period performance from daily P&L and returns: time-weighted return, best and worst day,
attribution. Pure: arrays and dates in, numbers out."""

from __future__ import annotations

import calendar as months
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt


class Period(StrEnum):
    DAY = "DAY"  # the last day
    WEEK = "WEEK"  # the 7 calendar days ending on the last day
    MONTH = "MONTH"  # one calendar month back from the last day
    QTD = "QTD"  # since the quarter began
    YTD = "YTD"  # since the year began
    ONE_YEAR = "ONE_YEAR"  # one calendar year back from the last day
    CUSTOM = "CUSTOM"  # the given dates


def period_start(period: Period, end: date) -> date:
    """The first calendar day of a period ending on `end` (inclusive); not for CUSTOM."""
    if period is Period.DAY:
        return end
    if period is Period.WEEK:
        return end - timedelta(days=6)
    if period is Period.MONTH:
        return _months_back(end, 1) + timedelta(days=1)
    if period is Period.QTD:
        return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    if period is Period.YTD:
        return date(end.year, 1, 1)
    if period is Period.ONE_YEAR:
        return _months_back(end, 12) + timedelta(days=1)
    raise ValueError("a CUSTOM period has no implied start")


def _months_back(day: date, count: int) -> date:
    month = day.month - count
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def linked_return(daily_returns: npt.ArrayLike) -> float:
    """Time-weighted return of a period: the daily returns compounded, prod(1 + r) - 1, as a
    fraction; NaN if any day's return is unknown."""
    returns = np.asarray(daily_returns, dtype=np.float64)
    return float(np.prod(1.0 + returns) - 1.0)


def drawdowns(daily_returns: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """After each day, how far the compounded daily returns stand below their running peak, as
    a fraction (0 at a peak, -0.1 = 10% below), starting from 1 before the first day, so a loss
    on the first day is a drawdown. NaN on a day whose return is unknown (NaN); that day leaves
    the compounded value unchanged."""
    returns = np.asarray(daily_returns, dtype=np.float64)
    known = np.isfinite(returns)
    wealth = np.cumprod(np.where(known, 1.0 + returns, 1.0))
    peak = np.maximum.accumulate(np.concatenate(([1.0], wealth)))[1:]
    below = wealth / peak - 1.0
    below[~known] = np.nan
    return below


@dataclass(frozen=True, slots=True)
class Extreme:
    day: date
    pnl: float  # dollars
    daily_return: float  # fraction; NaN when unknown


def best_and_worst(
    days: list[date], pnl: npt.ArrayLike, returns: npt.ArrayLike
) -> tuple[Extreme, Extreme] | None:
    """The days of largest and smallest P&L (the earlier one on a tie); None without days."""
    values = np.asarray(pnl, dtype=np.float64)
    rets = np.asarray(returns, dtype=np.float64)
    if not days:
        return None
    best, worst = int(np.argmax(values)), int(np.argmin(values))
    return (
        Extreme(days[best], float(values[best]), float(rets[best])),
        Extreme(days[worst], float(values[worst]), float(rets[worst])),
    )


def attribute(contributions: Iterable[tuple[Hashable, float]]) -> dict[Hashable, float]:
    """P&L summed by key, largest absolute contribution first; the values sum to the total of
    the contributions."""
    totals: dict[Hashable, float] = {}
    for key, pnl in contributions:
        totals[key] = totals.get(key, 0.0) + pnl
    return dict(sorted(totals.items(), key=lambda item: -abs(item[1])))
