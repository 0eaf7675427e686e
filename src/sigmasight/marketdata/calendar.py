"""The NYSE trading calendar: the one place trading days are decided.

Sessions, holidays, one-off closures and early closes come from `exchange_calendars` (XNYS), a
maintained calendar, read once per process into plain sets so a lookup is a set membership.
Every other module asks here whether a date is a trading day rather than reasoning about
weekends or holidays itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import exchange_calendars

from sigmasight.clock import MARKET_TIMEZONE

_ONE_DAY = timedelta(days=1)
_FRIDAY = 4

# The years the calendar is read for: every stored price, entry date (at most ten years old) and
# listed option expiry falls inside. Outside them only weekends are closed.
FIRST_YEAR = 1990
LAST_YEAR = 2045

CLOSE = time(16, 0)  # the regular close, New York time


@dataclass(frozen=True, slots=True)
class _Sessions:
    days: frozenset[date]
    early_closes: dict[date, time]  # New York close of each shortened session


def _read_xnys() -> _Sessions:
    with warnings.catch_warnings():
        # exchange_calendars reads a Series' .values, which newer pandas deprecates; nothing
        # for this process's operator to act on.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        xnys = exchange_calendars.get_calendar(
            "XNYS", start=f"{FIRST_YEAR}-01-01", end=f"{LAST_YEAR}-12-31"
        )
        closes = xnys.closes
    return _Sessions(
        days=frozenset(session.date() for session in xnys.sessions),
        early_closes={
            session.date(): closes[session].tz_convert(MARKET_TIMEZONE).time()
            for session in xnys.early_closes
        },
    )


# Read at import (about 0.1 s, plus pandas' import), so no request pays for it on the event loop.
_XNYS = _read_xnys()


def _in_range(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def nyse_holidays(year: int) -> frozenset[date]:
    """Return the NYSE full-day weekday closures (holidays and special closures) for a year."""
    day, holidays = date(year, 1, 1), set()
    while day.year == year:
        if day.weekday() <= _FRIDAY and not is_trading_day(day):
            holidays.add(day)
        day += _ONE_DAY
    return frozenset(holidays)


def is_trading_day(day: date) -> bool:
    """Return whether the NYSE is open for a full or partial session on this date."""
    if _in_range(day):
        return day in _XNYS.days
    return day.weekday() <= _FRIDAY


def session_close(day: date) -> time:
    """The New York time a trading day's session closes: 16:00, or 13:00 on an early close."""
    return _XNYS.early_closes.get(day, CLOSE)


def trading_days(start: date, end: date) -> list[date]:
    """Return the trading days in [start, end] inclusive, ascending (empty if start > end)."""
    days: list[date] = []
    day = start
    while day <= end:
        if is_trading_day(day):
            days.append(day)
        day += _ONE_DAY
    return days


def previous_trading_day(day: date) -> date:
    """Return the last trading day strictly before `day`."""
    candidate = day - _ONE_DAY
    while not is_trading_day(candidate):
        candidate -= _ONE_DAY
    return candidate


def latest_trading_day(day: date) -> date:
    """Return `day` if it is a trading day, otherwise the trading day before it."""
    return day if is_trading_day(day) else previous_trading_day(day)


def trading_days_back(end: date, count: int) -> list[date]:
    """Return the `count` trading days ending on or before `end`, ascending."""
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count}")
    if count == 0:
        return []
    days = [latest_trading_day(end)]
    while len(days) < count:
        days.append(previous_trading_day(days[-1]))
    days.reverse()
    return days


def last_completed_session(now: datetime) -> date:
    """The latest trading day whose New York close (early on half days) is at or before `now`."""
    local = now.astimezone(MARKET_TIMEZONE)
    today = local.date()
    if is_trading_day(today) and local.time() >= session_close(today):
        return today
    return previous_trading_day(today)
