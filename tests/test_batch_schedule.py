"""The nightly cron table: when each job runs next, in New York time, on NYSE trading days only,
across holidays and daylight-saving changes, and the same answer from arq's own cron arithmetic."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from arq.cron import CronJob

from sigmasight.batch.schedule import NIGHTLY, SCHEDULE_OF, NightlyJob, Schedule, next_runs
from sigmasight.clock import MARKET_TIMEZONE
from sigmasight.marketdata import calendar
from sigmasight.settings import Environment, Settings
from workers.main import CRON_JOBS, WorkerSettings, worker_settings

NEW_YORK = MARKET_TIMEZONE
EDT = timedelta(hours=-4)
EST = timedelta(hours=-5)


def _new_york(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _cron_job(job: NightlyJob) -> CronJob:
    (cron_job,) = [c for c in CRON_JOBS if c.name == f"scheduled_{job}"]
    return cron_job


def _arq_fire_times(cron_job: CronJob, *, start: datetime, until: datetime) -> list[datetime]:
    """The times arq's worker would enqueue `cron_job`, as `Worker.run_cron` chains them: the first
    from the worker's "now", each next one from the previous. Works on a copy, so the module-level
    cron table keeps `next_run=None`."""
    job = dataclasses.replace(cron_job, next_run=None)
    job.calculate_next(start)
    fire_times: list[datetime] = []
    while job.next_run is not None and job.next_run <= until:
        fire_times.append(job.next_run)
        job.calculate_next(job.next_run)
    return fire_times


def test_twenty_snapshot_runs_skip_thanksgiving_and_shift_in_utc_when_dst_ends() -> None:
    # given: Thursday evening Oct 29 2026, after that day's 17:30 run; DST ends Sunday Nov 1 and
    # the market is closed on Thanksgiving, Thursday Nov 26
    schedule = SCHEDULE_OF[NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS]
    after = _new_york(2026, 10, 29, 18)
    # when
    runs = next_runs(schedule, after=after, count=20)
    # then: 17:30 EDT is 21:30 UTC, 17:30 EST is 22:30 UTC
    assert runs == [
        _utc(2026, 10, 30, 21, 30),  # Fri, still EDT
        _utc(2026, 11, 2, 22, 30),  # Mon, EST from here on
        _utc(2026, 11, 3, 22, 30),
        _utc(2026, 11, 4, 22, 30),
        _utc(2026, 11, 5, 22, 30),
        _utc(2026, 11, 6, 22, 30),
        _utc(2026, 11, 9, 22, 30),
        _utc(2026, 11, 10, 22, 30),
        _utc(2026, 11, 11, 22, 30),  # Veterans Day: the NYSE is open
        _utc(2026, 11, 12, 22, 30),
        _utc(2026, 11, 13, 22, 30),
        _utc(2026, 11, 16, 22, 30),
        _utc(2026, 11, 17, 22, 30),
        _utc(2026, 11, 18, 22, 30),
        _utc(2026, 11, 19, 22, 30),
        _utc(2026, 11, 20, 22, 30),
        _utc(2026, 11, 23, 22, 30),
        _utc(2026, 11, 24, 22, 30),
        _utc(2026, 11, 25, 22, 30),
        _utc(2026, 11, 27, 22, 30),  # Fri after Thanksgiving; no run on Thu Nov 26
    ]
    assert [run.utcoffset() for run in runs] == [EDT] + [EST] * 19
    assert all(run.tzinfo is not None for run in runs)
    assert {run.astimezone(NEW_YORK).time() for run in runs} == {time(17, 30)}


def test_twenty_snapshot_runs_skip_presidents_day_and_shift_in_utc_when_dst_starts() -> None:
    # given: Wednesday evening Feb 11 2026; Washington's Birthday is Monday Feb 16 and DST starts
    # Sunday Mar 8
    schedule = SCHEDULE_OF[NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS]
    after = _new_york(2026, 2, 11, 20)
    # when
    runs = next_runs(schedule, after=after, count=20)
    # then: 17:30 EST is 22:30 UTC, 17:30 EDT is 21:30 UTC
    assert runs == [
        _utc(2026, 2, 12, 22, 30),
        _utc(2026, 2, 13, 22, 30),
        _utc(2026, 2, 17, 22, 30),  # Tue; no run on Presidents Day, Mon Feb 16
        _utc(2026, 2, 18, 22, 30),
        _utc(2026, 2, 19, 22, 30),
        _utc(2026, 2, 20, 22, 30),
        _utc(2026, 2, 23, 22, 30),
        _utc(2026, 2, 24, 22, 30),
        _utc(2026, 2, 25, 22, 30),
        _utc(2026, 2, 26, 22, 30),
        _utc(2026, 2, 27, 22, 30),
        _utc(2026, 3, 2, 22, 30),
        _utc(2026, 3, 3, 22, 30),
        _utc(2026, 3, 4, 22, 30),
        _utc(2026, 3, 5, 22, 30),
        _utc(2026, 3, 6, 22, 30),  # Fri, last run in EST
        _utc(2026, 3, 9, 21, 30),  # Mon, EDT from here on
        _utc(2026, 3, 10, 21, 30),
        _utc(2026, 3, 11, 21, 30),
        _utc(2026, 3, 12, 21, 30),
    ]
    assert [run.utcoffset() for run in runs] == [EST] * 16 + [EDT] * 4
    assert {run.astimezone(NEW_YORK).time() for run in runs} == {time(17, 30)}


def test_market_data_is_not_updated_on_thanksgiving_but_is_on_the_friday_after() -> None:
    # given: Tuesday morning of Thanksgiving week 2026
    schedule = SCHEDULE_OF[NightlyJob.UPDATE_MARKET_DATA]
    after = _new_york(2026, 11, 24, 9)
    # when
    runs = next_runs(schedule, after=after, count=4)
    # then: 16:00 EST is 21:00 UTC
    assert runs == [
        _utc(2026, 11, 24, 21),
        _utc(2026, 11, 25, 21),
        _utc(2026, 11, 27, 21),  # Fri after Thanksgiving (an early close, still a trading day)
        _utc(2026, 11, 30, 21),
    ]
    assert date(2026, 11, 26) not in {run.astimezone(NEW_YORK).date() for run in runs}


def test_market_data_is_not_updated_on_christmas_or_new_years_day() -> None:
    # given: Wednesday morning Dec 23 2026; Christmas is Friday Dec 25, New Year's Day Friday Jan 1
    schedule = SCHEDULE_OF[NightlyJob.UPDATE_MARKET_DATA]
    after = _new_york(2026, 12, 23, 9)
    # when
    runs = next_runs(schedule, after=after, count=7)
    # then
    assert runs == [
        _utc(2026, 12, 23, 21),
        _utc(2026, 12, 24, 21),  # Christmas Eve is a trading day
        _utc(2026, 12, 28, 21),  # Mon; no run on Fri Dec 25
        _utc(2026, 12, 29, 21),
        _utc(2026, 12, 30, 21),
        _utc(2026, 12, 31, 21),
        _utc(2027, 1, 4, 21),  # Mon; no run on Fri Jan 1
    ]


@pytest.mark.parametrize(
    "after",
    [_new_york(2026, 11, 24, 17, 30), _utc(2026, 11, 24, 22, 30)],
    ids=["new-york", "utc"],
)
def test_a_run_at_exactly_the_after_instant_is_not_one_of_the_next_runs(after: datetime) -> None:
    # given: `after` is the very instant of Tuesday Nov 24 2026's snapshot run
    schedule = SCHEDULE_OF[NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS]
    # when
    runs = next_runs(schedule, after=after, count=1)
    # then
    assert runs == [_new_york(2026, 11, 25, 17, 30)]


def test_a_run_a_microsecond_after_the_after_instant_is_included() -> None:
    # given
    schedule = SCHEDULE_OF[NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS]
    after = _new_york(2026, 11, 24, 17, 30) - timedelta(microseconds=1)
    # when
    runs = next_runs(schedule, after=after, count=1)
    # then
    assert runs == [_new_york(2026, 11, 24, 17, 30)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Wednesday before Thanksgiving: Thursday is closed, so Friday
        (_new_york(2026, 11, 25, 17, 31), _new_york(2026, 11, 27, 17, 30)),
        # Friday: over the weekend to Monday
        (_new_york(2026, 11, 27, 23, 59), _new_york(2026, 11, 30, 17, 30)),
        # Tuesday 22:00 in New York is already Wednesday in UTC; the New York date counts
        (_utc(2026, 11, 25, 3), _new_york(2026, 11, 25, 17, 30)),
    ],
    ids=["before-a-holiday", "before-a-weekend", "given-in-utc"],
)
def test_asking_after_the_run_on_a_trading_day_gives_the_next_trading_day(
    after: datetime, expected: datetime
) -> None:
    # given
    schedule = SCHEDULE_OF[NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS]
    # when
    runs = next_runs(schedule, after=after, count=1)
    # then
    assert runs == [expected]


@pytest.mark.parametrize("schedule", NIGHTLY, ids=lambda s: s.job)
def test_the_arq_cron_table_runs_each_nightly_job_on_weekdays_at_its_new_york_time(
    schedule: Schedule,
) -> None:
    # when
    cron_job = _cron_job(schedule.job)
    # then
    assert cron_job.weekday == {0, 1, 2, 3, 4}
    assert cron_job.hour == {schedule.at.hour}
    assert cron_job.minute == {schedule.at.minute}
    assert cron_job.second == 0
    assert cron_job.month is None
    assert cron_job.day is None
    assert cron_job.unique is True
    assert cron_job.run_at_startup is False
    assert cron_job.next_run is None


def test_the_arq_worker_evaluates_the_cron_table_in_new_york_time() -> None:
    # then
    assert WorkerSettings.timezone is MARKET_TIMEZONE
    assert WorkerSettings.cron_jobs is CRON_JOBS
    assert str(MARKET_TIMEZONE) == "America/New_York"


def test_the_arq_worker_built_from_settings_keeps_the_new_york_timezone() -> None:
    # given
    settings = Settings(
        environment=Environment.TEST,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        redis_url="redis://127.0.0.1:1/0",
        secret_key="test-secret-of-sufficient-length-0123456789",
        _env_file=None,  # type: ignore[call-arg]
    )
    # when
    kwargs = worker_settings(settings)
    # then
    assert kwargs["timezone"] is MARKET_TIMEZONE
    assert kwargs["cron_jobs"] is CRON_JOBS


@pytest.mark.parametrize("schedule", NIGHTLY, ids=lambda s: s.job)
@pytest.mark.parametrize(
    "start",
    [
        _utc(2026, 10, 29, 23),  # Thu evening in New York: across DST's end and Thanksgiving
        _utc(2026, 2, 12, 1),  # Wed evening in New York: across Presidents Day and DST's start
        _utc(2026, 12, 21, 12),  # Mon morning in New York: across Christmas and New Year's Day
    ],
    ids=["fall", "spring", "year-end"],
)
def test_arq_fires_on_trading_days_exactly_when_next_runs_says(
    schedule: Schedule, start: datetime
) -> None:
    # given: arq's worker asks for its next run from `datetime.now(tz=worker timezone)`
    cron_job = _cron_job(schedule.job)
    worker_now = start.astimezone(WorkerSettings.timezone)
    expected = next_runs(schedule, after=start, count=20)
    # when: every weekday fire time up to the 20th run, then what the job itself skips (holidays)
    fire_times = _arq_fire_times(
        cron_job, start=worker_now, until=expected[-1] + timedelta(hours=1)
    )
    runs = [t for t in fire_times if calendar.is_trading_day(t.astimezone(NEW_YORK).date())]
    # then: arq lands a fixed fraction of a second past the minute, on the same instants
    assert fire_times, "arq computed no fire times"
    assert all(t.weekday() <= 4 for t in fire_times)
    assert len(fire_times) > len(runs)  # each window has a weekday holiday arq fires on
    assert {t.microsecond for t in runs} == {cron_job.microsecond}
    assert [t - timedelta(microseconds=cron_job.microsecond) for t in runs] == expected
    assert [t.utcoffset() for t in runs] == [run.utcoffset() for run in expected]


def test_arq_fires_on_a_weekday_holiday_because_it_knows_no_calendar() -> None:
    # given: Wednesday evening before Thanksgiving 2026, New York time
    cron_job = _cron_job(NightlyJob.UPDATE_MARKET_DATA)
    worker_now = _new_york(2026, 11, 25, 20)
    # when
    fire_times = _arq_fire_times(cron_job, start=worker_now, until=_new_york(2026, 11, 28, 0))
    # then: arq knows no calendar, so Thanksgiving fires and `start_batch_run` returns None then
    assert [t.replace(microsecond=0) for t in fire_times] == [
        _new_york(2026, 11, 26, 16),
        _new_york(2026, 11, 27, 16),
    ]
    assert not calendar.is_trading_day(date(2026, 11, 26))
