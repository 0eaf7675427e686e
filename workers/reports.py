"""The report job: read the numbers through the API as the report's owner, lay them out as a
file, store it. Kept thin on purpose: the work is in `graphql.report_data`, `reports.render`
and `reports.service`."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

from sigmasight import clock
from sigmasight.auth.actor import Actor
from sigmasight.db import transaction
from sigmasight.graphql.report_data import fetch_report_data
from sigmasight.reports import service as report_service
from sigmasight.reports.models import Report
from sigmasight.reports.render import RenderedReport, ReportDataError, render_report
from workers.jobs import JobContext, publish_job, record_progress

logger = logging.getLogger(__name__)
REPORT_TIMEOUT_SECONDS = 300
REPORT_TRIES = 3  # runs of one report's job; arq runs it again after a worker stopped mid-way


async def generate_report(ctx: JobContext, report_id: str) -> str:
    """Make one report; its job run ends SUCCEEDED with the file stored, or FAILED with why."""
    job_try = ctx.get("job_try", 1)
    started = clock.now()
    async with transaction(ctx["session_factory"]) as session:
        begun = await report_service.begin(
            session, report_id=uuid.UUID(report_id), now=started, retry=job_try > 1
        )
    if begun is None:  # deleted, made, or being made by another run
        return "nothing to do"
    report, owner = begun
    try:
        await publish_job(ctx, report.job_id)
        async with asyncio.timeout(REPORT_TIMEOUT_SECONDS):
            key, rendered = await _make(ctx, report, owner, now=started)
        async with transaction(ctx["session_factory"]) as session:
            await report_service.complete(
                session,
                report=report,
                key=key,
                content_type=rendered.content_type,
                size=len(rendered.content),
                pages=rendered.pages,
                now=clock.now(),
            )
    except ReportDataError as error:
        return await _fail(ctx, report, str(error))
    except TimeoutError:
        return await _fail(ctx, report, f"It took over {REPORT_TIMEOUT_SECONDS} s; try again.")
    except asyncio.CancelledError:
        # The worker is stopping: arq runs the job again, and that run takes this one over.
        # After the last try nothing will, so the run must not stay RUNNING.
        if job_try >= REPORT_TRIES:
            await _fail(ctx, report, "The worker stopped while making it; ask again.")
        raise
    except Exception:
        logger.exception("report %s failed", report_id)
        return await _fail(ctx, report, "An internal error stopped it (logged); try again.")
    await publish_job(ctx, report.job_id)
    return "made"


async def _make(
    ctx: JobContext, report: Report, owner: Actor, *, now: datetime
) -> tuple[str, RenderedReport]:
    data = await fetch_report_data(
        schema=ctx["schema"],
        settings=ctx["settings"],
        session_factory=ctx["session_factory"],
        redis=ctx["redis"],
        actor=owner,
        now=now,
        report=report,
    )
    await record_progress(ctx, report.job_id, 0.4, "numbers read")
    # Laying out and drawing is CPU work: in a thread, so the worker keeps its heartbeat.
    rendered = await asyncio.to_thread(
        render_report,
        kind=report.kind,
        report_format=report.format,
        data=data,
        generated_at=now,
    )
    await record_progress(ctx, report.job_id, 0.9, "file made")
    key = report_service.storage_key(report, rendered.extension)
    await ctx["report_store"].put(key, rendered.content, content_type=rendered.content_type)
    return key, rendered


async def _fail(ctx: JobContext, report: Report, error: str) -> str:
    async with transaction(ctx["session_factory"]) as session:
        await report_service.fail(session, report=report, error=error, now=clock.now())
    await publish_job(ctx, report.job_id)
    return f"failed: {error}"
