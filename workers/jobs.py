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


async def purge_expired_refresh_tokens(ctx: JobContext) -> int:
    """Delete refresh tokens that have expired; returns how many."""
    async with transaction(ctx["session_factory"]) as session:
        return await auth_service.purge_expired_refresh_tokens(session, now=clock.now())


async def backfill_market_data(ctx: JobContext, job_id: str) -> dict[str, int]:
    """Fetch the missing days of the job's symbols; progress and outcome go to its job row."""
    factory = ctx["session_factory"]
    settings: Settings = ctx["settings"]
    job_uuid = uuid.UUID(job_id)
    now = clock.now()
    async with transaction(factory) as session:
        job = await session.get(BatchJob, job_uuid)
        if job is None:
            return {}
        symbols: list[str] = list(job.params.get("symbols", []))
        await batch_service.start(session, job_id=job_uuid, now=now)

    async def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            async with transaction(factory) as session:
                await batch_service.report_progress(
                    session,
                    job_id=job_uuid,
                    progress=done / total,
                    message=f"{done}/{total} symbols",
                )

    try:
        async with transaction(factory) as session:
            report = await market_data.backfill(
                session,
                providers=ctx["providers"],
                symbols=symbols,
                end=calendar.last_completed_session(now),
                days=settings.backfill_days,
                now=now,
                on_progress=progress,
            )
    except Exception as exc:
        async with transaction(factory) as session:
            await batch_service.finish(
                session,
                job_id=job_uuid,
                now=clock.now(),
                counts={},
                errors=[],
                message=f"failed: {type(exc).__name__}",
                failed=True,
            )
        raise
    await prices.forget_latest_prices(ctx["redis"], symbols)
    counts = {
        "symbols": report.symbols,
        "barsStored": report.bars_stored,
        "upToDate": report.up_to_date,
        "failed": len(report.failed),
    }
    async with transaction(factory) as session:
        await batch_service.finish(
            session,
            job_id=job_uuid,
            now=clock.now(),
            counts=counts,
            errors=[{"item": s, "message": m} for s, m in sorted(report.failed.items())],
            message=f"{report.bars_stored} bars stored, {len(report.failed)} symbols failed",
        )
    return counts
