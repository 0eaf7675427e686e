"""The activity log: every sign-in and change to a book is recorded with the change, newest
first; each user reads their own, an administrator reads anyone's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from starlette.applications import Starlette

from sigmasight.auth.models import Role, User
from tests.conftest import Api, SignedIn, sign_up
from tests.documents import (
    CLOSE_POSITION,
    CREATE_PORTFOLIO,
    DELETE_POSITION,
    DELETE_TAG,
    LOGIN,
    LOGOUT,
    SET_POSITION_TAGS,
    UPDATE_PORTFOLIO,
)
from tests.helpers import add_position, create_portfolio, create_tag, days_ago
from tests.test_import import IMPORT
from tests.test_price_file import IMPORT_PRICES
from tests.test_sessions import SET_USER_ROLE

PASSWORD = "correct horse battery"
ACTIVITY = """
query Activity($userId: ID, $first: Int, $after: String) {
  activity(userId: $userId, first: $first, after: $after) {
    totalCount
    edges { node { action at userId actorId subjectType subjectId details ip } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _actions(api: Api, user_id: str | None = None) -> list[str]:
    data = await api.gql(ACTIVITY, {"userId": user_id, "first": 200})
    return [edge["node"]["action"] for edge in data["activity"]["edges"]]


async def _admin(api: Api, app: Starlette) -> Api:
    admin = await sign_up(api, "admin@example.com")
    async with app.state.engine.begin() as conn:
        await conn.execute(update(User).where(User.email == admin.email).values(role=Role.ADMIN))
    login = await api.gql(LOGIN, {"email": admin.email, "password": PASSWORD})
    return api.as_user(login["login"]["tokens"]["accessToken"])


async def test_sign_ins_are_logged_newest_first(api: Api, alice: SignedIn) -> None:
    # given
    await api.gql(LOGIN, {"email": alice.email, "password": "wrong password!"})
    login = await api.gql(LOGIN, {"email": alice.email, "password": PASSWORD})
    signed_in = api.as_user(login["login"]["tokens"]["accessToken"])
    await signed_in.gql(LOGOUT, {"token": alice.refresh_token})
    # when
    actions = await _actions(signed_in)
    # then
    assert actions == ["LOGOUT", "LOGIN", "LOGIN_FAILED", "REGISTER"]


async def test_an_event_says_who_did_what_to_which_object(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    data = await alice.api.gql(ACTIVITY, {"first": 1})
    # then
    node = data["activity"]["edges"][0]["node"]
    assert node["action"] == "PORTFOLIO_CREATED"
    assert node["subjectType"] == "Portfolio"
    assert node["subjectId"] == portfolio_id
    assert node["userId"] == node["actorId"] == alice.user_id
    assert node["ip"] == "127.0.0.1"


async def test_changes_to_a_book_are_logged(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await alice.api.gql(UPDATE_PORTFOLIO, {"id": portfolio_id, "name": "Renamed"})
    tag_id = await create_tag(alice, "Tech")
    position = (await add_position(alice, portfolio_id))["position"]
    await alice.api.gql(SET_POSITION_TAGS, {"positionId": position["id"], "tagIds": [tag_id]})
    await alice.api.gql(
        CLOSE_POSITION,
        {"input": {"id": position["id"], "exitPrice": 160, "exitDate": days_ago(1)}},
    )
    await alice.api.gql(DELETE_POSITION, {"id": position["id"]})
    await alice.api.gql(DELETE_TAG, {"id": tag_id})
    csv = f"ticker,quantity,entry_price,entry_date,tags\nMSFT,10,300,{days_ago(10)},\n"
    await alice.api.gql(
        IMPORT, {"input": {"portfolioId": portfolio_id, "csv": csv, "mode": "APPEND"}}
    )
    # when
    actions = await _actions(alice.api)
    # then
    assert actions == [
        "IMPORT_POSITIONS",
        "TAG_DELETED",
        "POSITION_DELETED",
        "POSITION_CLOSED",
        "TAGS_SET",
        "POSITION_ADDED",
        "TAG_CREATED",
        "PORTFOLIO_UPDATED",
        "PORTFOLIO_CREATED",
        "REGISTER",
    ]


async def test_a_refused_change_leaves_no_event(alice: SignedIn) -> None:
    # when
    result = await alice.api.gql(CREATE_PORTFOLIO, {"name": ""})
    # then
    assert result["createPortfolio"]["__typename"] == "ValidationError"
    assert await _actions(alice.api) == ["REGISTER"]


async def test_a_user_sees_only_their_own_activity(alice: SignedIn, bob: SignedIn) -> None:
    # given
    await create_portfolio(bob)
    # when
    own = await _actions(alice.api)
    others: dict[str, Any] = await alice.api.raw(ACTIVITY, {"userId": bob.user_id})
    # then
    assert own == ["REGISTER"]
    assert others["data"] is None
    assert others["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_admin_reads_anyones_activity(api: Api, app: Starlette, alice: SignedIn) -> None:
    # given
    await create_portfolio(alice)
    admin = await _admin(api, app)
    # when
    actions = await _actions(admin, alice.user_id)
    # then
    assert actions == ["PORTFOLIO_CREATED", "REGISTER"]


async def test_activity_pages_with_cursors(alice: SignedIn) -> None:
    # given
    for name in ("A", "B", "C"):
        await create_portfolio(alice, name)
    # when
    first = (await alice.api.gql(ACTIVITY, {"first": 2}))["activity"]
    rest = (await alice.api.gql(ACTIVITY, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "activity"
    ]
    # then
    assert first["totalCount"] == 4
    assert first["pageInfo"]["hasNextPage"] is True
    names = [e["node"]["action"] for e in first["edges"] + rest["edges"]]
    assert names == ["PORTFOLIO_CREATED"] * 3 + ["REGISTER"]


async def test_an_admins_change_to_another_account_is_on_that_accounts_log(
    api: Api, app: Starlette, alice: SignedIn
) -> None:
    # given
    admin = await _admin(api, app)
    # when
    await admin.gql(SET_USER_ROLE, {"userId": alice.user_id, "role": "ADMIN"})
    # then
    data = await alice.api.gql(ACTIVITY, {"first": 1})
    node = data["activity"]["edges"][0]["node"]
    assert node["action"] == "ROLE_CHANGED"
    assert node["details"] == {"role": "admin"}
    assert node["userId"] == alice.user_id
    assert node["actorId"] != alice.user_id


async def test_admin_actions_are_on_the_admins_log(api: Api, app: Starlette) -> None:
    # given
    admin = await _admin(api, app)
    csv = "symbol,date,open,high,low,close,volume\nACME,2026-11-16,10,11,9.5,10.5,1000\n"
    # when
    result = await admin.gql(IMPORT_PRICES, {"csv": csv})
    # then
    assert result["importMarketData"]["__typename"] == "ImportMarketDataSuccess"
    data = await admin.gql(ACTIVITY, {"first": 1})
    node = data["activity"]["edges"][0]["node"]
    assert node["action"] == "IMPORT_MARKET_DATA"
    assert node["details"] == {"bars": 1, "symbols": 1}
