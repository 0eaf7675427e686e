"""Benchmark: Black-Scholes-Merton price + Greeks and implied vol over 1,000,000 random contracts.

Run with `uv run python tests/benchmarks/bench_greeks.py` (or `-m tests.benchmarks.bench_greeks`).
Not a pytest test (pytest only collects test_*.py). Everything runs on one core: numpy ufuncs and
scipy's ndtr are single-threaded (no BLAS is involved, so OMP/OPENBLAS thread settings do not
matter). Prints, as measured in this run (best of several repeats):

- contracts/s for price + five Greeks of calls and puts in one `bsm` call, the ratio to vollib's
  per-contract functions (timed on a sample and extrapolated), and the ratio to a minimal numpy
  kernel (calls only, no put handling, no guards) defined below;
- solves/s for `implied_volatility` on the same contracts' prices, and the ratio to vollib's
  Let's Be Rational loop on a sample.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import vollib.black_scholes_merton.greeks.analytical as vollib_greeks
from scipy.special import ndtr
from vollib.black_scholes_merton import black_scholes_merton as vollib_price
from vollib.black_scholes_merton.implied_volatility import (
    implied_volatility as vollib_implied_volatility,
)

from sigmasight.analytics.bsm import bsm, bsm_price
from sigmasight.analytics.implied_vol import implied_volatility
from tests.benchmarks.timing import best_seconds, verdict

CONTRACTS = 1_000_000
VOLLIB_SAMPLE = 2_000
REPEATS = 7
FLOAT_INPUTS = ("spot", "strike", "years", "rate", "vol", "dividend_yield")

TARGET_GREEKS_PER_SECOND = 5_000_000
TARGET_GREEKS_VS_VOLLIB = 100.0
TARGET_VS_MINIMAL_KERNEL = 2.0  # at most this many times slower than the minimal kernel
TARGET_SOLVES_PER_SECOND = 500_000
TARGET_SOLVES_VS_VOLLIB = 10.0

Floats = npt.NDArray[np.float64]


def random_contracts(count: int, seed: int = 2024) -> dict[str, npt.NDArray[np.generic]]:
    rng = np.random.default_rng(seed)
    spot = rng.uniform(5.0, 1000.0, count)
    return {
        "is_call": rng.random(count) < 0.5,
        "spot": spot,
        "strike": spot * np.exp(rng.uniform(np.log(0.3), np.log(3.0), count)),
        "years": rng.uniform(1.0 / 365.0, 3.0, count),
        "rate": rng.uniform(0.0, 0.10, count),
        "vol": rng.uniform(0.05, 2.0, count),
        "dividend_yield": rng.uniform(0.0, 0.05, count),
    }


def minimal_call_kernel(
    s: Floats, k: Floats, t: Floats, r: Floats, v: Floats, q: Floats
) -> tuple[Floats, ...]:
    """The least a vectorised BSM can do: calls only, shared subexpressions, no guards.

    Written the way numpy code usually is, on whole arrays; `bsm` works in cache-sized blocks,
    which is why it can beat this despite handling puts and degenerate contracts.
    """
    sqrt_t = np.sqrt(t)
    v_sqrt_t = v * sqrt_t
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / v_sqrt_t
    d2 = d1 - v_sqrt_t
    n1 = ndtr(d1)
    n2 = ndtr(d2)
    pdf = np.exp(-0.5 * d1 * d1) * 0.3989422804014327
    disc_q = np.exp(-q * t)
    k_disc_r = k * np.exp(-r * t)
    s_disc_q = s * disc_q
    price = s_disc_q * n1 - k_disc_r * n2
    delta = disc_q * n1
    gamma = disc_q * pdf / (s * v_sqrt_t)
    vega = s_disc_q * pdf * sqrt_t * 0.01
    theta = (-s_disc_q * pdf * v / (2 * sqrt_t) + q * s_disc_q * n1 - r * k_disc_r * n2) / 365.0
    rho = k_disc_r * t * n2 * 0.01
    return price, delta, gamma, theta, vega, rho


def vollib_greeks_seconds_per_contract(c: dict[str, npt.NDArray[np.generic]]) -> float:
    functions = (
        vollib_price,
        vollib_greeks.delta,
        vollib_greeks.gamma,
        vollib_greeks.theta,
        vollib_greeks.vega,
        vollib_greeks.rho,
    )
    rows = [
        ("c" if c["is_call"][i] else "p", *(float(c[name][i]) for name in FLOAT_INPUTS))
        for i in range(VOLLIB_SAMPLE)
    ]

    def loop() -> None:
        for row in rows:
            for function in functions:
                function(*row)

    return best_seconds(loop, 3) / VOLLIB_SAMPLE


def vollib_iv_seconds_per_solve(
    c: dict[str, npt.NDArray[np.generic]], price: Floats
) -> tuple[float, int]:
    rows = [
        (
            float(price[i]),
            float(c["spot"][i]),
            float(c["strike"][i]),
            float(c["years"][i]),
            float(c["rate"][i]),
            float(c["dividend_yield"][i]),
            "c" if c["is_call"][i] else "p",
        )
        for i in range(VOLLIB_SAMPLE)
    ]
    failures = 0

    def loop() -> None:
        nonlocal failures
        failures = 0
        for row in rows:
            try:
                vollib_implied_volatility(*row)
            except Exception:  # vollib raises for prices outside its bounds
                failures += 1

    return best_seconds(loop, 3) / VOLLIB_SAMPLE, failures


def main() -> None:
    c = random_contracts(CONTRACTS)
    args = (c["is_call"], *(c[name] for name in FLOAT_INPUTS))
    calls_only = tuple(c[name] for name in FLOAT_INPUTS)
    print(f"{CONTRACTS:,} random contracts (calls and puts, strike/spot 0.3-3, 1 day-3 years,")
    print("vol 5-200%, rate 0-10%, dividend yield 0-5%), one core, best of several runs\n")

    bsm_seconds = best_seconds(lambda: bsm(*args), REPEATS)
    minimal_seconds = best_seconds(lambda: minimal_call_kernel(*calls_only), REPEATS)
    vollib_seconds = vollib_greeks_seconds_per_contract(c)
    rate = CONTRACTS / bsm_seconds
    vs_vollib = vollib_seconds * CONTRACTS / bsm_seconds
    vs_minimal = bsm_seconds / minimal_seconds
    print("price + 5 Greeks (bsm)")
    print(
        f"  bsm:             {bsm_seconds * 1e3:8.1f} ms = {rate:>12,.0f} contracts/s"
        f"   target >= {TARGET_GREEKS_PER_SECOND:,}: {verdict(rate >= TARGET_GREEKS_PER_SECOND)}"
    )
    print(
        f"  vollib loop:     {vollib_seconds * 1e6:8.2f} us/contract = "
        f"{1 / vollib_seconds:>8,.0f} contracts/s ({VOLLIB_SAMPLE:,}-contract sample)"
    )
    print(
        f"  vs vollib:       {vs_vollib:8.0f}x faster"
        f"   target >= {TARGET_GREEKS_VS_VOLLIB:.0f}x: "
        f"{verdict(vs_vollib >= TARGET_GREEKS_VS_VOLLIB)}"
    )
    print(
        f"  minimal kernel:  {minimal_seconds * 1e3:8.1f} ms (calls only, no guards);"
        f" bsm takes {vs_minimal:.2f}x as long"
        f"   target <= {TARGET_VS_MINIMAL_KERNEL:.0f}x: "
        f"{verdict(vs_minimal <= TARGET_VS_MINIMAL_KERNEL)}"
    )

    price = bsm_price(*args)
    iv_args = (price, c["is_call"], c["spot"], c["strike"], c["years"], c["rate"])
    solved = implied_volatility(*iv_args, c["dividend_yield"])
    iv_seconds = best_seconds(lambda: implied_volatility(*iv_args, c["dividend_yield"]), 5)
    vollib_iv_seconds, vollib_failures = vollib_iv_seconds_per_solve(c, price)
    solves = CONTRACTS / iv_seconds
    iv_vs_vollib = vollib_iv_seconds * CONTRACTS / iv_seconds
    nan = int(np.isnan(solved).sum())
    print("\nimplied volatility (implied_volatility, prices from bsm_price on the same contracts)")
    print(
        f"  solver:          {iv_seconds * 1e3:8.1f} ms = {solves:>12,.0f} solves/s"
        f"   target >= {TARGET_SOLVES_PER_SECOND:,}: {verdict(solves >= TARGET_SOLVES_PER_SECOND)}"
    )
    print(
        f"  NaN results:     {nan:,} ({nan / CONTRACTS:.2%}: prices at or outside the no-arbitrage"
        " bounds, e.g. underflowed to 0)"
    )
    print(
        f"  vollib loop:     {vollib_iv_seconds * 1e6:8.2f} us/solve = "
        f"{1 / vollib_iv_seconds:>8,.0f} solves/s ({VOLLIB_SAMPLE:,}-price sample, "
        f"{vollib_failures} raised)"
    )
    print(
        f"  vs vollib:       {iv_vs_vollib:8.0f}x faster"
        f"   target >= {TARGET_SOLVES_VS_VOLLIB:.0f}x: "
        f"{verdict(iv_vs_vollib >= TARGET_SOLVES_VS_VOLLIB)}"
    )


if __name__ == "__main__":
    main()
