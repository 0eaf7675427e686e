"""Charts over time: equity with its drawdown, and exposure history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from sigmasight.reports.charts.chart import Chart
from sigmasight.reports.charts.numbers import PercentAxisFormatter, UsdFormatter, floats
from sigmasight.reports.charts.style import (
    AXIS,
    BLUE,
    NAVY,
    RED,
    SLATE,
    lone_marker,
    new_figure,
    settle,
    styled,
    value_grid,
)


def equity_and_drawdown(
    dates: Sequence[date], equity: Sequence[float | None], drawdown: Sequence[float | None]
) -> Chart:
    """Equity in USD over time above its drawdown from the running peak, on one date axis."""
    x = _date_numbers(dates)
    marker = lone_marker(x)
    with styled():
        figure = new_figure(3.6)
        top, bottom = figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": (2.2, 1.0), "hspace": 0.08}
        )
        top.plot(x, floats(equity), color=NAVY, marker=marker)
        top.set_ylabel("Equity (USD)")
        top.yaxis.set_major_formatter(UsdFormatter())
        top.yaxis.set_major_locator(MaxNLocator(5))
        depth = floats(drawdown)
        bottom.fill_between(x, depth, 0.0, color=RED, alpha=0.18, linewidth=0)
        bottom.plot(x, depth, color=RED, linewidth=0.9, marker=marker)
        bottom.set_ylabel("Drawdown")
        bottom.yaxis.set_major_formatter(PercentAxisFormatter())
        bottom.yaxis.set_major_locator(MaxNLocator(3))
        bottom.set_ylim(top=0.0)
        if not np.isfinite(depth).any() or np.nanmin(depth) >= 0:
            # A book that never fell below its peak still shows a readable 0% axis.
            bottom.set_ylim(-0.01, 0.0)
        for axes in (top, bottom):
            value_grid(axes, "y")
        top.tick_params(axis="x", which="both", length=0)
        _date_axis(bottom)
        settle(figure)
    return Chart(
        key="equity-drawdown",
        title="Equity and drawdown",
        description=(
            "Portfolio equity in US dollars by date, and below it the drawdown from the running "
            "peak as a percentage of that peak."
        ),
        figure=figure,
    )


def exposure_history(
    dates: Sequence[date],
    long: Sequence[float | None],
    short: Sequence[float | None],
    gross: Sequence[float | None],
    net: Sequence[float | None],
) -> Chart:
    """Long, short, gross and net exposure in USD over time; short is drawn as given (negative)."""
    x = _date_numbers(dates)
    marker = lone_marker(x)
    with styled():
        figure = new_figure(3.0)
        axes = figure.add_subplot()
        axes.axhline(0.0, color=AXIS, linewidth=0.6)
        axes.plot(x, floats(gross), color=SLATE, linestyle="--", label="Gross", marker=marker)
        axes.plot(x, floats(long), color=BLUE, label="Long", marker=marker)
        axes.plot(x, floats(short), color=RED, label="Short", marker=marker)
        axes.plot(x, floats(net), color=NAVY, linewidth=1.8, label="Net", marker=marker)
        axes.set_ylabel("Exposure (USD)")
        axes.yaxis.set_major_formatter(UsdFormatter())
        axes.yaxis.set_major_locator(MaxNLocator(6))
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, borderaxespad=0.2)
        value_grid(axes, "y")
        _date_axis(axes)
        settle(figure)
    return Chart(
        key="exposure-history",
        title="Exposure history",
        description="Long, short (negative), gross and net exposure in US dollars by date.",
        figure=figure,
    )


def _date_numbers(dates: Sequence[date]) -> np.ndarray[Any, np.dtype[np.float64]]:
    # matplotlib.dates has no type annotations.
    numbers = mdates.date2num(list(dates))  # type: ignore[no-untyped-call]
    return np.asarray(numbers, dtype=np.float64)


def _date_axis(axes: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    concise = mdates.ConciseDateFormatter(locator, show_offset=True)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(concise)
