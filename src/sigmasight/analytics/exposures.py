"""Long, short, gross and net exposure of a set of positions, and where it stands against limits.

Pure: signed dollar exposures in, totals out. A position's exposure is signed by its direction:
notional exposure by the position's side (a short stock or a written option is negative),
delta-adjusted exposure by the sign of position delta x underlying price (a long put is negative).
Long is the sum of the positive exposures, short the sum of the negative ones (a negative number),
gross = long - short, net = long + short. Positions with unknown exposure (NaN) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

NEAR_FRACTION = 0.10  # "near" a bound: within 10% of its value


@dataclass(frozen=True, slots=True)
class ExposureTotals:
    """Dollar exposure of a set of positions; `short` is zero or negative."""

    long: float
    short: float
    gross: float
    net: float
    long_count: int
    short_count: int


def exposure_totals(exposures: npt.ArrayLike) -> ExposureTotals:
    """Long, short, gross and net dollars and counts of signed exposures (NaN left out)."""
    values = np.asarray(exposures, dtype=np.float64)
    values = values[np.isfinite(values)]
    longs = values[values > 0]
    shorts = values[values < 0]
    long = float(longs.sum())
    short = float(shorts.sum())
    return ExposureTotals(
        long=long,
        short=short,
        gross=long - short,
        net=long + short,
        long_count=int(longs.size),
        short_count=int(shorts.size),
    )


def percent_of(amount: float, equity: float) -> float | None:
    """`amount` as a percentage of equity (5.0 = 5%); None when equity is not positive."""
    return None if equity <= 0 else amount / equity * 100.0


class LimitStatus(StrEnum):
    WITHIN = "WITHIN"
    NEAR = "NEAR"
    BREACHED = "BREACHED"


def gross_limit_status(gross_percent: float, limit_percent: float) -> LimitStatus:
    """BREACHED above the limit, NEAR within 10% of it (at 90% or more), else WITHIN."""
    if gross_percent > limit_percent:
        return LimitStatus.BREACHED
    if gross_percent >= limit_percent * (1 - NEAR_FRACTION):
        return LimitStatus.NEAR
    return LimitStatus.WITHIN


def net_range_status(net_percent: float, low_percent: float, high_percent: float) -> LimitStatus:
    """BREACHED outside [low, high], NEAR within 10% of a bound's value from it, else WITHIN.

    A bound at 0% has no size to take 10% of; the range's width sets its margin instead.
    """
    if net_percent < low_percent or net_percent > high_percent:
        return LimitStatus.BREACHED
    width = high_percent - low_percent
    near_low = net_percent - low_percent <= _margin(low_percent, width)
    near_high = high_percent - net_percent <= _margin(high_percent, width)
    return LimitStatus.NEAR if near_low or near_high else LimitStatus.WITHIN


def _margin(bound: float, width: float) -> float:
    return NEAR_FRACTION * (abs(bound) if bound else width)
