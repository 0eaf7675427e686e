"""Horizontal bars for categories: sector and factor exposures, scenario P&L."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from sigmasight.reports.charts.chart import Chart
from sigmasight.reports.charts.numbers import (
    UNIT_LABELS,
    Unit,
    axis_formatter,
    floats,
    format_value,
)
from sigmasight.reports.charts.style import (
    AXIS,
    INK,
    MUTED,
    NEGATIVE,
    POSITIVE,
    clamp,
    label_size,
    new_figure,
    settle,
    styled,
    truncate,
    value_grid,
)


def bars(
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: Unit,
    description: str,
) -> Chart:
    """Horizontal bars, first label on top; positives and negatives in two colours, n/a for None."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    count = len(labels)
    rows = np.arange(count)
    numbers = floats(values)
    known = np.nan_to_num(numbers, nan=0.0)
    size = label_size(count)
    with styled():
        # About a sixth of an inch per row, within one page.
        figure = new_figure(clamp(0.9 + 0.17 * count, 2.6, 9.0))
        axes = figure.add_subplot()
        colours = [NEGATIVE if value < 0 else POSITIVE for value in known]
        axes.barh(rows, known, height=0.66, color=colours, linewidth=0)
        axes.axvline(0.0, color=AXIS, linewidth=0.7)
        axes.set_yticks(rows, [truncate(label, 32) for label in labels])
        axes.set_ylim(count - 0.5, -0.5)
        axes.tick_params(axis="y", length=0, labelsize=size)
        axes.spines["left"].set_visible(False)
        axes.set_xlabel(UNIT_LABELS[unit])
        axes.xaxis.set_major_formatter(axis_formatter(unit))
        axes.xaxis.set_major_locator(MaxNLocator(6))
        low, high = min(0.0, float(known.min())), max(0.0, float(known.max()))
        span = (high - low) or 1.0
        # Room at both ends for the value labels, which sit outside the bars.
        axes.set_xlim(low - 0.18 * span if low < 0 else -0.04 * span, high + 0.18 * span)
        for row, value in zip(rows, numbers, strict=True):
            missing = math.isnan(value)
            outward = -1 if value < 0 else 1
            label = axes.annotate(
                "n/a" if missing else format_value(value, unit),
                (0.0 if missing else value, row),
                xytext=(3 * outward, 0),
                textcoords="offset points",
                ha="right" if outward < 0 else "left",
                va="center",
                fontsize=size,
                color=MUTED if missing else INK,
            )
            # The x limits leave room for these; measuring each one for the layout is slow.
            label.set_in_layout(False)
        value_grid(axes, "x")
        settle(figure)
    return Chart(key=key, title=title, description=description, figure=figure)
