"""The NYSE trading calendar: the one place trading days are decided.

Pure standard-library rules for full-day exchange closures (no early closes). Every other module
asks here whether a date is a trading day rather than reasoning about weekends or holidays itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

from sigmasight.clock import MARKET_TIMEZONE

_ONE_DAY = timedelta(days=1)

_MONDAY = 0
_THURSDAY = 3
_FRIDAY = 4
_SATURDAY = 5
_SUNDAY = 6

# One-off full-day closures outside the regular holiday rules.
_SPECIAL_CLOSURES: frozenset[date] = frozenset(
    {
        # September 11 attacks: markets closed for the rest of the week.
        date(2001, 9, 11),
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        # National day of mourning for President Ronald Reagan.
        date(2004, 6, 11),
        # National day of mourning for President Gerald Ford.
        date(2007, 1, 2),
        # Hurricane Sandy: closed two consecutive days.
        date(2012, 10, 29),
        date(2012, 10, 30),
        # National day of mourning for President George H. W. Bush.
        date(2018, 12, 5),
        # National day of mourning for President Jimmy Carter.
        date(2025, 1, 9),
    }
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """Return the n-th (1-based) given weekday of a month."""
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    """Return the last given weekday of a month."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = following - _ONE_DAY
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Shift a fixed-date holiday off the weekend: Saturday to Friday, Sunday to Monday."""
    if day.weekday() == _SATURDAY:
        return day - _ONE_DAY
    if day.weekday() == _SUNDAY:
        return day + _ONE_DAY
    return day


def _easter_sunday(year: int) -> date:
    """Return Western Easter Sunday via the anonymous Gregorian (Meeus/Jones/Butcher) algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def nyse_holidays(year: int) -> frozenset[date]:
    """Return the NYSE full-day closures (regular holidays and special closures) for a year."""
    holidays: set[date] = set()

    # New Year's Day: Sunday moves to Monday; Saturday is not observed on the prior Friday.
    new_year = date(year, 1, 1)
    if new_year.weekday() == _SUNDAY:
        holidays.add(new_year + _ONE_DAY)
    elif new_year.weekday() != _SATURDAY:
        holidays.add(new_year)

    if year >= 1998:
        holidays.add(_nth_weekday(year, 1, _MONDAY, 3))  # Martin Luther King Jr. Day
    holidays.add(_nth_weekday(year, 2, _MONDAY, 3))  # Washington's Birthday
    holidays.add(_easter_sunday(year) - timedelta(days=2))  # Good Friday
    holidays.add(_last_weekday(year, 5, _MONDAY))  # Memorial Day
    if year >= 2022:
        holidays.add(_observed(date(year, 6, 19)))  # Juneteenth
    holidays.add(_observed(date(year, 7, 4)))  # Independence Day
    holidays.add(_nth_weekday(year, 9, _MONDAY, 1))  # Labor Day
    holidays.add(_nth_weekday(year, 11, _THURSDAY, 4))  # Thanksgiving
    holidays.add(_observed(date(year, 12, 25)))  # Christmas

    holidays.update(day for day in _SPECIAL_CLOSURES if day.year == year)
    return frozenset(holidays)


def is_trading_day(day: date) -> bool:
    """Return whether the NYSE is open for a full or partial session on this date."""
    return day.weekday() <= _FRIDAY and day not in nyse_holidays(day.year)


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


CLOSE = time(16, 0)


def last_completed_session(now: datetime) -> date:
    """The latest trading day whose 16:00 New York close is at or before `now`."""
    local = now.astimezone(MARKET_TIMEZONE)
    today = local.date()
    if is_trading_day(today) and local.time() >= CLOSE:
        return today
    return previous_trading_day(today)
