"""How report charts write numbers: dollars, percentages and betas, with thousands separators."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from matplotlib.ticker import Formatter, FuncFormatter

Unit = Literal["usd", "fraction", "beta"]

MINUS = "\u2212"

UNIT_LABELS: dict[Unit, str] = {
    "usd": "USD",
    "fraction": "Percent",
    "beta": "Beta",
}


class _SpacedFormatter(Formatter):
    """A tick formatter whose decimals follow the spacing of the axis's ticks."""

    _ticks: tuple[float, ...] = ()

    def set_locs(self, locs: Sequence[float]) -> None:
        """Remember the axis's tick values: the decimals shown depend on their spacing."""
        self._ticks = tuple(float(loc) for loc in locs if math.isfinite(loc))

    def largest(self, x: float) -> float:
        """The largest tick magnitude, or |x| before the ticks are known."""
        return max((abs(tick) for tick in self._ticks), default=abs(x))

    def step(self, x: float) -> float:
        """The smallest distance between ticks (a stand-in when there is one tick or none)."""
        steps = np.diff(sorted(self._ticks))
        if len(steps) and steps.min() > 0:
            return float(steps.min())
        return self.largest(x) or 1.0


class UsdFormatter(_SpacedFormatter):
    """Dollar axis ticks: $850,000 below a million, $1.25M or $1.3B above, decimals by spacing."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == 0:
            return "$0"
        largest, step = self.largest(x), self.step(x)
        for scale, suffix in ((1e9, "B"), (1e6, "M")):
            if largest >= scale:
                decimals = max(0, min(3, -math.floor(math.log10(step / scale) + 1e-9)))
                return signed(f"${abs(x) / scale:,.{decimals}f}{suffix}", x)
        decimals = 0 if step >= 1 else 2
        return signed(f"${abs(x):,.{decimals}f}", x)


class PercentAxisFormatter(_SpacedFormatter):
    """Fraction axis ticks as percentages: 0%, -5%, 12.5%, as many decimals as the spacing needs."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == 0:
            return "0%"
        decimals = max(0, min(3, -math.floor(math.log10(self.step(x) * 100) + 1e-9)))
        return signed(f"{abs(x) * 100:,.{decimals}f}%", x)


def axis_formatter(unit: Unit) -> Formatter:
    """Tick labels for a value axis in `unit`."""
    if unit == "usd":
        return UsdFormatter()
    if unit == "fraction":
        return PercentAxisFormatter()
    return FuncFormatter(lambda x, _pos: signed(f"{abs(x):,.2f}".rstrip("0").rstrip("."), x))


def format_value(value: float, unit: Unit) -> str:
    """A bar's value label: $1.2M, 12.5% or 0.85."""
    if unit == "fraction":
        return signed(f"{abs(value) * 100:,.1f}%", value)
    if unit == "beta":
        return signed(f"{abs(value):,.2f}", value)
    magnitude = abs(value)
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(magnitude / scale, 1) >= 1:
            return signed(f"${magnitude / scale:,.1f}{suffix}", value)
    return signed(f"${magnitude:,.0f}", value)


def format_usd_exact(value: float) -> str:
    """Dollars and cents, e.g. $1,234.50."""
    return signed(f"${abs(value):,.2f}", value)


def signed(text: str, value: float) -> str:
    """`text` (written from the magnitude) with a minus sign when negative and not shown as 0."""
    return MINUS + text if value < 0 and any(c in "123456789" for c in text) else text


def floats(values: Sequence[float | None]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The values as floats, None as NaN: a gap that breaks a line, never a zero."""
    return np.array(
        [math.nan if value is None else float(value) for value in values], dtype=np.float64
    )
