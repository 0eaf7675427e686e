"""A valued portfolio's tables, as the API serves them: positions, Greeks, exposures, factors.

Pure: a `Book` (and its `BookRisk` for factors) in, `Section`s out. Column names carry units:
`_usd` dollars, `_pct` percent (5.0 = 5%), Greeks as the API defines them (position Greek =
per-share Greek x signed quantity x multiplier; theta per calendar day, vega per volatility point,
rho per percentage point of rate, dollar gamma per 1% move). Unknown numbers are None (an empty
cell, JSON null), never zeros; floats are cut to 12 significant digits to drop binary noise.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from enum import StrEnum

from sigmasight.portfolios.models import Tag
from sigmasight.reports.files import Section
from sigmasight.risk.book_risk import BookRisk
from sigmasight.risk.service import Book, ExposureBasis

# The first five are what `importPositions` reads; the importer ignores the rest.
POSITION_COLUMNS = [
    "ticker",
    "quantity",
    "entry_price",
    "entry_date",
    "tags",
    "position_type",
    "underlying",
    "multiplier",
    "last_price_usd_per_share",
    "market_value_usd",
    "cost_basis_usd",
    "unrealized_pnl_usd",
    "unrealized_pnl_pct",
    "notes",
    "flags",
]
GREEK_COLUMNS = [
    "symbol",
    "underlying",
    "position_type",
    "quantity",
    "delta_shares",
    "gamma_shares_per_usd",
    "theta_usd_per_day",
    "vega_usd_per_vol_point",
    "rho_usd_per_rate_point",
    "dollar_delta_usd",
    "dollar_gamma_usd_per_1pct_move",
    "flags",
]
EXPOSURE_COLUMNS = [
    "basis",
    "long_usd",
    "short_usd",
    "gross_usd",
    "net_usd",
    "long_pct_of_equity",
    "short_pct_of_equity",
    "gross_pct_of_equity",
    "net_pct_of_equity",
    "long_count",
    "short_count",
    "equity_usd",
    "gross_limit_pct",
    "net_target_min_pct",
    "net_target_max_pct",
    "status",
    "flags",
]
FACTOR_COLUMNS = [
    "factor",
    "etf",
    "beta",
    "dollar_exposure_usd",
    "r_squared",
    "observations",
    "quality",
]
SIGNIFICANT_DIGITS = 12
CASH_TICKER = "CASH"  # with no entry price or date, the importer reads the row as the cash balance


def positions_section(book: Book, tags: dict[uuid.UUID, list[Tag]]) -> Section:
    """Open positions as `importPositions` reads them (OCC symbols, signed quantities, tags in one
    cell), then their valuation; a last CASH row carries the cash balance (as its quantity, and
    as its market value, so the market values add up to equity)."""
    rows: list[list[object]] = []
    for position in book.open_positions:
        valuation = book.valuation_of(position)
        rows.append(
            [
                position.symbol,
                position.quantity,
                position.entry_price,
                position.entry_date,
                ",".join(tag.name for tag in tags.get(position.id, [])),
                position.position_type.value,
                position.underlying,
                position.multiplier,
                valuation.last_price,
                valuation.market_value,
                valuation.cost_basis,
                valuation.unrealized_pnl,
                valuation.unrealized_pnl_percent,
                position.notes,
                _flags(valuation.flags),
            ]
        )
    cash = book.portfolio.cash
    cash_row: list[object] = [None] * len(POSITION_COLUMNS)
    cash_row[0], cash_row[1] = CASH_TICKER, cash
    cash_row[POSITION_COLUMNS.index("market_value_usd")] = cash
    rows.append(cash_row)
    return _section("positions", POSITION_COLUMNS, rows)


def greeks_section(book: Book) -> Section:
    """Position Greeks (per-share Greek x signed quantity x multiplier) and a TOTAL row; unknown
    Greeks are empty cells, never zeros."""
    rows: list[list[object]] = []
    for position in book.open_positions:
        valuation = book.valuation_of(position)
        greeks = valuation.greeks
        values: list[object] = (
            [None] * 7
            if greeks is None
            else [
                greeks.delta,
                greeks.gamma,
                greeks.theta,
                greeks.vega,
                greeks.rho,
                greeks.dollar_delta,
                greeks.dollar_gamma,
            ]
        )
        rows.append(
            [
                position.symbol,
                position.underlying,
                position.position_type.value,
                position.quantity,
                *values,
                _flags(valuation.flags),
            ]
        )
    totals = book.book_totals
    total = totals.greeks
    rows.append(
        [
            "TOTAL",
            None,
            None,
            None,
            total.delta,
            total.gamma,
            total.theta,
            total.vega,
            total.rho,
            total.dollar_delta,
            total.dollar_gamma,
            "" if totals.complete else "INCOMPLETE",
        ]
    )
    return _section("greeks", GREEK_COLUMNS, rows)


def exposures_section(book: Book) -> Section:
    """Long, short, gross and net exposure on both bases, in dollars and % of equity."""
    rows: list[list[object]] = []
    flags = _flags(book.flags)
    for basis in ExposureBasis:
        exposure = book.exposure(basis)
        totals = exposure.totals
        target = exposure.target_range_percent
        rows.append(
            [
                basis.value,
                totals.long,
                totals.short,
                totals.gross,
                totals.net,
                exposure.percent(totals.long),
                exposure.percent(totals.short),
                exposure.percent(totals.gross),
                exposure.percent(totals.net),
                totals.long_count,
                totals.short_count,
                exposure.equity,
                exposure.gross_limit_percent,
                target[0] if target else None,
                target[1] if target else None,
                exposure.status.value if exposure.status else None,
                flags,
            ]
        )
    return _section("exposures", EXPOSURE_COLUMNS, rows)


def factors_section(risk: BookRisk) -> Section:
    """The book's exposure to each of the 8 factors, Market Beta first."""
    rows: list[list[object]] = [
        [
            factor.name,
            factor.etf,
            factor.beta,
            factor.dollar_exposure,
            factor.r_squared,
            factor.observations,
            factor.quality.value,
        ]
        for factor in risk.factor_exposures()
    ]
    return _section("factors", FACTOR_COLUMNS, rows)


def _section(name: str, columns: list[str], rows: list[list[object]]) -> Section:
    return Section(name, list(columns), [[_tidy(cell) for cell in row] for row in rows])


def _tidy(cell: object) -> object:
    """A float to 12 significant digits, dropping binary noise (731.4999999999998 -> 731.5)
    that a spreadsheet would show; the API's number to far better than a cent or a basis point."""
    if isinstance(cell, float) and math.isfinite(cell):
        return float(f"{cell:.{SIGNIFICANT_DIGITS}g}")
    return cell


def _flags(flags: Sequence[StrEnum]) -> str:
    return " ".join(flag.value for flag in flags)
