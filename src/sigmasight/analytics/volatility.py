"""Historical (realised) volatility of a daily close series."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["TRADING_DAYS_PER_YEAR", "realized_volatility"]

TRADING_DAYS_PER_YEAR = 252
"""Daily returns are annualised over trading days, not calendar days (unlike option theta)."""


def realized_volatility(closes: npt.NDArray[np.float64], *, window: int) -> float:
    """Annualised stdev (ddof=1) of the last `window` daily log returns of one series, x sqrt(252).

    ``closes`` is one 1-D series of daily closes, oldest first, with no gaps filled in; the last
    ``window + 1`` closes give ``window`` returns. A shorter series uses all the returns it has.
    Returns NaN when fewer than 2 returns are available, and NaN (without a warning) when a close
    in the window is NaN or not positive. Raises ``ValueError`` for ``window < 1``.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1 return, got {window}")
    series = np.asarray(closes, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"closes must be one 1-D series, got shape {series.shape}")
    tail = series[-(window + 1) :]
    if tail.size < 3:
        return math.nan
    with np.errstate(all="ignore"):
        returns = np.diff(np.log(tail))
        return float(np.std(returns, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR))
