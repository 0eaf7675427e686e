"""Strategy detection gives exactly what the original all-combinations search gave, on random books.

`_reference_detect_strategies` below is the search as it was before legs were indexed, copied
verbatim (combinations x permutations of the free legs, most specific shape first); it is slow but
obviously right, so the indexed detector must agree with it strategy for strategy, leg for leg.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from itertools import combinations, permutations

from sigmasight.instruments.occ import OptionType
from sigmasight.portfolios.strategies import Leg, Strategy, StrategyKind, detect_strategies

# --- the reference: strategies.py before indexing, verbatim ----------------------------------

_LABELS = {
    StrategyKind.COLLAR: "collar",
    StrategyKind.COVERED_CALL: "covered call",
    StrategyKind.PROTECTIVE_PUT: "protective put",
    StrategyKind.VERTICAL_CALL_SPREAD: "call spread",
    StrategyKind.VERTICAL_PUT_SPREAD: "put spread",
    StrategyKind.STRADDLE: "straddle",
    StrategyKind.STRANGLE: "strangle",
    StrategyKind.PAIRS: "pair",
}


def _same_contract_month(a: Leg, b: Leg) -> bool:
    return a.underlying == b.underlying and a.expiration == b.expiration


def _covers(stock: Leg, option: Leg) -> bool:
    return stock.underlying == option.underlying and stock.shares >= option.shares


def _collar(legs: Sequence[Leg]) -> bool:
    stock, put, call = legs
    return (
        stock.is_stock
        and stock.is_long
        and put.is_option(OptionType.PUT, long=True)
        and call.is_option(OptionType.CALL, long=False)
        and _same_contract_month(put, call)
        and _covers(stock, put)
        and _covers(stock, call)
    )


def _covered_call(legs: Sequence[Leg]) -> bool:
    stock, call = legs
    return (
        stock.is_stock
        and stock.is_long
        and call.is_option(OptionType.CALL, long=False)
        and (_covers(stock, call))
    )


def _protective_put(legs: Sequence[Leg]) -> bool:
    stock, put = legs
    return (
        stock.is_stock
        and stock.is_long
        and put.is_option(OptionType.PUT, long=True)
        and (_covers(stock, put))
    )


def _vertical(option_type: OptionType) -> Callable[[Sequence[Leg]], bool]:
    def match(legs: Sequence[Leg]) -> bool:
        a, b = legs
        return (
            a.option_type is option_type
            and b.option_type is option_type
            and _same_contract_month(a, b)
            and a.strike != b.strike
            and a.quantity == -b.quantity
        )

    return match


def _straddle(legs: Sequence[Leg]) -> bool:
    call, put = legs
    return (
        call.option_type is OptionType.CALL
        and put.option_type is OptionType.PUT
        and _same_contract_month(call, put)
        and call.strike == put.strike
        and call.quantity == put.quantity
    )


def _strangle(legs: Sequence[Leg]) -> bool:
    call, put = legs
    return (
        call.option_type is OptionType.CALL
        and put.option_type is OptionType.PUT
        and _same_contract_month(call, put)
        and call.strike != put.strike
        and call.quantity == put.quantity
    )


def _pair_matcher(pair_tags: frozenset[str]) -> Callable[[Sequence[Leg]], bool]:
    """Long and short stock on different names sharing a tag that marks only the two of them."""

    def match(legs: Sequence[Leg]) -> bool:
        long, short = legs
        return (
            long.is_stock
            and short.is_stock
            and long.is_long
            and not short.is_long
            and long.underlying != short.underlying
            and bool(long.tags & short.tags & pair_tags)
        )

    return match


# Most specific first; each entry is (kind, number of legs, matcher over legs in that order).
Shape = tuple[StrategyKind, int, Callable[[Sequence[Leg]], bool]]
_SINGLE_NAME_SHAPES: list[Shape] = [
    (StrategyKind.COLLAR, 3, _collar),
    (StrategyKind.COVERED_CALL, 2, _covered_call),
    (StrategyKind.PROTECTIVE_PUT, 2, _protective_put),
    (StrategyKind.VERTICAL_CALL_SPREAD, 2, _vertical(OptionType.CALL)),
    (StrategyKind.VERTICAL_PUT_SPREAD, 2, _vertical(OptionType.PUT)),
    (StrategyKind.STRADDLE, 2, _straddle),
    (StrategyKind.STRANGLE, 2, _strangle),
]


def _order(leg: Leg) -> tuple[str, date, Decimal, str]:
    return (leg.underlying, leg.expiration or date.min, leg.strike or Decimal(0), str(leg.id))


def _label(kind: StrategyKind, legs: Sequence[Leg]) -> str:
    if kind is StrategyKind.PAIRS:
        return f"{legs[0].underlying}/{legs[1].underlying} {_LABELS[kind]}"
    return f"{legs[0].underlying} {_LABELS[kind]}"


def _match(legs: list[Leg], shapes: Sequence[Shape], found: list[Strategy]) -> list[Leg]:
    """Take strategies of `shapes` out of `legs` into `found`; returns the legs left over."""
    free = list(legs)
    for kind, size, matches in shapes:
        while True:
            candidates = (p for c in combinations(free, size) for p in permutations(c))
            hit = next((p for p in candidates if matches(p)), None)
            if hit is None:
                break
            found.append(Strategy(kind, _label(kind, hit), tuple(leg.id for leg in hit)))
            free = [leg for leg in free if leg not in hit]
    return free


def _reference_detect_strategies(legs: Sequence[Leg]) -> list[Strategy]:
    """The strategies formed by open positions; a position belongs to at most one."""
    found: list[Strategy] = []
    by_underlying: dict[str, list[Leg]] = {}
    for leg in sorted(legs, key=_order):
        by_underlying.setdefault(leg.underlying, []).append(leg)
    # Option shapes live within one underlying, so each small bucket is searched on its own.
    leftover = [
        leg
        for bucket in by_underlying.values()
        for leg in _match(bucket, _SINGLE_NAME_SHAPES, found)
    ]
    # A pair is tagged together: by a tag on exactly two positions, not a shared sector label.
    tag_counts = Counter(tag for leg in legs for tag in leg.tags)
    pair_tags = frozenset(tag for tag, count in tag_counts.items() if count == 2)
    pairs: Shape = (StrategyKind.PAIRS, 2, _pair_matcher(pair_tags))
    _match([leg for leg in leftover if leg.is_stock and leg.tags & pair_tags], [pairs], found)
    return found


# --- random books ----------------------------------------------------------------------------

CALL, PUT = OptionType.CALL, OptionType.PUT
UNDERLYINGS = ("AAPL", "MSFT", "TSLA", "GM", "F")
EXPIRIES = (date(2027, 1, 15), date(2027, 2, 19))
# Equal strikes written differently must still count as equal.
STRIKES = (Decimal(90), Decimal("100"), Decimal("100.0"), Decimal("110.00"))
TAGS = tuple(f"tag{i}" for i in range(8))
BOOKS = 300


def _random_leg(rng: random.Random, underlying: str) -> Leg:
    leg_id = uuid.UUID(int=rng.getrandbits(128))
    size = rng.choice((-3, -2, -1, 1, 2, 3))
    if rng.random() < 0.35:
        # Stocks carry most tags, so tags held by exactly two of them (pairs) are common.
        tags = frozenset(rng.sample(TAGS, k=rng.choice((0, 1, 1, 2))))
        return Leg(leg_id, underlying, Decimal(size * 100), 1, tags=tags)
    tags = frozenset(rng.sample(TAGS, k=rng.choice((0, 0, 0, 1))))
    return Leg(
        leg_id,
        underlying,
        Decimal(size),
        100,
        rng.choice((CALL, PUT)),
        rng.choice(STRIKES),
        rng.choice(EXPIRIES),
        tags,
    )


def _random_book(rng: random.Random) -> list[Leg]:
    underlyings = rng.sample(UNDERLYINGS, k=rng.randint(1, 4))
    book = [_random_leg(rng, u) for u in underlyings for _ in range(rng.randint(0, 10))]
    rng.shuffle(book)
    return book


def test_detection_finds_what_the_all_combinations_search_found_on_random_books() -> None:
    # given
    rng = random.Random(20261125)
    books = [_random_book(rng) for _ in range(BOOKS)]
    seen: Counter[StrategyKind] = Counter()
    for book in books:
        # when
        expected = _reference_detect_strategies(book)
        found = detect_strategies(book)
        # then: same strategies, same legs in the same roles, same labels, same order
        assert found == expected, book
        seen.update(s.kind for s in expected)
    # and the books were rich enough to hold every kind of strategy, many times over
    assert all(seen[kind] >= 10 for kind in StrategyKind), seen
