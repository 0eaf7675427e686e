"""Benchmark: strategy detection against the all-combinations search it replaced.

Run with `uv run python -m tests.benchmarks.bench_strategies`. Builds random books of one
underlying (stocks, calls and puts on few strikes and expiries) and prints, for each size, the
time of `detect_strategies`, the time of the reference search kept in the tests, and their ratio,
as measured in this run. The reference is skipped where it would take minutes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from sigmasight.portfolios.strategies import Leg, Strategy, detect_strategies
from tests.test_strategies_reference import _random_leg, _reference_detect_strategies

SIZES = (10, 20, 40, 80, 1_000, 10_000)
REFERENCE_UP_TO = 80


def _seconds(detect: Callable[[Sequence[Leg]], list[Strategy]], book: list[Leg]) -> float:
    start = time.perf_counter()
    detect(book)
    return time.perf_counter() - start


def main() -> None:
    rng = random.Random(7)
    print(f"{'legs':>7} {'indexed s':>10} {'reference s':>12} {'ratio':>8}")
    for size in SIZES:
        book = [_random_leg(rng, "AAPL") for _ in range(size)]
        indexed = _seconds(detect_strategies, book)
        if size <= REFERENCE_UP_TO:
            reference = _seconds(_reference_detect_strategies, book)
            print(f"{size:>7} {indexed:>10.4f} {reference:>12.4f} {reference / indexed:>7.0f}x")
        else:
            print(f"{size:>7} {indexed:>10.4f} {'-':>12} {'-':>8}")


if __name__ == "__main__":
    main()
