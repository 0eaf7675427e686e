"""The correlation heatmap of holdings' returns."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from sigmasight.reports.charts.chart import Chart
from sigmasight.reports.charts.numbers import floats, signed
from sigmasight.reports.charts.style import (
    INK,
    MISSING,
    NAVY,
    RED,
    clamp,
    label_size,
    new_figure,
    settle,
    styled,
    truncate,
)

# Cell values are written in the cells up to this many labels; beyond, they would not fit.
ANNOTATED_UP_TO = 12

DIVERGING = LinearSegmentedColormap.from_list(
    "sigmasight-diverging", [RED, "#E6B7AE", "#F7F7F7", "#A9C4DE", NAVY]
).with_extremes(bad=MISSING)


def correlation_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[float | None]]) -> Chart:
    """Pairwise correlations on a diverging scale fixed to -1..1; missing cells grey."""
    count = len(labels)
    grid = np.array([floats(row) for row in matrix], dtype=np.float64)
    if grid.shape != (count, count):
        raise ValueError(f"a {count} by {count} matrix is needed, got {grid.shape}")
    shown = [truncate(label, 18) for label in labels]
    with styled():
        figure = new_figure(_height(count), compress=True)
        axes = figure.add_subplot()
        image = axes.imshow(
            np.ma.masked_invalid(grid),
            cmap=DIVERGING,
            vmin=-1.0,
            vmax=1.0,
            interpolation="nearest",
            aspect="equal",
        )
        ticks = np.arange(count)
        crowded = count > 8
        axes.set_xticks(
            ticks, shown, rotation=90 if crowded else 45, ha="center" if crowded else "right"
        )
        axes.set_yticks(ticks, shown)
        axes.tick_params(axis="both", length=0, labelsize=label_size(count))
        for side in ("left", "bottom"):
            axes.spines[side].set_visible(False)
        if count <= ANNOTATED_UP_TO:
            for (row, column), value in np.ndenumerate(grid):
                if math.isnan(value):
                    continue
                cell = axes.text(
                    column,
                    row,
                    signed(f"{abs(value):.2f}", value),
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if abs(value) >= 0.6 else INK,
                )
                cell.set_in_layout(False)
        bar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02, ticks=[-1, -0.5, 0, 0.5, 1])
        bar.ax.tick_params(labelsize=7, length=2)
        bar.outline.set_visible(False)
        bar.set_label("Correlation", fontsize=7.5)
        settle(figure)
    return Chart(
        key="correlation-heatmap",
        title="Return correlations",
        description=(
            f"Correlation of daily returns between {count} holdings on a scale from -1 (red) "
            "to +1 (blue); grey cells have too little shared history."
        ),
        figure=figure,
    )


def _height(count: int) -> float:
    # An inch for the labels, then cells wide enough for "-0.50" when annotated, else for a label.
    cell = 0.34 if count <= ANNOTATED_UP_TO else 0.16
    return clamp(1.0 + cell * count, 2.6, 6.3)
