"""Password guessing is counted per sign-in, not per HTTP request: one sign-in field per request,
failed sign-ins throttled per account and per address whatever token is attached, weak passwords
and lookalike emails refused, and one email key shared by Python and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from sigmasight.settings import Settings
from tests.conftest import REGISTER, Api, SignedIn, sign_up
from tests.documents import ME

PASSWORD = "correct horse battery"
LOGIN_WITH_RETRY = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { tokens { accessToken } }
    ... on TooManyAttemptsError { retryAfterSeconds }
    ... on UserError { code message }
  }
}
"""


def _aliased_logins(count: int) -> str:
    fields = "\n".join(
        f'l{i}: login(email: "alice@example.com", password: "guess number {i:04d}") '
        "{ __typename }"
        for i in range(count)
    )
    return f"mutation {{ {fields} }}"


async def _login(api: Api, email: str, password: str) -> dict[str, Any]:
    result: dict[str, Any] = (
        await api.gql(LOGIN_WITH_RETRY, {"email": email, "password": password})
    )["login"]
    return result


async def _register(api: Api, email: str, password: str = PASSWORD) -> dict[str, Any]:
    result: dict[str, Any] = (
        await api.gql(REGISTER, {"input": {"email": email, "password": password}})
    )["register"]
    return result


async def test_thirty_aliased_logins_in_one_request_are_refused(api: Api, alice: SignedIn) -> None:
    # when
    body = await api.raw(_aliased_logins(30))
    # then
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"ONE_SIGN_IN_PER_REQUEST"}


async def test_logins_hidden_in_fragments_count_as_well(api: Api, alice: SignedIn) -> None:
    # given
    document = """
    mutation { ...Guesses ... on Mutation { c: login(email: "a@b.co", password: "x") { __typename } } }
    fragment Guesses on Mutation {
      a: login(email: "a@b.co", password: "y") { __typename }
      ...More ...More
    }
    fragment More on Mutation { b: register(input: {email: "a@b.co", password: "z"}) { __typename } }
    """
    # when
    body = await api.raw(document)
    # then
    assert body["errors"][0]["extensions"]["code"] == "ONE_SIGN_IN_PER_REQUEST"


async def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(
    api: Api, alice: SignedIn, settings: Settings
) -> None:
    # given
    for _ in range(settings.login_failures_per_account):
        assert (await _login(api, alice.email, "wrong password!"))["code"] == "INVALID_CREDENTIALS"
    # when
    locked = await _login(api, alice.email, PASSWORD)
    # then
    assert locked["__typename"] == "TooManyAttemptsError"
    assert locked["code"] == "TOO_MANY_ATTEMPTS"
    assert locked["retryAfterSeconds"] > 0
    assert f"{locked['retryAfterSeconds']} s" in locked["message"]


async def test_a_burst_of_parallel_guesses_checks_no_more_passwords_than_the_limit(
    api: Api, alice: SignedIn, settings: Settings
) -> None:
    # when
    results = await asyncio.gather(
        *(_login(api, alice.email, f"parallel guess {i:03d}") for i in range(15))
    )
    # then
    codes = [r["code"] for r in results]
    assert codes.count("INVALID_CREDENTIALS") == settings.login_failures_per_account
    assert codes.count("TOO_MANY_ATTEMPTS") == 15 - settings.login_failures_per_account


async def test_one_address_is_throttled_across_accounts_even_with_a_valid_token_attached(
    alice: SignedIn, settings: Settings
) -> None:
    # given: guesses against many accounts, each request carrying alice's valid token
    for i in range(settings.login_failures_per_address):
        result = await _login(alice.api, f"victim{i}@example.com", "wrong password!")
        assert result["code"] == "INVALID_CREDENTIALS"
    # when
    result = await _login(alice.api, "another-victim@example.com", "wrong password!")
    # then
    assert result["code"] == "TOO_MANY_ATTEMPTS"


