"""The nightly risk and snapshot jobs as fanned-out runs, on the real arq worker, PostgreSQL and
Redis: every chunk done once, reruns that replace rather than duplicate, partial failures."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.auth.models import User
from sigmasight.batch import runs
from sigmasight.batch.models import BatchJob, BatchJobChunk, JobStatus
from sigmasight.batch.nightly import KINDS
from sigmasight.batch.schedule import NightlyJob
from sigmasight.db import create_session_factory, transaction
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Portfolio, Position
from sigmasight.risk import snapshots
from sigmasight.risk.models import PortfolioRiskSnapshot, PortfolioSnapshot, PositionSnapshot
from sigmasight.settings import Settings
from tests.book_factory import book_rows
from workers.main import worker_settings

RISK = NightlyJob.CALCULATE_ALL_RISK_METRICS.value
SNAPSHOTS = NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS.value
SNAPSHOT_MODELS = (PortfolioSnapshot, PositionSnapshot, PortfolioRiskSnapshot)
POSITIONS_PER_BOOK = 5  # long and short stock, a long call, a long put, a short call


@dataclass
class Books:
    """Seeded portfolios and the positions each holds open."""

    portfolio_ids: list[uuid.UUID]
    positions: dict[uuid.UUID, set[uuid.UUID]]


@pytest.fixture
def as_of() -> date:
    return calendar.last_completed_session(clock.now())


@pytest.fixture
def factory(app: Starlette) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(app.state.engine)


@pytest.fixture
def resources(
    app: Starlette, settings: Settings, factory: async_sessionmaker[AsyncSession]
) -> runs.Resources:
    return runs.Resources(factory, app.state.redis, settings, providers=[])


def small_chunks(monkeypatch: pytest.MonkeyPatch, job: str, **changes: Any) -> runs.JobKind:
    """Make `job` cut its runs into chunks of two portfolios (for this test only)."""
    kind = dataclasses.replace(KINDS[job], chunk_size=2, **changes)
    monkeypatch.setitem(KINDS, job, kind)
    return kind


async def seed_books(app: Starlette, count: int, *, as_of: date) -> Books:
    """`count` portfolios of one user, each holding the same five open positions, with 130
    trading days of bars up to `as_of` for their underlyings and the factor ETFs."""
    factory = create_session_factory(app.state.engine)
    async with transaction(factory) as session:
        user = User(email="batch@example.com", password_hash="not-a-real-hash")
        session.add(user)
        await session.flush()
        portfolios = [
            Portfolio(owner_id=user.id, name=f"Book {i:02d}", cash=Decimal(100_000))
            for i in range(count)
        ]
        session.add_all(portfolios)
        await session.flush()
        portfolio_ids = sorted(p.id for p in portfolios)
    positions: list[dict[str, Any]] = []
    bars: dict[tuple[str, date], dict[str, Any]] = {}
    for pid in portfolio_ids:
        book, book_bars = book_rows(pid, POSITIONS_PER_BOOK, underlyings=3, last_day=as_of)
        positions += book
        bars |= {(b["symbol"], b["day"]): b for b in book_bars}
    async with app.state.engine.begin() as conn:
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), list(bars.values()))
        await conn.execute(insert(Position), positions)
    held: dict[uuid.UUID, set[uuid.UUID]] = {pid: set() for pid in portfolio_ids}
    async with factory() as session:
        for position_id, pid in await session.execute(select(Position.id, Position.portfolio_id)):
            held[pid].add(position_id)
    assert all(len(ids) == POSITIONS_PER_BOOK for ids in held.values())
    return Books(portfolio_ids, held)


async def start_runs(
    factory: async_sessionmaker[AsyncSession], jobs: Iterable[str], *, as_of: date
) -> list[uuid.UUID]:
    """Queue a run of each job (committed), as the API and the cron entries do."""
    async with transaction(factory) as session:
        return [
            (await runs.start(session, kind=KINDS[job], as_of=as_of, requested_by=None)).id
            for job in jobs
        ]


async def dispatch_in_process(
    factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID
) -> tuple[runs.JobKind, list[int]]:
    async with transaction(factory) as session:
        job = await session.get(BatchJob, job_id)
        assert job is not None
        kind = KINDS[job.name]
        return kind, await runs.dispatch(session, kind=kind, job_id=job_id, now=clock.now())


async def run_in_process(resources: runs.Resources, job: str, *, as_of: date) -> uuid.UUID:
    """A whole run, started, dispatched and every chunk processed in this process."""
    [job_id] = await start_runs(resources.session_factory, [job], as_of=as_of)
    kind, chunks = await dispatch_in_process(resources.session_factory, job_id)
    for index in chunks:
        assert await runs.run_chunk(
            resources, kind=kind, job_id=job_id, index=index, worker="test", now=clock.now()
        )
    return job_id


async def enqueue_dispatch(settings: Settings, *job_ids: uuid.UUID) -> None:
    assert settings.redis_url is not None
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        for job_id in job_ids:
            assert await pool.enqueue_job(runs.DISPATCH_FUNCTION, str(job_id)) is not None
    finally:
        await pool.aclose()


def burst_worker(settings: Settings, **overrides: Any) -> Worker:
    """The worker as `sigmasight worker` builds it, stopping once its queue is empty. Its cron
    table is left out: a test crossing a scheduled minute must not start runs of its own."""
    options = worker_settings(settings) | {"cron_jobs": [], "poll_delay": 0.05, **overrides}
    return Worker(**options, burst=True, handle_signals=False)


async def run_workers(*workers: Worker) -> None:
    try:
        await asyncio.wait_for(asyncio.gather(*(w.async_run() for w in workers)), 30)
    finally:
        for worker in workers:
            await worker.close()
    for worker in workers:
        assert (worker.jobs_failed, worker.jobs_retried) == (0, 0), worker


async def job_row(factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> BatchJob:
    async with factory() as session:
        job = await session.get(BatchJob, job_id)
    assert job is not None
    return job


async def chunk_rows(
    factory: async_sessionmaker[AsyncSession], job_id: uuid.UUID
) -> list[BatchJobChunk]:
    async with factory() as session:
        return list(
            await session.scalars(
                select(BatchJobChunk)
                .where(BatchJobChunk.job_id == job_id)
                .order_by(BatchJobChunk.index)
            )
        )


async def stored_rows(
    factory: async_sessionmaker[AsyncSession],
    model: type[PortfolioSnapshot] | type[PositionSnapshot] | type[PortfolioRiskSnapshot],
) -> list[dict[str, Any]]:
    """Every row of a snapshot table, without its surrogate key and timestamps, in key order."""
    columns = [
        c for c in model.__table__.columns if c.name not in {"id", "created_at", "updated_at"}
    ]
    async with factory() as session:
        result = await session.execute(select(*columns))
    rows = [dict(r._mapping) for r in result]
    return sorted(rows, key=lambda r: (str(r["portfolio_id"]), r["day"], str(r.get("position_id"))))


def old_snapshot(portfolio_id: uuid.UUID, day: date) -> dict[str, Any]:
    amounts = [
        "cash",
        "market_value",
        "total_value",
        "net_flow",
        "cumulative_pnl",
        "long_exposure",
        "short_exposure",
        "gross_exposure",
        "net_exposure",
        "delta_long_exposure",
        "delta_short_exposure",
        "delta_gross_exposure",
        "delta_net_exposure",
    ]
    return {
        "portfolio_id": portfolio_id,
        "day": day,
        "position_count": 0,
        "complete": True,
        **dict.fromkeys(amounts, 0.0),
    }


async def test_worker_in_burst_mode_runs_the_snapshot_job(
    app: Starlette, settings: Settings, factory: async_sessionmaker[AsyncSession], as_of: date
) -> None:
    # given
    books = await seed_books(app, 3, as_of=as_of)
    [risk_run] = await start_runs(factory, [RISK], as_of=as_of)
    await enqueue_dispatch(settings, risk_run)
    await run_workers(burst_worker(settings))
    [snapshot_run] = await start_runs(factory, [SNAPSHOTS], as_of=as_of)
    await enqueue_dispatch(settings, snapshot_run)
    # when
    await run_workers(burst_worker(settings))
    # then
    for job_id in (risk_run, snapshot_run):
        job = await job_row(factory, job_id)
        assert job.status is JobStatus.SUCCEEDED, job.message
        assert job.progress == 1.0
        assert job.started_at is not None and job.finished_at is not None
        assert job.counts == {
            "chunks": 1,
            "chunksDone": 1,
            "portfolios": 3,
            "done": 3,
            "failed": 0,
        }
        assert job.errors == []
        [chunk] = await chunk_rows(factory, job_id)
        assert (chunk.status, chunk.attempts, chunk.done) == (JobStatus.SUCCEEDED, 1, 3)
        assert chunk.worker is not None and chunk.worker.startswith(socket.gethostname())
    snapshots_stored = await stored_rows(factory, PortfolioSnapshot)
    assert [(r["portfolio_id"], r["day"]) for r in snapshots_stored] == [
        (pid, as_of) for pid in books.portfolio_ids
    ]
    assert all(r["position_count"] == POSITIONS_PER_BOOK for r in snapshots_stored)
    positions_stored = await stored_rows(factory, PositionSnapshot)
    assert Counter((r["portfolio_id"], r["position_id"]) for r in positions_stored) == Counter(
        (pid, position_id) for pid, ids in books.positions.items() for position_id in ids
    )
    assert {r["day"] for r in positions_stored} == {as_of}
    # the snapshots carry the beta and VaR the risk run stored for the day
    risk = {r["portfolio_id"]: r for r in await stored_rows(factory, PortfolioRiskSnapshot)}
    assert set(risk) == set(books.portfolio_ids)
    for row in snapshots_stored:
        assert row["var95"] is not None
        assert (row["beta"], row["var95"]) == (
            risk[row["portfolio_id"]]["beta"],
            risk[row["portfolio_id"]]["var95"],
        )


async def test_two_workers_process_every_chunk_exactly_once(
    app: Starlette,
    settings: Settings,
    factory: async_sessionmaker[AsyncSession],
    as_of: date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: chunks of two portfolios, and the first two chunks wait (up to 5 s) until both are
    # in flight, which with one job at a time per worker means one on each worker
    books = await seed_books(app, 12, as_of=as_of)
    process = KINDS[SNAPSHOTS].process
    in_flight = 0
    both_busy = asyncio.Event()

    async def process_when_both_busy(*args: Any) -> runs.ChunkResult:
        nonlocal in_flight
        in_flight += 1
        if in_flight >= 2:
            both_busy.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both_busy.wait(), 5)
            return await process(*args)
        finally:
            in_flight -= 1

    small_chunks(monkeypatch, SNAPSHOTS, process=process_when_both_busy)
    [job_id] = await start_runs(factory, [SNAPSHOTS], as_of=as_of)
    await enqueue_dispatch(settings, job_id)
    # when
    await run_workers(burst_worker(settings, max_jobs=1), burst_worker(settings, max_jobs=1))
    # then
    chunks = await chunk_rows(factory, job_id)
    assert len(chunks) == 6
    assert {(c.status, c.attempts, c.done, c.failed) for c in chunks} == {
        (JobStatus.SUCCEEDED, 1, 2, 0)
    }
    items = [item for c in chunks for item in c.items]
    assert sorted(items) == sorted(str(pid) for pid in books.portfolio_ids)
    assert len({c.worker for c in chunks}) == 2
    job = await job_row(factory, job_id)
    assert job.status is JobStatus.SUCCEEDED, job.message
    assert job.counts["done"] == 12 and job.counts["chunksDone"] == 6
    stored = await stored_rows(factory, PortfolioSnapshot)
    assert [r["portfolio_id"] for r in stored] == books.portfolio_ids


async def test_running_a_job_twice_for_the_same_day_gives_identical_rows(
    app: Starlette, resources: runs.Resources, as_of: date
) -> None:
    # given
    await seed_books(app, 3, as_of=as_of)
    await run_in_process(resources, RISK, as_of=as_of)
    await run_in_process(resources, SNAPSHOTS, as_of=as_of)
    first = {m: await stored_rows(resources.session_factory, m) for m in SNAPSHOT_MODELS}
    # when
    await run_in_process(resources, RISK, as_of=as_of)
    await run_in_process(resources, SNAPSHOTS, as_of=as_of)
    # then
    second = {m: await stored_rows(resources.session_factory, m) for m in SNAPSHOT_MODELS}
    assert [len(first[m]) for m in SNAPSHOT_MODELS] == [3, 3 * POSITIONS_PER_BOOK, 3]
    for model in SNAPSHOT_MODELS:
        assert second[model] == first[model], model.__tablename__


async def test_a_run_killed_midway_and_rerun_leaves_no_duplicate_or_missing_row(
    app: Starlette,
    settings: Settings,
    resources: runs.Resources,
    as_of: date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a run of four chunks, two of them done, a third taken by a worker that then died
    factory = resources.session_factory
    books = await seed_books(app, 8, as_of=as_of)
    kind = small_chunks(monkeypatch, SNAPSHOTS)
    [killed] = await start_runs(factory, [SNAPSHOTS], as_of=as_of)
    _, indexes = await dispatch_in_process(factory, killed)
    assert indexes == [0, 1, 2, 3]
    for index in (0, 1):
        assert await runs.run_chunk(
            resources, kind=kind, job_id=killed, index=index, worker="w1", now=clock.now()
        )
    # a finished chunk delivered again (the queue redelivered it) finds itself done
    assert not await runs.run_chunk(
        resources, kind=kind, job_id=killed, index=0, worker="again", now=clock.now()
    )
    async with transaction(factory) as session:  # what run_chunk's first transaction commits
        await session.execute(
            update(BatchJobChunk)
            .where(BatchJobChunk.job_id == killed, BatchJobChunk.index == 2)
            .values(
                status=JobStatus.RUNNING,
                attempts=BatchJobChunk.attempts + 1,
                worker="dead",
                started_at=clock.now(),
            )
        )
    # when
    [rerun] = await start_runs(factory, [SNAPSHOTS], as_of=as_of)
    await enqueue_dispatch(settings, rerun)
    await run_workers(burst_worker(settings))
    # then
    old = await job_row(factory, killed)
    assert old.status is JobStatus.FAILED
    assert old.message == f"superseded by run {rerun}"
    new = await job_row(factory, rerun)
    assert new.status is JobStatus.SUCCEEDED, new.message
    assert new.counts["done"] == 8
    assert {(c.status, c.attempts) for c in await chunk_rows(factory, rerun)} == {
        (JobStatus.SUCCEEDED, 1)
    }
    stored = await stored_rows(factory, PortfolioSnapshot)
    assert [(r["portfolio_id"], r["day"]) for r in stored] == [
        (pid, as_of) for pid in books.portfolio_ids
    ]
    positions = await stored_rows(factory, PositionSnapshot)
    assert sorted((r["portfolio_id"], r["position_id"]) for r in positions) == sorted(
        (pid, position_id) for pid, ids in books.positions.items() for position_id in ids
    )
    assert [(c.status, c.attempts, c.worker) for c in await chunk_rows(factory, killed)] == [
        (JobStatus.SUCCEEDED, 1, "w1"),
        (JobStatus.SUCCEEDED, 1, "w1"),
        (JobStatus.RUNNING, 1, "dead"),
        (JobStatus.QUEUED, 0, None),
    ]
    # the dead worker's chunk, redelivered late, and the chunk never taken do nothing now
    for index in (2, 3):
        assert not await runs.run_chunk(
            resources, kind=kind, job_id=killed, index=index, worker="late", now=clock.now()
        )
    assert await stored_rows(factory, PortfolioSnapshot) == stored


async def test_a_portfolio_whose_computation_fails_leaves_the_run_partial(
    app: Starlette, resources: runs.Resources, as_of: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    books = await seed_books(app, 4, as_of=as_of)
    broken = books.portfolio_ids[1]
    snapshot_row = snapshots.snapshot_row

    def failing_snapshot_row(book: Any, *args: Any) -> dict[str, Any]:
        if book.portfolio.id == broken:
            raise ValueError("price feed returned garbage")
        return snapshot_row(book, *args)

    monkeypatch.setattr(snapshots, "snapshot_row", failing_snapshot_row)
    # when
    job_id = await run_in_process(resources, SNAPSHOTS, as_of=as_of)
    # then
    job = await job_row(resources.session_factory, job_id)
    assert job.status is JobStatus.PARTIAL
    assert job.counts["done"] == 3 and job.counts["failed"] == 1
    assert job.errors == [
        {"item": str(broken), "message": "ValueError: price feed returned garbage"}
    ]
    stored = await stored_rows(resources.session_factory, PortfolioSnapshot)
    assert [r["portfolio_id"] for r in stored] == [p for p in books.portfolio_ids if p != broken]
    positions = await stored_rows(resources.session_factory, PositionSnapshot)
    assert broken not in {r["portfolio_id"] for r in positions}
    assert len(positions) == 3 * POSITIONS_PER_BOOK


async def test_the_snapshot_job_purges_rows_older_than_365_days(
    app: Starlette, resources: runs.Resources, as_of: date
) -> None:
    # given: a snapshot just past the retention and one just within it
    books = await seed_books(app, 1, as_of=as_of)
    [pid] = books.portfolio_ids
    expired, kept = as_of - timedelta(days=366), as_of - timedelta(days=365)
    async with resources.session_factory() as session, session.begin():
        await session.execute(
            insert(PortfolioSnapshot), [old_snapshot(pid, expired), old_snapshot(pid, kept)]
        )
        await session.execute(
            insert(PortfolioRiskSnapshot),
            [
                {
                    "portfolio_id": pid,
                    "day": day,
                    "window": 90,
                    "observations": 0,
                    "var_method": "historical",
                    "factor_exposures": [],
                }
                for day in (expired, kept)
            ],
        )
    # when
    await run_in_process(resources, SNAPSHOTS, as_of=as_of)
    # then
    stored = await stored_rows(resources.session_factory, PortfolioSnapshot)
    assert [r["day"] for r in stored] == [kept, as_of]
    risk = await stored_rows(resources.session_factory, PortfolioRiskSnapshot)
    assert [r["day"] for r in risk] == [kept]
