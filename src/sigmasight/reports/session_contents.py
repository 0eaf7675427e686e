"""What a what-if session's report says: the session, its trades, and what they change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sigmasight.reports import formatting as fmt
from sigmasight.reports import sections
from sigmasight.reports.glossary import glossary
from sigmasight.reports.layout import Block, Column, Document, KeyFigures, Note, Section, Table
from sigmasight.reports.models import ReportKind

Format = Callable[[float | None], str]
HEADLINE = (
    ("Equity (USD)", "equity", fmt.money),
    ("Market value (USD)", "totalValue", fmt.money),
    ("VaR 95%, 1 day (USD)", "var95", fmt.money),
    ("VaR 99%, 1 day (USD)", "var99", fmt.money),
    ("CVaR 95%, 1 day (USD)", "cvar95", fmt.money),
    ("Beta to SPY", "beta", fmt.ratio),
    ("Annualised volatility", "annualizedVolatility", fmt.fraction_percent),
)
CHANGE_COLUMNS = (Column("Before"), Column("After"), Column("Change"), Column("Change", "%"))


def _change(name: str, change: dict[str, Any], show: Format) -> tuple[str, ...]:
    return (
        name,
        show(change["before"]),
        show(change["after"]),
        show(change["change"]),
        fmt.percent(change["changePercent"]),
    )


def _changes(title: str, first: str, rows: Sequence[dict[str, Any]], show: Format) -> Table:
    return Table(
        (Column(first, align="left"), *CHANGE_COLUMNS),
        tuple(_change(r["name"], r["change"], show) for r in rows),
        title=title,
    )


def _greek_label(name: str) -> str:
    # The impact names Greeks in snake case (`dollar_delta`); the labels go by field names.
    head, *rest = name.split("_")
    return sections.GREEK_LABELS.get(head + "".join(word.title() for word in rest), name)


def _greek_changes(rows: Sequence[dict[str, Any]]) -> Table:
    # Gamma is small per dollar: it keeps four decimals where the others keep two.
    return Table(
        (Column("Greek", align="left"), *CHANGE_COLUMNS),
        tuple(
            _change(
                _greek_label(r["name"]),
                r["change"],
                partial(fmt.greek, r["name"]),
            )
            for r in rows
        ),
        title="Greeks",
    )


def modeling_session(data: dict[str, Any], *, title: str, generated_at: datetime) -> Document:
    """The session's facts, its trades and the before/after/change of every figure."""
    session = data["modelingSession"]
    impact = session["impact"]
    portfolio = session["portfolio"]
    facts = KeyFigures(
        (
            ("Session", session["name"]),
            ("Status", session["status"]),
            ("Marks of", fmt.day(session["asOf"])),
            ("Started", fmt.timestamp(datetime.fromisoformat(session["createdAt"]))),
            ("Last changed", fmt.timestamp(datetime.fromisoformat(session["updatedAt"]))),
            ("Trades", fmt.whole(len(session["trades"]))),
        )
    )
    trades = Table(
        (
            Column("Action", align="left"),
            Column("Symbol", align="left"),
            Column("Quantity"),
            Column("Price", "USD/share"),
            Column("Price source", align="left"),
            Column("Order", align="left"),
            Column("Limit", "USD/share"),
            Column("Origin", align="left"),
        ),
        tuple(
            (
                t["action"],
                t["symbol"],
                fmt.whole(t["quantity"]),
                fmt.price(t["price"]),
                t["priceSource"],
                t["orderType"],
                fmt.price(t["limitPrice"]),
                t["origin"],
            )
            for t in session["trades"]
        ),
    )
    trade_blocks: tuple[Block, ...] = (
        (trades,) if session["trades"] else (Note("The session has no trades yet."),)
    )
    headline = Table(
        (Column("Figure", align="left"), *CHANGE_COLUMNS),
        tuple(_change(name, impact[key], show) for name, key, show in HEADLINE),
    )
    limit_rows = tuple(
        (
            fmt.label(c["basis"]),
            c["before"] or fmt.MISSING,
            c["after"] or fmt.MISSING,
            c["effect"],
        )
        for c in impact["limitChanges"]
    )
    limits: Block = (
        Table(
            (
                Column("Basis", align="left"),
                Column("Before", align="left"),
                Column("After", align="left"),
                Column("Effect", align="left"),
            ),
            limit_rows,
            title="Risk limits",
        )
        if limit_rows
        else Note("The trades breach or cure no risk limit.")
    )
    body = (
        Section("Session", (facts,)),
        Section("Trades", trade_blocks),
        Section("Impact", (headline, limits)),
        Section(
            "Impact on Greeks and exposure",
            (
                _greek_changes(impact["greeks"]),
                _changes("Notional exposure (USD)", "Side", impact["notional"], fmt.money),
                _changes(
                    "Delta-adjusted exposure (USD)", "Side", impact["deltaAdjusted"], fmt.money
                ),
            ),
        ),
        Section(
            "Impact on factors and sectors",
            (
                _changes("Factor exposure (USD)", "Factor", impact["factors"], fmt.money),
                _changes(
                    "Net notional exposure by sector (% of equity)",
                    "Sector",
                    impact["sectors"],
                    fmt.ratio,
                ),
            ),
        ),
    )
    return Document(
        title=title,
        portfolio=portfolio["name"] if portfolio else session["name"],
        period=f"Session “{session['name']}”, marks of {fmt.day(session['asOf'])}",
        as_of=fmt.day(session["asOf"]),
        generated_at=generated_at,
        sources=sections.sources(data),
        sections=body,
        glossary=glossary(ReportKind.MODELING_SESSION),
    )
