"""Report charts: one set of matplotlib figures, written as SVG for HTML reports and PNG for PDF.

Every chart is drawn with the object-oriented API on the Agg canvas (no pyplot, so figures can be
built in worker threads) under one house style. The style is applied with `rc_context` while a
figure is built and while it is written, under a lock: matplotlib reads some settings (tick sizes,
SVG ids) at write time from its global parameters, and two threads must not see each other's.
Output is deterministic (fixed SVG hash salt, no dates or software versions in the metadata) so a
sample report kept under version control does not change when nothing in it changed.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from xml.sax.saxutils import escape

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, PercentFormatter
from matplotlib.typing import RcKeyType

Unit = Literal["usd", "fraction", "beta"]

WIDTH = 7.0
PNG_DPI = 200
NAVY = "#1F3A5F"
BLUE = "#3E6E9E"
RED = "#A8433A"
GOLD = "#B8860B"
SLATE = "#5B6770"
INK = "#22272B"
MUTED = "#6B7378"
GRID = "#E3E6E8"
MISSING = "#D6D6D6"

POSITIVE = BLUE
NEGATIVE = RED
PALETTE = (NAVY, RED, GOLD, SLATE, BLUE, "#6A8F4E", "#8E6C8A")
MINUS = "\u2212"
ELLIPSIS = "\u2026"

STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 7.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#9AA1A6",
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

# Not a re-entrant guard for callers: matplotlib's global parameters are shared by every thread.
_STYLE_LOCK = threading.RLock()


@contextmanager
def _styled() -> Iterator[None]:
    with _STYLE_LOCK, matplotlib.rc_context(STYLE):
        yield


@dataclass(frozen=True)
class Chart:
    """A drawn chart: one matplotlib Figure, written out as SVG (for HTML) or PNG (for PDF)."""

    key: str
    title: str
    description: str
    figure: Figure

    def svg(self) -> str:
        """The chart as a standalone SVG element (no XML prolog), text drawn as paths."""
        buffer = io.StringIO()
        with _styled():
            self.figure.savefig(
                buffer,
                format="svg",
                # Only a title: no date, software version or links that would change or leak.
                metadata={
                    "Title": self.title,
                    "Date": None,
                    "Creator": None,
                    "Format": None,
                    "Type": None,
                },
            )
        text = _strip_prolog(buffer.getvalue()).replace(
            "</title>", f"</title>\n <desc>{escape(self.description)}</desc>", 1
        )
        return _scope_ids(text, self.key)

    def png(self, dpi: int = PNG_DPI) -> bytes:
        """The chart as PNG bytes at `dpi`, without a software or date stamp."""
        buffer = io.BytesIO()
        with _styled():
            self.figure.savefig(
                buffer,
                format="png",
                dpi=dpi,
                metadata={"Software": None},
                pil_kwargs={"compress_level": 1},
            )
        return buffer.getvalue()

    @property
    def size_inches(self) -> tuple[float, float]:
        """Width and height of the drawn chart in inches."""
        width, height = self.figure.get_size_inches()
        return float(width), float(height)


def equity_and_drawdown(
    dates: Sequence[date], equity: Sequence[float | None], drawdown: Sequence[float | None]
) -> Chart:
    """Equity in USD over time above its drawdown from the running peak, on one date axis."""
    x = _date_numbers(dates)
    with _styled():
        figure = _figure(3.6)
        top, bottom = figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": (2.2, 1.0), "hspace": 0.08}
        )
        top.plot(x, _floats(equity), color=NAVY, marker=_lone_marker(x))
        top.set_ylabel("Equity (USD)")
        top.yaxis.set_major_formatter(UsdFormatter())
        top.yaxis.set_major_locator(MaxNLocator(5))
        depth = _floats(drawdown)
        bottom.fill_between(x, depth, 0.0, color=RED, alpha=0.18, linewidth=0)
        bottom.plot(x, depth, color=RED, linewidth=0.9, marker=_lone_marker(x))
        bottom.set_ylabel("Drawdown")
        bottom.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
        bottom.yaxis.set_major_locator(MaxNLocator(3))
        bottom.set_ylim(top=0.0)
        if not np.isfinite(depth).any() or np.nanmin(depth) >= 0:
            bottom.set_ylim(-0.01, 0.0)
        for axes in (top, bottom):
            _value_grid(axes, "y")
        top.tick_params(axis="x", which="both", length=0)
        _date_axis(bottom)
        _settle(figure)
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
    marker = _lone_marker(x)
    with _styled():
        figure = _figure(3.0)
        axes = figure.add_subplot()
        axes.axhline(0.0, color="#9AA1A6", linewidth=0.6)
        axes.plot(x, _floats(gross), color=SLATE, linestyle="--", label="Gross", marker=marker)
        axes.plot(x, _floats(long), color=BLUE, label="Long", marker=marker)
        axes.plot(x, _floats(short), color=RED, label="Short", marker=marker)
        axes.plot(x, _floats(net), color=NAVY, linewidth=1.8, label="Net", marker=marker)
        axes.set_ylabel("Exposure (USD)")
        axes.yaxis.set_major_formatter(UsdFormatter())
        axes.yaxis.set_major_locator(MaxNLocator(6))
        axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, borderaxespad=0.2)
        _value_grid(axes, "y")
        _date_axis(axes)
        _settle(figure)
    return Chart(
        key="exposure-history",
        title="Exposure history",
        description=("Long, short (negative), gross and net exposure in US dollars by date."),
        figure=figure,
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
    numbers = _floats(values)
    known = np.nan_to_num(numbers, nan=0.0)
    with _styled():
        figure = _figure(_clamp(0.9 + 0.17 * count, 2.6, 9.0))
        axes = figure.add_subplot()
        colours = [NEGATIVE if value < 0 else POSITIVE for value in known]
        axes.barh(rows, known, height=0.66, color=colours, linewidth=0)
        axes.axvline(0.0, color="#9AA1A6", linewidth=0.7)
        axes.set_yticks(rows, [_truncate(label, 32) for label in labels])
        axes.set_ylim(count - 0.5, -0.5)
        axes.tick_params(axis="y", length=0, labelsize=_label_size(count))
        axes.spines["left"].set_visible(False)
        axes.set_xlabel(_UNIT_LABELS[unit])
        axes.xaxis.set_major_formatter(_axis_formatter(unit))
        axes.xaxis.set_major_locator(MaxNLocator(6))
        low, high = min(0.0, float(known.min())), max(0.0, float(known.max()))
        span = (high - low) or 1.0
        # Room at both ends for the value labels, which sit outside the bars.
        axes.set_xlim(low - 0.18 * span if low < 0 else -0.04 * span, high + 0.18 * span)
        for row, value in zip(rows, numbers, strict=True):
            text = "n/a" if math.isnan(value) else _format_value(value, unit)
            outward = -1 if value < 0 else 1
            label = axes.annotate(
                text,
                (0.0 if math.isnan(value) else value, row),
                xytext=(3 * outward, 0),
                textcoords="offset points",
                ha="right" if outward < 0 else "left",
                va="center",
                fontsize=_label_size(count),
                color=MUTED if math.isnan(value) else INK,
            )
            # The x limits leave room for these; measuring each one for the layout is slow.
            label.set_in_layout(False)
        _value_grid(axes, "x")
        _settle(figure)
    return Chart(key=key, title=title, description=description, figure=figure)


def correlation_heatmap(labels: Sequence[str], matrix: Sequence[Sequence[float | None]]) -> Chart:
    """Pairwise correlations on a diverging scale fixed to -1..1; missing cells grey."""
    count = len(labels)
    grid = np.array([_floats(row) for row in matrix], dtype=float)
    if grid.shape != (count, count):
        raise ValueError(f"a {count} by {count} matrix is needed, got {grid.shape}")
    shown = [_truncate(label, 18) for label in labels]
    size = _label_size(count)
    with _styled():
        figure = _figure(_clamp(1.6 + 0.135 * count, 3.0, 7.0))
        axes = figure.add_subplot()
        image = axes.imshow(
            np.ma.masked_invalid(grid),
            cmap=_DIVERGING,
            vmin=-1.0,
            vmax=1.0,
            interpolation="nearest",
            aspect="equal",
        )
        ticks = np.arange(count)
        axes.set_xticks(
            ticks, shown, rotation=90 if count > 8 else 45, ha="center" if count > 8 else "right"
        )
        axes.set_yticks(ticks, shown)
        axes.tick_params(axis="both", length=0, labelsize=size)
        for side in ("left", "bottom"):
            axes.spines[side].set_visible(False)
        if count <= 12:
            for (row, column), value in np.ndenumerate(grid):
                if math.isnan(value):
                    continue
                cell = axes.text(
                    column,
                    row,
                    f"{value:.2f}".replace("-", MINUS),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if abs(value) >= 0.6 else INK,
                )
                cell.set_in_layout(False)
        bar = figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02, ticks=[-1, -0.5, 0, 0.5, 1])
        bar.ax.tick_params(labelsize=7, length=2)
        bar.outline.set_visible(False)
        bar.set_label("Correlation", fontsize=7.5)
        _settle(figure)
    return Chart(
        key="correlation-heatmap",
        title="Return correlations",
        description=(
            f"Correlation of daily returns between {count} holdings on a scale from -1 (red) "
            "to +1 (blue); grey cells have too little shared history."
        ),
        figure=figure,
    )


def risk_profile(
    underlying: str,
    moves: Sequence[float],
    curves: Mapping[str, Sequence[float | None]],
    *,
    current_price: float | None = None,
) -> Chart:
    """P&L in USD over the underlying's price move (a fraction, shown as %), one line per curve."""
    x = np.asarray(moves, dtype=float)
    with _styled():
        figure = _figure(3.0)
        axes = figure.add_subplot()
        axes.axhline(0.0, color="#9AA1A6", linewidth=0.7)
        axes.axvline(0.0, color=GRID, linewidth=0.8)
        for (name, pnl), colour in zip(curves.items(), PALETTE, strict=False):
            values = _floats(pnl)
            if len(values) != len(x):
                raise ValueError(f"curve {name!r} has {len(values)} points for {len(x)} moves")
            axes.plot(x, values, color=colour, label=name, marker=_lone_marker(x))
        subtitle = underlying
        if current_price is not None:
            subtitle += f", current price {_format_usd_exact(current_price)}"
        axes.set_title(subtitle, fontsize=7.5, fontweight="normal", color=MUTED, pad=14)
        axes.set_xlabel(f"Price move of {underlying}")
        axes.set_ylabel("P&L (USD)")
        axes.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        axes.yaxis.set_major_formatter(UsdFormatter())
        axes.yaxis.set_major_locator(MaxNLocator(6))
        if len(curves) > 0:
            axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(curves))
        _value_grid(axes, "y")
        _settle(figure)
    priced = f" (current price {_format_usd_exact(current_price)})" if current_price else ""
    return Chart(
        key="risk-profile",
        title=f"Risk profile: {underlying}",
        description=(
            f"Profit and loss in US dollars of the {underlying} positions{priced} for price moves "
            "of the underlying in percent, one line per horizon."
        ),
        figure=figure,
    )


