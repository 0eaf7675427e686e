"""Reading a positions CSV (`ticker,quantity,entry_price,entry_date,tags`) into checked rows.

Pure: bytes and today's date in, rows and per-cell errors out. Row numbers are file line
numbers as a spreadsheet shows them (the header is row 1). An optional row with ticker `CASH`
and no entry price or date gives the portfolio's cash in dollars as its quantity (negative for a
margin debit). With an entry price or date it is a holding of the stock CASH (Pathward
Financial), like any other row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sigmasight.errors import Invalid
from sigmasight.instruments.csv_reading import (
    RowIssue,
    decode_text,
    missing_columns,
    parse_date,
    parse_number,
    read_rows,
)
from sigmasight.portfolios import tags as tag_rules
from sigmasight.portfolios.positions import (
    Instrument,
    check_entry_date,
    check_price,
    check_quantity,
    expired_option,
    parse_instrument,
)
from sigmasight.portfolios.service import check_cash
from sigmasight.text import fold

MAX_DATA_ROWS = 10_000
REQUIRED_COLUMNS = ("ticker", "quantity", "entry_price", "entry_date")
OPTIONAL_COLUMNS = ("tags",)
CASH_TICKER = "CASH"  # any case; without a price or date, the row is the cash balance
T = TypeVar("T")
# A CSV export prefixes text starting with one of these by `'` so that no spreadsheet runs it as
# a formula (tab and CR cannot start a tag: names are trimmed); reading the tags back drops it.
NEUTRALISED_STARTS = frozenset("=+-@")


@dataclass(frozen=True, slots=True)
class ImportRow:
    row: int
    instrument: Instrument
    quantity: Decimal
    entry_price: Decimal
    entry_date: date
    tags: tuple[str, ...] | None  # None: the file has no tags column, so tags stay as they are


@dataclass(slots=True)
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    data_rows: int = 0
    cash: Decimal | None = None  # from a valid CASH row; None leaves the portfolio's cash as is
    cash_row: int | None = None  # the row it came from


def _tags(raw: str) -> tuple[str, ...]:
    if raw.startswith("'") and raw[1:2] in NEUTRALISED_STARTS:
        raw = raw[1:]  # written by an export, which guards such a cell against spreadsheets
    names: dict[str, str] = {}
    for part in raw.split(","):
        if part.strip():
            name = tag_rules.clean_name(part)
            names.setdefault(fold(name), name)
    if len(names) > tag_rules.MAX_TAGS_PER_POSITION:
        raise Invalid(
            f"A position can have at most {tag_rules.MAX_TAGS_PER_POSITION} tags.",
            code="TOO_MANY_TAGS",
        )
    return tuple(names.values())


def _header(cells: list[str]) -> dict[str, int] | list[RowIssue]:
    names = [c.strip().lower() for c in cells]
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    return missing_columns(index, REQUIRED_COLUMNS) or index


def _cell(cells: list[str], header: dict[str, int], column: str) -> str:
    i = header.get(column)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def is_cash_row(cells: list[str], header: dict[str, int]) -> bool:
    """True for the row giving the cash balance: ticker `CASH` (any case) with neither an entry
    price nor an entry date, which a holding of the stock CASH always has."""
    return (
        _cell(cells, header, "ticker").upper() == CASH_TICKER
        and not _cell(cells, header, "entry_price")
        and not _cell(cells, header, "entry_date")
    )


def _parse_cash_row(
    row_number: int, cells: list[str], header: dict[str, int], parsed: ParsedFile
) -> None:
    raw = _cell(cells, header, "quantity")
    if not raw:
        message = "'quantity' is empty; on the CASH row it is the cash in dollars."
        parsed.errors.append(RowIssue(row_number, "quantity", "REQUIRED", message))
        return
    try:
        parsed.cash = check_cash(parse_number(raw), field="quantity")
    except Invalid as exc:
        parsed.errors.append(RowIssue(row_number, "quantity", exc.code, exc.message))
        return
    parsed.cash_row = row_number


def parse_positions_csv(data: bytes, *, today: date) -> ParsedFile:
    """Check every cell of a positions CSV; nothing stops at the first problem."""
    parsed = ParsedFile()
    text = decode_text(data)
    if isinstance(text, RowIssue):
        parsed.errors.append(text)
        return parsed
    lines = read_rows(text)
    if isinstance(lines, RowIssue):
        parsed.errors.append(lines)
        return parsed
    if not lines:
        parsed.errors.append(RowIssue(0, None, "EMPTY_FILE", "The file is empty."))
        return parsed
    header = _header(lines[0][1])
    if isinstance(header, list):
        parsed.errors.extend(header)
        return parsed
    body = lines[1:]
    parsed.data_rows = len(body)
    if not body:
        parsed.errors.append(RowIssue(1, None, "NO_ROWS", "The file has a header but no rows."))
    elif len(body) > MAX_DATA_ROWS:
        parsed.errors.append(
            RowIssue(
                0,
                None,
                "TOO_MANY_ROWS",
                f"The file has {len(body):,} rows; the limit is {MAX_DATA_ROWS:,}.",
            )
        )
        return parsed
    first_seen: dict[tuple[str, date], int] = {}
    first_cash: int | None = None
    for row_number, cells in body:
        if is_cash_row(cells, header):
            if first_cash is None:
                first_cash = row_number
                _parse_cash_row(row_number, cells, header, parsed)
            else:
                parsed.errors.append(
                    RowIssue(
                        row_number,
                        "ticker",
                        "DUPLICATE_ROW",
                        f"The CASH row is already on row {first_cash}; a file has at most one.",
                    )
                )
            continue
        row = _parse_row(row_number, cells, header, today, parsed)
        if row is None:
            continue
        key = (row.instrument.symbol, row.entry_date)
        if key in first_seen:
            parsed.errors.append(
                RowIssue(
                    row_number,
                    "ticker",
                    "DUPLICATE_ROW",
                    f"{row.instrument.symbol} entered on {row.entry_date} is already on row "
                    f"{first_seen[key]}.",
                )
            )
            continue
        first_seen[key] = row_number
        parsed.rows.append(row)
    return parsed


def _parse_row(
    row_number: int, cells: list[str], header: dict[str, int], today: date, parsed: ParsedFile
) -> ImportRow | None:
    def cell(column: str) -> str:
        i = header.get(column)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    errors_before = len(parsed.errors)

    def check(column: str, read: Callable[[str], T]) -> T | None:
        raw = cell(column)
        if not raw and column in REQUIRED_COLUMNS:
            parsed.errors.append(RowIssue(row_number, column, "REQUIRED", f"'{column}' is empty."))
            return None
        try:
            return read(raw)
        except Invalid as exc:
            parsed.errors.append(RowIssue(row_number, column, exc.code, exc.message))
            return None

    instrument = check("ticker", parse_instrument)
    quantity = check("quantity", lambda raw: check_quantity(parse_number(raw)))
    price = check("entry_price", lambda raw: check_price(parse_number(raw), field="entry_price"))
    entry_date = check("entry_date", lambda raw: check_entry_date(parse_date(raw), today=today))
    tags = check("tags", _tags) if "tags" in header else None
    if len(parsed.errors) > errors_before:
        return None
    assert instrument and quantity is not None and price is not None and entry_date
    expired = expired_option(instrument, today=today)
    if expired is not None:
        parsed.warnings.append(RowIssue(row_number, "ticker", expired.code, expired.message))
    return ImportRow(row_number, instrument, quantity, price, entry_date, tags)
