"""Stress scenarios: how every underlying moves under a factor shock, and the book's dollar P&L
with options repriced in full (never delta-approximated).

Pure: arrays in, numbers out. A shock names simple returns of the factor ETFs (SPY is the market,
the rest are styles measured as spreads over SPY), per-symbol overrides, an implied-volatility
shift in points, a risk-free rate shift in basis points and a horizon in calendar days.

Factor model (the one `factors` estimates): an underlying's simple return is

    move = beta_market * r_SPY + sum_k beta_k * (r_k - r_SPY)      k over the 7 style ETFs

with betas in `FACTOR_ETFS` order ([underlyings x 8]: column 0 on SPY, columns 1.. on the style
spreads). Rules, in the order they apply:

1. Factor returns. An ETF the shock does not name moves with SPY (spread 0). TLT, when not named
   and the rate moves, moves by duration instead: ``-TLT_DURATION * rate_bp / 10_000`` (absolute,
   not a spread: a +100 bp shift takes 17% off TLT whatever SPY does). This is the usual
   first-order approximation ``dP/P = -D dy`` with a round 17-year duration for TLT (its
   effective duration drifts with the yield level); convexity, which softens large shifts, is
   ignored.
2. Betas. A NaN style beta counts as 0 (no measured exposure to that spread). A NaN market beta
   makes the move NaN -- a move of ``1.0 * r_SPY`` would be a made-up number -- so the caller can
   leave the position out and say so. The one exception: when the shock moves no factor ETF at
   all (a pure volatility, rate-free or time shock), every beta-driven move is exactly 0 whatever
   the betas, so 0 is returned, not NaN.
3. A factor ETF held as an underlying (SPY, TLT, ...) moves by its own factor return from rule 1,
   not through its estimated betas: SPY under "SPY -10%" moves -10% exactly.
4. A symbol named in ``symbol_returns`` takes that return, overriding everything above.

Repricing: stock P&L is shares x spot x move (no dividends or carry over the horizon). Options are
repriced by Black-Scholes-Merton at the moved spot, volatility + vol_points / 100, rate +
rate_bp / 10_000 and time to expiry - horizon_days / 365, against today's model value, through
`revaluation.position_pnl`; an option that expires within the horizon is worth its intrinsic value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sigmasight.analytics.bsm import DAYS_PER_YEAR
from sigmasight.analytics.revaluation import Holdings, position_pnl

__all__ = [
    "FACTOR_ETFS",
    "TLT_DURATION",
    "Shock",
    "factor_returns",
    "scenario_pnl",
    "underlying_moves",
]

Float64Array = npt.NDArray[np.float64]

FACTOR_ETFS = ("SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "USMV", "TLT")
"""Factor order everywhere: column 0 is the market (SPY), the rest are style spreads over SPY."""

TLT_DURATION = 17.0
"""Years. A rate shock of +x bp moves TLT by -17 * x / 10_000 (first-order, no convexity)."""

_TLT = FACTOR_ETFS.index("TLT")
_BP = 10_000.0
_VOL_POINT = 100.0


@dataclass(frozen=True, slots=True)
class Shock:
    """One stress scenario. Returns are simple returns as fractions (-0.10 = down 10%)."""

    etf_returns: Mapping[str, float] = field(default_factory=dict)
    """Factor ETF returns, e.g. {"SPY": -0.10}; an ETF not named moves with SPY (spread 0)."""
    symbol_returns: Mapping[str, float] = field(default_factory=dict)
    """Per-underlying overrides, e.g. {"XOM": 0.025}; they win over the factor model."""
    vol_points: float = 0.0
    """Absolute implied-volatility shift in points: 10 = +10 vol points (+0.10)."""
    rate_bp: float = 0.0
    """Risk-free rate shift in basis points; also moves TLT by duration unless TLT is named."""
    horizon_days: int = 0
    """Calendar days that pass: options lose time value (365-day year)."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.etf_returns) - set(FACTOR_ETFS))
        if unknown:
            raise ValueError(f"not factor ETFs: {', '.join(unknown)} (use {FACTOR_ETFS})")
        for name, value in (*self.etf_returns.items(), *self.symbol_returns.items()):
            if not (math.isfinite(value) and value > -1.0):
                raise ValueError(f"return of {name} must be finite and above -100%: {value}")
        if not (math.isfinite(self.vol_points) and math.isfinite(self.rate_bp)):
            raise ValueError("vol_points and rate_bp must be finite")
        if isinstance(self.horizon_days, bool) or not isinstance(self.horizon_days, int):
            raise ValueError(f"horizon_days must be a whole number of days: {self.horizon_days!r}")
        if self.horizon_days < 0:
            raise ValueError(f"horizon_days must not be negative: {self.horizon_days}")


