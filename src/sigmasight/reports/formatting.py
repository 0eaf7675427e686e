"""How a report writes the API's numbers: the same text in the PDF and the HTML file.

Only formatting: every value is shown as served (money already rounded to cents), and a missing
value is a dash, never a number made up to fill the cell.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

MISSING = "—"


def money(value: float | None) -> str:
    """Dollars with thousands separators and cents: `1,234,567.89`, `-12.50`."""
    return MISSING if value is None else f"{value:,.2f}"


def whole(value: float | None) -> str:
    """A count or a quantity: `1,200`, or `2.5` when it has a fraction."""
    if value is None:
        return MISSING
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")


def price(value: float | None) -> str:
    """Dollars per share, to the cent or finer when the price has more digits (`272.1705`)."""
    if value is None:
        return MISSING
    text = f"{value:,.4f}".rstrip("0")
    return text + "0" * max(0, 2 - len(text.split(".")[1]))


def percent(value: float | None) -> str:
    """A percentage the API serves as a percentage (5.0 = 5%): `5.00%`."""
    return MISSING if value is None else f"{value:,.2f}%"


def fraction_percent(value: float | None) -> str:
    """A fraction shown as a percentage (0.052 = 5.20%)."""
    return MISSING if value is None else f"{value * 100:,.2f}%"


def ratio(value: float | None, digits: int = 2) -> str:
    """A ratio, beta or correlation: `0.57`."""
    return MISSING if value is None else f"{value:,.{digits}f}"


def greek(name: str, value: float | None) -> str:
    """A Greek: gamma to four decimals (it is small per dollar), the others to two."""
    if value is None:
        return MISSING
    return f"{value:,.4f}" if name == "gamma" else f"{value:,.2f}"


def day(value: str | date | None) -> str:
    """An ISO date as served: `2026-11-24`."""
    if value is None:
        return MISSING
    return value.isoformat() if isinstance(value, date) else value[:10]


def timestamp(value: datetime) -> str:
    """A time in UTC to the minute: `2026-11-25 15:20 UTC`."""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def label(value: str) -> str:
    """An enum name as words: `DELTA_ADJUSTED` → `Delta adjusted`."""
    return value.replace("_", " ").capitalize()
