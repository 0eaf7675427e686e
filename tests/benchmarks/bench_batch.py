"""Benchmark: the three nightly jobs for 1,000 portfolios x 50 positions on synthetic data, on one
arq worker process and then on two.

Run with `uv run python -m tests.benchmarks.bench_batch [--portfolios N]` (a few minutes at the
default 1,000). Uses DATABASE_URL / REDIS_URL when set, else the local servers (Redis database 9,
which is flushed), in a scratch database. Target: the three jobs within 60 s together on one
worker on the CI machine.

The book: N portfolios (ten to an owner) of 40 stocks and 10 option contracts each, drawn at
random from 300 stocks (the synthetic provider's known tickers, then made-up ones) and from 960
listed contracts on 60 of them (2 expiries x 4 strikes x call/put). Every stock and factor ETF
has 260 trading days of the synthetic provider's bars and every contract its quotes for the rest
of the 90-day backfill window, up to the day before the last completed session (the as-of day);
the securities master knows the provider's named tickers.

A round is one night on fresh worker processes (`sigmasight worker`'s settings, cron table left
out, started and ready before the clock starts): the as-of day's bars and daily rows are deleted
(and the tables vacuumed) and Redis is flushed, so both rounds do the same work. Then
update_market_data (which fetches that day for every held symbol and factor ETF from the
synthetic provider), calculate_all_risk_metrics and create_portfolio_snapshots run one after
another, each started as the API's runBatchJob does (a queued run, `dispatch_batch_run`
enqueued) and timed from then until its row has finished, by the row's `finished_at`. Printed
per job and worker count: seconds, positions per second, the CPU the workers used meanwhile (on
Linux; with PostgreSQL on the same cores, wall time drops with a second worker only as far as
cores are free), chunks and how they were shared; then two workers' time over one's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any
from unittest import mock

import asyncpg
import numpy as np
from arq import ArqRedis, create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from redis.asyncio import Redis
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigmasight import clock
from sigmasight.batch import runs
from sigmasight.batch.models import BatchJob, BatchJobChunk, JobStatus
from sigmasight.batch.nightly import KINDS
from sigmasight.batch.schedule import NightlyJob
from sigmasight.db import create_engine, create_session_factory, transaction
from sigmasight.instruments.occ import OptionContract, OptionType, parse_option
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.providers import synthetic
from sigmasight.marketdata.providers.base import Bar
from sigmasight.marketdata.providers.sectors import KNOWN_SECURITIES
from sigmasight.marketdata.providers.synthetic import FACTOR_ETFS, SyntheticProvider
from sigmasight.marketdata.service import store_profiles
from sigmasight.risk.models import PortfolioRiskSnapshot, PortfolioSnapshot, PositionSnapshot
from sigmasight.settings import Environment, Settings
from tests.benchmarks.timing import verdict
from tests.databases import scratch_database
from workers.main import startup, worker_settings

DATABASE = "sigmasight_bench_batch"
REDIS_URL = "redis://127.0.0.1:6379/9"
SECRET = "benchmark-secret-of-sufficient-length-000"
JOBS = [job.value for job in NightlyJob]  # in the order the cron runs them
WORKER_COUNTS = (1, 2)
TARGET_SECONDS = 60.0  # all three jobs, one worker

UNIVERSE = 300  # stocks
OPTIONABLE = 60  # of them with listed contracts
STRIKES = (0.90, 0.95, 1.05, 1.10)  # times the underlying's last close
EXPIRIES = (30, 90)  # calendar days ahead, then on to a Friday
STOCKS_PER_BOOK = 40
OPTIONS_PER_BOOK = 10
PORTFOLIOS_PER_OWNER = 10
HISTORY_DAYS = 260  # trading days of stock bars: the risk job reads 254 closes
SHORT_SHARE = 0.15
JOB_TIMEOUT_SECONDS = 900
POSITION_COLUMNS = [
    "id", "portfolio_id", "symbol", "underlying", "position_type", "quantity", "multiplier",
    "entry_price", "entry_date", "option_type", "strike", "expiration",
]  # fmt: skip


# --- the synthetic book -----------------------------------------------------------------------


class _Replay(SyntheticProvider):
    """The synthetic market with each stock's bars computed once: an option quote re-derives its
    underlying's whole series otherwise, and the seed prices 85,440 of them."""

    def __init__(self, series: dict[str, list[Bar]], *, seed: int, today: date) -> None:
        super().__init__(seed=seed, today=lambda: today)
        self._series = series
        self._days = {symbol: [b.day for b in bars] for symbol, bars in series.items()}

    def bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        days = self._days[symbol.upper()]
        return self._series[symbol.upper()][bisect_left(days, start) : bisect_right(days, end)]


