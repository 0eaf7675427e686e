"""Report sections several kinds share: totals, exposures with limits, Greeks, VaR, sectors,
factors, scenarios and positions, each from the API's own fields (histories and correlation:
`history_sections`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sigmasight.reports import charts
from sigmasight.reports import formatting as fmt
from sigmasight.reports.layout import Block, Column, Figure, KeyFigures, Note, Section, Table

USD = "USD"
TEXT: Final = "left"
BOOK_FLAGS = {
    "NON_POSITIVE_EQUITY": "equity is zero or negative, so percentages of equity are not shown",
    "INCOMPLETE": "some positions have no price or Greeks and are left out of the totals",
}


def positions_of(portfolio: dict[str, Any]) -> list[dict[str, Any]]:
    """The book's open positions as served, by symbol."""
    return [edge["node"] for edge in portfolio["positions"]["edges"]]


def as_of(data: dict[str, Any], positions: Sequence[dict[str, Any]]) -> str:
    """The valuation date: the latest trading day of the prices the positions are marked at."""
    days = [p["dataQuality"]["asOf"] for p in positions if p["dataQuality"]["asOf"]]
    days = days or [s["lastDate"] for s in data.get("marketDataStatus", []) if s["lastDate"]]
    return max(days) if days else fmt.MISSING


def sources(data: dict[str, Any], positions: Sequence[dict[str, Any]] = ()) -> str:
    """The providers behind the prices, with how many symbols each served, and any stale ones."""
    status = data.get("marketDataStatus", [])
    # The provider of each position's price where served, else of the symbol's last refresh.
    by_symbol = {row["symbol"]: row["source"] for row in status}
    by_symbol |= {p["symbol"]: p["dataQuality"]["source"] for p in positions}
    counts: dict[str, int] = {}
    for source in by_symbol.values():
        counts[source or "unknown"] = counts.get(source or "unknown", 0) + 1
    text = ", ".join(f"{name} ({count} symbols)" for name, count in sorted(counts.items()))
    stale = sorted(row["symbol"] for row in status if row["stale"])
    if stale:
        text += f"; stale: {', '.join(stale[:8])}" + (" and more" if len(stale) > 8 else "")
    return text or "no stored prices"


def book_notes(flags: Sequence[str]) -> list[Block]:
    """A warning per data-quality flag of the book."""
    return [Note(f"Partial figures: {BOOK_FLAGS.get(f, f)} ({f}).", "warning") for f in flags]


def totals(portfolio: dict[str, Any], positions: Sequence[dict[str, Any]]) -> Section:
    """Equity, cash, market value and P&L of the book."""
    figures = KeyFigures(
        (
            ("Equity (USD)", fmt.money(portfolio["equity"])),
            ("Cash (USD)", fmt.money(portfolio["cash"])),
            ("Market value of positions (USD)", fmt.money(portfolio["totalValue"])),
            ("Total P&L (USD)", fmt.money(portfolio["totalPnl"])),
            ("Total P&L (% of cost)", fmt.percent(portfolio["totalPnlPercent"])),
            ("Open positions", fmt.whole(len(positions))),
        )
    )
    return Section("Portfolio", (figures, *book_notes(portfolio["analyticsFlags"])))


def exposures(portfolio: dict[str, Any]) -> Section:
    """Long, short, gross and net on both bases, and the risk limits against them."""
    notional, delta = portfolio["notional"], portfolio["deltaAdjusted"]
    rows = tuple(
        (
            name,
            fmt.money(notional[key]),
            fmt.percent(notional[f"{key}Percent"]),
            fmt.money(delta[key]),
            fmt.percent(delta[f"{key}Percent"]),
        )
        for name, key in (("Long", "long"), ("Short", "short"), ("Gross", "gross"), ("Net", "net"))
    )
    beta_row = ("Beta-adjusted (SPY)", "", "", fmt.money(delta["betaAdjusted"]), "")
    table = Table(
        (
            Column("Exposure", align=TEXT),
            Column("Notional", USD),
            Column("Notional", "% of equity"),
            Column("Delta-adjusted", USD),
            Column("Delta-adjusted", "% of equity"),
        ),
        (*rows, beta_row),
        emphasised=frozenset({2, 3}),
    )
    counts = Note(
        f"Positions long / short: {notional['longCount']} / {notional['shortCount']} notional, "
        f"{delta['longCount']} / {delta['shortCount']} delta-adjusted."
    )
    return Section("Exposure and limits", (table, counts, limits(portfolio)))


