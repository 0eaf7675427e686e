"""Batch runs: the schedule, starting a run, and following any job's progress live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action
from sigmasight.batch import progress, runs
from sigmasight.batch import service as batch_service
from sigmasight.batch.nightly import BACKFILL_HISTORY, KINDS
from sigmasight.batch.schedule import NIGHTLY, NightlyJob, next_runs
from sigmasight.clock import MARKET_TIMEZONE
from sigmasight.errors import Forbidden, Invalid
from sigmasight.graphql import activity
from sigmasight.graphql.arguments import id_argument, result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ValidationError
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.market import BatchJobNode, JobStatusEnum
from sigmasight.marketdata import calendar
from sigmasight.reports import service as report_service


class BatchJobName(StrEnum):
    UPDATE_MARKET_DATA = NightlyJob.UPDATE_MARKET_DATA.value
    CALCULATE_ALL_RISK_METRICS = NightlyJob.CALCULATE_ALL_RISK_METRICS.value
    CREATE_PORTFOLIO_SNAPSHOTS = NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS.value
    BACKFILL_HISTORY = BACKFILL_HISTORY


BatchJobNameEnum = strawberry.enum(
    BatchJobName,
    name="BatchJobName",
    description="update_market_data: latest bars, option quotes and profiles of every held "
    "symbol and the factor ETFs. calculate_all_risk_metrics: factor exposures and risk metrics "
    "of every portfolio, stored for the day. create_portfolio_snapshots: each portfolio's daily "
    "snapshot with its positions' values, P&L, exposures and Greeks. backfill_history: 90 "
    "trading days of both, from stored prices.",
)


@strawberry.type(description="A nightly job and when it runs next.")
class ScheduledJob:
    name: str = strawberry.field(description="Job name, as in `BatchJob.name`.")
    at: str = strawberry.field(description="Wall-clock time it runs, HH:MM in `timezone`.")
    timezone: str = strawberry.field(description="IANA time zone of `at`.")
    timeout_seconds: int = strawberry.field(description="Seconds each chunk of a run may take.")
    next_runs: list[datetime] = strawberry.field(
        description="The next runs (UTC), NYSE trading days only (weekends and holidays skipped)."
    )


@strawberry.type(description="Where a job stands.")
class JobProgress:
    job_id: strawberry.ID = strawberry.field(description="The job run's id.")
    status: JobStatusEnum = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    progress: float = strawberry.field(description="Share done, 0 to 1.")
    message: str | None = strawberry.field(description="Latest progress or outcome message.")


@strawberry.type(description="The run is queued; watch it with `jobProgress` or `batchJob`.")
class RunBatchJobSuccess:
    job: BatchJobNode = strawberry.field(description="The queued run.")


RunBatchJobResult = Annotated[
    RunBatchJobSuccess | ValidationError, result_union("RunBatchJobResult")
]


@strawberry.type
class BatchQuery:
    @strawberry.field(description="The nightly jobs and their next run times.")
    def batch_schedule(
        self,
        info: Info,
        count: Annotated[
            int, strawberry.argument(description="How many next runs of each (1-20).")
        ] = 1,
    ) -> list[ScheduledJob]:
        info.context.require_actor()
        if not 1 <= count <= 20:
            raise Invalid("`count` must be 1-20.", field="count", code="OUT_OF_RANGE")
        return [
            ScheduledJob(
                name=s.job.value,
                at=s.at.strftime("%H:%M"),
                timezone=str(MARKET_TIMEZONE),
                timeout_seconds=s.timeout_seconds,
                next_runs=next_runs(s, after=info.context.now, count=count),
            )
            for s in NIGHTLY
        ]


@strawberry.type
class BatchMutation:
    @strawberry.mutation(
        description="Admin only: run a batch job now for a trading day (default: the last "
        "completed one). It fans out to the workers; an unfinished earlier run of the same job "
        "and day is superseded. Reruns replace that day's rows."
    )
    async def run_batch_job(
        self,
        info: Info,
        job: Annotated[BatchJobNameEnum, strawberry.argument(description="Which job.")],  # type: ignore[valid-type]
        as_of: Annotated[
            date | None,
            strawberry.argument(description="Trading day to run for; default the last completed."),
        ] = None,
    ) -> RunBatchJobResult:
        ctx = info.context
        actor = ctx.require_admin()
        last = calendar.last_completed_session(ctx.now)
        day = as_of or last

        async def work(session: AsyncSession) -> RunBatchJobSuccess:
            if day > last or not calendar.is_trading_day(day):
                raise Invalid(
                    f"`asOf` must be a completed trading day (the last is {last}).",
                    field="asOf",
                    code="NOT_A_TRADING_DAY",
                )
            kind = KINDS[BatchJobName(job).value]
            run = await runs.start(session, kind=kind, as_of=day, requested_by=actor.user_id)
            ctx.enqueue_after_commit(runs.DISPATCH_FUNCTION, str(run.id))
            await activity.record(
                ctx,
                session,
                Action.RUN_BATCH_JOB,
                subject_type="BatchJob",
                subject_id=run.id,
                details={"job": BatchJobName(job).value, "asOf": day.isoformat()},
            )
            return RunBatchJobSuccess(job=BatchJobNode.from_model(run))

        return await ctx.mutate(work)  # type: ignore[return-value]


@strawberry.type(description="Live updates.")
class Subscription:
    @strawberry.subscription(
        description="Progress of a job run (an import's backfill, a batch run, a report; a "
        "report's own id works too): where it stands "
        "now, then each update, ending when the run ends. Only its owner or an admin may "
        "watch a requested run; system runs are visible to everyone signed in. Over "
        'graphql-transport-ws, sign in with `connectionParams: {Authorization: "Bearer ..."}`.'
    )
    async def job_progress(
        self, info: Info, job_id: Annotated[strawberry.ID, id_argument("job run")]
    ) -> AsyncGenerator[JobProgress, None]:
        ctx = info.context
        actor = ctx.require_actor()
        job_uuid = parse_id(job_id, "BatchJob")
        report_uuid = parse_id(job_id, "Report") if job_uuid is None else None

        async def current() -> progress.Progress:
            job = None
            # A subscription outlives the operation that started it: a short session of its
            # own per look, never the request's read session held between updates.
            if job_uuid is not None:
                async with ctx.session_factory() as session:
                    job = await batch_service.get(session, actor=actor, job_id=job_uuid)
            elif report_uuid is not None:
                async with ctx.session_factory() as session:
                    report = await report_service.get(session, actor=actor, report_id=report_uuid)
                job = report.job if report else None
            if job is None:
                raise Forbidden("No such job run, or not yours to watch.")
            return progress.Progress.of(job)

        watched = (await current()).job_id  # refused here, before anything is subscribed
        async for update in progress.follow(ctx.redis, watched, current=current):
            yield JobProgress(
                job_id=job_id,
                status=update.status,
                progress=update.progress,
                message=update.message,
            )