@dataclass
class Seeded:
    portfolios: int
    positions: int
    stocks: int
    contracts: int
    bars: int
    option_bars: int
    seconds: float


def _universe() -> list[str]:
    named = [s for s in KNOWN_SECURITIES if s not in FACTOR_ETFS]
    made_up = [f"SYN{i:03d}" for i in range(UNIVERSE - len(named))]
    return (named + made_up)[:UNIVERSE]


def _friday_after(day: date) -> date:
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _contracts(underlyings: list[str], spots: dict[str, Decimal], as_of: date) -> list[str]:
    symbols: dict[str, None] = {}  # ordered, without the strikes that round together
    for underlying in underlyings:
        for ahead in EXPIRIES:
            expiry = _friday_after(as_of + timedelta(days=ahead))
            for share in STRIKES:
                strike = Decimal(max(1, round(float(spots[underlying]) * share)))
                for kind in OptionType:
                    symbols[OptionContract(underlying, expiry, kind, strike).symbol] = None
    return list(symbols)


def _dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def seed(database_url: str, settings: Settings, *, portfolios: int, as_of: date) -> Seeded:
    """Owners, portfolios, positions, bars and profiles, written with COPY."""
    started = time.perf_counter()
    stored_until = calendar.previous_trading_day(as_of)  # the night fetches as_of itself
    stock_days = calendar.trading_days_back(stored_until, HISTORY_DAYS)
    window = calendar.trading_days_back(as_of, settings.backfill_days)  # update_market_data's
    provider = SyntheticProvider(seed=settings.synthetic_seed, today=lambda: as_of)
    universe = _universe()
    series = {s: provider.bars(s, stock_days[0], as_of) for s in [*universe, *FACTOR_ETFS]}
    replay = _Replay(series, seed=settings.synthetic_seed, today=as_of)
    contracts = _contracts(universe[:OPTIONABLE], {s: series[s][-1].close for s in universe}, as_of)
    now = clock.now()

    closes: dict[tuple[str, date], Decimal] = {}
    bar_records: list[tuple[Any, ...]] = []
    for symbol, bars in series.items():
        for b in bars:
            closes[symbol, b.day] = b.close
            if b.day <= stored_until:
                bar = (symbol, b.day, b.open, b.high, b.low, b.close, b.volume, "synthetic", now)
                bar_records.append(bar)
    option_records: list[tuple[Any, ...]] = []
    # A quote re-derives its underlying's factor loadings each time; here they are kept (in this
    # process only: the workers price with the provider as it is).
    with mock.patch.object(synthetic, "_loadings", cache(synthetic._loadings)):
        for symbol in contracts:
            for day in window[:-1]:
                price = (await replay.option_quote(symbol, day)).price
                closes[symbol, day] = price
                bar = (symbol, day, price, price, price, price, 0, "synthetic", now)
                option_records.append(bar)

    rng = np.random.default_rng(7)
    owners = [
        (uuid.uuid4(), f"owner{i}@example.com", "not-a-real-hash", "user", False)
        for i in range(-(-portfolios // PORTFOLIOS_PER_OWNER))
    ]
    books = [
        (uuid.uuid4(), owners[i // PORTFOLIOS_PER_OWNER][0], f"Book {i:04d}", "USD", Decimal(10**6))
        for i in range(portfolios)
    ]
    entry_days = window[:-2]  # every position is held at the previous close and at as_of
    positions: list[tuple[Any, ...]] = []
    for pid, *_ in books:
        for i in rng.choice(len(universe), STOCKS_PER_BOOK, replace=False):
            symbol = universe[i]
            entry = entry_days[rng.integers(len(entry_days))]
            quantity = int(rng.integers(10, 1000)) * (-1 if rng.random() < SHORT_SHARE else 1)
            kind = "LONG" if quantity > 0 else "SHORT"
            held = (symbol, symbol, kind, Decimal(quantity), 1, closes[symbol, entry], entry)
            positions.append((uuid.uuid4(), pid, *held, None, None, None))
        for i in rng.choice(len(contracts), OPTIONS_PER_BOOK, replace=False):
            contract = parse_option(contracts[i])
            entry = entry_days[rng.integers(len(entry_days))]
            quantity = int(rng.integers(1, 20)) * (-1 if rng.random() < SHORT_SHARE * 2 else 1)
            call = contract.option_type is OptionType.CALL
            kind = ("LC" if call else "LP") if quantity > 0 else ("SC" if call else "SP")
            price = closes[contract.symbol, entry]
            held = (
                contract.symbol,
                contract.underlying,
                kind,
                Decimal(quantity),
                100,
                price,
                entry,
            )
            option = (contract.option_type.value, contract.strike, contract.expiration)
            positions.append((uuid.uuid4(), pid, *held, *option))

    connection = await asyncpg.connect(_dsn(database_url))
    try:
        async with connection.transaction():
            await connection.copy_records_to_table(
                "users",
                records=owners,
                columns=["id", "email", "password_hash", "role", "is_demo"],
            )
            await connection.copy_records_to_table(
                "portfolios",
                records=books,
                columns=["id", "owner_id", "name", "currency", "cash"],
            )
            bar_columns = ["symbol", "day", "open", "high", "low", "close", "volume", "source"]
            await connection.copy_records_to_table(
                DailyBar.__tablename__,
                records=bar_records + option_records,
                columns=[*bar_columns, "fetched_at"],
            )
            await connection.copy_records_to_table(
                "positions",
                records=positions,
                columns=POSITION_COLUMNS,
            )
    finally:
        await connection.close()
    engine = create_engine(database_url, pool_size=1)
    try:
        async with transaction(create_session_factory(engine)) as session:
            profiles = [await provider.profile(s) for s in series]
            named = [p for p in profiles if p.name or p.sector]  # as the backfill keeps them
            await store_profiles(session, named, source="synthetic")
        # A live database has its statistics, and its pages vacuumed, rather than autovacuum
        # getting to a freshly copied one during the first round.
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return Seeded(
        portfolios=portfolios,
        positions=len(positions),
        stocks=len(universe),
        contracts=len(contracts),
        bars=len(bar_records),
        option_bars=len(option_records),
        seconds=time.perf_counter() - started,
    )


# --- worker processes -------------------------------------------------------------------------


def _worker_process(fields: dict[str, Any], ready: Event, report: Queue[tuple[int, ...]]) -> None:
    """One `sigmasight worker` (cron table left out); says when it is ready, and on SIGTERM
    stops and reports its jobs complete, failed and retried."""
    settings = Settings(**fields, _env_file=None)  # type: ignore[call-arg]
    logging.basicConfig(  # as `sigmasight worker` does, at LOG_LEVEL
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    async def on_startup(ctx: dict[str, Any]) -> None:
        await startup(ctx)
        ready.set()

    options = worker_settings(settings) | {"cron_jobs": [], "on_startup": on_startup}
    worker = Worker(**options)  # handles SIGTERM: cancels what runs (nothing, here) and closes
    worker.run()
    report.put((worker.jobs_complete, worker.jobs_failed, worker.jobs_retried))


@dataclass
class WorkerProcess:
    process: BaseProcess
    report: Queue[tuple[int, ...]]


async def start_workers(count: int, fields: dict[str, Any]) -> list[WorkerProcess]:
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as deployed
    started = []
    for _ in range(count):
        ready, report = context.Event(), context.Queue()
        process = context.Process(target=_worker_process, args=(fields, ready, report))
        process.start()
        started.append((WorkerProcess(process, report), ready))
    for worker, ready in started:
        if not await asyncio.to_thread(ready.wait, 120):
            raise RuntimeError(f"worker process {worker.process.pid} did not start")
    return [worker for worker, _ in started]


async def stop_workers(workers: list[WorkerProcess]) -> list[tuple[int, ...]]:
    """SIGTERM each worker; returns (complete, failed, retried) per worker."""
    for worker in workers:
        worker.process.terminate()
    counts = [await asyncio.to_thread(w.report.get, True, 60) for w in workers]
    for worker in workers:
        worker.process.join(30)
    return counts


# --- one night ----------------------------------------------------------------------------------


@dataclass
class Timing:
    job: str
    workers: int
    seconds: float
    cpu: float | None  # seconds of CPU the worker processes spent meanwhile
    status: JobStatus
    message: str | None
    chunks: int
    chunks_by_worker: list[int]


DAILY_ROWS = (PositionSnapshot, PortfolioRiskSnapshot, PortfolioSnapshot)


async def prepare_night(engine: AsyncEngine, redis: Redis, as_of: date) -> None:
    """Back to the evening before: the as-of day's bars and daily rows gone (and vacuumed, as
    autovacuum would have by then, so a round does not inherit the last one's dead rows), Redis
    empty."""
    async with engine.begin() as conn:
        await conn.execute(delete(DailyBar).where(DailyBar.day == as_of))
        for model in DAILY_ROWS:
            await conn.execute(delete(model).where(model.day == as_of))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        tables = ", ".join(m.__tablename__ for m in (DailyBar, *DAILY_ROWS))
        await conn.execute(text(f"VACUUM ANALYZE {tables}"))
    await redis.flushdb()


def cpu_seconds(workers: list[WorkerProcess]) -> float | None:
    """User and system CPU the worker processes have used so far (Linux), else None."""
    total = 0.0
    for worker in workers:
        try:
            with open(f"/proc/{worker.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def run_job(
    factory: async_sessionmaker[AsyncSession],
    pool: ArqRedis,
    job: str,
    *,
    as_of: date,
    workers: list[WorkerProcess],
) -> Timing:
    """Start a run as the API does and wait for its row to finish; timed by the row."""
    cpu_before = cpu_seconds(workers)
    begun = clock.now()
    async with transaction(factory) as session:
        run = await runs.start(session, kind=KINDS[job], as_of=as_of, requested_by=None)
    await pool.enqueue_job(runs.DISPATCH_FUNCTION, str(run.id))
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        await asyncio.sleep(0.1)
        async with factory() as session:
            row = await session.get(BatchJob, run.id)
        assert row is not None
        if row.status.finished:
            cpu_after = cpu_seconds(workers)
            break
        if time.monotonic() > deadline or not all(w.process.is_alive() for w in workers):
            raise RuntimeError(f"{job} did not finish: {row.status} {row.message}")
    async with factory() as session:
        taken = Counter(
            await session.scalars(
                select(BatchJobChunk.worker).where(BatchJobChunk.job_id == run.id)
            )
        )
    finished: datetime = row.finished_at or clock.now()
    return Timing(
        job=job,
        workers=len(workers),
        seconds=(finished - begun).total_seconds(),
        cpu=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
        status=row.status,
        message=row.message,
        chunks=sum(taken.values()),
        chunks_by_worker=sorted(taken.values(), reverse=True),
    )


# --- report -------------------------------------------------------------------------------------


def print_table(timings: dict[tuple[int, str], Timing], positions: int) -> None:
    print(
        f"\n{'job':28s} {'workers':>7s} {'seconds':>8s} {'positions/s':>12s} "
        f"{'worker CPU s':>12s} {'chunks':>6s}  {'per worker':10s} status"
    )
    for count in WORKER_COUNTS:
        for job in JOBS:
            t = timings[count, job]
            split = "+".join(str(n) for n in t.chunks_by_worker)
            cpu = "" if t.cpu is None else f"{t.cpu:.1f}"
            print(
                f"{job:28s} {count:7d} {t.seconds:8.2f} {positions / t.seconds:12,.0f} "
                f"{cpu:>12s} {t.chunks:6d}  {split:10s} {t.status.value}"
            )
        total = sum(timings[count, job].seconds for job in JOBS)
        cpus = [timings[count, job].cpu for job in JOBS]
        cpu = "" if None in cpus else f"{sum(c or 0.0 for c in cpus):.1f}"
        print(f"{'all three':28s} {count:7d} {total:8.2f} {positions / total:12,.0f} {cpu:>12s}")
    print("\ntwo workers / one worker (seconds):")
    for job in [*JOBS, None]:
        one, two = (
            sum(timings[c, j].seconds for j in ([job] if job else JOBS)) for c in WORKER_COUNTS
        )
        print(f"  {job or 'all three':28s} {two / one:5.2f}x   ({one:.2f} s -> {two:.2f} s)")


async def main(portfolios: int) -> None:
    redis_url = os.environ.get("REDIS_URL", REDIS_URL)
    database_url = await scratch_database(DATABASE)
    fields: dict[str, Any] = {
        "environment": Environment.TEST.value,
        "database_url": database_url,
        "redis_url": redis_url,
        "secret_key": SECRET,
        "market_data_providers": "synthetic",
        "log_level": "WARNING",
    }
    settings = Settings(**fields, _env_file=None)  # type: ignore[call-arg]
    assert settings.database_url is not None
    as_of = calendar.last_completed_session(clock.now())
    seeded = await seed(settings.database_url, settings, portfolios=portfolios, as_of=as_of)
    print(
        f"seeded in {seeded.seconds:.1f} s: {seeded.portfolios:,} portfolios x "
        f"{STOCKS_PER_BOOK + OPTIONS_PER_BOOK} positions = {seeded.positions:,} positions "
        f"({STOCKS_PER_BOOK} stocks of {seeded.stocks} and {OPTIONS_PER_BOOK} options of "
        f"{seeded.contracts:,} contracts each); {seeded.bars:,} stock and ETF bars "
        f"({HISTORY_DAYS} days), {seeded.option_bars:,} option bars "
        f"({settings.backfill_days - 1} days)"
    )
    print(
        f"as of {as_of}; each round starts with that day's bars and daily rows deleted, so "
        f"update_market_data fetches the day for every held symbol from the synthetic provider"
    )
    engine = create_engine(settings.database_url, pool_size=2)
    factory = create_session_factory(engine)
    redis = Redis.from_url(redis_url)
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    timings: dict[tuple[int, str], Timing] = {}
    worker_counts: dict[int, list[tuple[int, ...]]] = {}
    try:
        for count in WORKER_COUNTS:
            await prepare_night(engine, redis, as_of)
            workers = await start_workers(count, fields)
            try:
                for job in JOBS:
                    timing = await run_job(factory, pool, job, as_of=as_of, workers=workers)
                    timings[count, job] = timing
                    print(
                        f"  {count} worker{'s' if count > 1 else ' '}  {job:28s} "
                        f"{timing.seconds:7.2f} s  {timing.status.value}: {timing.message}"
                    )
            finally:
                worker_counts[count] = await stop_workers(workers)
    finally:
        await pool.aclose()
        await redis.aclose()
        await engine.dispose()
    print_table(timings, seeded.positions)
    for count, per_worker in worker_counts.items():
        summary = ", ".join(f"{c} complete, {f} failed, {r} retried" for c, f, r in per_worker)
        print(f"arq jobs, {count} worker{'s' if count > 1 else ''}: {summary}")
    succeeded = all(t.status is JobStatus.SUCCEEDED for t in timings.values())
    print(f"every run SUCCEEDED: {'yes' if succeeded else 'NO'}")
    one_worker = sum(timings[1, job].seconds for job in JOBS)
    target = (
        f"target: all three jobs within {TARGET_SECONDS:.0f} s on one worker for 1,000 portfolios"
    )
    if portfolios == 1000:
        print(f"{target}: {verdict(one_worker <= TARGET_SECONDS)} ({one_worker:.1f} s)")
    else:
        print(f"{target}: not judged at {portfolios:,} portfolios ({one_worker:.1f} s here)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=1000, help="how many (default 1000)")
    asyncio.run(main(parser.parse_args().portfolios))
