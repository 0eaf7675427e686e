"""Trade lists and report tables as CSV, JSON and XLSX bytes.

Pure: rows in, bytes out (no database, no files, no clock of ours; openpyxl stamps the workbook's
"modified" property itself).

Cells. A `Section` is a named table; its cells may be str, int, float, Decimal, bool, date,
datetime, None, or anything else (written as its ``str``). None and non-finite numbers (NaN,
infinity: unknown, not made up) are an empty cell, or null in JSON. CSV is UTF-8 without a
byte-order mark, RFC 4180 quoting, CRLF line ends; numbers in fixed point (``150.5``, never
``1.5E+2``), dates and datetimes in ISO 8601. JSON writes numbers as numbers (a Decimal as a JSON
number, as the GraphQL API serves money) and dates as ISO strings. XLSX keeps numbers numeric and
dates as Excel dates (timezone-aware datetimes converted to UTC, Excel having no time zones).

Formula injection. A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, per OWASP, tab or carriage return), so `neutralize` prefixes such text with a single quote.
It applies to str values only: a number is data we produced, and a negative number must stay a
number; text that merely looks like one ("-5" typed by a user) is neutralised like any text -- a
caller that means a number passes a number. CSV and XLSX neutralise every str cell (section
names and column headers included), the CSV opened in Excel being the classic injection path,
after dropping control characters (invalid in a sheet, and able to hide a leading ``=``); XLSX
also stores every text cell as a string, never as a formula. JSON is not opened by a
spreadsheet and is written verbatim: its consumers get the user's text unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font

from sigmasight.reports.orders import Order, plain_decimal, validate_orders

TRADE_COLUMNS = [
    "action",
    "symbol",
    "quantity",
    "order_type",
    "limit_price",
    "time_in_force",
    "client_order_id",
    "underlying",
    "expiration",
    "strike",
    "option_type",
]

# OWASP CSV injection: characters that make a spreadsheet read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_LENGTH = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Section:
    """A named table: column headers and rows of cells, each row as long as `columns`."""

    name: str
    columns: list[str]
    rows: list[list[object]]

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Section '{self.name}' row {number} has {len(row)} cells "
                    f"for {len(self.columns)} columns."
                )


def neutralize(value: object) -> object:
    """The value, with text that a spreadsheet would run as a formula prefixed by ``'``.

    Only str values change; numbers (negative ones included), dates and None pass through.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# ---- trades -----------------------------------------------------------------------------------


def trade_section(orders: Iterable[Order], name: str = "trades") -> Section:
    """Valid orders (ValueError otherwise) as a table: one row per order in `TRADE_COLUMNS`.

    The option columns (underlying, expiration, strike, option_type) are None for a stock.
    """
    rows: list[list[object]] = []
    for order in validate_orders(orders):
        row: list[object] = [
            order.action.value,
            order.symbol,
            order.quantity,
            order.order_type.value,
            order.limit_price,
            order.time_in_force.value,
            order.client_order_id,
        ]
        if order.is_option:
            contract = order.option
            row += [
                contract.underlying,
                contract.expiration,
                contract.strike,
                contract.option_type.value,
            ]
        else:
            row += [None, None, None, None]
        rows.append(row)
    return Section(name=name, columns=list(TRADE_COLUMNS), rows=rows)


def trades_csv(orders: Iterable[Order]) -> bytes:
    """The orders as CSV: a header row of `TRADE_COLUMNS`, then one row per order."""
    return sections_csv([trade_section(orders)])


def trades_json(orders: Iterable[Order]) -> bytes:
    """The orders as a JSON array of objects keyed by `TRADE_COLUMNS` (null where not given)."""
    section = trade_section(orders)
    return _dump_json([_json_record(section.columns, row) for row in section.rows])


# ---- sections ---------------------------------------------------------------------------------


def sections_csv(sections: Sequence[Section]) -> bytes:
    """One section as a plain table; several as blocks, each a line with the section's name,
    the header and the rows, separated by a blank line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    titled = len(sections) > 1
    for index, section in enumerate(sections):
        if titled:
            if index:
                writer.writerow([])
            writer.writerow([_csv_cell(section.name)])
        writer.writerow([_csv_cell(column) for column in section.columns])
        writer.writerows([_csv_cell(cell) for cell in row] for row in section.rows)
    return buffer.getvalue().encode("utf-8")


def sections_json(sections: Sequence[Section]) -> bytes:
    """``{section name: [{column: value}, ...]}``, text verbatim (no neutralising, see above)."""
    document: dict[str, list[dict[str, Any]]] = {}
    for section in sections:
        if section.name in document:
            raise ValueError(f"Two sections are named '{section.name}'.")
        document[section.name] = [_json_record(section.columns, row) for row in section.rows]
    return _dump_json(document)


def sections_xlsx(sections: Sequence[Section]) -> bytes:
    """A workbook with one worksheet per section, named after it (cut to 31 characters, made
    unique), a bold header row, numbers as numbers, dates as dates, every text cell neutralised."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    for section in sections:
        sheet = workbook.create_sheet(title=_sheet_title(section.name, taken))
        sheet.freeze_panes = "A2"
        header = []
        for column in section.columns:
            cell = _xlsx_cell(sheet, column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in section.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    if not sections:
        workbook.create_sheet(title="Sheet")  # a workbook needs one sheet to open
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- cells ------------------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    """None, NaN and infinities: unknown numbers are left empty rather than made up."""
    return value is None or (isinstance(value, float | Decimal) and not math.isfinite(value))


def _csv_cell(value: object) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, float):
        return plain_decimal(Decimal(repr(value)))
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    return _safe_text(str(value))


def _safe_text(text: str) -> str:
    """Text for a spreadsheet: control characters dropped (invalid in a sheet, and they could hide
    a formula: "\\x01=cmd"), then neutralised."""
    return str(neutralize(ILLEGAL_CHARACTERS_RE.sub("", text)))


def _json_value(value: object) -> object:
    if _is_blank(value):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_record(columns: list[str], row: list[object]) -> dict[str, Any]:
    return {column: _json_value(value) for column, value in zip(columns, row, strict=True)}


def _dump_json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2).encode("utf-8")


def _xlsx_cell(sheet: Any, value: object) -> Cell:
    if _is_blank(value):
        return _cell(sheet, None)
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return _cell(sheet, value.astimezone(UTC).replace(tzinfo=None))
    if isinstance(value, bool | int | float | Decimal | date):  # date: datetime included
        return _cell(sheet, value)
    return _text_cell(sheet, str(value))


def _text_cell(sheet: Any, text: str) -> Cell:
    cell = _cell(sheet, _safe_text(text))
    cell.data_type = "s"  # a string whatever its first character: never a formula
    return cell


def _cell(sheet: Any, value: bool | float | Decimal | str | date | None) -> Cell:
    cell = WriteOnlyCell(sheet)
    cell.value = value
    return cell


def _sheet_title(name: str, taken: set[str]) -> str:
    """An Excel-legal sheet name: no ``[]:*?/\\``, no edge apostrophes, <= 31 chars, unique."""
    base = _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name)).strip("'") or "Sheet"
    base = base[:SHEET_NAME_LENGTH]
    title, number = base, 1
    while title.lower() in taken or title.lower() == "history":  # Excel reserves "History"
        number += 1
        suffix = f" ({number})"
        title = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
    taken.add(title.lower())
    return title
