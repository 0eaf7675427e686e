"""When the nightly jobs run: New York wall-clock times on NYSE trading days.

The worker's cron table is built from `NIGHTLY`, and `next_runs` answers "when does it run next"
from the same table, so what the API shows is what the worker does. On an early-close day (13:00,
e.g. the Friday after Thanksgiving) the jobs keep their usual times: every one of them is after
the close either way, and one timetable is simpler to operate than two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sigmasight.clock import MARKET_TIMEZONE
from sigmasight.marketdata import calendar


class NightlyJob(StrEnum):
    UPDATE_MARKET_DATA = "update_market_data"
    CALCULATE_ALL_RISK_METRICS = "calculate_all_risk_metrics"
    CREATE_PORTFOLIO_SNAPSHOTS = "create_portfolio_snapshots"


@dataclass(frozen=True, slots=True)
class Schedule:
    job: NightlyJob
    at: time  # New York wall clock, on trading days
    timeout_seconds: int  # per chunk of the run


NIGHTLY: tuple[Schedule, ...] = (
    Schedule(NightlyJob.UPDATE_MARKET_DATA, time(16, 0), 300),
    Schedule(NightlyJob.CALCULATE_ALL_RISK_METRICS, time(17, 0), 600),
    Schedule(NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS, time(17, 30), 300),
)
SCHEDULE_OF = {s.job: s for s in NIGHTLY}


def next_runs(schedule: Schedule, *, after: datetime, count: int) -> list[datetime]:
    """The next `count` run times strictly after `after`, New York time (DST-aware)."""
    runs: list[datetime] = []
    day: date = after.astimezone(MARKET_TIMEZONE).date()
    while len(runs) < count:
        if calendar.is_trading_day(day):
            run = datetime.combine(day, schedule.at, tzinfo=MARKET_TIMEZONE)
            if run > after:
                runs.append(run)
        day += timedelta(days=1)
    return runs
