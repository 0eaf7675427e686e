"""The house style of report charts: palette, fonts and sizes, and the figure's life cycle.

The style is applied with `rc_context` while a figure is built and while it is written, under
one lock: matplotlib reads some settings (tick sizes, SVG ids) from its global parameters at
write time, and two threads drawing at once must not see each other's settings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sized
from contextlib import contextmanager
from typing import Any, Literal

import matplotlib
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.typing import RcKeyType

WIDTH = 7.0
PNG_DPI = 200

NAVY = "#1F3A5F"
BLUE = "#3E6E9E"
RED = "#A8433A"
GOLD = "#B8860B"
SLATE = "#5B6770"
INK = "#22272B"
MUTED = "#6B7378"
AXIS = "#9AA1A6"
GRID = "#E3E6E8"
MISSING = "#D6D6D6"

POSITIVE = BLUE
NEGATIVE = RED
PALETTE = (NAVY, RED, GOLD, SLATE, BLUE, "#6A8F4E", "#8E6C8A")
ELLIPSIS = "\u2026"

STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 7.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": AXIS,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.unicode_minus": True,
    "axes.axisbelow": True,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 3,
    "ytick.major.size": 0,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "lines.linewidth": 1.2,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "path",
    "svg.hashsalt": "sigmasight-report",
    "path.simplify": True,
}

_LOCK = threading.RLock()


@contextmanager
def styled() -> Iterator[None]:
    """Apply the house style, one thread at a time, for building or writing a figure."""
    with _LOCK, matplotlib.rc_context(STYLE):
        yield


def new_figure(height: float, *, compress: bool = False) -> Figure:
    """A page-wide figure on the Agg canvas, laid out by constrained layout until `settle`.

    `compress` pulls fixed-aspect axes (a heatmap) and their colour bar together, centred.
    """
    # Laid out at the PNG resolution: hinted text is a little wider at 200 dpi than at 100.
    figure = Figure(
        figsize=(WIDTH, height),
        dpi=PNG_DPI,
        layout=ConstrainedLayoutEngine(w_pad=0.06, h_pad=0.08, compress=compress),
    )
    FigureCanvasAgg(figure)
    return figure


def settle(figure: Figure) -> None:
    """Lay the figure out once and freeze it, so every later write draws it only once."""
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)
        figure.set_layout_engine(None)


def value_grid(axes: Axes, axis: Literal["x", "y"]) -> None:
    """A light grid across the value axis only."""
    axes.grid(True, axis=axis, color=GRID, linewidth=0.6)
    axes.grid(False, axis="y" if axis == "x" else "x")


def lone_marker(x: Sized) -> str:
    """A dot for a series of one point, which would otherwise draw no line at all."""
    return "o" if len(x) == 1 else ""


def truncate(label: str, limit: int) -> str:
    """The label cut to `limit` characters, ending in an ellipsis when cut."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + ELLIPSIS


def label_size(count: int) -> float:
    """Font size of category labels: smaller when there are many."""
    return 7.0 if count <= 20 else 6.0


def clamp(value: float, low: float, high: float) -> float:
    """`value` held within low..high."""
    return max(low, min(high, value))
