"""Market-data queries and mutations: securities, coverage, job runs, and price-file import."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload

from sigmasight.activity.models import Action
from sigmasight.batch import service as batch_service
from sigmasight.errors import Invalid
from sigmasight.graphql import activity, lookups
from sigmasight.graphql.arguments import (
    After,
    Before,
    First,
    Input,
    Last,
    id_argument,
    result_union,
)
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import PriceFileRejectedError, ValidationError
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.imports import read_csv
from sigmasight.graphql.market import BatchJobNode, SecurityNode, SymbolCoverageType
from sigmasight.graphql.relay import Connection, listed
from sigmasight.marketdata import calendar, prices
from sigmasight.marketdata import service as market_data
from sigmasight.marketdata.service import FACTOR_ETF_SYMBOLS
from sigmasight.pagination import PageRequest
from sigmasight.portfolios import positions
from sigmasight.portfolios.models import Portfolio, Position

MAX_STATUS_SYMBOLS = 500


@strawberry.type(description="The price file was stored.")
class ImportMarketDataSuccess:
    bars: int = strawberry.field(description="Daily bars stored (new or replacing older ones).")
    symbols: list[str] = strawberry.field(description="Symbols the file covered.")
    profiles: int = strawberry.field(description="Symbols given sector/industry reference data.")


ImportMarketDataResult = Annotated[
    ImportMarketDataSuccess | PriceFileRejectedError | ValidationError,
    result_union("ImportMarketDataResult"),
]


@strawberry.input(description="A price file: `symbol,date,open,high,low,close,volume`.")
class ImportMarketDataInput:
    csv: str | None = strawberry.field(default=None, description="The CSV text, or use `file`.")
    file: Upload | None = strawberry.field(
        default=None, description="The CSV as a multipart upload (at most 10 MB)."
    )


@strawberry.type
class MarketDataQuery:
    @strawberry.field(
        description="What a symbol is and its stored prices. Answered for the symbols and "
        "underlyings of your own positions and for the factor ETFs (any symbol for an admin); "
        "null for every other symbol, known or not, so that no one learns what others hold."
    )
    async def security(
        self,
        info: Info,
        symbol: Annotated[str, strawberry.argument(description="Ticker, e.g. `AAPL`.")],
    ) -> SecurityNode | None:
        actor = info.context.require_actor()
        ticker = symbol.strip().upper()
        async with info.context.session() as session:
            if not await positions.symbols_open_to(
                session, actor=actor, symbols=[ticker], public=FACTOR_ETF_SYMBOLS
            ):
                return None
            found = (await prices.securities(session, [ticker])).get(ticker)
            [coverage] = await prices.coverage(session, [ticker])
        if found is None and coverage.days == 0:
            return None
        return SecurityNode.from_model(ticker, found)

    @strawberry.field(
        description="Price coverage and staleness per symbol: the given symbols, or those of "
        "your open positions plus the factor ETFs. A given symbol that is neither in your own "
        "positions nor a factor ETF (any symbol for an admin) is answered as an unknown one: "
        "0 days, no dates, no source, no error, no attempt time, stale; so no one learns "
        "what others hold."
    )
    async def market_data_status(
        self,
        info: Info,
        symbols: Annotated[
            list[str] | None,
            strawberry.argument(description=f"At most {MAX_STATUS_SYMBOLS} symbols."),
        ] = None,
    ) -> list[SymbolCoverageType]:
        ctx = info.context
        actor = ctx.require_actor()
        async with ctx.session() as session:
            if symbols is None:
                held = await session.scalars(
                    select(Position.symbol)
                    .join(Portfolio)
                    .where(Portfolio.owner_id == actor.user_id, Position.exit_date.is_(None))
                    .distinct()
                )
                wanted = sorted(set(held) | set(FACTOR_ETF_SYMBOLS))
            else:
                wanted = sorted({s.strip().upper() for s in symbols if s.strip()})
            if len(wanted) > MAX_STATUS_SYMBOLS:
                raise Invalid(f"Ask for at most {MAX_STATUS_SYMBOLS} symbols.", field="symbols")
            open_to = await positions.symbols_open_to(
                session, actor=actor, symbols=wanted, public=FACTOR_ETF_SYMBOLS
            )
            stored = {c.symbol: c for c in await prices.coverage(session, sorted(open_to))}
        items = [
            stored.get(s) or prices.SymbolCoverage(s, None, None, 0, None, None, None)
            for s in wanted
        ]
        expected = calendar.last_completed_session(ctx.now)
        return [SymbolCoverageType.from_coverage(i, expected=expected) for i in items]

    @strawberry.field(description="A job run by id; null when unknown or not yours to see.")
    async def batch_job(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("job run")]
    ) -> BatchJobNode | None:
        info.context.require_actor()
        job_id = parse_id(id, "BatchJob")
        return await lookups.batch_job(info.context, job_id) if job_id else None

    @strawberry.field(
        description="Job runs, newest first: system jobs and your own (every run for an admin)."
    )
    async def batch_jobs(
        self,
        info: Info,
        name: Annotated[
            str | None, strawberry.argument(description="Only runs of this job.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[BatchJobNode]:
        ctx = info.context
        actor = ctx.require_actor()
        request = PageRequest(first, after, last, before)
        return await listed(
            ctx,
            lambda session: batch_service.list_for_actor(
                session, actor=actor, name=name, page=request
            ),
            lambda session: batch_service.count_for_actor(session, actor=actor, name=name),
            BatchJobNode.from_model,
        )


@strawberry.type
class MarketDataMutation:
    @strawberry.mutation(
        description="Admin only: store a price file (your own data, labelled `file`). Atomic: "
        "any bad row (missing column, non-numeric or negative price, duplicate or non-trading "
        "date) stores nothing."
    )
    async def import_market_data(
        self, info: Info, input: Annotated[ImportMarketDataInput, Input]
    ) -> ImportMarketDataResult:
        ctx = info.context
        ctx.require_admin()

        async def work(session: AsyncSession) -> ImportMarketDataSuccess:
            data = await read_csv(input.csv, input.file)
            stored = await market_data.import_price_file(session, data=data, now=ctx.now)
            ctx.after_commit(lambda: prices.forget_latest_prices(ctx.redis, stored.symbols))
            details = {"bars": stored.bars, "symbols": len(stored.symbols)}
            await activity.record(ctx, session, Action.IMPORT_MARKET_DATA, details=details)
            return ImportMarketDataSuccess(
                bars=stored.bars, symbols=stored.symbols, profiles=stored.profiles
            )

        return await ctx.mutate(work)  # type: ignore[return-value]
