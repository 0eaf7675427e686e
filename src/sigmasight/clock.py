"""Where "now" comes from, so that time can be pinned in tests and passed to batch jobs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


# Trade, entry and expiry dates are exchange dates: a day ends at midnight in New York, not UTC.
MARKET_TIMEZONE = ZoneInfo("America/New_York")


def market_date(instant: datetime) -> date:
    """The New York calendar date of an instant."""
    return instant.astimezone(MARKET_TIMEZONE).date()


def today() -> date:
    """Today's date in New York, the exchange's calendar."""
    return market_date(now())
