"""Job functions: each opens sessions, calls services, commits. Kept thin on purpose."""

from __future__ import annotations

import uuid
from typing import Any

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.batch import service as batch_service
from sigmasight.batch.models import BatchJob
from sigmasight.db import transaction
from sigmasight.marketdata import calendar, prices
from sigmasight.marketdata import service as market_data
from sigmasight.settings import Settings

JobContext = dict[str, Any]
BACKFILL_CHUNK = 50  # symbols per committed transaction
BACKFILL_TIMEOUT_SECONDS = 3600  # rate-limited providers need minutes per hundred symbols


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
            async with transaction(factory) as session:
                await batch_service.report_progress(
                    session,
                    job_id=job_uuid,
                    progress=done / len(symbols),
                    message=f"{done}/{len(symbols)} symbols",
                )
    except BaseException as exc:  # timeouts cancel the job: the row must not stay RUNNING
        await finish(f"failed: {type(exc).__name__}", failed=True)
        raise
    await finish(f"{total.bars_stored} bars stored, {len(total.failed)} symbols failed")
    return _counts(total)


def _counts(report: market_data.BackfillReport) -> dict[str, int]:
    return {
        "symbols": report.symbols,
        "barsStored": report.bars_stored,
        "upToDate": report.up_to_date,
        "failed": len(report.failed),
    }


def _errors(report: market_data.BackfillReport) -> list[dict[str, Any]]:
    return [{"item": s, "message": m} for s, m in sorted(report.failed.items())]