async def test_a_successful_sign_in_clears_the_accounts_failures(
    api: Api, alice: SignedIn, settings: Settings
) -> None:
    # given
    for _ in range(settings.login_failures_per_account - 1):
        await _login(api, alice.email, "wrong password!")
    assert (await _login(api, alice.email, PASSWORD))["__typename"] == "LoginSuccess"
    # when
    result = await _login(api, alice.email, "wrong password!")
    # then
    assert result["code"] == "INVALID_CREDENTIALS"


async def test_failed_sign_ins_are_throttled_from_the_database_when_redis_is_down(
    api_without_redis: Api, settings: Settings
) -> None:
    # given
    user = await sign_up(api_without_redis, "carol@example.com")
    for _ in range(settings.login_failures_per_account):
        result = await _login(api_without_redis, user.email, "wrong password!")
        assert result["code"] == "INVALID_CREDENTIALS"
    # when
    locked = await _login(api_without_redis, user.email, PASSWORD)
    # then
    assert locked["code"] == "TOO_MANY_ATTEMPTS"


async def test_sign_in_works_when_redis_is_down(api_without_redis: Api) -> None:
    # given
    await sign_up(api_without_redis, "carol@example.com")
    # when
    result = await _login(api_without_redis, "carol@example.com", PASSWORD)
    # then
    token = result["tokens"]["accessToken"]
    me = await api_without_redis.as_user(token).gql(ME)
    assert me["me"]["email"] == "carol@example.com"


async def test_register_refuses_a_common_password(api: Api) -> None:
    # when
    plain = await _register(api, "dave@example.com", "1234567890")
    dressed = await _register(api, "dave@example.com", "Sunshine2024!")
    # then
    assert plain["code"] == dressed["code"] == "PASSWORD_TOO_COMMON"


async def test_register_refuses_the_email_as_password(api: Api) -> None:
    # when
    whole = await _register(api, "dave.smith@example.com", "Dave.Smith@example.com")
    local = await _register(api, "dave.smith@example.com", "dave.smith")
    # then
    assert whole["code"] == local["code"] == "PASSWORD_IS_EMAIL"


async def test_register_refuses_an_email_with_an_invisible_character(api: Api) -> None:
    # when
    result = await _register(api, "ali\u200bce@example.com")
    # then
    assert result == {
        "__typename": "ValidationError",
        "field": "email",
        "code": "INVALID_EMAIL",
        "message": "Email address holds invisible characters.",
    }


async def test_register_refuses_an_email_mixing_alphabets(api: Api) -> None:
    # when: a Cyrillic letter a in a Latin name, and in a domain
    local = await _register(api, "\u0430lice@example.com")
    domain = await _register(api, "alice@ex\u0430mple.com")
    # then
    assert local["code"] == domain["code"] == "INVALID_EMAIL"


async def test_a_full_width_email_is_the_same_account(api: Api, alice: SignedIn) -> None:
    # when
    result = await _register(api, "\uff41\uff4c\uff49\uff43\uff45@example.com")
    # then
    assert result["code"] == "EMAIL_TAKEN"


async def test_emails_equal_ignoring_case_in_any_script_are_one_account(api: Api) -> None:
    # given: Python's lower() gives a final sigma here, PostgreSQL's lower() would not
    first = await _register(api, "\u0391\u03a3@example.com")
    assert first["__typename"] == "RegisterSuccess"
    # when
    second = await _register(api, "\u0391\u03c3@example.com")
    # then
    assert second["__typename"] == "ConflictError"
    assert second["code"] == "EMAIL_TAKEN"


async def test_ten_simultaneous_registrations_of_one_email_make_one_account(api: Api) -> None:
    # when
    results = await asyncio.gather(*(_register(api, "race@example.com") for _ in range(10)))
    # then
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError"] * 9 + ["RegisterSuccess"]
    assert all(r["code"] == "EMAIL_TAKEN" for r in results if r["__typename"] != "RegisterSuccess")
