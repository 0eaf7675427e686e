from __future__ import annotations

from sqlalchemy import insert
from starlette.applications import Starlette

from sigmasight.portfolios.models import Tag
from tests.conftest import SignedIn
from tests.documents import CREATE_TAG, SET_POSITION_TAGS
from tests.helpers import add_position, create_portfolio, create_tag


async def test_tag_names_are_unique_per_user_ignoring_case(alice: SignedIn) -> None:
    # given
    await create_tag(alice, "Momentum")
    # when
    result = (await alice.api.gql(CREATE_TAG, {"input": {"name": " momentum "}}))["createTag"]
    # then
    assert (result["__typename"], result["code"]) == ("ConflictError", "NAME_TAKEN")


async def test_tags_validate_name_and_colour(alice: SignedIn) -> None:
    # when
    too_long = (await alice.api.gql(CREATE_TAG, {"input": {"name": "t" * 51}}))["createTag"]
    bad_colour = (await alice.api.gql(CREATE_TAG, {"input": {"name": "ok", "color": "red"}}))[
        "createTag"
    ]
    # then
    assert (too_long["field"], too_long["code"]) == ("name", "TOO_LONG")
    assert (bad_colour["field"], bad_colour["code"]) == ("color", "INVALID_COLOR")


async def test_a_user_has_at_most_100_tags(alice: SignedIn, app: Starlette) -> None:
    # given
    async with app.state.engine.begin() as conn:
        me = await alice.api.gql("query { me { email } }")
        assert me["me"]["email"] == alice.email
        user_id = await conn.scalar(
            __import__("sqlalchemy").text("SELECT id FROM users WHERE email = :e"),
            {"e": alice.email},
        )
        await conn.execute(
            insert(Tag), [{"owner_id": user_id, "name": f"t{i}"} for i in range(100)]
        )
    # when
    result = (await alice.api.gql(CREATE_TAG, {"input": {"name": "one more"}}))["createTag"]
    # then
    assert result["code"] == "TAG_LIMIT"


async def test_set_position_tags_replaces_them_and_caps_at_20(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    tag_ids = [await create_tag(alice, f"tag {i:02d}") for i in range(21)]
    # when
    ok = await alice.api.gql(SET_POSITION_TAGS, {"positionId": position_id, "tagIds": tag_ids[:2]})
    too_many = await alice.api.gql(
        SET_POSITION_TAGS, {"positionId": position_id, "tagIds": tag_ids}
    )
    # then
    assert [t["name"] for t in ok["setPositionTags"]["position"]["tags"]] == ["tag 00", "tag 01"]
    assert too_many["setPositionTags"]["code"] == "TOO_MANY_TAGS"
    portfolio_tags = await alice.api.gql(
        "query($id: ID!) { portfolio(id: $id) { tags { name kind } } }", {"id": portfolio_id}
    )
    assert portfolio_tags["portfolio"]["tags"] == [
        {"name": "tag 00", "kind": "REGULAR"},
        {"name": "tag 01", "kind": "REGULAR"},
    ]


async def test_positions_filter_by_any_or_all_tags(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    tech = await create_tag(alice, "Tech")
    core = await create_tag(alice, "Core", kind="STRATEGY")
    await add_position(alice, portfolio_id, symbol="AAPL", tagIds=[tech, core])
    await add_position(alice, portfolio_id, symbol="MSFT", tagIds=[tech])
    await add_position(alice, portfolio_id, symbol="XOM")
    query = """query($id: ID!, $tags: [ID!], $match: TagMatch!) { portfolio(id: $id) {
      positions(filter: {tagIds: $tags, tagMatch: $match}) { edges { node { symbol } } } } }"""

    async def symbols(match: str) -> list[str]:
        data = await alice.api.gql(
            query, {"id": portfolio_id, "tags": [tech, core], "match": match}
        )
        return [e["node"]["symbol"] for e in data["portfolio"]["positions"]["edges"]]

    # when / then
    assert await symbols("ANY") == ["AAPL", "MSFT"]
    assert await symbols("ALL") == ["AAPL"]