def factor_returns(shock: Shock) -> Float64Array:
    """[8] simple returns of the factor ETFs in `FACTOR_ETFS` order under `shock`: named ETFs
    take their return, TLT moves by duration when the rate moves and TLT is not named, every
    other ETF moves with SPY (SPY itself defaults to 0)."""
    market = float(shock.etf_returns.get("SPY", 0.0))
    returns = np.array([float(shock.etf_returns.get(etf, market)) for etf in FACTOR_ETFS])
    if "TLT" not in shock.etf_returns and shock.rate_bp != 0.0:
        returns[_TLT] = -TLT_DURATION * shock.rate_bp / _BP
    return returns


def underlying_moves(shock: Shock, symbols: Sequence[str], betas: npt.ArrayLike) -> Float64Array:
    """[underlyings] simple returns of `symbols` under `shock`.

    `betas` is [underlyings x 8] in `FACTOR_ETFS` order (column 0 = market beta on SPY, 1.. =
    style betas on spreads over SPY). move = beta_market * r_SPY + sum_k beta_k * (r_k - r_SPY);
    a NaN style beta counts as 0; a NaN market beta gives NaN (for the caller to flag) unless the
    shock moves no factor ETF, when the move is 0. A factor ETF held as an underlying moves by its
    own factor return, and a symbol in `shock.symbol_returns` takes that return.
    """
    loadings = np.asarray(betas, dtype=np.float64)
    if loadings.shape != (len(symbols), len(FACTOR_ETFS)):
        raise ValueError(
            f"betas must be [{len(symbols)} x {len(FACTOR_ETFS)}], got {loadings.shape}"
        )
    returns = factor_returns(shock)
    spreads = returns[1:] - returns[0]
    market = loadings[:, 0]
    styles = np.nan_to_num(loadings[:, 1:], nan=0.0)
    moves: Float64Array = np.zeros(len(symbols))
    if np.any(returns != 0.0):
        with np.errstate(invalid="ignore"):
            moves = market * returns[0] + styles @ spreads
        moves[np.isnan(market)] = np.nan
    for i, symbol in enumerate(symbols):
        if symbol in shock.symbol_returns:
            moves[i] = shock.symbol_returns[symbol]
        elif symbol in FACTOR_ETFS:
            moves[i] = returns[FACTOR_ETFS.index(symbol)]
    return moves


def scenario_pnl(
    holdings: Holdings, spot: npt.ArrayLike, moves: npt.ArrayLike, shock: Shock
) -> Float64Array:
    """[positions] dollar P&L when the underlyings ([underlyings] `spot`, dollars) move by `moves`
    (simple returns) and options are repriced in full with volatility + vol_points / 100, rate +
    rate_bp / 10_000 and time - horizon_days / 365. Positions on an underlying whose move is NaN
    get NaN."""
    change = np.asarray(moves, dtype=np.float64)
    pnl = position_pnl(
        holdings,
        spot,
        change,
        vol_shift=shock.vol_points / _VOL_POINT,
        rate_shift=shock.rate_bp / _BP,
        years_passed=shock.horizon_days / DAYS_PER_YEAR,
    )
    pnl[np.isnan(change[holdings.underlying])] = np.nan
    return pnl
