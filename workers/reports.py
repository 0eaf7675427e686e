"""The report job: read the numbers through the API as the report's owner, lay them out as a
file, store it. Kept thin on purpose: the work is in `graphql.report_data`, `reports.render`
and `reports.service`."""

from __future__ import annotations

import asyncio
import logging
import uuid

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


async def generate_report(ctx: JobContext, report_id: str) -> str:
    """Make one report; its job run ends SUCCEEDED with the file stored, or FAILED with why."""
    async with transaction(ctx["session_factory"]) as session:
        begun = await report_service.begin(session, report_id=uuid.UUID(report_id), now=clock.now())
    if begun is None:  # deleted, or made by an earlier run of this job
        return "nothing to do"
    report, owner = begun
    await publish_job(ctx, report.job_id)
    try:
        async with asyncio.timeout(REPORT_TIMEOUT_SECONDS):
            key, rendered = await _make(ctx, report, owner)
    except ReportDataError as error:
        return await _fail(ctx, report, str(error))
    except TimeoutError:
        return await _fail(ctx, report, f"It took over {REPORT_TIMEOUT_SECONDS} s; try again.")
    except asyncio.CancelledError:  # the worker is stopping: the row must not stay RUNNING
        await _fail(ctx, report, "The worker stopped while making it; ask again.")
        raise
    except Exception:
        logger.exception("report %s failed", report_id)
        return await _fail(ctx, report, "An internal error stopped it (logged); try again.")
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
    await publish_job(ctx, report.job_id)
    return "made"


async def _make(ctx: JobContext, report: Report, owner: Actor) -> tuple[str, RenderedReport]:
    if report.portfolio_id is None:
        raise ReportDataError("The portfolio was deleted before the report was made.")
    data = await fetch_report_data(
        schema=ctx["schema"],
        settings=ctx["settings"],
        session_factory=ctx["session_factory"],
        redis=ctx["redis"],
        actor=owner,
        now=report.created_at,  # the numbers as they stood when the report was asked for
        report=report,
    )
    await record_progress(ctx, report.job_id, 0.4, "numbers read")
    # Laying out and drawing is CPU work: in a thread, so the worker keeps its heartbeat.
    rendered = await asyncio.to_thread(
        render_report,
        kind=report.kind,
        report_format=report.format,
        data=data,
        generated_at=clock.now(),
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
