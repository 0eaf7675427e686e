"""Report sections over time and across underlyings: equity and drawdown, exposure history and
the correlation heatmap, each from the API's own series, or a note saying why there is none."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sigmasight.reports import charts
from sigmasight.reports.layout import Block, Figure, Note, Section


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def equity_history(snapshots: Sequence[dict[str, Any]]) -> Block:
    """Equity and drawdown over the stored closes, or why there is no chart."""
    if len(snapshots) < 2:
        return Note(
            "No equity curve: the nightly batch has stored "
            f"{len(snapshots)} close(s) for this book; two are needed.",
            "warning",
        )
    chart = charts.equity_and_drawdown(
        [_day(s["date"]) for s in snapshots],
        [s["totalValue"] for s in snapshots],
        [s["drawdown"] for s in snapshots],
    )
    return Figure(chart)


def exposure_history(points: Sequence[dict[str, Any]]) -> Block:
    """Notional long, short, gross and net at each stored close, or why there is no chart."""
    if len(points) < 2:
        return Note(
            f"No exposure history: {len(points)} stored close(s) for this book; two are needed.",
            "warning",
        )
    amounts = [p["notional"] for p in points]
    return Figure(
        charts.exposure_history(
            [_day(p["date"]) for p in points],
            [a["long"] for a in amounts],
            [a["short"] for a in amounts],
            [a["gross"] for a in amounts],
            [a["net"] for a in amounts],
        )
    )


def correlation(matrix: dict[str, Any]) -> Section:
    """The correlation heatmap of the largest underlyings, or why there is none."""
    labels = matrix["labels"]
    if len(labels) < 2 or matrix["observations"] < 2:
        note = Note("No correlation matrix: fewer than two underlyings with history.", "warning")
        return Section("Correlation", (note,))
    size = len(labels)
    values = matrix["matrix"]
    rows = [values[i * size : (i + 1) * size] for i in range(size)]
    note = Note(
        f"Pearson correlation of daily returns over {matrix['window']} trading days "
        f"({matrix['observations']} used), the {size} underlyings with the largest gross "
        "delta-adjusted exposure."
    )
    return Section("Correlation", (Figure(charts.correlation_heatmap(labels, rows)), note))
