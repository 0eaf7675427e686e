"""Market-data types: prices, data quality, the security master, coverage and job runs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.batch.schedule import SCHEDULE_OF, next_runs
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.ids import to_global_id
from sigmasight.graphql.node import Node
from sigmasight.graphql.risk import AnalyticsFlagEnum
from sigmasight.marketdata import calendar
from sigmasight.marketdata import service as market_data
from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.marketdata.prices import LatestPrice, SymbolCoverage

From = Annotated[
    date | None,
    strawberry.argument(name="from", description="First day; default a year before `to`."),
]
To = Annotated[date | None, strawberry.argument(name="to", description="Last day; default today.")]
JobStatusEnum = strawberry.enum(
    JobStatus, description="QUEUED, RUNNING, SUCCEEDED, PARTIAL (some items failed) or FAILED."
)


@strawberry.type(description="Where a number's price came from and whether it can be trusted.")
class DataQuality:
    missing_price: bool = strawberry.field(description="No price is stored for the symbol.")
    stale: bool = strawberry.field(
        description="The latest stored price is older than the last completed NYSE session, "
        "or the last refresh failed."
    )
    source: str | None = strawberry.field(
        description="Provider of the price: polygon, yfinance, file or synthetic."
    )
    as_of: date | None = strawberry.field(description="Trading day of the price used.")
    last_error: str | None = strawberry.field(description="The last refresh error, if any.")
    flags: list[AnalyticsFlagEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list,
        description="For positions: why analytics are partial or how they were reached.",
    )


async def data_quality(info: Info, symbol: str) -> DataQuality:
    """The data-quality flags of one symbol's latest price."""
    price = await info.context.loaders.latest_price_by_symbol.load(symbol)
    status = await info.context.loaders.fetch_status_by_symbol.load(symbol)
    return quality_of(info, price, status)


def quality_of(
    info: Info, price: LatestPrice | None, status: SymbolFetchStatus | None
) -> DataQuality:
    """The data-quality flags of a symbol whose latest price and fetch status were read."""
    failing = status is not None and status.last_error is not None
    expected = calendar.last_completed_session(info.context.now)
    return DataQuality(
        missing_price=price is None,
        stale=price is None or price.day < expected or failing,
        source=price.source if price else None,
        as_of=price.day if price else None,
        last_error=status.last_error if status else None,
    )


@strawberry.type(description="One trading day of a symbol; prices in dollars per share.")
class PricePoint:
    date: date = strawberry.field(description="NYSE trading day.")
    open: float = strawberry.field(description="Opening price.")
    high: float = strawberry.field(description="High.")
    low: float = strawberry.field(description="Low.")
    close: float = strawberry.field(description="Closing price (split-adjusted).")
    volume: int = strawberry.field(description="Shares (or contracts) traded.")
    source: str = strawberry.field(description="Provider the bar came from.")

    @classmethod
    def from_model(cls, bar: DailyBar) -> PricePoint:
        return cls(
            date=bar.day,
            open=float(bar.open),
            high=float(bar.high),
            low=float(bar.low),
            close=float(bar.close),
            volume=bar.volume,
            source=bar.source,
        )


@strawberry.type(name="Security", description="What a symbol is, from the security master.")
class SecurityNode:
    symbol: str = strawberry.field(description="Ticker.")
    name: str | None = strawberry.field(description="Company or fund name.")
    sector: str | None = strawberry.field(description="GICS-style sector; null when unknown.")
    industry: str | None = strawberry.field(description="Industry; null when unknown.")
    asset_type: str = strawberry.field(description="STOCK, ETF, INDEX, OPTION or UNKNOWN.")
    source: str | None = strawberry.field(description="Provider of this reference data.")
    dividend_yield: float | None = strawberry.field(
        description="Annual continuous dividend yield as a fraction (0.0052 = 0.52%), used to "
        "price options on the symbol; null when unknown (options then use 0)."
    )

    @classmethod
    def from_model(cls, symbol: str, security: Security | None) -> SecurityNode:
        if security is None:
            return cls(
                symbol=symbol,
                name=None,
                sector=None,
                industry=None,
                asset_type="UNKNOWN",
                source=None,
                dividend_yield=None,
            )
        return cls(
            symbol=symbol,
            name=security.name,
            sector=security.sector,
            industry=security.industry,
            asset_type=security.asset_type.value,
            source=security.source,
            dividend_yield=security.dividend_yield,
        )

    @strawberry.field(
        description="Stored daily bars in [from, to], oldest first (at most 2 years)."
    )
    async def history(
        self,
        info: Info,
        start: From = None,
        end: To = None,
    ) -> list[PricePoint]:
        return await price_points(info, self.symbol, start, end)

    @strawberry.field(description="Freshness and provenance of the latest price.")
    async def data_quality(self, info: Info) -> DataQuality:
        return await data_quality(info, self.symbol)


