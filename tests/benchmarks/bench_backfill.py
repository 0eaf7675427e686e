"""Benchmark: backfilling 90 trading days for 500 symbols from the synthetic provider.

Run with `uv run python -m tests.benchmarks.bench_backfill`. Uses DATABASE_URL when set, else
PostgreSQL on localhost, in a scratch database. Prints the time to fetch and store everything,
the share spent generating prices, and a second run's time (nothing missing, nothing fetched).
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from sigmasight import clock
from sigmasight.db import create_engine, create_session_factory, transaction
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.marketdata.service import backfill
from tests.databases import scratch_database

SYMBOLS = [f"SYN{i:03d}" for i in range(492)] + [
    "SPY",
    "MTUM",
    "VTV",
    "VUG",
    "QUAL",
    "IWM",
    "USMV",
    "TLT",
]
DAYS = 90
DATABASE = "sigmasight_bench"


async def main() -> None:
    database_url = await scratch_database(DATABASE)
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    end = calendar.last_completed_session(clock.now())
    provider = SyntheticProvider(today=lambda: end)

    started = time.perf_counter()
    for symbol in SYMBOLS:
        provider.bars(symbol, calendar.trading_days_back(end, DAYS)[0], end)
    generate = time.perf_counter() - started

    for label in ("first backfill (all missing)", "second backfill (all stored)"):
        started = time.perf_counter()
        async with transaction(factory) as session:
            report = await backfill(
                session, providers=[provider], symbols=SYMBOLS, end=end, days=DAYS, now=clock.now()
            )
        seconds = time.perf_counter() - started
        print(
            f"{label:30s} {len(SYMBOLS)} symbols x {DAYS} days: {seconds:.2f} s, "
            f"{report.bars_stored:,} bars stored, {report.up_to_date} up to date"
        )
    async with factory() as session:
        stored = await session.scalar(select(func.count()).select_from(DailyBar))
    print(f"generating the prices alone: {generate:.2f} s; rows in market_data_cache: {stored:,}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
