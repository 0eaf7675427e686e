"""Another user's ids answer exactly as unknown ids do, through every query and mutation."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import update
from starlette.applications import Starlette

from sigmasight.auth.models import Role, User
from tests.conftest import Api, SignedIn, sign_up
from tests.documents import (
    CLOSE_POSITION,
    DELETE_PORTFOLIO,
    DELETE_POSITION,
    DELETE_TAG,
    NODE,
    PORTFOLIO,
    PORTFOLIOS,
    POSITION,
    SET_POSITION_TAGS,
    UPDATE_PORTFOLIO,
    UPDATE_POSITION,
    UPDATE_TAG,
)
from tests.helpers import add_position, create_portfolio, create_tag, days_ago


@dataclass
class Book:
    portfolio_id: str
    position_id: str
    tag_id: str


async def _book(user: SignedIn) -> Book:
    portfolio_id = await create_portfolio(user)
    tag_id = await create_tag(user, "Core")
    position = await add_position(user, portfolio_id, tagIds=[tag_id])
    return Book(portfolio_id, position["position"]["id"], tag_id)


def _unknown(type_name: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{uuid.uuid4()}".encode()).decode()


@pytest.fixture
async def alices_book(alice: SignedIn) -> Book:
    return await _book(alice)


async def test_queries_answer_null_for_another_users_ids(bob: SignedIn, alices_book: Book) -> None:
    # when
    portfolio = await bob.api.gql(PORTFOLIO, {"id": alices_book.portfolio_id})
    position = await bob.api.gql(POSITION, {"id": alices_book.position_id})
    nodes = [
        await bob.api.gql(NODE, {"id": i})
        for i in (alices_book.portfolio_id, alices_book.position_id, alices_book.tag_id)
    ]
    # then
    assert portfolio == {"portfolio": None}
    assert position == {"position": None}
    assert nodes == [{"node": None}] * 3


async def test_lists_hold_only_the_callers_objects(bob: SignedIn, alices_book: Book) -> None:
    # given
    await create_portfolio(bob, "Bob's")
    # when
    data = await bob.api.gql(PORTFOLIOS)
    me = await bob.api.gql("query { me { tags { name } } }")
    # then
    assert [e["node"]["name"] for e in data["portfolios"]["edges"]] == ["Bob's"]
    assert data["portfolios"]["totalCount"] == 1
    assert me["me"]["tags"] == []


async def test_a_user_node_id_of_someone_else_is_null(alice: SignedIn, bob: SignedIn) -> None:
    # when
    data = await bob.api.gql(NODE, {"id": alice.user_id})
    own = await bob.api.gql(NODE, {"id": bob.user_id})
    # then
    assert data == {"node": None}
    assert own["node"]["__typename"] == "User"


@pytest.mark.parametrize(
    ("document", "variables", "payload"),
    [
        (UPDATE_PORTFOLIO, lambda b: {"id": b.portfolio_id, "name": "Mine"}, "updatePortfolio"),
        (DELETE_PORTFOLIO, lambda b: {"id": b.portfolio_id}, "deletePortfolio"),
        (
            UPDATE_POSITION,
            lambda b: {"input": {"id": b.position_id, "quantity": 1}},
            "updatePosition",
        ),
        (
            CLOSE_POSITION,
            lambda b: {"input": {"id": b.position_id, "exitPrice": 1, "exitDate": days_ago(1)}},
            "closePosition",
        ),
        (DELETE_POSITION, lambda b: {"id": b.position_id}, "deletePosition"),
        (
            SET_POSITION_TAGS,
            lambda b: {"positionId": b.position_id, "tagIds": []},
            "setPositionTags",
        ),
        (UPDATE_TAG, lambda b: {"input": {"id": b.tag_id, "name": "Mine"}}, "updateTag"),
        (DELETE_TAG, lambda b: {"id": b.tag_id}, "deleteTag"),
    ],
)
async def test_mutations_on_another_users_ids_answer_not_found_and_change_nothing(
    alice: SignedIn,
    bob: SignedIn,
    alices_book: Book,
    document,
    variables,
    payload,  # type: ignore[no-untyped-def]
) -> None:
    # when
    theirs = (await bob.api.gql(document, variables(alices_book)))[payload]
    # then: the same answer as for an id that never existed
    missing = Book(_unknown("Portfolio"), _unknown("Position"), _unknown("Tag"))
    unknown = (await bob.api.gql(document, variables(missing)))[payload]
    assert theirs["__typename"] == "NotFoundError"
    assert theirs == unknown
    data = await alice.api.gql(PORTFOLIO, {"id": alices_book.portfolio_id})
    assert data["portfolio"]["name"] == "Core"
    [edge] = data["portfolio"]["positions"]["edges"]
    assert edge["node"]["quantity"] == 100
    assert edge["node"]["tags"] == [{"name": "Core"}]


async def test_adding_to_another_users_portfolio_is_not_found(
    bob: SignedIn, alices_book: Book
) -> None:
    # when
    result = await add_position(bob, alices_book.portfolio_id)
    # then
    assert result["__typename"] == "NotFoundError"
    assert result["field"] == "portfolioId"


async def test_another_users_tag_cannot_be_put_on_your_position(
    bob: SignedIn, alices_book: Book
) -> None:
    # given
    portfolio_id = await create_portfolio(bob)
    position_id = (await add_position(bob, portfolio_id))["position"]["id"]
    # when
    result = (
        await bob.api.gql(
            SET_POSITION_TAGS, {"positionId": position_id, "tagIds": [alices_book.tag_id]}
        )
    )["setPositionTags"]
    with_tag = await add_position(bob, portfolio_id, symbol="MSFT", tagIds=[alices_book.tag_id])
    # then
    assert result["__typename"] == "NotFoundError"
    assert with_tag["__typename"] == "NotFoundError"


async def test_filtering_by_another_users_tag_finds_nothing(
    bob: SignedIn, alices_book: Book
) -> None:
    # given
    portfolio_id = await create_portfolio(bob)
    await add_position(bob, portfolio_id)
    query = """query($id: ID!, $tags: [ID!]) {
      portfolio(id: $id) { positions(filter: {tagIds: $tags}) { totalCount } } }"""
    # when
    data = await bob.api.gql(query, {"id": portfolio_id, "tags": [alices_book.tag_id]})
    # then
    assert data["portfolio"]["positions"]["totalCount"] == 0


async def test_an_admin_sees_every_portfolio(api: Api, app: Starlette, alices_book: Book) -> None:
    # given
    admin = await sign_up(api, "admin@example.com")
    async with app.state.engine.begin() as conn:
        await conn.execute(update(User).where(User.email == admin.email).values(role=Role.ADMIN))
    token = (
        await api.gql(
            'mutation { login(email: "admin@example.com", password: "correct horse battery") '
            "{ ... on LoginSuccess { tokens { accessToken } } } }"
        )
    )["login"]["tokens"]["accessToken"]
    # when
    data = await api.as_user(token).gql(PORTFOLIO, {"id": alices_book.portfolio_id})
    # then
    assert data["portfolio"]["name"] == "Core"
