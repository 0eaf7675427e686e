"""Recognising option and pair strategies in a book. Pure: legs in, strategies out.

Each position joins at most one strategy; the more specific shapes are matched first (a collar
before a covered call or a protective put), and legs are visited in a fixed order so the same
book always gives the same answer.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import combinations, permutations

from sigmasight.portfolios.models import OptionType


class StrategyKind(StrEnum):
    COLLAR = "COLLAR"
    COVERED_CALL = "COVERED_CALL"
    PROTECTIVE_PUT = "PROTECTIVE_PUT"
    VERTICAL_CALL_SPREAD = "VERTICAL_CALL_SPREAD"
    VERTICAL_PUT_SPREAD = "VERTICAL_PUT_SPREAD"
    STRADDLE = "STRADDLE"
    STRANGLE = "STRANGLE"
    PAIRS = "PAIRS"  # a long and a short stock tagged together


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


@dataclass(frozen=True, slots=True)
class Leg:
    """What detection needs to know about an open position."""

    id: uuid.UUID
    underlying: str
    quantity: Decimal
    multiplier: int
    option_type: OptionType | None = None
    strike: Decimal | None = None
    expiration: date | None = None
    tags: frozenset[str] = frozenset()

    @property
    def is_stock(self) -> bool:
        return self.option_type is None

    @property
    def is_long(self) -> bool:
        return self.quantity > 0

    def is_option(self, option_type: OptionType, *, long: bool) -> bool:
        return self.option_type is option_type and self.is_long == long

    @property
    def shares(self) -> Decimal:
        """Shares controlled: stock quantity, or contracts x multiplier (unsigned)."""
        return abs(self.quantity) * self.multiplier


@dataclass(frozen=True, slots=True)
class Strategy:
    kind: StrategyKind
    label: str
    position_ids: tuple[uuid.UUID, ...]


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


def detect_strategies(legs: Sequence[Leg]) -> list[Strategy]:
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