class UsdFormatter(Formatter):
    """Dollar axis ticks: $850,000 below a million, $1.25M or $1.3B above, decimals by spacing."""

    _ticks: tuple[float, ...] = ()

    def set_locs(self, locs: Sequence[float]) -> None:
        """Remember the axis's tick values: the decimals shown depend on their spacing."""
        self._ticks = tuple(float(loc) for loc in locs if math.isfinite(loc))

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == 0:
            return "$0"
        largest = max((abs(tick) for tick in self._ticks), default=abs(x))
        steps = np.diff(sorted(self._ticks))
        step = float(steps.min()) if len(steps) and steps.min() > 0 else (largest or 1.0)
        for scale, suffix in ((1e9, "B"), (1e6, "M")):
            if largest >= scale:
                decimals = max(0, min(3, -math.floor(math.log10(step / scale) + 1e-9)))
                return _signed(f"${abs(x) / scale:,.{decimals}f}{suffix}", x)
        decimals = 0 if step >= 1 else 2
        return _signed(f"${abs(x):,.{decimals}f}", x)


def _format_value(value: float, unit: Unit) -> str:
    if unit == "fraction":
        return _signed(f"{abs(value) * 100:,.1f}%", value)
    if unit == "beta":
        return _signed(f"{abs(value):,.2f}", value)
    magnitude = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(magnitude / scale, 1) >= 1:
            return _signed(f"${magnitude / scale:,.1f}{suffix}", value)
    return _signed(f"${magnitude:,.0f}", value)


