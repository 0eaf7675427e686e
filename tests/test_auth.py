from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from sigmasight.auth import tokens
from sigmasight.settings import Settings
from tests.conftest import Api, SignedIn, sign_up
from tests.documents import LOGIN, LOGOUT, ME, REFRESH
from tests.session_support import ShiftedClock

PASSWORD = "correct horse battery"


async def _login(api: Api, email: str, password: str = PASSWORD) -> dict:  # type: ignore[type-arg]
    return (await api.gql(LOGIN, {"email": email, "password": password}))["login"]


def _error_code(body: dict) -> str:  # type: ignore[type-arg]
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


async def test_register_then_login_gives_tokens_for_me(api: Api) -> None:
    # given
    await sign_up(api, "Carol@Example.com")
    # when
    result = await _login(api, "carol@example.com")
    # then
    assert result["__typename"] == "LoginSuccess"
    me = await api.as_user(result["tokens"]["accessToken"]).gql(ME)
    assert me["me"]["email"] == "carol@example.com"
    assert me["me"]["role"] == "user"


async def test_register_refuses_a_short_password(api: Api) -> None:
    # when
    body = await api.gql(
        'mutation { register(input: {email: "d@example.com", password: "short"}) '
        "{ __typename ... on UserError { field code } } }"
    )
    # then
    assert body["register"] == {
        "__typename": "ValidationError",
        "field": "password",
        "code": "PASSWORD_TOO_SHORT",
    }


async def test_register_refuses_an_email_taken_in_another_case(api: Api, alice: SignedIn) -> None:
    # when
    body = await api.gql(
        'mutation { register(input: {email: "ALICE@example.com", password: "long enough pw"}) '
        "{ __typename ... on UserError { code } } }"
    )
    # then
    assert body["register"] == {"__typename": "ConflictError", "code": "EMAIL_TAKEN"}


async def test_login_gives_one_error_for_wrong_password_and_unknown_email(
    api: Api, alice: SignedIn
) -> None:
    # when
    wrong_password = await _login(api, alice.email, "not the password")
    unknown_email = await _login(api, "nobody@example.com")
    # then
    assert wrong_password == unknown_email
    assert wrong_password["code"] == "INVALID_CREDENTIALS"


async def test_me_without_a_token_is_a_top_level_unauthenticated_error(api: Api) -> None:
    # when
    body = await api.raw(ME)
    # then
    assert _error_code(body) == "UNAUTHENTICATED"
    assert body["data"] is None


async def test_an_expired_access_token_is_refused(
    api: Api, alice: SignedIn, settings: Settings
) -> None:
    # given
    user_id = uuid.UUID(base64.urlsafe_b64decode(alice.user_id).decode().split(":")[1])
    expired = tokens.encode(
        secret=settings.secret_key,
        kind="access",
        subject=user_id,
        issued_at=datetime.now(UTC) - timedelta(hours=2),
        lifetime=timedelta(minutes=30),
        extra={"role": "user"},
    )
    # when
    body = await api.as_user(expired).raw(ME)
    # then
    assert _error_code(body) == "TOKEN_EXPIRED"


async def test_a_tampered_access_token_is_refused(alice: SignedIn) -> None:
    # given: the payload is changed to claim the admin role, the signature is kept
    assert alice.api.token is not None
    header, payload, signature = alice.api.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    # when
    body = await alice.api.as_user(f"{header}.{forged}.{signature}").raw(ME)
    # then
    assert _error_code(body) == "INVALID_TOKEN"


async def test_an_unsigned_alg_none_token_is_refused(alice: SignedIn) -> None:
    # given
    assert alice.api.token is not None
    claims = jwt.decode(alice.api.token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    # when
    body = await alice.api.as_user(unsigned).raw(ME)
    # then
    assert _error_code(body) == "INVALID_TOKEN"


async def test_a_token_signed_with_another_secret_is_refused(alice: SignedIn) -> None:
    # given
    assert alice.api.token is not None
    claims = jwt.decode(alice.api.token, options={"verify_signature": False})
    foreign = jwt.encode(claims, "some-other-secret-of-sufficient-length", algorithm="HS256")
    # when
    body = await alice.api.as_user(foreign).raw(ME)
    # then
    assert _error_code(body) == "INVALID_TOKEN"


async def test_a_refresh_token_is_not_an_access_token(alice: SignedIn) -> None:
    # when
    body = await alice.api.as_user(alice.refresh_token).raw(ME)
    # then
    assert _error_code(body) == "INVALID_TOKEN"


async def test_a_malformed_authorization_header_is_refused(api: Api) -> None:
    # when
    response = await api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    # then
    assert _error_code(response.json()) == "INVALID_TOKEN"


async def test_refresh_rotates_the_pair(api: Api, alice: SignedIn) -> None:
    # when
    result = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    # then
    assert result["__typename"] == "RefreshTokenSuccess"
    assert result["tokens"]["refreshToken"] != alice.refresh_token
    me = await api.as_user(result["tokens"]["accessToken"]).gql(ME)
    assert me["me"]["email"] == alice.email


async def test_a_reused_refresh_token_is_refused_and_revokes_its_successor(
    api: Api, alice: SignedIn, shifted_clock: ShiftedClock, settings: Settings
) -> None:
    # given
    rotated = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    successor = rotated["tokens"]["refreshToken"]
    shifted_clock.advance(settings.refresh_grace_seconds + 1)
    # when
    reused = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    # then
    assert reused == {
        "__typename": "AuthenticationError",
        "code": "TOKEN_REVOKED",
        "message": "Refresh token was already used.",
    }
    after = (await api.gql(REFRESH, {"token": successor}))["refreshToken"]
    assert after["__typename"] == "AuthenticationError"


async def test_logout_revokes_the_refresh_token(api: Api, alice: SignedIn) -> None:
    # when
    result = (await api.gql(LOGOUT, {"token": alice.refresh_token}))["logout"]
    # then
    assert result == {"__typename": "LogoutSuccess", "revoked": True}
    again = (await api.gql(REFRESH, {"token": alice.refresh_token}))["refreshToken"]
    assert again["code"] == "TOKEN_REVOKED"


async def test_logout_of_one_session_leaves_the_other_signed_in(api: Api, alice: SignedIn) -> None:
    # given
    other = await _login(api, alice.email)
    # when
    await api.gql(LOGOUT, {"token": alice.refresh_token})
    # then
    result = (await api.gql(REFRESH, {"token": other["tokens"]["refreshToken"]}))["refreshToken"]
    assert result["__typename"] == "RefreshTokenSuccess"


async def test_an_expired_refresh_token_is_refused(
    api: Api, alice: SignedIn, settings: Settings
) -> None:
    # given
    claims = jwt.decode(alice.refresh_token, options={"verify_signature": False})
    claims["iat"] -= 100 * 86400
    claims["exp"] = claims["iat"] + 86400
    stale = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    # when
    result = (await api.gql(REFRESH, {"token": stale}))["refreshToken"]
    # then
    assert result["code"] == "TOKEN_EXPIRED"
