"""What each kind of report says, from the API's answer to its document (`documents.py`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sigmasight.reports import charts, history_sections, sections
from sigmasight.reports import formatting as fmt
from sigmasight.reports.glossary import glossary
from sigmasight.reports.layout import (
    Block,
    Column,
    Document,
    Figure,
    KeyFigures,
    Note,
    Section,
    Table,
)
from sigmasight.reports.models import ReportKind
from sigmasight.reports.session_contents import modeling_session

TOP_POSITIONS = 10
WORST_SCENARIOS = 8

TITLES = {
    ReportKind.RISK_SUMMARY: "Risk summary",
    ReportKind.EXPOSURES: "Exposure report",
    ReportKind.PERFORMANCE: "Performance report",
    ReportKind.SCENARIOS: "Stress scenarios",
    ReportKind.MODELING_SESSION: "What-if session",
}


def build_document(kind: ReportKind, data: dict[str, Any], *, generated_at: datetime) -> Document:
    """The report of `kind` for the API's answer `data`, as a format-neutral document."""
    kind = ReportKind(kind)
    if kind is ReportKind.MODELING_SESSION:
        return modeling_session(data, title=TITLES[kind], generated_at=generated_at)
    portfolio = data["portfolio"]
    positions = sections.positions_of(portfolio)
    as_of = sections.as_of(data, positions)
    period, body = BUILDERS[kind](data, portfolio, positions)
    return Document(
        title=TITLES[kind],
        portfolio=portfolio["name"],
        period=period.format(as_of=as_of),
        as_of=as_of,
        generated_at=generated_at,
        sources=sections.sources(data, positions),
        sections=tuple(body),
        glossary=glossary(kind),
    )


Builder = Callable[
    [dict[str, Any], dict[str, Any], list[dict[str, Any]]], tuple[str, list[Section]]
]


def risk_summary(
    data: dict[str, Any], portfolio: dict[str, Any], positions: list[dict[str, Any]]
) -> tuple[str, list[Section]]:
    """Totals, exposures with limits, Greeks, VaR, top positions, sectors, factors, the worst
    scenarios, history and correlation."""
    metrics = portfolio["riskMetrics"]
    top = sections.largest(positions, TOP_POSITIONS)
    worst = sorted(portfolio["scenarios"], key=lambda r: r["pnl"])[:WORST_SCENARIOS]
    body = [
        sections.totals(portfolio, positions),
        sections.exposures(portfolio),
        sections.greeks(portfolio["greeks"]),
        sections.risk_metrics(metrics),
        Section(
            "Top positions by delta-adjusted exposure",
            (
                Table(sections.POSITION_COLUMNS, sections.position_rows(top)),
                *sections.position_notes(positions),
            ),
        ),
        sections.sectors(portfolio["sectorExposures"]),
        sections.factors(portfolio["factorExposures"]),
        Section(
            "Worst stress scenarios",
            (
                sections.scenario_bars(worst, "P&L of the worst stress scenarios"),
                sections.scenario_table(worst),
            ),
        ),
        Section("Equity and drawdown", (history_sections.equity_history(portfolio["snapshots"]),)),
        history_sections.correlation(portfolio["correlationMatrix"]),
    ]
    period = f"As of {{as_of}}; risk over {metrics['window']} trading days"
    return period, body


def _groups(title: str, rows: list[dict[str, Any]], first: str) -> Section:
    table = Table(
        (
            Column(first, align="left"),
            Column("Positions"),
            Column("Market value", sections.USD),
            Column("Net notional", sections.USD),
            Column("Gross notional", "% of equity"),
            Column("Net delta-adj.", sections.USD),
            Column("Delta", "shares"),
            Column("Theta", "USD/day"),
        ),
        tuple(
            (
                g["label"],
                fmt.whole(g["positionCount"]),
                fmt.money(g["marketValue"]),
                fmt.money(g["notional"]["net"]),
                fmt.percent(g["notional"]["grossPercent"]),
                fmt.money(g["deltaAdjusted"]["net"]),
                fmt.greek("delta", g["greeks"]["delta"]),
                fmt.greek("theta", g["greeks"]["theta"]),
            )
            for g in rows
        ),
    )
    return Section(title, (table,))


def exposures(
    data: dict[str, Any], portfolio: dict[str, Any], positions: list[dict[str, Any]]
) -> tuple[str, list[Section]]:
    """Both bases with limits, exposure history, sectors, groupings, factors, every position."""
    body = [
        sections.totals(portfolio, positions),
        sections.exposures(portfolio),
        Section(
            "Exposure history", (history_sections.exposure_history(portfolio["exposureHistory"]),)
        ),
        sections.sectors(portfolio["sectorExposures"]),
        _groups("Exposure by underlying", portfolio["byUnderlying"], "Underlying"),
        _groups("Exposure by position type", portfolio["byType"], "Type"),
        _groups("Exposure by strategy", portfolio["byStrategy"], "Strategy"),
        sections.factors(portfolio["factorExposures"]),
        Section(
            f"All positions ({len(positions)})",
            (
                Table(sections.POSITION_COLUMNS, sections.position_rows(positions)),
                *sections.position_notes(positions),
            ),
            new_page=True,
        ),
    ]
    return "Exposures as of {as_of}", body


