"""Black-Scholes-Merton implied volatility for whole arrays of option prices in one call.

Inputs use the conventions of :mod:`sigmasight.analytics.bsm`: ``price`` per share in dollars,
``years`` to expiry, continuously compounded annual ``rate`` and ``dividend_yield``; the result is
annualised volatility as a decimal (0.20 = 20%), the inverse of ``bsm_price`` and consistent with
vollib's Let's Be Rational.

Method. Each contract is reduced to its out-of-the-money twin by put-call parity (the time value
``price - discounted intrinsic``), which has no cancellation problem deep in the money, and is
solved for the total volatility ``s = vol * sqrt(years)``:

- the initial guess is Corrado-Miller near the money and, where the time value is far in the
  tail, the inverted lower asymptote ``b ~ phi(x/s) s^3 / x^2`` (x = log-moneyness of the
  forward), which Corrado-Miller badly overestimates;
- each step is a Halley step on ``log(model price) - log(target)``: in log space the OTM price is
  close to linear in s even when the price is 1e-50, where plain Newton on price crawls;
- every step is kept inside a bisection bracket ``[lo, hi]`` that tightens with every evaluation
  (doubling while no upper end is known), so the iteration cannot diverge;
- only not-yet-converged contracts are evaluated again, for at most 50 iterations (3-4 is
  typical, about 15 in the far tails).

A contract is solved when its model price is within 1e-12 relative of the target (hence within
1e-12 x max(1, price) absolute), or within the rounding noise of the price formula itself, or when
the step or the bracket has shrunk to a few ulps; the final step is still applied, so the answer
is usually better than the tolerance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr  # type: ignore[import-untyped]

__all__ = ["implied_volatility"]

Float64Array = npt.NDArray[np.float64]

MAX_ITERATIONS = 50
RELATIVE_PRICE_TOLERANCE = 1e-12
MIN_INITIAL_VOL = 1e-4
MAX_INITIAL_VOL = 5.0

_EPS = float(np.finfo(np.float64).eps)
# ndtr deep in the tail and the two-leg price formula lose a few ulps each, so the price cannot be
# reproduced more precisely than this fraction of the legs' size.
_PRICE_NOISE = 2.0**-46
_LOG_SQRT_2PI = 0.9189385332046727417803297364056176398613974736377834128171515404
_SQRT_2PI = 2.5066282746310005024157652848110452530069867406099383166299235763
_INV_SQRT_2PI = 0.3989422804014326779399460599343818684758586311649
# Below this log-moneyness-to-total-vol ratio Corrado-Miller is the better starting point.
_TAIL_RATIO = 3.0

# Rows of the solver's state matrix; kept in one array so that dropping converged contracts is a
# single fancy-indexing pass instead of one per quantity.
_X, _SD, _KD, _THETA, _TARGET, _LOG_TARGET, _TOL, _S, _LO, _HI, _INDEX = range(11)
_ROWS = 11
# Contracts are solved in blocks this long: the solver's state and temporaries then stay in the
# CPU cache (about 1.7x faster on a million prices than one whole-array solve).
_BLOCK = 16_384


def implied_volatility(
    price: npt.ArrayLike,
    is_call: npt.ArrayLike,
    spot: npt.ArrayLike,
    strike: npt.ArrayLike,
    years: npt.ArrayLike,
    rate: npt.ArrayLike,
    dividend_yield: npt.ArrayLike,
) -> Float64Array:
    """Annualised implied vol per contract, solved for the whole array at once.

    NaN where the price is outside the no-arbitrage bounds (below discounted intrinsic or above
    the discounted spot/strike upper bound), not finite, or years <= 0.

    ``price`` is dollars per share; ``is_call`` boolean; ``spot``/``strike`` dollars (> 0, else
    NaN); ``years`` to expiry; ``rate``/``dividend_yield`` continuously compounded annual decimals.
    All inputs broadcast. The bounds are open: a price exactly at discounted intrinsic
    ``max(+-(S e^-qT - K e^-rT), 0)`` (including a zero price) or exactly at the upper bound
    (``S e^-qT`` for calls, ``K e^-rT`` for puts) has no finite positive implied vol and gives NaN.
    Never raises and never emits floating-point warnings.
    """
    p, call, s, k, t, r, q = np.broadcast_arrays(
        np.asarray(price, dtype=np.float64),
        np.asarray(is_call, dtype=np.bool_),
        *(np.asarray(a, dtype=np.float64) for a in (spot, strike, years, rate, dividend_yield)),
    )
    shape = p.shape
    p, call, s, k, t, r, q = (a.ravel() for a in (p, call, s, k, t, r, q))
    vol = np.full(p.size, np.nan)
    with np.errstate(all="ignore"):
        spot_pv = np.exp(-q * t)
        spot_pv *= s  # S e^-qT, the discounted forward
        strike_pv = np.exp(-r * t)
        strike_pv *= k  # K e^-rT
        intrinsic = np.where(call, spot_pv - strike_pv, strike_pv - spot_pv)
        np.maximum(intrinsic, 0.0, out=intrinsic)
        upper = np.where(call, spot_pv, strike_pv)
        solvable = (
            (t > 0)
            & (p > intrinsic)
            & (p < upper)
            & (spot_pv > 0)
            & (strike_pv > 0)
            & np.isfinite(upper)
            & np.isfinite(t)
        )
        solvable_index = np.flatnonzero(solvable)
        for start in range(0, solvable_index.size, _BLOCK):
            index = solvable_index[start : start + _BLOCK]
            state = _initial_state(
                index,
                p[index],
                intrinsic[index],
                spot_pv[index],
                strike_pv[index],
                np.sqrt(t[index]),
            )
            solved_index, total_vol = _solve(state)
            vol[solved_index] = total_vol / np.sqrt(t[solved_index])
    return vol.reshape(shape)


def _initial_state(
    index: npt.NDArray[np.intp],
    price: Float64Array,
    intrinsic: Float64Array,
    spot_pv: Float64Array,
    strike_pv: Float64Array,
    sqrt_t: Float64Array,
) -> Float64Array:
    state = np.empty((_ROWS, index.size))
    x = np.log(spot_pv / strike_pv, out=state[_X])  # log-moneyness of the forward
    state[_SD] = spot_pv
    state[_KD] = strike_pv
    # The out-of-the-money twin is the call when F <= K and the put otherwise; its price is the
    # quoted price minus discounted intrinsic, whichever of the two was quoted.
    np.copyto(state[_THETA], np.where(x > 0, -1.0, 1.0))
    target = np.subtract(price, intrinsic, out=state[_TARGET])
    log_target = np.log(target, out=state[_LOG_TARGET])
    np.multiply(target, RELATIVE_PRICE_TOLERANCE, out=state[_TOL])
    state[_LO] = 0.0
    state[_HI] = np.inf
    state[_INDEX] = index
    guess = _initial_guess(x, spot_pv, strike_pv, target, log_target)
    # fmax also turns a NaN guess into the floor rather than letting it poison the iteration.
    np.fmax(guess, MIN_INITIAL_VOL * sqrt_t, out=guess)
    np.fmin(guess, MAX_INITIAL_VOL * sqrt_t, out=state[_S])
    return state


def _initial_guess(
    x: Float64Array,
    spot_pv: Float64Array,
    strike_pv: Float64Array,
    target: Float64Array,
    log_target: Float64Array,
) -> Float64Array:
    """Total-vol guess: Corrado-Miller near the money, inverted lower asymptote in the tail."""
    # Corrado-Miller on the call-equivalent price C = b + max(F - K, 0), all discounted.
    forward_gap = spot_pv - strike_pv
    centred = target + np.maximum(forward_gap, 0.0)
    centred -= 0.5 * forward_gap
    root = forward_gap * forward_gap
    root *= -1.0 / np.pi
    root += centred * centred
    np.maximum(root, 0.0, out=root)
    np.sqrt(root, out=root)
    corrado_miller = np.add(centred, root, out=centred)
    corrado_miller *= _SQRT_2PI
    corrado_miller /= spot_pv + strike_pv
    # Lower asymptote of the normalised OTM price, ln b ~ -x^2/(2 s^2) + 3 ln s - 2 ln|x| - ln
    # sqrt(2 pi), solved for s by a short fixed-point iteration from its leading term.
    abs_x = np.abs(x)
    log_normalised = np.log(spot_pv)
    log_normalised += np.log(strike_pv)
    log_normalised *= -0.5
    log_normalised += log_target
    tail = np.sqrt(-2.0 * log_normalised)
    np.divide(abs_x, tail, out=tail)
    constant = np.log(abs_x)
    constant *= -2.0
    constant -= log_normalised
    constant -= _LOG_SQRT_2PI
    for _ in range(3):
        tail = abs_x / np.sqrt(np.maximum(2.0 * (constant + 3.0 * np.log(tail)), 1e-300))
    guess: Float64Array = np.where(abs_x > _TAIL_RATIO * tail, tail, corrado_miller)
    return guess


def _solve(state: Float64Array) -> tuple[npt.NDArray[np.intp], Float64Array]:
    """Safeguarded Halley iteration on log price; returns (original index, total vol) of solved."""
    size = state.shape[1]
    solved_index = np.empty(size, dtype=np.intp)
    solved_s = np.empty(size)
    solved = 0
    for _ in range(MAX_ITERATIONS):
        x, sd, kd, theta, target, log_target, tol, s, lo, hi = state[:_INDEX]
        d1 = np.divide(x, s)
        d1 += 0.5 * s
        d2 = np.subtract(d1, s)
        spot_leg = np.multiply(theta, d1)
        ndtr(spot_leg, out=spot_leg)
        spot_leg *= sd
        strike_leg = np.multiply(theta, d2)
        ndtr(strike_leg, out=strike_leg)
        strike_leg *= kd
        model = np.subtract(spot_leg, strike_leg)
        model *= theta
        noise = np.add(spot_leg, strike_leg, out=spot_leg)
        noise *= _PRICE_NOISE
        vega = np.multiply(d1, d1, out=strike_leg)  # d model / d s = S e^-qT pdf(d1)
        vega *= -0.5
        np.exp(vega, out=vega)
        vega *= sd
        vega *= _INV_SQRT_2PI
        error = np.subtract(model, target)
        below = error < 0
        np.copyto(lo, s, where=below)
        np.copyto(hi, s, where=~below)

        # Halley on g(s) = ln model - ln target: g' = vega / model, and with
        # vega' = vega d1 d2 / s the Halley denominator is 1 - (g/g') (d1 d2 / s - g') / 2.
        g = np.log(model)
        g -= log_target
        newton = np.multiply(g, model)
        newton /= vega
        d1 *= d2
        d1 /= s
        curvature = np.multiply(newton, d1, out=d1)
        curvature -= g
        curvature *= -0.5
        curvature += 1.0
        # A wild denominator means the quadratic model is unreliable: fall back towards Newton.
        np.clip(curvature, 0.5, 2.0, out=curvature)
        step = np.divide(newton, curvature, out=newton)
        candidate = np.subtract(s, step)
        inside = (candidate > lo) & (candidate < hi)

        np.abs(error, out=error)
        np.maximum(noise, tol, out=noise)
        np.abs(step, out=step)
        done = error <= noise
        done |= step <= 4.0 * _EPS * s
        done |= (hi - lo) <= 4.0 * _EPS * lo

        # Outside the bracket (or NaN, from an underflowed model price): bisect, or double while
        # no upper end is known yet.
        fallback = np.where(np.isinf(hi), 2.0 * s, 0.5 * (lo + hi))
        finished = int(np.count_nonzero(done))
        if finished:
            last = np.where(inside, candidate, s)[done]
            # Indices ride along as float64 in the state matrix; exact below 2**53.
            solved_index[solved : solved + finished] = state[_INDEX, done]
            solved_s[solved : solved + finished] = last
            solved += finished
        np.copyto(candidate, fallback, where=~inside)
        state[_S] = candidate
        if finished == state.shape[1]:
            break
        if finished:
            state = state[:, ~done]
    return solved_index[:solved], solved_s[:solved]
