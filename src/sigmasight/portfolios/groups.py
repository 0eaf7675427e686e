"""Grouping a portfolio's open positions by type, strategy, tag, sector or underlying."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from sigmasight.portfolios.models import Position, Tag, TagKind
from sigmasight.portfolios.strategies import Leg, Strategy, StrategyKind, detect_strategies

UNCLASSIFIED_SECTOR = "UNCLASSIFIED"


class GroupBy(StrEnum):
    TYPE = "TYPE"
    STRATEGY = "STRATEGY"
    TAG = "TAG"
    SECTOR = "SECTOR"
    UNDERLYING = "UNDERLYING"


@dataclass(frozen=True, slots=True)
class PositionGroup:
    key: str
    label: str
    positions: list[Position]
    strategy: StrategyKind | None = None


@lru_cache(maxsize=1024)
def _strategies_of(legs: tuple[Leg, ...]) -> tuple[Strategy, ...]:
    """Detected strategies of these legs, remembered: detection is pure, and every refresh of a
    dashboard asks again about an unchanged book (a changed position or tag is another key)."""
    return tuple(detect_strategies(legs))


def _by_attribute(
    positions: Iterable[Position], attribute: Callable[[Position], str]
) -> list[PositionGroup]:
    groups: dict[str, list[Position]] = {}
    for position in positions:
        groups.setdefault(attribute(position), []).append(position)
    return [PositionGroup(key, key, members) for key, members in sorted(groups.items())]


def _by_tag(positions: list[Position], tags: Mapping[uuid.UUID, list[Tag]]) -> list[PositionGroup]:
    groups: dict[uuid.UUID, tuple[Tag, list[Position]]] = {}
    untagged: list[Position] = []
    for position in positions:
        for tag in tags[position.id]:
            groups.setdefault(tag.id, (tag, []))[1].append(position)
        if not tags[position.id]:
            untagged.append(position)
    result = [
        PositionGroup(str(tag.id), tag.name, members)
        for tag, members in sorted(groups.values(), key=lambda g: g[0].name_key)
    ]
    if untagged:
        result.append(PositionGroup("UNTAGGED", "Untagged", untagged))
    return result


def _by_strategy(
    positions: list[Position], tags: Mapping[uuid.UUID, list[Tag]]
) -> list[PositionGroup]:
    """STRATEGY tags first (the user's own grouping), then detected shapes among the rest."""
    result: list[PositionGroup] = []
    claimed: set[uuid.UUID] = set()
    strategy_tags = [g for g in _by_tag(positions, tags) if g.key != "UNTAGGED"]
    kinds = {t.id: t.kind for ts in tags.values() for t in ts}
    for group in strategy_tags:
        if kinds[uuid.UUID(group.key)] is TagKind.STRATEGY:
            members = [p for p in group.positions if p.id not in claimed]
            claimed.update(p.id for p in members)
            if members:
                result.append(PositionGroup(group.key, group.label, members))
    free = [p for p in positions if p.id not in claimed]
    legs = tuple(
        Leg(
            id=p.id,
            underlying=p.underlying,
            quantity=p.quantity,
            multiplier=p.multiplier,
            option_type=p.option_type,
            strike=p.strike,
            expiration=p.expiration,
            tags=frozenset(t.name_key for t in tags[p.id]),
        )
        for p in free
    )
    by_id = {p.id: p for p in free}
    for strategy in _strategies_of(legs):
        key = f"{strategy.kind}:{strategy.position_ids[0]}"
        members = [by_id[i] for i in strategy.position_ids]
        result.append(PositionGroup(key, strategy.label, members, strategy.kind))
        claimed.update(strategy.position_ids)
    rest = [p for p in positions if p.id not in claimed]
    if rest:
        result.append(PositionGroup("NONE", "Not in a strategy", rest))
    return result


def group(
    positions: list[Position],
    by: GroupBy,
    *,
    sectors: Mapping[str, str | None],
    tags: Mapping[uuid.UUID, list[Tag]],
) -> list[PositionGroup]:
    """Open positions in groups; pure. By TAG a position appears under each of its tags; every
    other grouping is a partition."""
    if by is GroupBy.TYPE:
        return _by_attribute(positions, lambda p: p.position_type.value)
    if by is GroupBy.UNDERLYING:
        return _by_attribute(positions, lambda p: p.underlying)
    if by is GroupBy.SECTOR:
        # Options fall under their underlying's sector; a symbol with no sector is unclassified.
        return _by_attribute(positions, lambda p: sectors.get(p.underlying) or UNCLASSIFIED_SECTOR)
    if by is GroupBy.TAG:
        return _by_tag(positions, tags)
    return _by_strategy(positions, tags)