def limits(portfolio: dict[str, Any]) -> Block:
    """The gross limit and net target range beside where each basis stands."""
    set_ = portfolio["riskLimits"]
    if set_["grossLimitPercent"] is None and set_["netTargetMinPercent"] is None:
        return Note("No risk limits are set for this portfolio (see setRiskLimits).")
    notional, delta = portfolio["notional"], portfolio["deltaAdjusted"]
    if set_["netTargetMinPercent"] is None:
        target = fmt.MISSING
    else:
        low, high = set_["netTargetMinPercent"], set_["netTargetMaxPercent"]
        target = f"{fmt.percent(low)} to {fmt.percent(high)}"
    rows = (
        (
            "Gross exposure limit",
            fmt.percent(set_["grossLimitPercent"]),
            fmt.percent(notional["grossPercent"]),
            fmt.percent(delta["grossPercent"]),
        ),
        ("Net exposure target", target, fmt.percent(notional["netPercent"]),
         fmt.percent(delta["netPercent"])),
        ("Status", "", notional["status"] or fmt.MISSING, delta["status"] or fmt.MISSING),
    )  # fmt: skip
    return Table(
        (
            Column("Risk limit", align=TEXT),
            Column("Limit", "% of equity"),
            Column("Notional now", "% of equity"),
            Column("Delta-adjusted now", "% of equity"),
        ),
        rows,
        title="Risk limits",
    )


# Each Greek's label with its unit, by its field name in the API.
GREEK_LABELS = {
    "delta": "Delta (shares)",
    "gamma": "Gamma (delta per $1)",
    "theta": "Theta (USD per day)",
    "vega": "Vega (USD per vol point)",
    "rho": "Rho (USD per 1% rate)",
    "dollarDelta": "Dollar delta (USD)",
    "dollarGamma": "Dollar gamma (USD per 1%)",
}


def greeks(values: dict[str, Any]) -> Section:
    """The book's summed Greeks."""
    items = tuple((label, fmt.greek(key, values[key])) for key, label in GREEK_LABELS.items())
    note = Note("Sums over positions whose Greeks are known; options priced by Black-Scholes.")
    return Section("Greeks", (KeyFigures(items, columns=4), note))


def risk_metrics(metrics: dict[str, Any]) -> Section:
    """VaR and CVaR at both confidences with method and horizon, and the risk ratios."""
    confidence = " / ".join(f"{level:.0%}" for level in metrics["confidenceLevels"])
    var = Table(
        (Column("Measure", align=TEXT), Column("Loss", USD), Column("Loss", "% of equity")),
        tuple(
            (name, fmt.money(metrics[key]), fmt.percent(metrics[f"{key}Percent"]))
            for name, key in (
                ("VaR 95%", "var95"),
                ("VaR 99%", "var99"),
                ("CVaR 95% (expected shortfall)", "cvar95"),
                ("CVaR 99% (expected shortfall)", "cvar99"),
            )
        ),
    )
    method = Note(
        f"{fmt.label(metrics['varMethod'])} VaR, {metrics['horizonDays']}-day horizon, "
        f"{confidence} confidence, over {metrics['window']} trading days "
        f"({metrics['observations']} used); positions left out: {metrics['excludedPositions']}."
    )
    blocks: list[Block] = [var, method, ratios(metrics)]
    if metrics["observations"] == 0:
        blocks.append(Note("Too little price history for VaR and the ratios.", "warning"))
    return Section("Value at risk and risk ratios", tuple(blocks))


def ratios(metrics: dict[str, Any]) -> KeyFigures:
    """Volatility, beta, Sharpe, Sortino, drawdown and correlation of today's holdings."""
    return KeyFigures(
        (
            ("Annualised volatility", fmt.fraction_percent(metrics["annualizedVolatility"])),
            ("Beta to SPY", fmt.ratio(metrics["beta"])),
            ("Sharpe ratio", fmt.ratio(metrics["sharpeRatio"])),
            ("Sortino ratio", fmt.ratio(metrics["sortinoRatio"])),
            ("Maximum drawdown", fmt.fraction_percent(metrics["maxDrawdown"])),
            ("Average correlation", fmt.ratio(metrics["averageCorrelation"])),
        )
    )


POSITION_COLUMNS = (
    Column("Symbol", align=TEXT),
    Column("Type", align=TEXT),
    Column("Quantity"),
    Column("Last price", USD),
    Column("Market value", USD),
    Column("Notional", USD),
    Column("Delta-adj.", USD),
    Column("Unrealised P&L", USD),
    Column("Delta", "shares"),
    Column("Gamma"),
    Column("Theta", "USD/day"),
    Column("Vega", "USD/vol pt"),
)


