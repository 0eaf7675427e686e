"""Reading a positions CSV (`ticker,quantity,entry_price,entry_date,tags`) into checked rows.

Pure: bytes and today's date in, rows and per-cell errors out. Row numbers are file line
numbers as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from sigmasight.errors import Invalid
from sigmasight.portfolios import tags as tag_rules
from sigmasight.portfolios.positions import (
    Instrument,
    check_entry_date,
    check_price,
    check_quantity,
    parse_instrument,
)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 10_000
REQUIRED_COLUMNS = ("ticker", "quantity", "entry_price", "entry_date")
OPTIONAL_COLUMNS = ("tags",)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")  # ISO, and the US form broker exports use
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem (or, as a warning, a remark) about one cell, row or the whole file (row 0)."""

    row: int
    column: str | None
    code: str
    message: str


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


def parse_number(raw: str) -> Decimal:
    """A number as brokers write it: `1,250`, `$190.50`, `(300)` for negatives."""
    text = raw.strip().replace(",", "").replace("$", "")
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise Invalid(f"'{raw}' is not a number.", code="NOT_A_NUMBER") from exc
    if not value.is_finite():
        raise Invalid(f"'{raw}' is not a finite number.", code="NOT_A_NUMBER")
    return value


def parse_date(raw: str) -> date:
    """A calendar date written `YYYY-MM-DD` or `MM/DD/YYYY`."""
    text = raw.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(f"'{raw}' is not a date; use YYYY-MM-DD.", code="INVALID_DATE")


def _tags(raw: str) -> tuple[str, ...]:
    names: dict[str, str] = {}
    for part in raw.split(","):
        if part.strip():
            name = tag_rules.clean_name(part)
            names.setdefault(name.lower(), name)
    if len(names) > tag_rules.MAX_TAGS_PER_POSITION:
        raise Invalid(
            f"A position can have at most {tag_rules.MAX_TAGS_PER_POSITION} tags.",
            code="TOO_MANY_TAGS",
        )
    return tuple(names.values())


def decode_text(data: bytes) -> str | RowIssue:
    """The file as text, or the file-level issue (size, binary, encoding, empty) stopping it."""
    if len(data) > MAX_FILE_BYTES:
        return RowIssue(0, None, "FILE_TOO_LARGE", "The file is larger than 10 MB.")
    if b"\x00" in data:
        return RowIssue(0, None, "NOT_A_CSV", "The file is binary, not a CSV text file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return RowIssue(0, None, "INVALID_ENCODING", "The file is not UTF-8 text.")
    if not text.strip():
        return RowIssue(0, None, "EMPTY_FILE", "The file is empty.")
    return text


def _header(cells: list[str]) -> dict[str, int] | list[RowIssue]:
    names = [c.strip().lower() for c in cells]
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        return [
            RowIssue(1, c, "MISSING_COLUMN", f"The header has no '{c}' column.") for c in missing
        ]
    return index


def parse_positions_csv(data: bytes, *, today: date) -> ParsedFile:
    """Check every cell of a positions CSV; nothing stops at the first problem."""
    parsed = ParsedFile()
    text = decode_text(data)
    if isinstance(text, RowIssue):
        parsed.errors.append(text)
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as exc:
        parsed.errors.append(
            RowIssue(reader.line_num, None, "NOT_A_CSV", f"Unreadable CSV: {exc}.")
        )
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
    for row_number, cells in body:
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
    option = instrument.option
    if option is not None and option.expiration < today:
        parsed.warnings.append(
            RowIssue(
                row_number,
                "ticker",
                "OPTION_EXPIRED",
                f"{instrument.symbol} expired on {option.expiration}.",
            )
        )
    return ImportRow(row_number, instrument, quantity, price, entry_date, tags)
