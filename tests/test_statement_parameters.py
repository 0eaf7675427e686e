"""A failed statement never carries its parameters into messages or logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette

from sigmasight.auth.models import User
from sigmasight.db import create_engine, create_session_factory
from sigmasight.settings import Settings

PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$not-a-real-hash-but-private"


async def test_a_failed_insert_shows_neither_the_password_hash_nor_the_email(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    # given a row PostgreSQL refuses (a NUL byte in a text column)
    factory = create_session_factory(app.state.engine)
    user = User(email="nul@example.com", password_hash=PASSWORD_HASH, full_name="a\x00b")
    # when
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy"):
        async with factory() as session:
            session.add(user)
            with pytest.raises(DBAPIError) as failed:
                await session.flush()
    # then the statement is named, its values are not
    message = str(failed.value)
    assert "INSERT INTO users" in message
    assert PASSWORD_HASH not in message
    assert "nul@example.com" not in message
    assert PASSWORD_HASH not in caplog.text


def test_every_engine_of_ours_hides_statement_parameters(settings: Settings) -> None:
    # given
    assert settings.database_url is not None
    engine = create_engine(settings.database_url, pool_size=1)
    # then
    assert engine.sync_engine.hide_parameters is True
