"""GraphQL shapes of an import report, shared by the mutation and its rejection error."""

from __future__ import annotations

import strawberry

from sigmasight.graphql.money import money_field
from sigmasight.instruments.csv_reading import RowIssue
from sigmasight.portfolios import imports
from sigmasight.portfolios.imports import ImportMode

ImportModeEnum = strawberry.enum(
    ImportMode,
    description="VALIDATE checks and counts without writing; APPEND adds new positions and "
    "updates matching ones; REPLACE also deletes open positions the file does not list.",
)


@strawberry.type(description="A problem with one cell, one row, or (row 0) the whole file.")
class ImportRowError:
    row: int = strawberry.field(description="File line number (header = row 1; 0 = the file).")
    column: str | None = strawberry.field(description="Column name, lower-case, or null.")
    code: str = strawberry.field(description="Stable code, e.g. `FUTURE_DATE`, `ZERO_QUANTITY`.")
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="What an import did (or, for VALIDATE, would do).")
class ImportReport:
    mode: ImportModeEnum = strawberry.field(description="The mode the import ran in.")  # type: ignore[valid-type]
    applied: bool = strawberry.field(description="True when the changes were written.")
    rows: int = strawberry.field(description="Data rows in the file (blank lines ignored).")
    created: int = strawberry.field(description="New positions.")
    updated: int = strawberry.field(description="Open positions given a new size, price or tags.")
    unchanged: int = strawberry.field(description="Open positions the file repeats exactly.")
    deleted: int = strawberry.field(description="Open positions removed (REPLACE only).")
    skipped: int = strawberry.field(description="Invalid rows left out (with `skipInvalidRows`).")
    tags_created: int = strawberry.field(description="Tags created because rows named them.")
    cash: float | None = money_field(
        description="Cash balance in dollars the file's `CASH` row sets (negative for a margin "
        "debit), written when `applied`; null when the file has no valid `CASH` row, so the "
        "portfolio's cash is unchanged."
    )
    errors: list[ImportRowError] = strawberry.field(description="Problems found, by row.")
    warnings: list[ImportRowError] = strawberry.field(
        description="Remarks that did not stop a row, e.g. `OPTION_EXPIRED`."
    )


def to_row_errors(items: list[RowIssue]) -> list[ImportRowError]:
    """GraphQL row errors for parsed-file issues."""
    return [
        ImportRowError(row=i.row, column=i.column, code=i.code, message=i.message) for i in items
    ]


def to_report(report: imports.ImportReport) -> ImportReport:
    """The GraphQL report for a service report."""
    return ImportReport(
        mode=report.mode,
        applied=report.applied,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        deleted=report.deleted,
        skipped=report.skipped,
        tags_created=report.tags_created,
        cash=None if report.cash is None else float(report.cash),
        errors=to_row_errors(report.errors),
        warnings=to_row_errors(report.warnings),
    )
