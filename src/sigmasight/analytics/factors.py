"""Factor betas: each asset's daily returns regressed on the market and on style-ETF spreads.

Pure: arrays in, numbers out, no I/O and no clock. Units: returns are daily SIMPLE returns as
fractions (0.01 = +1%), oldest first along the last axis, NaN for a day without a price; betas are
dimensionless (an asset with market beta 1.2 moves 1.2% when SPY moves 1%); R² is a fraction.
The window (150 trading days in the service) is chosen by the caller, who passes exactly the days
to use.

The model, per asset, on the days where the asset and every factor have a finite return::

    r_asset = alpha + b_0 * r_SPY + sum_k b_k * (r_style_k - r_SPY) + e

Regressing on the style ETFs' returns IN EXCESS of SPY (not their raw returns, which are mostly
the market) keeps the market beta readable as "the beta to SPY" and removes most of the
collinearity between the regressors. What remains (value minus SPY and growth minus SPY are nearly
mirror images, since SPY is roughly half of each) is handled by a ridge penalty on the style betas
only: the fit minimises::

    sum_t e_t**2 + RIDGE_PENALTY * sum_k SS_k * b_k**2,   SS_k = sum_t (x_kt - mean x_k)**2

over the used days, i.e. lambda x n x (population) variance of each spread. In standardised
units this adds lambda to each spread's diagonal of the correlation matrix, so the penalty does not
depend on the scale of the data. The intercept and the market beta are never penalised, so an
asset that IS the market gets market beta exactly 1 and style betas exactly 0 (zero residual at
zero penalty is the unique optimum). The documented bias: when the spreads are uncorrelated with
each other and with the market on the used days, each style beta is the ordinary-least-squares
beta shrunk by the factor 1 / (1 + RIDGE_PENALTY) (about 4.8%), and the market beta equals the OLS
one. Along a nearly collinear direction with correlation-matrix eigenvalue d the shrinkage is
d / (d + lambda), and the variance of the estimate is at most 1 / (4 lambda) = 5 times that of an
uncorrelated spread (OLS: unbounded).

R² is the ordinary 1 - SSR / SST of the fitted (ridge) model on the used days.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "LOW_R2_BELOW",
    "MIN_OBSERVATIONS",
    "RIDGE_PENALTY",
    "BetaQuality",
    "FactorBetas",
    "factor_betas",
    "simple_returns",
]

Float64Array = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]


class BetaQuality(StrEnum):
    """How far one asset's betas can be trusted."""

    OK = "OK"
    """At least ``min_observations`` days and R² at least ``LOW_R2_BELOW``."""
    SHORT_HISTORY = "SHORT_HISTORY"
    """Fewer than ``min_observations`` usable days: no betas (NaN)."""
    LOW_R2 = "LOW_R2"
    """Betas reported, but the factors explain less than ``LOW_R2_BELOW`` of the variance."""
    MISSING = "MISSING"
    """No finite return for the asset at all: no betas (NaN)."""


MIN_OBSERVATIONS = 60
"""Fewest usable days for a fit; fewer gives SHORT_HISTORY and NaN betas."""

LOW_R2_BELOW = 0.10
"""R² under this: betas reported but flagged LOW_R2."""

RIDGE_PENALTY = 0.05
"""lambda: each style beta is penalised by lambda x n x var(spread) x beta² (see module doc).

0.05 shrinks the style betas of uncorrelated spreads by 1/(1.05), a bias of under 0.05 for any
style beta below 1, while capping the variance of a nearly collinear pair (value vs growth) at
5 times that of an uncorrelated spread.
"""

_FLAT_VARIANCE = 1e-20
"""A series whose daily returns vary by less than 1e-10 (variance per day) counts as not moving."""

_CHUNK_ELEMENTS = 2_000_000
"""Assets are fitted in batches whose centred design stays near this many float64s (16 MB)."""


@dataclass(frozen=True, slots=True)
class FactorBetas:
    """Betas of each asset to the market and to each style spread, with fit diagnostics.

    ``betas[:, 0]`` is the market beta (coefficient on SPY's return), ``betas[:, k]`` for k >= 1
    the beta to style factor k's spread (its ETF's return minus SPY's).
    """

    betas: Float64Array
    """[assets x factors] dimensionless; NaN rows where quality is SHORT_HISTORY or MISSING."""
    r_squared: Float64Array
    """[assets] fraction; NaN where there is no fit, or where the asset did not move at all."""
    observations: Int64Array
    """[assets] days used in the fit (asset and every factor finite)."""
    quality: list[BetaQuality]
    """[assets] see `BetaQuality`."""