def _format_usd_exact(value: float) -> str:
    return _signed(f"${abs(value):,.2f}", value)


def _signed(text: str, value: float) -> str:
    # Round first: a value that prints as zero gets no sign.
    return MINUS + text if value < 0 and any(c in "123456789" for c in text) else text


def _axis_formatter(unit: Unit) -> Formatter:
    if unit == "usd":
        return UsdFormatter()
    if unit == "fraction":
        return PercentFormatter(xmax=1.0, decimals=None)
    return FuncFormatter(lambda x, _pos: f"{x:,.2f}".replace("-", MINUS))


_UNIT_LABELS: dict[Unit, str] = {
    "usd": "USD",
    "fraction": "Percent of equity",
    "beta": "Beta",
}

_DIVERGING = LinearSegmentedColormap.from_list(
    "sigmasight-diverging", ["#A8433A", "#E6B7AE", "#F7F7F7", "#A9C4DE", "#1F4E79"]
).with_extremes(bad=MISSING)


def _figure(height: float) -> Figure:
    # Laid out at the PNG resolution: hinted text is a little wider at 200 dpi than at 100.
    figure = Figure(
        figsize=(WIDTH, height),
        dpi=PNG_DPI,
        layout=ConstrainedLayoutEngine(w_pad=0.06, h_pad=0.05),
    )
    FigureCanvasAgg(figure)  # Agg only; SVG output switches canvas for the one write.
    return figure


