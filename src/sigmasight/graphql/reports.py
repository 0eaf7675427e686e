"""Reports: the mutation that queues one, the queries that follow it, and the node."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.performance import Period
from sigmasight.batch.models import JobStatus
from sigmasight.graphql.arguments import After, Before, First, Last, id_argument, result_union
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.errors import NotFoundError, ValidationError
from sigmasight.graphql.history import PeriodEnum
from sigmasight.graphql.ids import parse_id, require_id, to_global_id
from sigmasight.graphql.market import JobStatusEnum
from sigmasight.graphql.node import Node
from sigmasight.graphql.relay import Connection, listed
from sigmasight.modeling import service as modeling_service
from sigmasight.pagination import PageRequest
from sigmasight.reports import service as report_service
from sigmasight.reports.models import Report, ReportFormat, ReportKind

ReportKindEnum = strawberry.enum(
    ReportKind,
    description="RISK_SUMMARY: totals, exposures on both bases with limits, Greeks, VaR/CVaR, "
    "factor and sector exposures, top positions, worst stress scenarios. EXPOSURES: exposures "
    "by basis, sector, underlying and strategy, their history, every position. PERFORMANCE: "
    "return, P&L, drawdown and ratios over `period`, with attribution. SCENARIOS: every stress "
    "scenario's P&L and the risk profile of the largest option underlying. MODELING_SESSION: a "
    "what-if session's trades and its before/after impact.",
)
ReportFormatEnum = strawberry.enum(
    ReportFormat,
    description="PDF (US Letter, text extractable) or HTML (one self-contained file: styles "
    "and charts inline, nothing fetched when opened).",
)


@strawberry.type(
    name="Report",
    description="A report file made in the background: follow it with `jobProgress(jobId)` or "
    "by reading it again, then download it with `GET downloadUrl` and the header "
    "`Authorization: Bearer <accessToken>`. Its numbers are the API's own, read as you when a "
    "worker started making it (`startedAt`).",
)
class ReportNode(Node):
    kind: ReportKindEnum = strawberry.field(description="What the report covers.")  # type: ignore[valid-type]
    format: ReportFormatEnum = strawberry.field(description="The file's format.")  # type: ignore[valid-type]
    portfolio_id: strawberry.ID | None = strawberry.field(
        description="The portfolio reported on; null once it is deleted (the file stays)."
    )
    session_id: strawberry.ID | None = strawberry.field(
        description="The modeling session reported on (MODELING_SESSION reports); null "
        "otherwise or once it is deleted."
    )
    period: PeriodEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The performance period (PERFORMANCE reports); null for other kinds."
    )
    status: JobStatusEnum = strawberry.field(  # type: ignore[valid-type]
        description="QUEUED, RUNNING, SUCCEEDED or FAILED."
    )
    progress: float = strawberry.field(description="Share done, 0 to 1.")
    job_id: strawberry.ID = strawberry.field(
        description="The job run making the report; pass it to `jobProgress`."
    )
    created_at: datetime = strawberry.field(description="When it was asked for (UTC).")
    started_at: datetime | None = strawberry.field(
        description="When a worker started making it (UTC): the moment its numbers are read, "
        "and the time the file says it was generated."
    )
    finished_at: datetime | None = strawberry.field(
        description="When it succeeded or failed (UTC)."
    )
    size: int | None = strawberry.field(description="Size of the file in bytes, once made.")
    pages: int | None = strawberry.field(description="Pages of a made PDF; null for HTML.")
    filename: str | None = strawberry.field(description="Suggested file name (ASCII), once made.")
    content_type: str | None = strawberry.field(
        description="MIME type the download is served with, once made."
    )
    error: str | None = strawberry.field(
        description="Why it could not be made, when `status` is FAILED."
    )
    ready: strawberry.Private[bool]

    @strawberry.field(
        description="Path of the file on this server (`/reports/<id>`) once the report has "
        "SUCCEEDED, else null; GET it with the `Authorization: Bearer <accessToken>` header."
    )
    def download_url(self) -> str | None:
        return f"/reports/{self.id}" if self.ready else None

    @classmethod
    def from_model(cls, report: Report) -> ReportNode:
        job = report.job
        return cls(
            id=to_global_id("Report", report.id),
            kind=report.kind,
            format=report.format,
            portfolio_id=_global("Portfolio", report.portfolio_id),
            session_id=_global("ModelingSession", report.session_id),
            period=Period(report.period) if report.period else None,
            status=job.status,
            progress=job.progress,
            job_id=to_global_id("BatchJob", job.id),
            created_at=report.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            size=report.size,
            pages=report.pages,
            filename=report.filename,
            content_type=report.content_type,
            error=job.message if job.status is JobStatus.FAILED else None,
            ready=job.status is JobStatus.SUCCEEDED and report.storage_key is not None,
        )


def _global(type_name: str, object_id: uuid.UUID | None) -> strawberry.ID | None:
    return to_global_id(type_name, object_id) if object_id else None


async def report_node(ctx: Context, object_id: uuid.UUID) -> ReportNode | None:
    """A report by id for `node(id)` and `report(id)`; None when unknown or not the caller's."""
    async with ctx.session() as session:
        found = await report_service.get(session, actor=ctx.require_actor(), report_id=object_id)
    return ReportNode.from_model(found) if found else None


