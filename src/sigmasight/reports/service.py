"""Reports: requested, made in the background by a job run, stored, read back by their owner.

A report row says what to report on; its job run (`batch_jobs`) carries the status, progress,
timing and error that `jobProgress` follows; the file goes to the report store under
`<report id>.<extension>` and is read back only by its owner (or an admin).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.access import visible_to
from sigmasight.analytics.performance import Period
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import User
from sigmasight.batch import service as batch_service
from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.db import lock_for_owner
from sigmasight.errors import Invalid
from sigmasight.pagination import Page, PageRequest, paginate
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios.models import Portfolio
from sigmasight.reports import filenames
from sigmasight.reports.models import Report, ReportFormat, ReportKind
from sigmasight.reports.storage import ReportStore
from sigmasight.reports.stored_files import NotReady, StoredFile

JOB_NAME = "generate_report"
DEFAULT_PERIOD = Period.MONTH
# First key of the advisory lock serialising one user's report requests (the second is the user).
_REPORT_REQUEST_LOCK = 0x5270  # "Rp"


def _visible(actor: Actor) -> Select[Report]:
    return select(Report).where(visible_to(actor, Report.owner_id))


async def get(session: AsyncSession, *, actor: Actor, report_id: uuid.UUID) -> Report | None:
    """The report (with its job run) if it exists and the actor may see it."""
    found: Report | None = (
        await session.execute(_visible(actor).where(Report.id == report_id))
    ).scalar_one_or_none()
    return found


async def list_for_actor(session: AsyncSession, *, actor: Actor, page: PageRequest) -> Page[Report]:
    """The actor's reports with their job runs, newest first."""
    keys = [Report.created_at, Report.id]
    return await paginate(session, _visible(actor), keys=keys, request=page, descending=True)


