from __future__ import annotations

import pytest
from pydantic import ValidationError

from sigmasight.settings import DEVELOPMENT_SECRET, Environment, Settings

URLS = {"database_url": "postgresql://db/x", "redis_url": "redis://r:6379/0"}


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "changeme", "short-secret"])
def test_production_refuses_to_start_with_a_placeholder_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION, secret_key=secret, _env_file=None, **URLS)  # type: ignore[call-arg]


def test_production_has_no_default_demo_password_and_no_ide() -> None:
    # when
    settings = Settings(
        environment=Environment.PRODUCTION,
        secret_key="x" * 40,
        _env_file=None,
        **URLS,  # type: ignore[call-arg]
    )
    # then
    assert settings.effective_demo_password is None
    assert settings.graphiql_enabled is False
    assert settings.get_queries_enabled is False


@pytest.mark.parametrize("url", ["postgres://u:p@h:5432/d", "postgresql://u:p@h:5432/d"])
def test_hosted_postgres_urls_become_asyncpg_urls(url: str) -> None:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "postgresql+asyncpg://u:p@h:5432/d"


def test_a_refused_secret_key_is_not_echoed_in_the_start_up_error() -> None:
    # given a production configuration whose secret is too short, and a database password
    secret = "short-but-real-secret"
    urls = {"database_url": "postgresql://u:db-password-42@h/d", "redis_url": "redis://r:6379/0"}
    # when
    with pytest.raises(ValidationError) as refused:
        Settings(environment=Environment.PRODUCTION, _env_file=None, **urls, secret_key=secret)  # type: ignore[call-arg]
    # then
    message = str(refused.value)
    assert "SECRET_KEY" in message
    assert secret not in message
    assert "db-password-42" not in message
