"""Fixtures for sign-in and session tests: a clock that can be moved forward, an app whose
Redis is unreachable, and ways to read the database directly."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.graphql.ids import from_global_id
from sigmasight.settings import Settings
from tests.conftest import Api

# Nothing listens on port 1: every Redis call fails with a real connection error.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


class ShiftedClock:
    """`clock.now()` moved forward by however much the test advanced it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        real_now = clock.now

        def shifted() -> datetime:
            return real_now() + self.offset

        monkeypatch.setattr(clock, "now", shifted)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def shifted_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShiftedClock]:
    yield ShiftedClock(monkeypatch)


@pytest.fixture
async def api_without_redis(app: Starlette, settings: Settings) -> AsyncIterator[Api]:
    """The API over the same database, with Redis unreachable (`app` keeps cleaning up)."""
    from sigmasight.main import create_app

    broken = create_app(settings.model_copy(update={"redis_url": UNREACHABLE_REDIS}))
    transport = httpx.ASGITransport(app=broken)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http)
    await broken.state.graphql.close()
    await broken.state.redis.aclose()
    await broken.state.engine.dispose()


def user_uuid(global_id: str) -> uuid.UUID:
    decoded = from_global_id(global_id)
    assert decoded is not None
    return decoded[1]