def position_rows(positions: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """One row per position: marks, exposures, P&L and Greeks, or dashes where unknown."""
    rows = []
    for p in positions:
        g = p["greeks"] or {}
        rows.append(
            (
                p["symbol"],
                p["positionType"],
                fmt.whole(p["quantity"]),
                fmt.price(p["lastPrice"]),
                fmt.money(p["marketValue"]),
                fmt.money(p["notionalExposure"]),
                fmt.money(p["deltaAdjustedExposure"]),
                fmt.money(p["unrealizedPnl"]),
                fmt.greek("delta", g.get("delta")),
                fmt.greek("gamma", g.get("gamma")),
                fmt.greek("theta", g.get("theta")),
                fmt.greek("vega", g.get("vega")),
            )
        )
    return tuple(rows)


def position_notes(positions: Sequence[dict[str, Any]]) -> list[Block]:
    """Why some positions show dashes: their data-quality flags, by symbol."""
    flagged = [
        f"{p['symbol']}: {', '.join(p['dataQuality']['flags'])}"
        for p in positions
        if p["dataQuality"]["flags"]
    ]
    stale = [p["symbol"] for p in positions if p["dataQuality"]["stale"]]
    notes: list[Block] = []
    if flagged:
        notes.append(Note("Data quality — " + "; ".join(flagged) + ".", "warning"))
    if stale:
        notes.append(
            Note("Stale prices (older than the last close): " + ", ".join(stale), "warning")
        )
    return notes


def largest(positions: Sequence[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The positions with the largest absolute delta-adjusted exposure (unknown ones last)."""

    def size(p: dict[str, Any]) -> float:
        value = p["deltaAdjustedExposure"]
        return -1.0 if value is None else abs(value)

    return sorted(positions, key=size, reverse=True)[:count]


def sectors(rows: Sequence[dict[str, Any]]) -> Section:
    """Sector exposure as bars of net notional dollars, and a table on both bases."""
    if not rows:
        return Section("Sector exposure", (Note("The book holds no open positions."),))
    drawn: Block
    if all(r["notional"]["gross"] == 0 for r in rows):
        drawn = Note("No sector chart: no open position has a price yet.", "warning")
    else:
        drawn = Figure(
            charts.bars(
                "sector-exposure",
                "Net notional exposure by sector",
                [r["sector"] for r in rows],
                [r["notional"]["net"] for r in rows],
                unit="usd",
                description="Net notional exposure of each sector's positions, in USD.",
            )
        )
    table = Table(
        (
            Column("Sector", align=TEXT),
            Column("Positions"),
            Column("Market value", USD),
            Column("Net notional", USD),
            Column("Net notional", "% of equity"),
            Column("Gross notional", "% of equity"),
            Column("Net delta-adj.", USD),
        ),
        tuple(
            (
                r["sector"],
                fmt.whole(r["positionCount"]),
                fmt.money(r["marketValue"]),
                fmt.money(r["notional"]["net"]),
                fmt.percent(r["notional"]["netPercent"]),
                fmt.percent(r["notional"]["grossPercent"]),
                fmt.money(r["deltaAdjusted"]["net"]),
            )
            for r in rows
        ),
    )
    return Section("Sector exposure", (drawn, table))


def factors(rows: Sequence[dict[str, Any]]) -> Section:
    """Factor betas as bars, and their dollar exposure, fit and quality."""
    drawn: Block
    if all(r["beta"] is None for r in rows):
        drawn = Note(
            "No factor chart: no beta is known (no priced position with enough history, or "
            "equity is not positive).",
            "warning",
        )
    else:
        drawn = Figure(
            charts.bars(
                "factor-exposure",
                "Factor betas",
                [f"{r['factor']['name']} ({r['factor']['etf']})" for r in rows],
                [r["beta"] for r in rows],
                unit="beta",
                description="The portfolio's beta to each factor's ETF proxy (dollar exposure "
                "/ equity).",
            )
        )
    table = Table(
        (
            Column("Factor", align=TEXT),
            Column("ETF", align=TEXT),
            Column("Beta"),
            Column("Exposure", USD),
            Column("R²"),
            Column("Observations"),
            Column("Quality", align=TEXT),
        ),
        tuple(
            (
                r["factor"]["name"],
                r["factor"]["etf"],
                fmt.ratio(r["beta"]),
                fmt.money(r["dollarExposure"]),
                fmt.ratio(r["rSquared"]),
                fmt.whole(r["observations"]),
                r["quality"],
            )
            for r in rows
        ),
    )
    return Section("Factor exposure", (drawn, table))


def scenario_table(rows: Sequence[dict[str, Any]], *, contributors: bool = False) -> Table:
    """Each scenario's P&L in dollars and % of equity."""
    columns = [
        Column("Scenario", align=TEXT),
        Column("P&L", USD),
        Column("P&L", "% of equity"),
        Column("Unpriced"),
    ]
    if contributors:
        columns.append(Column("Largest contributors (USD)", align=TEXT))
    body = []
    for r in rows:
        row = [
            r["scenario"]["name"],
            fmt.money(r["pnl"]),
            fmt.percent(r["pnlPercent"]),
            fmt.whole(r["unpricedPositions"]),
        ]
        if contributors:
            row.append(
                ", ".join(
                    f"{c['position']['symbol']} {fmt.money(c['pnl'])}" for c in r["positions"]
                )
            )
        body.append(tuple(row))
    return Table(tuple(columns), tuple(body))


def scenario_bars(rows: Sequence[dict[str, Any]], title: str) -> Block:
    """Scenario P&L as bars in dollars, or why there is nothing to draw."""
    if all(r["pnl"] == 0 for r in rows):
        unpriced = max((r["unpricedPositions"] for r in rows), default=0)
        return Note(
            "No scenario chart: every scenario's P&L is zero "
            f"(positions left out for want of a market beta: {unpriced}).",
            "warning",
        )
    return Figure(
        charts.bars(
            "scenario-pnl",
            title,
            [r["scenario"]["name"] for r in rows],
            [r["pnl"] for r in rows],
            unit="usd",
            description="P&L of the book under each stress scenario, in USD.",
        )
    )
