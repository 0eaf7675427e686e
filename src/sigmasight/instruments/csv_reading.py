"""Reading an uploaded CSV file: its text, its header, and the numbers and dates in its cells.

Pure and shared by every file import (positions, prices). Row numbers are file line numbers as a
spreadsheet shows them (the header is row 1); row 0 means the whole file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sigmasight.errors import Invalid

MAX_FILE_BYTES = 10 * 1024 * 1024
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")  # ISO, and the US form broker exports use


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem (or, as a warning, a remark) about one cell, row or the whole file (row 0)."""

    row: int
    column: str | None
    code: str
    message: str


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


def missing_columns(header: Iterable[str], required: Sequence[str]) -> list[RowIssue]:
    """One issue on the header row for each required column the header lacks."""
    present = set(header)
    return [
        RowIssue(1, c, "MISSING_COLUMN", f"The header has no '{c}' column.")
        for c in required
        if c not in present
    ]
