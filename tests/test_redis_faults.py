"""A real Redis paused, then killed, then back: the API keeps answering from PostgreSQL, a
committed mutation reports its success, and the worker picks jobs up again once Redis returns.

Redis here is a redis-server process of the test's own on a free port (skipped when the
binary is missing), so pausing and killing it touches nothing else.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.jobs import Job
from sqlalchemy import func, insert, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.main import WORKER_HEARTBEAT_KEY
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position
from sigmasight.redis_client import connect_jobs
from sigmasight.settings import Settings
from tests.book_factory import bar_row
from tests.conftest import Api, SignedIn, sign_up
from tests.helpers import create_portfolio, days_ago
from tests.live_server import free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server binary")

# Long enough for a slow CI machine to restart the worker; a hang guard, not a timing check.
JOB_WAIT_SECONDS = 120

ADD_PRICED_POSITION = """
mutation Add($input: AddPositionInput!) {
  addPosition(input: $input) {
    __typename
    ... on AddPositionSuccess {
      position { id symbol lastPrice marketValue dataQuality { missingPrice stale } }
    }
    ... on UserError { field code message }
  }
}
"""

BOOK = """
query Book($id: ID!) {
  portfolio(id: $id) {
    totalValue
    riskMetrics { annualizedVolatility }
    positions(first: 10) {
      edges { node { symbol lastPrice marketValue dataQuality { missingPrice stale } } }
    }
  }
}
"""


@dataclass
class RedisProcess:
    """A redis-server of this test's own, which can be paused, killed and started again."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(  # noqa: S603  # our own fixed arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(400):  # a hang guard: a server that never answers fails the test
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # a stopped process is killed as well
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def faulty_app(
    app: Starlette, settings: Settings, redis_process: RedisProcess
) -> AsyncIterator[tuple[Starlette, Settings]]:
    """The API on the shared test database but on the test's own Redis (`app` is requested
    so the database is emptied afterwards)."""
    from sigmasight.main import create_app

    # A Redis fault is remembered for the whole test, so only the first call waits it out.
    own = settings.model_copy(
        update={"redis_url": redis_process.url, "redis_retry_after_seconds": 600}
    )
    application = create_app(own)
    yield application, own
    await application.state.graphql.close()
    await application.state.redis.aclose()
    await application.state.engine.dispose()


async def _store_prices(app: Starlette, symbols: list[str]) -> None:
    days = calendar.trading_days_back(calendar.last_completed_session(clock.now()), 40)
    rows = [bar_row(s, d, 100.0 + i) for s in symbols for i, d in enumerate(days)]
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)


async def _book(user: SignedIn, portfolio_id: str) -> dict[str, Any]:
    return (await user.api.gql(BOOK, {"id": portfolio_id}))["portfolio"]


async def _add(user: SignedIn, portfolio_id: str, symbol: str) -> dict[str, Any]:
    payload = {
        "portfolioId": portfolio_id,
        "symbol": symbol,
        "quantity": 10,
        "entryPrice": 100.0,
        "entryDate": days_ago(10),
    }
    data = await user.api.gql(ADD_PRICED_POSITION, {"input": payload})
    result: dict[str, Any] = data["addPosition"]
    return result


async def _position_count(app: Starlette, symbol: str) -> int:
    async with app.state.engine.connect() as conn:
        count = await conn.scalar(select(func.count()).where(Position.symbol == symbol))
    return int(count or 0)


def _node(book: dict[str, Any], symbol: str) -> dict[str, Any]:
    [node] = [e["node"] for e in book["positions"]["edges"] if e["node"]["symbol"] == symbol]
    return dict(node)


async def _ready(app: Starlette) -> dict[str, Any]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        body: dict[str, Any] = (await http.get("/ready")).json()
    return body


async def _worker_ready(app: Starlette) -> bool:
    return (await _ready(app)).get("worker") == "ok"


async def _said(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return text in caplog.text


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for `condition`; a hang guard fails the test if it never holds."""
    for _ in range(JOB_WAIT_SECONDS * 10):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition never held")


async def test_reads_and_writes_survive_a_paused_then_dead_redis(
    faulty_app: tuple[Starlette, Settings],
    redis_process: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a user with a priced position, served while Redis is up
    application, _ = faulty_app
    await _store_prices(application, ["AAPL", "MSFT", "NVDA", "SPY"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application), base_url="http://test"
    ) as http:
        user = await sign_up(Api(http), "faults@example.com")
        portfolio_id = await create_portfolio(user)
        assert (await _add(user, portfolio_id, "AAPL"))["__typename"] == "AddPositionSuccess"
        before = await _book(user, portfolio_id)
        # when Redis is paused (it accepts connections and never answers)
        redis_process.pause()
        caplog.clear()
        paused_read = await _book(user, portfolio_id)
        paused_add = await _add(user, portfolio_id, "MSFT")
        paused_reread = await _book(user, portfolio_id)
        waits = [r for r in caplog.records if "Timeout reading" in r.getMessage()]
        # and then killed (connections refused)
        redis_process.kill()
        dead_read = await _book(user, portfolio_id)
        dead_add = await _add(user, portfolio_id, "NVDA")
    # then reads answer from PostgreSQL with the same prices
    assert paused_read == before
    assert _node(paused_reread, "AAPL") == _node(before, "AAPL")
    # and only the first call of each client (caches and limiter; job queue) waited for the
    # paused server: later ones failed fast
    assert sorted(r.name for r in waits) == ["sigmasight.graphql.context", "sigmasight.ratelimit"]
    assert _node(dead_read, "AAPL") == _node(before, "AAPL")
    assert _node(before, "AAPL")["lastPrice"] is not None
    assert _node(dead_read, "MSFT")["dataQuality"]["missingPrice"] is False
    # and what was committed says so, and is stored
    assert paused_add["__typename"] == "AddPositionSuccess", paused_add
    assert dead_add["__typename"] == "AddPositionSuccess", dead_add
    assert dead_add["position"]["lastPrice"] is not None  # its price read from PostgreSQL
    assert await _position_count(application, "MSFT") == 1
    assert await _position_count(application, "NVDA") == 1


async def test_the_worker_takes_jobs_again_once_redis_returns(
    faulty_app: tuple[Starlette, Settings],
    redis_process: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from workers.main import run_worker

    # given a worker that was running and has lost its Redis
    application, settings = faulty_app
    settings = settings.model_copy(update={"redis_retry_after_seconds": 0})
    worker = asyncio.create_task(run_worker(settings, poll_delay=0.1))
    try:
        await _until(lambda: _worker_ready(application))
        redis_process.kill()
        await _until(lambda: _said(caplog, "worker lost Redis"))
        # when Redis comes back on the same port and a job is queued
        redis_process.start()
        queue = connect_jobs(settings)
        try:
            job: Job | None = await queue.enqueue_job("purge_expired_refresh_tokens")
            assert job is not None
            # then the worker runs it
            purged = await job.result(timeout=JOB_WAIT_SECONDS, poll_delay=0.1)
            assert await queue.exists(WORKER_HEARTBEAT_KEY)  # what /ready reports
        finally:
            await queue.aclose()
        assert purged == 0
        assert not worker.done()
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
