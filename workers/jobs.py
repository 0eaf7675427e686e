"""Job functions: each opens sessions, calls services, commits. Kept thin on purpose."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from arq import Retry

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.batch import progress, runs
from sigmasight.batch import service as batch_service
from sigmasight.batch.models import BatchJob
from sigmasight.batch.nightly import HISTORY_DAYS, KINDS
from sigmasight.batch.schedule import SCHEDULE_OF
from sigmasight.db import transaction
from sigmasight.marketdata import calendar, prices
from sigmasight.marketdata import service as market_data
from sigmasight.risk import snapshots
from sigmasight.settings import Settings

JobContext = dict[str, Any]
logger = logging.getLogger(__name__)
BACKFILL_CHUNK = 50  # symbols per committed transaction
BACKFILL_TIMEOUT_SECONDS = 3600  # rate-limited providers need minutes per hundred symbols
CHUNK_TRIES = 3  # a chunk whose transaction fails (database restart, lost connection) is retried
HISTORY_TIMEOUT_SECONDS = 1800


def chunk_function(job: str) -> str:
    """The worker function that runs chunks of `job`: one per job, so each has its timeout."""
    return f"{runs.CHUNK_FUNCTION}:{job}"


def chunk_timeout(job: str) -> int:
    """Seconds a chunk of `job` may take before it is recorded as failed."""
    schedule = SCHEDULE_OF.get(job)  # type: ignore[call-overload]  # a StrEnum key matches its str
    return schedule.timeout_seconds if schedule else HISTORY_TIMEOUT_SECONDS


def resources(ctx: JobContext) -> runs.Resources:
    return runs.Resources(ctx["session_factory"], ctx["redis"], ctx["settings"], ctx["providers"])


async def start_batch_run(ctx: JobContext, job: str, *, as_of: Any = None) -> str | None:
    """Start a run of a fanned-out job (cron entry point): record it, cut it into chunks and
    queue them; on a day the market is closed, do nothing."""
    now = clock.now()
    if as_of is None:
        if not calendar.is_trading_day(clock.market_date(now)):
            return None
        as_of = calendar.last_completed_session(now)
    async with transaction(ctx["session_factory"]) as session:
        run = await runs.start(session, kind=KINDS[job], as_of=as_of, requested_by=None)
    await dispatch_batch_run(ctx, str(run.id))
    return str(run.id)


async def dispatch_batch_run(ctx: JobContext, job_id: str) -> int:
    """Cut a queued run into chunks and queue one job per chunk; returns how many."""
    async with transaction(ctx["session_factory"]) as session:
        job = await session.get(BatchJob, uuid.UUID(job_id))
        if job is None:
            return 0
        kind = KINDS[job.name]
        chunks = await runs.dispatch(session, kind=kind, job_id=job.id, now=clock.now())
        await session.refresh(job)
    for index in chunks:
        # The job id makes a repeated dispatch queue nothing twice.
        function = chunk_function(kind.name)
        await ctx["redis"].enqueue_job(
            function, job_id, index, _job_id=f"{function}:{job_id}:{index}"
        )
    await progress.publish(ctx["redis"], job)
    return len(chunks)


async def run_batch_chunk(ctx: JobContext, job_id: str, index: int) -> bool:
    """Process one chunk of a run; retried with backoff when its transaction fails, recorded
    as failed (every item with the error) when the tries or the time run out."""
    async with transaction(ctx["session_factory"]) as session:
        job = await session.get(BatchJob, uuid.UUID(job_id))
    if job is None:
        return False
    kind = KINDS[job.name]
    where = {"kind": kind, "job_id": job.id, "index": index, "worker": ctx["worker_name"]}
    try:
        async with asyncio.timeout(chunk_timeout(kind.name)):
            return await runs.run_chunk(resources(ctx), now=clock.now(), **where)
    except TimeoutError:
        await runs.fail_chunk(resources(ctx), error="timed out", **where)
    except Exception as error:
        logger.exception("chunk %s of run %s failed (try %s)", index, job_id, ctx["job_try"])
        if ctx["job_try"] < CHUNK_TRIES:
            raise Retry(defer=2 ** ctx["job_try"]) from error
        await runs.fail_chunk(resources(ctx), error=f"{type(error).__name__}: {error}", **where)
    return False


async def purge_expired_refresh_tokens(ctx: JobContext) -> int:
    """Delete refresh tokens that have expired; returns how many."""
    async with transaction(ctx["session_factory"]) as session:
        return await auth_service.purge_expired_refresh_tokens(session, now=clock.now())


async def backfill_market_data(ctx: JobContext, job_id: str) -> dict[str, int]:
    """Fetch the missing days of the job's symbols; progress and outcome go to its job row.

    Symbols are committed a chunk at a time, so a run that times out or dies keeps what it
    fetched, and a re-run only fetches the rest.
    """
    factory = ctx["session_factory"]
    settings: Settings = ctx["settings"]
    job_uuid = uuid.UUID(job_id)
    now = clock.now()
    async with transaction(factory) as session:
        job = await session.get(BatchJob, job_uuid)
        if job is None:
            return {}
        symbols: list[str] = list(job.params.get("symbols", []))
        end = job.as_of or calendar.last_completed_session(now)
        await batch_service.start(session, job_id=job_uuid, now=now)
    total = market_data.BackfillReport()

    async def finish(message: str, *, failed: bool = False) -> None:
        async with transaction(factory) as session:
            await batch_service.finish(
                session,
                job_id=job_uuid,
                now=clock.now(),
                counts=_counts(total),
                errors=_errors(total),
                message=message,
                failed=failed,
            )
        await publish_job(ctx, job_uuid)

    portfolio_ids = [uuid.UUID(p) for p in job.params.get("portfolioIds", [])]
    history = snapshots.Outcome()
    try:
        for start in range(0, len(symbols), BACKFILL_CHUNK):
            chunk = symbols[start : start + BACKFILL_CHUNK]
            async with transaction(factory) as session:
                report = await market_data.backfill(
                    session,
                    providers=ctx["providers"],
                    symbols=chunk,
                    end=end,
                    days=settings.backfill_days,
                    now=now,
                )
            await prices.forget_latest_prices(ctx["redis"], chunk)
            total.add(report)
            done = start + len(chunk)
            # The history, when there is one to write, is the last tenth of the work.
            share = 0.9 if portfolio_ids else 1.0
            await record_progress(
                ctx, job_uuid, share * done / len(symbols), f"{done}/{len(symbols)} symbols"
            )
        if portfolio_ids:
            async with transaction(factory) as session:
                history = await snapshots.write_days(
                    session,
                    ctx["redis"],
                    portfolio_ids=portfolio_ids,
                    days=calendar.trading_days_back(end, HISTORY_DAYS),
                    settings=settings,
                    risk=True,
                    snapshots=True,
                )
            total.failed |= {f"portfolio {k}": v for k, v in history.failed.items()}
    except BaseException as exc:  # timeouts cancel the job: the row must not stay RUNNING
        await finish(f"failed: {type(exc).__name__}", failed=True)
        raise
    failed_symbols = len(total.failed) - len(history.failed)
    message = f"{total.bars_stored} bars stored, {failed_symbols} symbols failed"
    if portfolio_ids:
        message += f"; {HISTORY_DAYS} days of history of {len(history.done)} portfolios written"
    await finish(message)
    return _counts(total)


async def record_progress(ctx: JobContext, job_id: uuid.UUID, share: float, message: str) -> None:
    """Record and publish how far a job run is (0 to 1)."""
    async with transaction(ctx["session_factory"]) as session:
        await batch_service.report_progress(session, job_id=job_id, progress=share, message=message)
        job = await session.get(BatchJob, job_id)
    if job is not None:
        await progress.publish(ctx["redis"], job)


async def publish_job(ctx: JobContext, job_id: uuid.UUID) -> None:
    """Tell `jobProgress` watchers where a job run stands now."""
    async with transaction(ctx["session_factory"]) as session:
        job = await session.get(BatchJob, job_id)
    if job is not None:
        await progress.publish(ctx["redis"], job)


def _counts(report: market_data.BackfillReport) -> dict[str, int]:
    return {
        "symbols": report.symbols,
        "barsStored": report.bars_stored,
        "upToDate": report.up_to_date,
        "failed": len(report.failed),
    }


def _errors(report: market_data.BackfillReport) -> list[dict[str, Any]]:
    return [{"item": s, "message": m} for s, m in sorted(report.failed.items())]