async def count_for_actor(session: AsyncSession, *, actor: Actor) -> int:
    """How many reports `list_for_actor` pages through."""
    stmt = select(func.count()).select_from(Report).where(visible_to(actor, Report.owner_id))
    return int(await session.scalar(stmt) or 0)


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    kind: ReportKind,
    report_format: ReportFormat,
    period: Period | None,
    modeling_session: tuple[uuid.UUID, uuid.UUID] | None,
    in_flight_limit: int,
    now: datetime,
) -> Report:
    """Record a report to be made and its queued job run; the caller queues the job after commit.

    MODELING_SESSION reports need `modeling_session` (its id and its portfolio's id; the caller
    has checked that it is the actor's). `period` is for PERFORMANCE reports (MONTH when none).
    """
    portfolio = await portfolio_service.get_or_raise(
        session, actor=actor, portfolio_id=portfolio_id
    )
    _check_request(kind, period, modeling_session, portfolio_id)
    if kind is ReportKind.PERFORMANCE:
        period = period or DEFAULT_PERIOD
    await lock_for_owner(session, namespace=_REPORT_REQUEST_LOCK, owner_id=actor.user_id)
    waiting = await session.scalar(
        select(func.count())
        .select_from(Report)
        .join(BatchJob, BatchJob.id == Report.job_id)
        .where(
            Report.owner_id == actor.user_id,
            BatchJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
    )
    if (waiting or 0) >= in_flight_limit:
        raise Invalid(
            f"You have {waiting} reports being made; ask again when one has finished.",
            field=None,
            code="TOO_MANY_REPORTS",
        )
    report_id = uuid.uuid4()
    job = await batch_service.create(
        session,
        name=JOB_NAME,
        params={"reportId": str(report_id)},
        requested_by=actor.user_id,
        as_of=None,
    )
    report = Report(
        id=report_id,
        owner_id=actor.user_id,
        kind=kind,
        format=report_format,
        portfolio_id=portfolio.id,
        session_id=modeling_session[0] if modeling_session else None,
        period=period.value if period else None,
        job_id=job.id,
        created_at=now,
    )
    session.add(report)
    await session.flush()
    return report


def _check_request(
    kind: ReportKind,
    period: Period | None,
    modeling_session: tuple[uuid.UUID, uuid.UUID] | None,
    portfolio_id: uuid.UUID,
) -> None:
    if kind is ReportKind.MODELING_SESSION and modeling_session is None:
        raise Invalid(
            "A MODELING_SESSION report needs `sessionId`.", field="sessionId", code="REQUIRED"
        )
    if kind is not ReportKind.MODELING_SESSION and modeling_session is not None:
        raise Invalid(
            "`sessionId` is only for MODELING_SESSION reports.",
            field="sessionId",
            code="NOT_APPLICABLE",
        )
    if modeling_session is not None and modeling_session[1] != portfolio_id:
        raise Invalid(
            "The modeling session belongs to another portfolio.",
            field="sessionId",
            code="WRONG_PORTFOLIO",
        )
    if period is not None and kind is not ReportKind.PERFORMANCE:
        raise Invalid(
            "`period` is only for PERFORMANCE reports.", field="period", code="NOT_APPLICABLE"
        )
    if period is Period.CUSTOM:
        raise Invalid(
            "Reports take a named period; CUSTOM is not offered.",
            field="period",
            code="UNSUPPORTED_PERIOD",
        )


def storage_key(report: Report, extension: str) -> str:
    """The name a report's file is stored under."""
    return f"{report.id.hex}.{extension}"


async def begin(
    session: AsyncSession, *, report_id: uuid.UUID, now: datetime, retry: bool
) -> tuple[Report, Actor] | None:
    """Claim a report's job run and mark it running; the report and its owner as an actor (the
    report reads the API as its owner). None when the report is gone, made, or already being
    made: a RUNNING run is taken over only by a `retry` of its job (after the worker stopped)."""
    row = (
        await session.execute(
            select(Report, User.role)
            .join(User, User.id == Report.owner_id)
            .where(Report.id == report_id)
        )
    ).one_or_none()
    if row is None:
        return None
    report, role = row
    claimable = (JobStatus.QUEUED, JobStatus.RUNNING) if retry else (JobStatus.QUEUED,)
    if not await batch_service.claim(session, job_id=report.job_id, now=now, claimable=claimable):
        return None
    return report, Actor(user_id=report.owner_id, role=role)


async def complete(
    session: AsyncSession,
    *,
    report: Report,
    key: str,
    content_type: str,
    size: int,
    pages: int | None,
    now: datetime,
) -> None:
    """Record a made report's stored file and close its job run."""
    portfolio = await session.get(Portfolio, report.portfolio_id) if report.portfolio_id else None
    extension = key.rsplit(".", 1)[1]
    kind = report.kind.value.lower().replace("_", "-")
    name = portfolio.name if portfolio else None
    await session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(
            storage_key=key,
            filename=f"{filenames.stem(kind, name, report.created_at)}.{extension}",
            content_type=content_type,
            size=size,
            pages=pages,
        )
    )
    summary = f"{size:,} bytes" + (f", {pages} pages" if pages else "")
    await batch_service.finish(
        session, job_id=report.job_id, now=now, counts={}, errors=[], message=summary
    )


async def fail(session: AsyncSession, *, report: Report, error: str, now: datetime) -> None:
    """Close a report's job run as FAILED with the reason its owner will read."""
    await batch_service.finish(
        session,
        job_id=report.job_id,
        now=now,
        counts={},
        errors=[{"item": "report", "message": error}],
        message=error,
        failed=True,
    )


async def file_for(
    session: AsyncSession, *, actor: Actor, report_id: uuid.UUID, store: ReportStore
) -> StoredFile | None:
    """A made report's file for a download, if the actor may see the report; NotReady while it
    is being made or when it failed."""
    found = await get(session, actor=actor, report_id=report_id)
    if found is None:
        return None
    status = found.job.status
    if status is JobStatus.FAILED:
        raise NotReady(f"The report could not be made: {found.job.message}")
    if found.storage_key is None or found.content_type is None or found.filename is None:
        raise NotReady(f"The report is {status.value.lower()}; download it once it succeeds.")
    content = await store.get(found.storage_key)
    return StoredFile(content, found.content_type, found.filename) if content else None