def _settle(figure: Figure) -> None:
    # Lay the figure out once, then freeze it: every later write (PNG, SVG) draws it only once.
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)
        figure.set_layout_engine(None)


def _floats(values: Sequence[float | None]) -> np.ndarray[Any, np.dtype[np.float64]]:
    # None is a gap in the data, never a zero: NaN breaks lines and leaves bars empty.
    return np.array([math.nan if value is None else float(value) for value in values], dtype=float)


def _date_numbers(dates: Sequence[date]) -> np.ndarray[Any, np.dtype[np.float64]]:
    # matplotlib.dates has no type annotations.
    numbers = mdates.date2num(list(dates))  # type: ignore[no-untyped-call]
    return np.asarray(numbers, dtype=np.float64)


def _date_axis(axes: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    concise = mdates.ConciseDateFormatter(locator, show_offset=True)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(concise)


def _value_grid(axes: Axes, axis: Literal["x", "y"]) -> None:
    axes.grid(True, axis=axis, color=GRID, linewidth=0.6)
    axes.grid(False, axis="y" if axis == "x" else "x")


def _lone_marker(x: Sequence[float] | np.ndarray[Any, Any]) -> str:
    # A single observation draws no line; a dot keeps it visible.
    return "o" if len(x) == 1 else ""


def _truncate(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + ELLIPSIS


def _label_size(count: int) -> float:
    return 7.0 if count <= 20 else 6.0


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


_PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?")
_ID = re.compile(r'\bid="([^"]+)"')


def _strip_prolog(text: str) -> str:
    return _PROLOG.sub("", text)


def _scope_ids(text: str, key: str) -> str:
    # Several charts are inlined in one HTML page: ids (glyphs, clip paths) must not collide.
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key) + "-"
    ids = set(_ID.findall(text))
    if not ids:
        return text

    def scoped(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}{name}" if name in ids else match.group(0)

    return re.sub(r'(\bid="|href="#|url\(#)([^")]+)', scoped, text)