async def price_points(
    info: Info, symbol: str, start: date | None, end: date | None
) -> list[PricePoint]:
    """Stored bars of a symbol in a window of at most two years, batched per request."""
    today = info.context.today
    end = end or today
    start = max(start or end - timedelta(days=365), end - timedelta(days=731))
    bars = await info.context.loaders.bars_by_symbol_window.load((symbol, start, end))
    return [PricePoint.from_model(b) for b in bars]


@strawberry.type(description="How much price history a symbol has and how its last refresh went.")
class SymbolCoverageType:
    symbol: str = strawberry.field(description="Ticker or OCC symbol.")
    first_date: date | None = strawberry.field(description="Oldest stored trading day.")
    last_date: date | None = strawberry.field(description="Newest stored trading day.")
    days: int = strawberry.field(description="Stored trading days.")
    source: str | None = strawberry.field(description="Provider of the last successful refresh.")
    stale: bool = strawberry.field(
        description="Newest day is before the last completed NYSE session, or the last refresh "
        "failed."
    )
    last_error: str | None = strawberry.field(description="The last refresh error, if any.")
    last_attempt_at: datetime | None = strawberry.field(
        description="When a refresh last ran (UTC)."
    )

    @classmethod
    def from_coverage(cls, item: SymbolCoverage, *, expected: date) -> SymbolCoverageType:
        return cls(
            symbol=item.symbol,
            first_date=item.first_day,
            last_date=item.last_day,
            days=item.days,
            source=item.source,
            stale=item.last_day is None or item.last_day < expected or item.last_error is not None,
            last_error=item.last_error,
            last_attempt_at=item.last_attempt_at,
        )


@strawberry.type(description="A problem with one item of a job run.")
class JobError:
    item: str | None = strawberry.field(description="What failed, e.g. a symbol.")
    message: str = strawberry.field(description="Why.")


@strawberry.type(name="BatchJob", description="A run of a batch or background job.")
class BatchJobNode(Node):
    name: str = strawberry.field(description="Job name, e.g. `backfill_market_data`.")
    status: JobStatusEnum = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    as_of: date | None = strawberry.field(description="Trading day the run is for.")
    created_at: datetime = strawberry.field(description="When the run was queued (UTC).")
    started_at: datetime | None = strawberry.field(description="When it started (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it finished (UTC).")
    progress: float = strawberry.field(description="Share done, 0 to 1.")
    message: str | None = strawberry.field(description="Latest progress or outcome message.")
    errors: list[JobError] = strawberry.field(description="Items that failed (at most 200).")
    counts: strawberry.scalars.JSON = strawberry.field(
        description="What the run counted, e.g. `{symbols, barsStored, failed}`."
    )
    job_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="For a nightly job, when it is next scheduled to run (UTC); null otherwise."
    )
    def next_scheduled_run(self, info: Info) -> datetime | None:
        schedule = SCHEDULE_OF.get(self.name)  # type: ignore[call-overload]
        return next_runs(schedule, after=info.context.now, count=1)[0] if schedule else None

    @classmethod
    def from_model(cls, job: BatchJob) -> BatchJobNode:
        errors: list[dict[str, Any]] = job.errors or []
        return cls(
            id=to_global_id("BatchJob", job.id),
            name=job.name,
            status=job.status,
            as_of=job.as_of,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            progress=job.progress,
            message=job.message,
            errors=[JobError(item=e.get("item"), message=str(e.get("message"))) for e in errors],
            counts=job.counts or {},  # type: ignore[arg-type]  # JSON scalar takes a dict
            job_id=job.id,
        )


async def schedule_backfill(
    ctx: Context, session: AsyncSession, symbols: Sequence[str], portfolio_id: uuid.UUID
) -> BatchJob | None:
    """Queue a price backfill for symbols that lack history, and the rewrite of the portfolio's
    daily history from those prices, run once the mutation commits."""
    actor = ctx.require_actor()
    job = await market_data.request_backfill(
        session,
        symbols=symbols,
        requested_by=actor.user_id,
        end=calendar.last_completed_session(ctx.now),
        days=ctx.settings.backfill_days,
        portfolio_id=portfolio_id,
    )
    if job is not None:
        ctx.enqueue_after_commit(market_data.BACKFILL_JOB, str(job.id))
    return job
