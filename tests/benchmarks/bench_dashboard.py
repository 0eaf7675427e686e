"""Benchmark: the dashboard document against a running API server, beside its in-process floor.

Run with `uv run python -m tests.benchmarks.bench_dashboard`. Uses DATABASE_URL / REDIS_URL when
set, else the local servers on their default ports, in a scratch database. For books of 200 and
1,000 positions (stocks and options over 40 underlyings), for the dashboard document and for the
dashboard with its risk panel (factor exposures, VaR both ways, every scenario), it prints:

- warm p50/p95 over 50 requests to a uvicorn server in another process (HTTP, auth, rate limit,
  JSON and all);
- the first request after a price update (new closes stored, the latest-price cache dropped);
- the SQL statements one request runs;
- the floor: the same document executed in this process by the same schema with every loader
  already holding its objects in memory (only the ownership-checked portfolio read reaches the
  database), under the server's garbage-collector settings, and the ratio of the server's p95 to
  the floor's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as upsert
from starlette.requests import Request

from sigmasight import clock
from sigmasight.graphql.ids import parse_id
from sigmasight.main import create_app, keep_full_collections_out_of_requests
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.prices import forget_latest_prices
from sigmasight.portfolios.models import Position
from sigmasight.settings import Environment, Settings
from tests.benchmarks.timing import percentile, wait_ready
from tests.book_factory import book_rows
from tests.databases import scratch_database
from tests.documents import DASHBOARD, DASHBOARD_WITH_RISK
from tests.helpers import counting_statements

DATABASE = "sigmasight_bench_dashboard"
PORT = 8765
RUNS = 50
PRICE_UPDATES = 3
SECRET = "benchmark-secret-of-sufficient-length-000"
DOCUMENTS = [
    ("dashboard", DASHBOARD),
    ("dashboard + risk panel (factors, VaR both methods, all 15 scenarios)", DASHBOARD_WITH_RISK),
]


def start_server(database_url: str, redis_url: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "sigmasight.main:create_app", "--factory"]
    command += ["--port", str(PORT), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and module


async def gql(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def timed(http: httpx.AsyncClient, token: str, document: str, portfolio_id: str) -> float:
    start = time.perf_counter()
    data = await gql(http, token, document, {"id": portfolio_id})
    elapsed = (time.perf_counter() - start) * 1000
    assert data["portfolio"]["positions"]["edges"]
    return elapsed


async def floor_ms(app: Any, token: str, document: str, portfolio_id: str) -> tuple[float, float]:
    """p50/p95 of the document executed in-process with every loader already warm."""
    graphql = app.state.graphql
    # The app's own context, for a request that carries only the bearer token.
    request = Request({"type": "http", "headers": [(b"authorization", f"Bearer {token}".encode())]})
    context = await graphql.get_context(request, None)
    schema = graphql.schema
    variables = {"id": portfolio_id}
    warm = await schema.execute(document, variable_values=variables, context_value=context)
    assert not warm.errors, warm.errors
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = await schema.execute(document, variable_values=variables, context_value=context)
        samples.append((time.perf_counter() - start) * 1000)
        assert not result.errors
    return statistics.median(samples), percentile(samples, 0.95)


async def statements_per_request(app: Any, token: str, document: str, portfolio_id: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as local:
        with counting_statements(app) as statements:
            await gql(local, token, document, {"id": portfolio_id})
    return len(statements)


async def store_price_update(app: Any, bars: list[dict[str, Any]], day: date) -> None:
    """Each symbol's last stored close again on `day`, 0.5% higher, and the cache dropped."""
    last = max(b["day"] for b in bars)
    fresh = [b | {"day": day, "close": b["close"] * 1.005} for b in bars if b["day"] == last]
    async with app.state.engine.begin() as conn:
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), fresh)
    await forget_latest_prices(app.state.redis, sorted({b["symbol"] for b in bars}))


async def bench_book(size: int, http: httpx.AsyncClient, app: Any, token: str) -> None:
    created = await gql(
        http,
        token,
        "mutation($n: String!) { createPortfolio(input: {name: $n}) { "
        "... on CreatePortfolioSuccess { portfolio { id } } } }",
        {"n": f"Book {size}"},
    )
    portfolio_id = created["createPortfolio"]["portfolio"]["id"]
    pid = parse_id(portfolio_id, "Portfolio")
    assert pid is not None
    update_days = calendar.trading_days_back(clock.today(), 1 + PRICE_UPDATES * len(DOCUMENTS))
    positions, bars = book_rows(pid, size, underlyings=40, last_day=update_days[0])
    async with app.state.engine.begin() as conn:
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
        await conn.execute(insert(Position), positions)
    contracts = len({p["symbol"] for p in positions if p["option_type"]})
    print(f"\n{size} positions over 40 underlyings ({contracts} option contracts)")
    updates = iter(update_days[1:])
    for label, document in DOCUMENTS:
        await timed(http, token, document, portfolio_id)  # warm connections and caches
        warm = [await timed(http, token, document, portfolio_id) for _ in range(RUNS)]
        after_update = []
        for _ in range(PRICE_UPDATES):
            await store_price_update(app, bars, next(updates))
            after_update.append(await timed(http, token, document, portfolio_id))
        statements = await statements_per_request(app, token, document, portfolio_id)
        floor_p50, floor_p95 = await floor_ms(app, token, document, portfolio_id)
        p50, p95 = statistics.median(warm), percentile(warm, 0.95)
        print(f"  {label}")
        print(f"    server, warm:      p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({RUNS} requests)")
        print(
            f"    first after a price update: median {statistics.median(after_update):7.1f} ms"
            f"   max {max(after_update):7.1f} ms   ({PRICE_UPDATES} updates)"
        )
        print(f"    SQL statements per request: {statements}")
        print(f"    floor, in-process: p50 {floor_p50:7.1f} ms   p95 {floor_p95:7.1f} ms")
        print(f"    server p95 / floor p95: {p95 / floor_p95:.2f}x")
    if size == 200:
        print(
            "  targets: p95 within 2x of the floor (and under 100 ms for the dashboard); first "
            "call after a price update under 300 ms (400 ms with the risk panel)"
        )


async def main() -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    database_url = await scratch_database(DATABASE)
    settings = Settings(
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=SECRET,
        rate_limit_per_minute=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    keep_full_collections_out_of_requests()  # as the server does, so the floor is comparable
    await app.state.redis.flushdb()
    server = start_server(database_url, redis_url)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=60) as http:
            await wait_ready(http, tries=100)
            registered = await gql(
                http,
                "",
                'mutation { register(input: {email: "bench@example.com", password: '
                '"benchmark passphrase"}) { ... on RegisterSuccess { tokens { accessToken } } } }',
                {},
            )
            token = registered["register"]["tokens"]["accessToken"]
            for size in (200, 1000):
                await bench_book(size, http, app, token)
    finally:
        server.terminate()
        server.wait()
        await app.state.redis.aclose()
        await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