def _attribution(title: str, rows: list[dict[str, Any]], first: str) -> Table:
    return Table(
        (Column(first, align="left"), Column("P&L", sections.USD)),
        tuple((r["label"], fmt.money(r["pnl"])) for r in rows),
        title=title,
    )


def performance(
    data: dict[str, Any], portfolio: dict[str, Any], positions: list[dict[str, Any]]
) -> tuple[str, list[Section]]:
    """Return and P&L over the period, equity and drawdown, ratios and attribution."""
    result = portfolio["performance"]
    if result is None:
        note = Note("No performance yet: the nightly batch has stored no close for this book.")
        return "As of {as_of}", [
            sections.totals(portfolio, positions),
            Section("Performance", (note,)),
        ]
    history = portfolio["snapshots"]  # the period's closes

    def day(best: dict[str, Any] | None) -> str:
        if best is None:
            return fmt.MISSING
        return f"{fmt.day(best['date'])}: {fmt.money(best['pnl'])}"

    figures = KeyFigures(
        (
            ("Return (time-weighted)", fmt.fraction_percent(result["return"])),
            ("P&L (USD)", fmt.money(result["pnl"])),
            ("Net flow (USD)", fmt.money(result["netFlow"])),
            ("Trading days", fmt.whole(result["days"])),
            ("Best day (USD)", day(result["bestDay"])),
            ("Worst day (USD)", day(result["worstDay"])),
        )
    )
    blocks: list[Block] = [figures, Note(f"Return: {result['returnMethod']}.")]
    if not result["complete"]:
        blocks.append(
            Note(
                "Incomplete: a day's P&L or return, or a position's price, was unknown.", "warning"
            )
        )
    metrics = portfolio["riskMetrics"]
    body = [
        sections.totals(portfolio, positions),
        Section("Performance over the period", tuple(blocks)),
        Section("Equity and drawdown", (history_sections.equity_history(history),)),
        Section(
            "Risk ratios",
            (
                sections.ratios(metrics),
                Note(f"Of today's holdings over {metrics['window']} trading days."),
            ),
        ),
        Section(
            "Attribution",
            (
                _attribution("By position", result["byPosition"], "Position"),
                _attribution("By tag", result["byTag"], "Tag"),
                _attribution("By position type", result["byType"], "Type"),
            ),
        ),
    ]
    period = f"{fmt.label(result['period'])}: {fmt.day(result['from'])} to {fmt.day(result['to'])}"
    return period, body


def scenarios(
    data: dict[str, Any], portfolio: dict[str, Any], positions: list[dict[str, Any]]
) -> tuple[str, list[Section]]:
    """Every scenario's P&L, and the risk profile of the largest option underlying."""
    rows = portfolio["scenarios"]
    described = Table(
        (Column("Scenario", align="left"), Column("Shocks", align="left")),
        tuple((r["scenario"]["name"], r["scenario"]["description"]) for r in rows),
        title="What each scenario applies",
    )
    body = [
        Section(
            "Stress scenarios",
            (
                sections.scenario_bars(rows, "P&L by stress scenario"),
                sections.scenario_table(rows, contributors=True),
                Note("Options repriced in full; every underlying moved by its factor betas."),
            ),
        ),
        _risk_profile(data.get("riskProfile")),
        Section("Scenario definitions", (described,), new_page=True),
    ]
    return "Instant shocks to the book as of {as_of}", body


def _risk_profile(profile: dict[str, Any] | None) -> Section:
    title = "Risk profile of the largest option underlying"
    if profile is None:
        return Section(title, (Note("The book holds no options, so there is no risk profile."),))
    names = [
        "Today" if i == 0 else f"At expiry {fmt.day(when)}"
        for i, when in enumerate(profile["dates"])
    ]
    curves = dict(zip(names, profile["pnl"], strict=True))
    chart = charts.risk_profile(
        profile["underlying"],
        profile["moves"],
        curves,
        current_price=profile.get("underlyingPrice"),
    )
    table = Table(
        (
            Column("Move of " + profile["underlying"]),
            *(Column(f"P&L {name.lower()}", sections.USD) for name in names),
            Column("Dollar delta today", "USD per 1% move"),
        ),
        tuple(
            (
                f"{move:+.0%}",
                *(fmt.money(curve[i]) for curve in profile["pnl"]),
                fmt.money(profile["dollarDelta"][i]),
            )
            for i, move in enumerate(profile["moves"])
        ),
    )
    blocks: tuple[Block, ...] = (
        Figure(chart),
        Note(
            f"P&L of every {profile['underlying']} position against today's value, options "
            "repriced by Black-Scholes at each move"
            + (
                f", today and at the nearest expiry ({fmt.day(profile['dates'][1])})."
                if len(profile["dates"]) > 1
                else "."
            )
        ),
        table,
    )
    return Section(f"{title}: {profile['underlying']}", blocks)


BUILDERS: dict[ReportKind, Builder] = {
    ReportKind.RISK_SUMMARY: risk_summary,
    ReportKind.EXPOSURES: exposures,
    ReportKind.PERFORMANCE: performance,
    ReportKind.SCENARIOS: scenarios,
}
