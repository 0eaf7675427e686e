from __future__ import annotations

from typing import Any

import pytest

from sigmasight.graphql.types import PositionNode
from sigmasight.portfolios import groups as groups_module
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio, create_tag, occ_symbol

GROUPS = """query($id: ID!, $by: GroupBy!) { portfolio(id: $id) {
  positionGroups(by: $by) { key label strategy positionCount longCount shortCount costBasis
                            positions { symbol } } } }"""


async def _groups(user: SignedIn, portfolio_id: str, by: str) -> list[dict[str, Any]]:
    data = await user.api.gql(GROUPS, {"id": portfolio_id, "by": by})
    groups: list[dict[str, Any]] = data["portfolio"]["positionGroups"]
    return groups


async def _book(user: SignedIn) -> tuple[str, str, str]:
    portfolio_id = await create_portfolio(user)
    pair = await create_tag(user, "Autos Pair")
    hedge = await create_tag(user, "Index Hedge", kind="STRATEGY")
    low, high = occ_symbol("TSLA", 60, "C", 400), occ_symbol("TSLA", 60, "C", 500)
    await add_position(user, portfolio_id, symbol="GM", quantity=3000, entryPrice=50, tagIds=[pair])
    await add_position(
        user, portfolio_id, symbol="F", quantity=-15000, entryPrice=10, tagIds=[pair]
    )
    await add_position(user, portfolio_id, symbol=low, quantity=1, entryPrice=40)
    await add_position(user, portfolio_id, symbol=high, quantity=-1, entryPrice=15)
    await add_position(
        user,
        portfolio_id,
        symbol=occ_symbol("SPY", 30, "P", 600),
        quantity=10,
        entryPrice=5,
        tagIds=[hedge],
    )
    await add_position(user, portfolio_id, symbol="XOM", quantity=100, entryPrice=110)
    return portfolio_id, low, high


async def test_groups_by_strategy_show_tagged_and_detected_strategies(alice: SignedIn) -> None:
    # given
    portfolio_id, low, high = await _book(alice)
    # when
    groups = await _groups(alice, portfolio_id, "STRATEGY")
    # then
    summary = [
        (g["label"], g["strategy"], sorted(p["symbol"] for p in g["positions"])) for g in groups
    ]
    assert summary[0][0] == "Index Hedge"
    assert ("TSLA call spread", "VERTICAL_CALL_SPREAD", sorted([low, high])) in summary
    assert ("GM/F pair", "PAIRS", ["F", "GM"]) in summary
    assert summary[-1] == ("Not in a strategy", None, ["XOM"])
    spread = next(g for g in groups if g["strategy"] == "VERTICAL_CALL_SPREAD")
    assert spread["costBasis"] == 1 * 40 * 100 - 1 * 15 * 100


async def test_groups_by_type_tag_underlying_and_sector(alice: SignedIn) -> None:
    # given
    portfolio_id, _, _ = await _book(alice)
    # when
    by_type = {g["key"]: g["positionCount"] for g in await _groups(alice, portfolio_id, "TYPE")}
    by_tag = {g["label"]: g["positionCount"] for g in await _groups(alice, portfolio_id, "TAG")}
    by_underlying = {
        g["key"]: g["positionCount"] for g in await _groups(alice, portfolio_id, "UNDERLYING")
    }
    by_sector = await _groups(alice, portfolio_id, "SECTOR")
    # then
    assert by_type == {"LC": 1, "LONG": 2, "LP": 1, "SC": 1, "SHORT": 1}
    assert by_tag == {"Autos Pair": 2, "Index Hedge": 1, "Untagged": 3}
    assert by_underlying == {"F": 1, "GM": 1, "SPY": 1, "TSLA": 2, "XOM": 1}
    assert [(g["key"], g["positionCount"], g["longCount"], g["shortCount"]) for g in by_sector] == [
        ("UNCLASSIFIED", 6, 4, 2)
    ]


COUNTS_AND_SUMS = """query($id: ID!, $by: GroupBy!) { portfolio(id: $id) {
  positionGroups(by: $by) { key positionCount longCount shortCount costBasis marketValue
                            greeks { delta } } } }"""


async def test_group_counts_and_sums_are_answered_without_building_each_position(
    alice: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    portfolio_id, _, _ = await _book(alice)
    with_positions = {g["key"]: g for g in await _groups(alice, portfolio_id, "STRATEGY")}
    built: list[str] = []
    build = PositionNode.from_model.__func__  # type: ignore[attr-defined]

    def counting(cls: type[PositionNode], position: Any, book: Any) -> PositionNode:
        built.append(position.symbol)
        return build(cls, position, book)  # type: ignore[no-any-return]

    monkeypatch.setattr(PositionNode, "from_model", classmethod(counting))
    # when
    data = await alice.api.gql(COUNTS_AND_SUMS, {"id": portfolio_id, "by": "STRATEGY"})
    # then: the same figures as with the positions listed, and no position object made
    groups = data["portfolio"]["positionGroups"]
    assert built == []
    assert {g["key"] for g in groups} == set(with_positions)
    for group in groups:
        listed = with_positions[group["key"]]
        assert group["positionCount"] == listed["positionCount"] == len(listed["positions"])
        assert group["longCount"] == listed["longCount"]
        assert group["shortCount"] == listed["shortCount"]
        assert group["costBasis"] == listed["costBasis"]


async def test_strategies_of_an_unchanged_book_are_detected_once(
    alice: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    portfolio_id, _, _ = await _book(alice)
    detections: list[int] = []
    detect = groups_module.detect_strategies

    def counting(legs: Any) -> Any:
        detections.append(len(legs))
        return detect(legs)

    monkeypatch.setattr(groups_module, "detect_strategies", counting)
    # when: the dashboard refreshes twice, then a position changes, then it refreshes again
    first = await _groups(alice, portfolio_id, "STRATEGY")
    again = await _groups(alice, portfolio_id, "STRATEGY")
    await add_position(alice, portfolio_id, symbol=occ_symbol("TSLA", 60, "P", 300), quantity=1)
    changed = await _groups(alice, portfolio_id, "STRATEGY")
    # then: one detection per distinct book, and the same answer from memory
    assert len(detections) == 2
    assert again == first
    assert changed != first
