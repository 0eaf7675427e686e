"""The `importPositions` mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload

from sigmasight.activity.models import Action
from sigmasight.errors import Invalid
from sigmasight.graphql import activity
from sigmasight.graphql.arguments import Input, result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ImportRejectedError, NotFoundError, ValidationError
from sigmasight.graphql.ids import require_id
from sigmasight.graphql.import_report import ImportModeEnum, ImportReport, to_report
from sigmasight.graphql.market import BatchJobNode, schedule_backfill
from sigmasight.graphql.types import PortfolioNode
from sigmasight.instruments.csv_reading import MAX_FILE_BYTES
from sigmasight.portfolios import imports
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios.imports import ImportMode


@strawberry.type(description="The positions were imported (or validated).")
class ImportPositionsSuccess:
    report: ImportReport = strawberry.field(description="Counts, skipped rows and warnings.")
    portfolio: PortfolioNode = strawberry.field(description="The portfolio imported into.")
    backfill_job: BatchJobNode | None = strawberry.field(
        description="The job fetching price history the imported symbols lack; null if none is "
        "needed (or for VALIDATE)."
    )


ImportPositionsResult = Annotated[
    ImportPositionsSuccess | ImportRejectedError | ValidationError | NotFoundError,
    result_union("ImportPositionsResult"),
]


@strawberry.input(description="A positions CSV: `ticker,quantity,entry_price,entry_date,tags`.")
class ImportPositionsInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio to import into.")
    csv: str | None = strawberry.field(
        default=None, description="The CSV text. Give either this or `file`."
    )
    file: Upload | None = strawberry.field(
        default=None,
        description="The CSV as a multipart upload (GraphQL multipart request spec; at most "
        "10 MB). The request must send a non-empty `Apollo-Require-Preflight` header.",
    )
    mode: ImportModeEnum = strawberry.field(  # type: ignore[valid-type]
        default=ImportMode.APPEND, description="APPEND (default), REPLACE or VALIDATE."
    )
    skip_invalid_rows: bool = strawberry.field(
        default=False,
        description="Import the valid rows and report the rest; by default any error imports "
        "nothing.",
    )


async def read_csv(csv: str | None, file: Upload | None) -> bytes:
    """The CSV a mutation was given, as text or as an upload (exactly one of them)."""
    if (csv is None) == (file is None):
        raise Invalid(
            "Give the CSV as `csv` text or as a `file` upload.", field="csv", code="REQUIRED"
        )
    if csv is not None:
        return csv.encode()
    data: bytes = await file.read(MAX_FILE_BYTES + 1)  # type: ignore[union-attr]
    return data


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Import positions from a CSV. Atomic: with any error nothing is written "
        "unless `skipInvalidRows` is set. Options in OCC form; a negative quantity is a short. "
        "An optional row with ticker `CASH` sets the portfolio's cash: its quantity is the "
        "dollar amount (negative for a margin debit), its other cells are ignored. Numbers "
        "are plain ASCII decimals (optional leading `$`, thousands commas in groups of three, "
        "`(300)` for a negative); anything else is `NOT_A_NUMBER`. Imports of one portfolio "
        "run one at a time."
    )
    async def import_positions(
        self, info: Info, input: Annotated[ImportPositionsInput, Input]
    ) -> ImportPositionsResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ImportPositionsSuccess:
            portfolio_id = require_id(input.portfolio_id, "Portfolio", field="portfolioId")
            report = await imports.import_positions(
                session,
                actor=actor,
                portfolio_id=portfolio_id,
                data=await read_csv(input.csv, input.file),
                mode=input.mode,
                skip_invalid_rows=input.skip_invalid_rows,
                today=ctx.today,
            )
            portfolio = await portfolio_service.get_or_raise(
                session, actor=actor, portfolio_id=portfolio_id
            )
            if report.applied:
                details = {"mode": report.mode.value, "created": report.created}
                details |= {"updated": report.updated, "deleted": report.deleted}
                await activity.record(
                    ctx,
                    session,
                    Action.IMPORT_POSITIONS,
                    subject_type="Portfolio",
                    subject_id=portfolio_id,
                    details=details,
                )
            job = None
            if report.applied:
                job = await schedule_backfill(ctx, session, report.symbols, portfolio.id)
            return ImportPositionsSuccess(
                report=to_report(report),
                portfolio=PortfolioNode.from_model(portfolio),
                backfill_job=BatchJobNode.from_model(job) if job else None,
            )

        return await ctx.mutate(work)  # type: ignore[return-value]
