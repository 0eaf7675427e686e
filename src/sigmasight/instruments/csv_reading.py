"""Reading an uploaded CSV file: its text, its header, and the numbers and dates in its cells.

Pure and shared by every file import (positions, prices). Row numbers are file line numbers as a
spreadsheet shows them (the header is row 1); row 0 means the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sigmasight.errors import Invalid

MAX_FILE_BYTES = 10 * 1024 * 1024
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")  # ISO, and the US form broker exports use
# ASCII digits only ([0-9], not \\d, which also matches Arabic-Indic and full-width digits), an
# optional fraction, and commas only as thousands separators in groups of three. No exponent,
# no underscores: what Python's Decimal would also take is not what a broker writes.
_UNSIGNED = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+"
_NUMBER = re.compile(rf"(?P<sign>[+-]?)\$?(?P<plain>{_UNSIGNED})|\(\$?(?P<negative>{_UNSIGNED})\)")


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem (or, as a warning, a remark) about one cell, row or the whole file (row 0)."""

    row: int
    column: str | None
    code: str
    message: str


def parse_number(raw: str) -> Decimal:
    """A plain decimal number as brokers write it: ASCII digits with an optional sign and
    fraction (`-12.5`), optionally a leading `$` (`$190.50`), commas only as thousands
    separators in groups of three (`1,250.75`), and `(300)` for a negative. Anything else
    (`$1,2,3`, `1_000`, `1e3`, non-ASCII digits) is NOT_A_NUMBER."""
    match = _NUMBER.fullmatch(raw.strip())
    if match is None:
        raise Invalid(
            f"'{raw}' is not a plain number; write digits like 1250.75 or 1,250.75.",
            code="NOT_A_NUMBER",
        )
    if match["negative"] is not None:
        digits, negative = match["negative"], True
    else:
        digits, negative = match["plain"], match["sign"] == "-"
    try:
        value = Decimal(digits.replace(",", ""))
    except InvalidOperation as exc:  # unreachable for a match; kept as the last guard
        raise Invalid(f"'{raw}' is not a number.", code="NOT_A_NUMBER") from exc
    return -value if negative else value


def parse_date(raw: str) -> date:
    """A calendar date written `YYYY-MM-DD` or `MM/DD/YYYY`."""
    text = raw.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(f"'{raw}' is not a date; use YYYY-MM-DD.", code="INVALID_DATE")


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


def read_rows(text: str) -> list[tuple[int, list[str]]] | RowIssue:
    """The non-blank rows of CSV text, each with the file line it starts on; or the issue that
    makes the file unreadable, such as a quoted cell that is never closed (which a lenient
    reader would silently stretch to the end of the file)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            message = f"A quoted cell that starts on row {start} is never closed."
        else:
            message = f"Row {start} is not valid CSV: {exc}."
        return RowIssue(start, None, "NOT_A_CSV", message)
    return rows


def missing_columns(header: Iterable[str], required: Sequence[str]) -> list[RowIssue]:
    """One issue on the header row for each required column the header lacks."""
    present = set(header)
    return [
        RowIssue(1, c, "MISSING_COLUMN", f"The header has no '{c}' column.")
        for c in required
        if c not in present
    ]