def factor_betas(
    asset_returns: npt.ArrayLike,
    factor_returns: npt.ArrayLike,
    *,
    min_observations: int = MIN_OBSERVATIONS,
) -> FactorBetas:
    """Ridge-regularised betas of each asset to the market and to the style spreads.

    ``asset_returns`` is [assets x days], ``factor_returns`` [factors x days], both simple daily
    returns with NaN for a missing day, aligned on the same days. Row 0 of ``factor_returns`` is
    the market (SPY); rows 1.. are the style ETFs' RAW returns. Each asset is regressed, with an
    intercept, on the market return and on each style ETF's return in excess of the market
    (style - market), using only the days where the asset and every factor are finite; the style
    coefficients carry the ridge penalty of the module doc (RIDGE_PENALTY), the intercept and the
    market beta none. Column 0 of ``betas`` is the market beta, columns 1.. the style betas.

    Quality: no finite asset return at all gives MISSING; fewer than ``min_observations`` usable
    days SHORT_HISTORY (both with NaN betas and R²); R² under LOW_R2_BELOW (or undefined, for an
    asset that did not move) LOW_R2 with betas reported; otherwise OK. A factor that does not move
    on an asset's used days carries no information and gets beta 0. Raises ``ValueError`` on
    mismatched shapes or ``min_observations`` below the number of coefficients (factors + 1).
    """
    assets = np.asarray(asset_returns, dtype=np.float64)
    factors = np.asarray(factor_returns, dtype=np.float64)
    if assets.ndim != 2 or factors.ndim != 2:
        raise ValueError(
            f"asset_returns and factor_returns must be 2-D, got {assets.shape} and {factors.shape}"
        )
    if factors.shape[0] < 1:
        raise ValueError("factor_returns needs at least the market row")
    if factors.shape[1] != assets.shape[1]:
        raise ValueError(
            f"asset_returns has {assets.shape[1]} days but factor_returns has {factors.shape[1]}"
        )
    n_factors = factors.shape[0]
    if min_observations < n_factors + 1:
        raise ValueError(
            f"min_observations must be at least {n_factors + 1} (factors + intercept), "
            f"got {min_observations}"
        )
    n_assets, n_days = assets.shape

    with np.errstate(invalid="ignore", over="ignore"):
        spreads = factors[1:] - factors[0]
    design = np.concatenate([factors[:1], spreads]).T  # days x factors
    factor_days = np.isfinite(design).all(axis=1)
    design = np.where(factor_days[:, None], design, 0.0)

    asset_finite = np.isfinite(assets)
    used = asset_finite & factor_days
    observations = used.sum(axis=1).astype(np.int64)

    betas = np.full((n_assets, n_factors), np.nan)
    r_squared = np.full(n_assets, np.nan)
    fitted = np.flatnonzero(observations >= min_observations)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, n_days * n_factors))
    for start in range(0, fitted.size, chunk):
        rows = fitted[start : start + chunk]
        weights = used[rows]
        chunk_betas, chunk_r2 = _ridge_fit(np.where(weights, assets[rows], 0.0), weights, design)
        betas[rows] = chunk_betas
        r_squared[rows] = chunk_r2

    quality: list[BetaQuality] = []
    has_any: list[bool] = np.any(asset_finite, axis=1).tolist()
    for i in range(n_assets):
        if not has_any[i]:
            quality.append(BetaQuality.MISSING)
        elif observations[i] < min_observations:
            quality.append(BetaQuality.SHORT_HISTORY)
        elif not r_squared[i] >= LOW_R2_BELOW:  # NaN (asset did not move) is LOW_R2 too
            quality.append(BetaQuality.LOW_R2)
        else:
            quality.append(BetaQuality.OK)
    return FactorBetas(betas=betas, r_squared=r_squared, observations=observations, quality=quality)


def _ridge_fit(
    returns: Float64Array, used: npt.NDArray[np.bool_], design: Float64Array
) -> tuple[Float64Array, Float64Array]:
    """Betas [m x p] and R² [m] of m assets ([m x days], 0 on unused days) on one design.

    Each asset is centred on its own used days (which is what fitting the intercept does), the
    normal equations (X'X + P) b = X'y are Jacobi-scaled (to unit diagonal of X'X) and solved in
    float64 as one batch of small p x p systems.
    """
    weight = used.astype(np.float64)  # m x days, 1 on used days
    n = weight.sum(axis=1)
    x_mean = (weight @ design) / n[:, None]
    y_mean = (weight * returns).sum(axis=1) / n
    xc = (design[None, :, :] - x_mean[:, None, :]) * weight[:, :, None]  # m x days x p
    yc = (returns - y_mean[:, None]) * weight
    xt = xc.transpose(0, 2, 1)
    gram = xt @ xc
    cross = (xt @ yc[:, :, None])[:, :, 0]
    total = (yc * yc).sum(axis=1)

    diag = np.diagonal(gram, axis1=1, axis2=2).copy()
    penalty = np.zeros_like(diag)
    penalty[:, 1:] = RIDGE_PENALTY * diag[:, 1:]
    # A factor that did not move is a zero column: any positive diagonal pins its beta to 0.
    flat = diag <= _FLAT_VARIANCE * n[:, None]
    scale = np.where(flat, 1.0, np.sqrt(diag))
    penalty[flat] = 1.0
    system = gram + penalty[:, :, None] * np.eye(diag.shape[1])
    system /= scale[:, :, None] * scale[:, None, :]
    scaled = np.linalg.solve(system, (cross / scale)[:, :, None])[:, :, 0]
    betas = scaled / scale

    residual = yc - (xc @ betas[:, :, None])[:, :, 0]
    ssr = (residual * residual).sum(axis=1)
    moved = total > _FLAT_VARIANCE * n
    with np.errstate(invalid="ignore", divide="ignore"):
        r_squared = np.where(moved, 1.0 - ssr / total, np.nan)
    return betas, r_squared


def simple_returns(closes: npt.ArrayLike) -> Float64Array:
    """Simple daily returns c[t] / c[t-1] - 1 (fractions) along the last axis.

    ``closes`` is [n x (days + 1)] daily closes, oldest first (a 1-D series works too); the result
    is [n x days]. A return is NaN where either close is NaN, infinite or not positive (a close of
    0 or below is bad data, not a -100% day); no gap is filled in.
    """
    prices = np.asarray(closes, dtype=np.float64)
    if prices.ndim < 1:
        raise ValueError("closes must have a days axis")
    valid = np.isfinite(prices) & (prices > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = prices[..., 1:] / prices[..., :-1] - 1.0
    result: Float64Array = np.where(valid[..., 1:] & valid[..., :-1], ratio, np.nan)
    return result
