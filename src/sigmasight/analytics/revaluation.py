"""Full revaluation of a book under moves of its underlyings: the one repricing path that VaR,
stress scenarios and risk profiles share.

Pure: arrays in, dollars out. A book is `Holdings`: one entry per open position, pointing at an
underlying by index. Stock is worth shares x spot. Options are repriced by Black-Scholes-Merton
at the moved spot, with volatility, rate and time shifted as asked (never delta-approximated), and
are worth shares x price per share. P&L is always against the same model at today's inputs, so
an unmoved book shows exactly zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sigmasight.analytics.bsm import bsm_price

Float64Array = npt.NDArray[np.float64]
MOST_A_PRICE_CAN_FALL = -1.0 + 1e-9


@dataclass(frozen=True, slots=True)
class Holdings:
    """Open positions as arrays; every array has one entry per position."""

    underlying: npt.NDArray[np.intp]  # index of the position's underlying in the spot arrays
    shares: Float64Array  # signed quantity x multiplier
    is_option: npt.NDArray[np.bool_]
    is_call: npt.NDArray[np.bool_]  # ignored for stock
    strike: Float64Array  # dollars per share; ignored for stock
    years: Float64Array  # ACT/365 years to expiry; ignored for stock
    vol: Float64Array  # annualised volatility (0.25 = 25%); ignored for stock
    dividend_yield: Float64Array  # annual, continuous, of the underlying
    rate: float  # annual, continuously compounded risk-free rate

    def __len__(self) -> int:
        return int(self.shares.size)

    def subset(self, mask: npt.NDArray[np.bool_]) -> Holdings:
        """The positions where `mask` is true."""
        return Holdings(
            self.underlying[mask],
            self.shares[mask],
            self.is_option[mask],
            self.is_call[mask],
            self.strike[mask],
            self.years[mask],
            self.vol[mask],
            self.dividend_yield[mask],
            self.rate,
        )


def position_values(
    holdings: Holdings,
    spot: npt.ArrayLike,
    *,
    vol_shift: npt.ArrayLike = 0.0,
    rate_shift: float = 0.0,
    years_passed: npt.ArrayLike = 0.0,
) -> Float64Array:
    """Dollar value of each position for each column of `spot`.

    `spot` is [underlyings] or [underlyings x scenarios]; the result is [positions] or
    [positions x scenarios]. `vol_shift` (absolute, 0.10 = +10 vol points) and `years_passed`
    broadcast against the scenarios; an option whose remaining time reaches zero is worth its
    intrinsic value.
    """
    spots = np.asarray(spot, dtype=np.float64)
    column = spots.ndim == 1
    grid = spots[:, None] if column else spots
    s = grid[holdings.underlying]  # [positions x scenarios]
    values = s * holdings.shares[:, None]
    options = np.flatnonzero(holdings.is_option)
    if options.size:
        shift = np.broadcast_to(np.asarray(vol_shift, dtype=np.float64), (grid.shape[1],))
        passed = np.broadcast_to(np.asarray(years_passed, dtype=np.float64), (grid.shape[1],))
        years = np.maximum(holdings.years[options, None] - passed[None, :], 0.0)
        vol = np.maximum(holdings.vol[options, None] + shift[None, :], 1e-6)
        prices = bsm_price(
            holdings.is_call[options, None],
            s[options],
            holdings.strike[options, None],
            years,
            holdings.rate + rate_shift,
            vol,
            holdings.dividend_yield[options, None],
        )
        values[options] = prices * holdings.shares[options, None]
    return values[:, 0] if column else values


def position_pnl(
    holdings: Holdings,
    spot: npt.ArrayLike,
    moves: npt.ArrayLike,
    *,
    vol_shift: npt.ArrayLike = 0.0,
    rate_shift: float = 0.0,
    years_passed: npt.ArrayLike = 0.0,
) -> Float64Array:
    """Dollar P&L of each position when each underlying moves by `moves` (simple returns,
    [underlyings] or [underlyings x scenarios]), repriced in full against today's value.

    A price cannot fall below zero: a move of -100% or worse (a beta-scaled crash, say) leaves
    the underlying at a hair above zero, where stock is worthless and options are at intrinsic.
    """
    base = np.asarray(spot, dtype=np.float64)
    change = np.maximum(np.asarray(moves, dtype=np.float64), MOST_A_PRICE_CAN_FALL)
    moved = base[:, None] * (1.0 + change) if change.ndim == 2 else base * (1.0 + change)
    today = position_values(holdings, base)
    after = position_values(
        holdings, moved, vol_shift=vol_shift, rate_shift=rate_shift, years_passed=years_passed
    )
    return after - (today[:, None] if after.ndim == 2 else today)
