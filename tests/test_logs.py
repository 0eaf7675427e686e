"""Log lines: JSON objects with the request's fields, request ids echoed, no secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest

from sigmasight import logs
from sigmasight.graphql.ids import parse_id
from sigmasight.settings import Settings
from tests.conftest import Api, sign_up

LOGIN = """
mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { tokens { accessToken refreshToken } }
  }
}
"""
PASSWORD = "a-long-and-private-passphrase"


def _access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "sigmasight.access"]


def test_a_json_line_carries_the_bound_request_fields() -> None:
    # given
    logs.begin(request_id="req-1")
    logs.bind(user_id="user-9", operation="Book")
    record = logging.getLogger("sigmasight.test").makeRecord(
        "sigmasight.test", logging.INFO, __file__, 1, "hello %s", ("world",), None
    )
    record.sigmasight_context = logs.bound()
    # when
    line = json.loads(logs.JsonFormatter().format(record))
    # then
    assert line["message"] == "hello world"
    assert line["level"] == "INFO"
    assert line["logger"] == "sigmasight.test"
    assert line["time"].endswith("+00:00")
    assert (line["request_id"], line["user_id"], line["operation"]) == ("req-1", "user-9", "Book")


async def test_a_request_id_sent_by_the_caller_is_echoed_and_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    # when
    with caplog.at_level(logging.INFO):
        response = await client.get("/health", headers={"X-Request-ID": "trace-abc-123"})
    # then
    assert response.headers["x-request-id"] == "trace-abc-123"
    [access] = _access_records(caplog)
    assert logs.fields_of(access) == {
        "request_id": "trace-abc-123",
        "method": "GET",
        "path": "/health",
        "status": 200,
        "duration_ms": access.duration_ms,  # type: ignore[attr-defined]
    }


@pytest.mark.parametrize("sent", ["forged\nline", "x" * 129, "", " padded "])
async def test_an_unacceptable_request_id_is_replaced_by_a_new_one(
    client: httpx.AsyncClient, sent: str
) -> None:
    # when
    response = await client.get("/health", headers={"X-Request-ID": sent})
    # then
    echoed = response.headers["x-request-id"]
    assert echoed != sent
    assert len(echoed) == 32 and echoed.isalnum()


async def test_a_login_is_logged_with_its_operation_and_without_password_or_tokens(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    await sign_up(api, "logged@example.com", PASSWORD)
    caplog.clear()
    # when
    with caplog.at_level(logging.DEBUG):
        data = await api.gql(LOGIN, {"email": "logged@example.com", "password": PASSWORD})
    # then
    tokens: dict[str, Any] = data["login"]["tokens"]
    text = caplog.text + "".join(logs.JsonFormatter().format(r) for r in caplog.records)
    assert PASSWORD not in text
    assert tokens["accessToken"] not in text
    assert tokens["refreshToken"] not in text
    [access] = _access_records(caplog)
    line = json.loads(logs.JsonFormatter().format(access))
    assert line["operation"] == "SignIn"
    assert line["status"] == 200
    assert line["path"] == "/graphql"
    assert len(line["request_id"]) == 32


async def test_a_signed_in_request_is_logged_with_the_user_id(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    user = await sign_up(api, "who@example.com")
    caplog.clear()
    # when
    with caplog.at_level(logging.INFO):
        await user.api.gql("query Me { me { id } }")
    # then
    [access] = _access_records(caplog)
    assert logs.fields_of(access)["operation"] == "Me"
    assert logs.fields_of(access)["user_id"] == str(parse_id(user.user_id, "User"))


async def test_a_job_logs_with_its_own_job_id(caplog: pytest.LogCaptureFixture) -> None:
    from workers.main import on_job_start

    # given two jobs running side by side, each in its own task as arq runs them
    async def job(job_id: str) -> None:
        await on_job_start({"job_id": job_id})
        await asyncio.sleep(0)
        logging.getLogger("workers.test").warning("working")

    logs.configure(Settings(_env_file=None))  # type: ignore[call-arg]  # installs the fields
    # when
    with caplog.at_level(logging.INFO):
        await asyncio.gather(job("job-a"), job("job-b"))
    # then
    lines = [logs.fields_of(r) for r in caplog.records if r.name == "workers.test"]
    assert sorted(line["job_id"] for line in lines) == ["job-a", "job-b"]


async def test_a_password_sent_with_the_wrong_type_is_not_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given a password the schema refuses before any resolver runs
    password = 9876543210123
    # when
    with caplog.at_level(logging.DEBUG):
        body = await api.raw(LOGIN, {"email": "typo@example.com", "password": password})
    # then the caller is told, the logs are not
    assert body["errors"]
    assert str(password) not in caplog.text