@strawberry.type(description="The report was queued; a worker makes it.")
class GenerateReportSuccess:
    report: ReportNode = strawberry.field(
        description="The queued report (status QUEUED); follow it with `jobProgress(jobId)`."
    )


GenerateReportResult = Annotated[
    GenerateReportSuccess | ValidationError | NotFoundError, result_union("GenerateReportResult")
]


@strawberry.type
class ReportQuery:
    @strawberry.field(description="One of your reports; null when unknown or not yours.")
    async def report(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("report")]
    ) -> ReportNode | None:
        report_id = parse_id(id, "Report")
        return await report_node(info.context, report_id) if report_id else None

    @strawberry.field(
        description="Your reports, newest first (every user's for an admin), made or not."
    )
    async def reports(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ReportNode]:
        ctx = info.context
        actor = ctx.require_actor()
        request = PageRequest(first, after, last, before)
        return await listed(
            ctx,
            lambda session: report_service.list_for_actor(session, actor=actor, page=request),
            lambda session: report_service.count_for_actor(session, actor=actor),
            ReportNode.from_model,
        )


@strawberry.type
class ReportMutation:
    @strawberry.mutation(
        description="Queue a report on a portfolio as PDF or HTML; a worker makes it in the "
        "background from the numbers this API serves (nothing is computed twice). "
        "MODELING_SESSION needs `sessionId` (a session of that portfolio); `period` is for "
        "PERFORMANCE only (default MONTH; CUSTOM is not offered). At most "
        "`REPORTS_IN_FLIGHT_PER_USER` (default 5) of your reports may wait at once "
        "(TOO_MANY_REPORTS)."
    )
    async def generate_report(
        self,
        info: Info,
        portfolio_id: Annotated[strawberry.ID, id_argument("portfolio")],
        kind: Annotated[
            ReportKindEnum,  # type: ignore[valid-type]
            strawberry.argument(description="What the report covers."),
        ],
        format: Annotated[
            ReportFormatEnum,  # type: ignore[valid-type]
            strawberry.argument(description="PDF (default) or HTML."),
        ] = ReportFormat.PDF,
        period: Annotated[
            PeriodEnum | None,  # type: ignore[valid-type]
            strawberry.argument(description="PERFORMANCE reports: the period (default MONTH)."),
        ] = None,
        session_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="MODELING_SESSION reports: global id of the modeling session."
            ),
        ] = None,
    ) -> GenerateReportResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> GenerateReportSuccess:
            pid = require_id(portfolio_id, "Portfolio", field="portfolioId")
            modeling = None
            if session_id is not None:
                sid = require_id(session_id, "ModelingSession", field="sessionId")
                found = await modeling_service.get_or_raise(session, actor=actor, session_id=sid)
                modeling = (found.id, found.portfolio_id)
            report = await report_service.create(
                session,
                actor=actor,
                portfolio_id=pid,
                kind=ReportKind(kind),
                report_format=ReportFormat(format),
                period=Period(period) if period else None,
                modeling_session=modeling,
                in_flight_limit=ctx.settings.reports_in_flight_per_user,
                now=ctx.now,
            )
            ctx.enqueue_after_commit(report_service.JOB_NAME, str(report.id))
            await session.refresh(report, ["job"])
            return GenerateReportSuccess(report=ReportNode.from_model(report))

        return await ctx.mutate(work)  # type: ignore[return-value]
