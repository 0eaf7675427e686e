"""Depth, alias and cost limits: measured once per fragment, refused before anything runs."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, SignedIn
from tests.documents import DASHBOARD_WITH_RISK
from tests.helpers import create_portfolio


def doubled_fragments(levels: int, leaf: str = "__typename") -> str:
    """`fragment F0 { ...F1 ...F1 }` down `levels` levels: 2^levels fields once expanded."""
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return f"query {{ ...F0 }}\n{fragments}fragment F{levels} on Query {{ {leaf} }}"


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_sixty_levels_of_doubled_fragments_are_refused_for_their_cost(api: Api) -> None:
    # given: 2^60 fields once expanded; walking them would never finish
    document = doubled_fragments(60)
    # when
    body = await api.raw(document)
    # then
    assert "data" not in body or body["data"] is None
    assert codes(body) == ["QUERY_TOO_COSTLY"]


async def test_doubled_fragments_with_aliases_count_every_spread(api: Api) -> None:
    # given: one alias at the bottom, spread 2^40 times
    document = doubled_fragments(40, leaf="renamed: __typename")
    # when
    body = await api.raw(document)
    # then
    assert "TOO_MANY_ALIASES" in codes(body)


async def test_deep_chains_of_fragments_count_towards_the_depth(alice: SignedIn) -> None:
    # given: each fragment one level deeper than the last, 14 levels in all
    chain = "".join(
        f"fragment P{i} on Portfolio {{ positions {{ edges {{ node {{ portfolio {{ ...P{i + 1} }} }} }} }} }}\n"
        for i in range(4)
    )
    document = (
        f'query {{ portfolio(id: "x") {{ ...P0 }} }}\n{chain}fragment P4 on Portfolio {{ id }}'
    )
    # when
    body = await alice.api.raw(document)
    # then
    assert "QUERY_TOO_DEEP" in codes(body)


async def test_a_list_page_size_from_a_variable_is_priced(alice: SignedIn) -> None:
    # given: nested pages of positions, harmless at two items each, huge at 200
    document = """
    query Pages($n: Int) {
      portfolios(first: $n) { edges { node {
        positions(first: $n) { edges { node { portfolio { positions(first: $n) {
          edges { node { id symbol quantity } } } } } } }
      } } }
    }
    """
    # when
    small = await alice.api.raw(document, {"n": 2})
    large = await alice.api.raw(document, {"n": 200})
    # then
    assert not small.get("errors"), small
    assert codes(large) == ["QUERY_TOO_COSTLY"]
    assert "first" in large["errors"][0]["message"]


async def test_the_dashboard_of_a_large_book_stays_within_the_cost_limit(
    alice: SignedIn,
) -> None:
    # given: the dashboard reads 200 positions with every field
    portfolio_id = await create_portfolio(alice)
    # when
    body = await alice.api.raw(DASHBOARD_WITH_RISK, {"id": portfolio_id})
    # then
    assert "QUERY_TOO_COSTLY" not in codes(body)


async def test_an_unknown_fragment_is_a_validation_error(api: Api) -> None:
    # when
    body = await api.raw("{ ...Nope }")
    # then
    assert body.get("data") is None
    assert [e["message"] for e in body["errors"]] == ["Unknown fragment 'Nope'."]


async def test_a_dozen_fields_of_200_positions_in_each_of_200_portfolios_is_refused(
    alice: SignedIn,
) -> None:
    # given: a short document asking for some 480,000 fields
    fields = "id symbol quantity multiplier entryPrice entryDate lastPrice marketValue "
    fields += "unrealizedPnl notionalExposure deltaAdjustedExposure sector"
    document = (
        "{ portfolios(first: 200) { edges { node { "
        f"positions(first: 200) {{ edges {{ node {{ {fields} }} }} }} }} }} }} }}"
    )
    # when
    body = await alice.api.raw(document)
    # then
    assert codes(body) == ["QUERY_TOO_COSTLY"]
