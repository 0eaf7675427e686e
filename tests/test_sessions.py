"""Sessions end when they should: an access token stops working after logout, after refresh-token
reuse revokes its session, after its user is deleted, and a demoted admin loses admin powers at
once. Two tabs refreshing together keep the session; Redis being down changes none of it."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette

from sigmasight.auth import service as auth_service
from sigmasight.auth.models import Role
from sigmasight.settings import Settings
from tests.conftest import Api, SignedIn, sign_up
from tests.documents import LOGIN, LOGOUT, ME, REFRESH
from tests.session_support import ShiftedClock, user_uuid

PASSWORD = "correct horse battery"
RESET_DEMO_DATA = "mutation { resetDemoData { __typename } }"
SET_USER_ROLE = """
mutation SetRole($userId: ID!, $role: Role!) {
  setUserRole(userId: $userId, role: $role) {
    __typename
    ... on SetUserRoleSuccess { user { id role } }
    ... on UserError { field code message }
  }
}
"""


def _error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


async def _make_admin(app: Starlette, settings: Settings, user: SignedIn) -> None:
    """Promote as `sigmasight make-admin` does: change the row, then publish the change."""
    user_id = user_uuid(user.user_id)
    async with app.state.session_factory() as session:
        await auth_service.set_role(session, user_id=user_id, role=Role.ADMIN)
        await session.commit()
    await auth_service.publish_user_change(
        app.state.redis, user_id=user_id, role=Role.ADMIN, settings=settings
    )


async def test_an_access_token_stops_working_after_logout(alice: SignedIn) -> None:
    # given
    await alice.api.gql(ME)
    # when
    logout = await alice.api.gql(LOGOUT, {"token": alice.refresh_token})
    # then
    assert logout["logout"]["__typename"] == "LogoutSuccess"
    assert _error_code(await alice.api.raw(ME)) == "TOKEN_REVOKED"


async def test_an_access_token_stops_working_once_refresh_reuse_revokes_its_session(
    api: Api, alice: SignedIn, shifted_clock: ShiftedClock, settings: Settings
) -> None:
    # given: the session was refreshed, and its spent refresh token turns up later
    rotated = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    fresh = api.as_user(rotated["tokens"]["accessToken"])
    await fresh.gql(ME)
    shifted_clock.advance(settings.refresh_grace_seconds + 1)
    # when
    reused = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    # then: both the old and the newest access token are dead
    assert reused["code"] == "TOKEN_REVOKED"
    assert _error_code(await fresh.raw(ME)) == "TOKEN_REVOKED"
    assert _error_code(await alice.api.raw(ME)) == "TOKEN_REVOKED"


async def test_an_access_token_stops_working_once_its_user_is_deleted(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given
    await alice.api.gql(ME)
    user_id = user_uuid(alice.user_id)
    # when: deleted as `sigmasight delete-user` does
    async with app.state.session_factory() as session:
        await auth_service.delete_user(session, user_id=user_id)
        await session.commit()
    await auth_service.publish_user_change(
        app.state.redis, user_id=user_id, role=None, settings=settings
    )
    # then
    assert _error_code(await alice.api.raw(ME)) == "TOKEN_REVOKED"


async def test_a_deleted_users_token_is_refused_even_when_only_the_database_knows(
    app: Starlette, alice: SignedIn
) -> None:
    # given: the row goes without anyone telling Redis, and the cached answer has expired
    await alice.api.gql(ME)
    async with app.state.engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM users")
    await app.state.redis.flushdb()
    # when
    body = await alice.api.raw(ME)
    # then
    assert _error_code(body) == "TOKEN_REVOKED"


async def test_a_demoted_admin_can_no_longer_reset_demo_data(
    api: Api, app: Starlette, settings: Settings, alice: SignedIn, bob: SignedIn
) -> None:
    # given: alice and bob are admins, alice signed in as one
    await _make_admin(app, settings, alice)
    await _make_admin(app, settings, bob)
    login = (await api.gql(LOGIN, {"email": alice.email, "password": PASSWORD}))["login"]
    alice_admin = api.as_user(login["tokens"]["accessToken"])
    assert (await alice_admin.gql(ME))["me"]["role"] == "admin"
    # when
    demoted = await bob.api.gql(SET_USER_ROLE, {"userId": alice.user_id, "role": "USER"})
    # then
    assert demoted["setUserRole"]["user"]["role"] == "user"
    assert _error_code(await alice_admin.raw(RESET_DEMO_DATA)) == "FORBIDDEN"
    assert (await alice_admin.gql(ME))["me"]["role"] == "user"


async def test_a_promoted_user_is_an_admin_from_the_next_request(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given
    assert (await alice.api.gql(ME))["me"]["role"] == "user"
    # when
    await _make_admin(app, settings, alice)
    # then
    assert (await alice.api.gql(ME))["me"]["role"] == "admin"


async def test_only_an_admin_changes_roles(alice: SignedIn, bob: SignedIn) -> None:
    # when
    body = await alice.api.raw(SET_USER_ROLE, {"userId": alice.user_id, "role": "ADMIN"})
    # then
    assert _error_code(body) == "FORBIDDEN"


async def test_two_tabs_refreshing_one_token_at_once_both_get_the_same_pair(
    api: Api, alice: SignedIn
) -> None:
    # when
    first, second = await asyncio.gather(
        api.gql(REFRESH, {"token": alice.refresh_token}),
        api.gql(REFRESH, {"token": alice.refresh_token}),
    )
    # then
    assert first["refreshToken"]["__typename"] == "RefreshTokenSuccess"
    assert first == second
    tokens = first["refreshToken"]["tokens"]
    assert (await api.as_user(tokens["accessToken"]).gql(ME))["me"]["email"] == alice.email
    again = (await api.gql(REFRESH, {"token": tokens["refreshToken"]}))["refreshToken"]
    assert again["__typename"] == "RefreshTokenSuccess"


async def test_a_spent_refresh_token_after_the_grace_window_revokes_the_session(
    api: Api, alice: SignedIn, shifted_clock: ShiftedClock, settings: Settings
) -> None:
    # given
    rotated = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    shifted_clock.advance(settings.refresh_grace_seconds + 1)
    # when
    late = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    # then
    assert late["code"] == "TOKEN_REVOKED"
    successor = rotated["tokens"]["refreshToken"]
    assert (await api.gql(REFRESH, {"token": successor}))["refreshToken"]["code"] == (
        "TOKEN_REVOKED"
    )


async def test_a_refresh_token_presented_after_logout_is_not_rescued_by_the_grace_window(
    api: Api, alice: SignedIn
) -> None:
    # given: rotated, then the session signed out
    rotated = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    await api.gql(LOGOUT, {"token": rotated["tokens"]["refreshToken"]})
    # when
    again = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    # then
    assert again["code"] == "TOKEN_REVOKED"


async def test_sessions_are_checked_in_the_database_when_redis_is_down(
    api_without_redis: Api,
) -> None:
    # given
    user = await sign_up(api_without_redis, "carol@example.com")
    assert (await user.api.gql(ME))["me"]["email"] == "carol@example.com"
    # when
    await api_without_redis.gql(LOGOUT, {"token": user.refresh_token})
    # then
    assert _error_code(await user.api.raw(ME)) == "TOKEN_REVOKED"


async def test_a_logout_made_while_redis_was_down_holds_once_the_cached_answer_expires(
    api_without_redis: Api, app: Starlette, alice: SignedIn
) -> None:
    # given: the session is cached as live, then signed out through a process without Redis
    await alice.api.gql(ME)
    await api_without_redis.gql(LOGOUT, {"token": alice.refresh_token})
    # when: the few seconds of cache pass (flushed here rather than waited for)
    await app.state.redis.flushdb()
    # then
    assert _error_code(await alice.api.raw(ME)) == "TOKEN_REVOKED"
