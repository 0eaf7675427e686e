"""Small builders the tests share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.auth.sessions import SESSION_CHECK_OPTION
from tests.conftest import SignedIn
from tests.documents import ADD_POSITION, CREATE_PORTFOLIO, CREATE_TAG


def cents(value: float) -> Any:
    """A served money amount: the exact `value` rounded to cents, so within half a cent."""
    return pytest.approx(value, abs=0.005)


def days_ago(days: int) -> str:
    return (clock.today() - timedelta(days=days)).isoformat()


def occ_symbol(underlying: str, days_ahead: int, cp: str, strike: float) -> str:
    """A live OCC symbol expiring `days_ahead` days from today."""
    expiry = clock.today() + timedelta(days=days_ahead)
    return f"{underlying}{expiry:%y%m%d}{cp}{round(strike * 1000):08d}"


async def create_portfolio(user: SignedIn, name: str = "Core") -> str:
    result = (await user.api.gql(CREATE_PORTFOLIO, {"name": name}))["createPortfolio"]
    assert result["__typename"] == "CreatePortfolioSuccess", result
    return str(result["portfolio"]["id"])


async def add_position(user: SignedIn, portfolio_id: str, **fields: Any) -> dict[str, Any]:
    payload = {
        "portfolioId": portfolio_id,
        "symbol": "AAPL",
        "quantity": 100,
        "entryPrice": 150.25,
        "entryDate": days_ago(30),
        **fields,
    }
    result: dict[str, Any] = (await user.api.gql(ADD_POSITION, {"input": payload}))["addPosition"]
    return result


async def create_tag(user: SignedIn, name: str, **fields: Any) -> str:
    result = (await user.api.gql(CREATE_TAG, {"input": {"name": name, **fields}}))["createTag"]
    assert result["__typename"] == "CreateTagSuccess", result
    return str(result["tag"]["id"])


@contextmanager
def counting_statements(app: Starlette) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        context = args[4]
        if context is not None and context.execution_options.get(SESSION_CHECK_OPTION):
            return  # the per-request session check: cached in Redis, not the query's own cost
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
