"""The risk profile of an option underlying: P&L over price moves at several horizons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import cycle

import numpy as np
from matplotlib.ticker import MaxNLocator

from sigmasight.reports.charts.chart import Chart
from sigmasight.reports.charts.numbers import (
    PercentAxisFormatter,
    UsdFormatter,
    floats,
    format_usd_exact,
)
from sigmasight.reports.charts.style import (
    AXIS,
    GRID,
    MUTED,
    PALETTE,
    lone_marker,
    new_figure,
    settle,
    styled,
    value_grid,
)


def risk_profile(
    underlying: str,
    moves: Sequence[float],
    curves: Mapping[str, Sequence[float | None]],
    *,
    current_price: float | None = None,
) -> Chart:
    """P&L in USD over the underlying's price move (a fraction, shown as %), one line per curve."""
    x = np.asarray(moves, dtype=np.float64)
    priced = "" if current_price is None else f", current price {format_usd_exact(current_price)}"
    with styled():
        figure = new_figure(3.0)
        axes = figure.add_subplot()
        axes.axhline(0.0, color=AXIS, linewidth=0.7)
        axes.axvline(0.0, color=GRID, linewidth=0.8)
        for (name, pnl), colour in zip(curves.items(), cycle(PALETTE), strict=False):
            values = floats(pnl)
            if len(values) != len(x):
                raise ValueError(f"curve {name!r} has {len(values)} points for {len(x)} moves")
            axes.plot(x, values, color=colour, label=name, marker=lone_marker(x))
        axes.set_title(underlying + priced, fontsize=7.5, fontweight="normal", color=MUTED, pad=14)
        axes.set_xlabel(f"Price move of {underlying}")
        axes.set_ylabel("P&L (USD)")
        axes.xaxis.set_major_formatter(PercentAxisFormatter())
        axes.yaxis.set_major_formatter(UsdFormatter())
        axes.yaxis.set_major_locator(MaxNLocator(6))
        if curves:
            axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=min(len(curves), 4))
        value_grid(axes, "y")
        settle(figure)
    return Chart(
        key="risk-profile",
        title=f"Risk profile: {underlying}",
        description=(
            f"Profit and loss in US dollars of the {underlying} positions{priced} for price moves "
            "of the underlying in percent, one line per horizon."
        ),
        figure=figure,
    )
