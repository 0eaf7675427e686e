"""Fields read after a mutation in the same document see what it wrote, not loader caches."""

from __future__ import annotations

from typing import Any

from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio, create_tag, days_ago

SET_TAGS_TWICE = """
mutation($id: ID!, $first: [ID!]!, $second: [ID!]!) {
  a: setPositionTags(positionId: $id, tagIds: $first) {
    __typename ... on SetPositionTagsSuccess { position { tags { name } } }
  }
  b: setPositionTags(positionId: $id, tagIds: $second) {
    __typename ... on SetPositionTagsSuccess { position { tags { name } } }
  }
}
"""

ADD_TWICE = """
mutation($first: AddPositionInput!, $second: AddPositionInput!) {
  a: addPosition(input: $first) {
    __typename
    ... on AddPositionSuccess { position { portfolio { ...Book } } }
  }
  b: addPosition(input: $second) {
    __typename
    ... on AddPositionSuccess { position { portfolio { ...Book } } }
  }
}
fragment Book on Portfolio {
  positions { totalCount edges { node { symbol } } }
  tags { name }
  positionGroups(by: UNDERLYING) { label }
}
"""


async def test_a_second_set_position_tags_returns_its_own_tags(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    alpha = await create_tag(alice, "alpha")
    beta = await create_tag(alice, "beta")
    # when
    data = await alice.api.gql(
        SET_TAGS_TWICE, {"id": position_id, "first": [alpha], "second": [beta]}
    )
    # then
    assert data["a"]["position"]["tags"] == [{"name": "alpha"}]
    assert data["b"]["position"]["tags"] == [{"name": "beta"}]


def _position(portfolio_id: str, symbol: str, tag_id: str) -> dict[str, Any]:
    return {
        "portfolioId": portfolio_id,
        "symbol": symbol,
        "quantity": 10,
        "entryPrice": 100,
        "entryDate": days_ago(5),
        "tagIds": [tag_id],
    }


async def test_a_position_added_by_a_mutation_is_read_by_the_next_one(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    tech = await create_tag(alice, "tech")
    energy = await create_tag(alice, "energy")
    # when
    data = await alice.api.gql(
        ADD_TWICE,
        {
            "first": _position(portfolio_id, "AAPL", tech),
            "second": _position(portfolio_id, "XOM", energy),
        },
    )
    # then: the second payload's portfolio holds both positions
    first = data["a"]["position"]["portfolio"]
    second = data["b"]["position"]["portfolio"]
    assert first["positions"]["totalCount"] == 1
    assert [e["node"]["symbol"] for e in first["positions"]["edges"]] == ["AAPL"]
    assert second["positions"]["totalCount"] == 2
    assert [e["node"]["symbol"] for e in second["positions"]["edges"]] == ["AAPL", "XOM"]
    assert second["tags"] == [{"name": "energy"}, {"name": "tech"}]
    assert [g["label"] for g in second["positionGroups"]] == ["AAPL", "XOM"]
