"""Reading a user's own price file: `symbol,date,open,high,low,close,volume` (+ optional
`sector,industry,name,dividend_yield` reference columns; the dividend yield is an annual
fraction, 0.0052 = 0.52%). Pure: bytes in, bars and per-cell errors out."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sigmasight.errors import Invalid
from sigmasight.instruments import occ
from sigmasight.instruments.csv_reading import (
    RowIssue,
    decode_text,
    missing_columns,
    parse_date,
    parse_number,
    read_rows,
)
from sigmasight.marketdata import calendar
from sigmasight.marketdata.providers.base import Bar, SecurityProfile

PRICE_COLUMNS = ("symbol", "date", "open", "high", "low", "close")
MAX_PRICE_ROWS = 2_000_000


@dataclass(slots=True)
class PriceFile:
    bars: list[Bar] = field(default_factory=list)
    profiles: dict[str, SecurityProfile] = field(default_factory=dict)
    errors: list[RowIssue] = field(default_factory=list)
    rows: int = 0


def _price(raw: str, column: str) -> Decimal:
    value = parse_number(raw)
    if value <= 0:
        raise Invalid(f"'{column}' must be positive.", code="NON_POSITIVE_PRICE")
    return value


def _symbol(raw: str) -> str:
    try:
        if occ.looks_like_option(raw):
            return occ.parse_option(raw).symbol
        return occ.normalise_stock_symbol(raw)
    except occ.SymbolError as exc:
        raise Invalid(str(exc), code=exc.code) from exc


def parse_price_file(data: bytes) -> PriceFile:
    """Check every row of a price file; any error is reported by row and column."""
    parsed = PriceFile()
    text = decode_text(data)
    if isinstance(text, RowIssue):
        parsed.errors.append(text)
        return parsed
    lines = read_rows(text)
    if isinstance(lines, RowIssue):
        parsed.errors.append(lines)
        return parsed
    names = [name.strip().lower() for name in lines[0][1]] if lines else []
    header = {name: index for index, name in reversed(list(enumerate(names)))}
    missing = missing_columns(header, PRICE_COLUMNS)
    if missing:
        parsed.errors += missing
        return parsed
    seen: dict[tuple[str, object], int] = {}
    for line, cells in lines[1:]:
        parsed.rows += 1
        row = {key: cells[i].strip() if i < len(cells) else "" for key, i in header.items()}
        if parsed.rows > MAX_PRICE_ROWS:
            parsed.errors.append(RowIssue(0, None, "TOO_MANY_ROWS", "More than 2,000,000 rows."))
            return parsed
        bar = _row(row, line, parsed)
        if bar is None:
            continue
        key = (bar.symbol, bar.day)
        if key in seen:
            parsed.errors.append(
                RowIssue(
                    line,
                    "date",
                    "DUPLICATE_ROW",
                    f"{bar.symbol} {bar.day} is also on row {seen[key]}.",
                )
            )
            continue
        seen[key] = line
        parsed.bars.append(bar)
        dividend_yield = _dividend_yield(row.get("dividend_yield", ""), line, parsed)
        if (
            row.get("sector")
            or row.get("industry")
            or row.get("name")
            or dividend_yield is not None
        ):
            parsed.profiles[bar.symbol] = SecurityProfile(
                bar.symbol,
                row.get("name") or None,
                row.get("sector") or None,
                row.get("industry") or None,
                dividend_yield=dividend_yield,
            )
    if parsed.rows == 0:
        parsed.errors.append(RowIssue(1, None, "NO_ROWS", "The file has a header but no rows."))
    return parsed


def _dividend_yield(raw: str, line: int, parsed: PriceFile) -> float | None:
    """An annual yield as a fraction in [0, 1), or None when blank (an error is recorded)."""
    if not raw:
        return None
    try:
        value = parse_number(raw)
    except Invalid as exc:
        parsed.errors.append(RowIssue(line, "dividend_yield", exc.code, exc.message))
        return None
    if not 0 <= value < 1:
        parsed.errors.append(
            RowIssue(
                line,
                "dividend_yield",
                "OUT_OF_RANGE",
                "'dividend_yield' is an annual fraction from 0 to below 1 (0.0052 = 0.52%).",
            )
        )
        return None
    return float(value)


def _row(row: dict[str, str], line: int, parsed: PriceFile) -> Bar | None:
    errors_before = len(parsed.errors)
    values: dict[str, object] = {}
    for column in ("symbol", "date", "open", "high", "low", "close", "volume"):
        raw = row.get(column, "")
        if not raw:
            if column == "volume":
                values[column] = 0
                continue
            parsed.errors.append(RowIssue(line, column, "REQUIRED", f"'{column}' is empty."))
            continue
        try:
            if column == "symbol":
                values[column] = _symbol(raw)
            elif column == "date":
                day = parse_date(raw)
                if not calendar.is_trading_day(day):
                    raise Invalid(f"{day} is not an NYSE trading day.", code="NOT_A_TRADING_DAY")
                values[column] = day
            elif column == "volume":
                volume = parse_number(raw)
                if volume < 0:
                    raise Invalid("'volume' must not be negative.", code="NEGATIVE_VOLUME")
                values[column] = int(volume)
            else:
                values[column] = _price(raw, column)
        except Invalid as exc:
            parsed.errors.append(RowIssue(line, column, exc.code, exc.message))
    if len(parsed.errors) > errors_before:
        return None
    bar = Bar(**{"day" if k == "date" else k: v for k, v in values.items()})  # type: ignore[arg-type]
    if bar.low > min(bar.open, bar.close) or bar.high < max(bar.open, bar.close):
        parsed.errors.append(
            RowIssue(line, "high", "INCONSISTENT_BAR", "low <= open, close <= high must hold.")
        )
        return None
    return bar
