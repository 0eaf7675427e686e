"""Benchmark: a 10,000-row positions CSV imported end to end through the GraphQL mutation.

Run with `uv run python -m tests.benchmarks.bench_import`. Uses DATABASE_URL / REDIS_URL when
set, else the local servers on their default ports (as the tests do), in a scratch database.
Prints rows per second for APPEND into an empty portfolio and for a re-import of the same file
(all rows unchanged), and the share of the time spent parsing, as measured in this run.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date, timedelta

import httpx

from sigmasight import clock
from sigmasight.main import create_app
from sigmasight.portfolios.csv_import import parse_positions_csv
from sigmasight.settings import Environment, Settings
from tests.databases import scratch_database

ROWS = 10_000
DATABASE = "sigmasight_bench"


def make_csv(rows: int, today: date) -> bytes:
    lines = ["ticker,quantity,entry_price,entry_date,tags"]
    for i in range(rows):
        entry = today - timedelta(days=1 + i % 700)
        symbol = f"S{i}"
        tags = '"Core,Tech"' if i % 3 == 0 else "Value"
        if i % 5 == 0:
            expiry = today + timedelta(days=30 + i % 300)
            cp = "C" if i % 2 else "P"
            symbol = f"Q{i % 26:02d}{expiry:%y%m%d}{cp}{(50 + i % 200) * 1000:08d}"
        lines.append(
            f"{symbol},{(i % 50 + 1) * (-1 if i % 7 == 0 else 1)},{10 + i % 90}.25,{entry},{tags}"
        )
    return ("\n".join(lines) + "\n").encode()


async def main() -> None:
    database_url = await scratch_database(DATABASE)
    settings = Settings(
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        secret_key="benchmark-secret-of-sufficient-length-000",
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
        reg = await http.post(
            "/graphql",
            json={
                "query": 'mutation { register(input: {email: "b@example.com", password: "benchmark pw"}) { ... on RegisterSuccess { tokens { accessToken } } } }'
            },
        )
        token = reg.json()["data"]["register"]["tokens"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        created = await http.post(
            "/graphql",
            headers=headers,
            json={
                "query": 'mutation { createPortfolio(input: {name: "Bench"}) { ... on CreatePortfolioSuccess { portfolio { id } } } }'
            },
        )
        portfolio_id = created.json()["data"]["createPortfolio"]["portfolio"]["id"]
        csv = make_csv(ROWS, clock.today())
        query = """mutation($input: ImportPositionsInput!) { importPositions(input: $input) {
          __typename ... on ImportPositionsSuccess { report { created unchanged } }
          ... on ImportRejectedError { message rowErrors { row code } } } }"""
        variables = {"input": {"portfolioId": portfolio_id, "csv": csv.decode()}}

        started = time.perf_counter()
        parse_positions_csv(csv, today=clock.today())
        parse_seconds = time.perf_counter() - started

        timings = []
        for label in ("append into empty portfolio", "re-import, all unchanged"):
            started = time.perf_counter()
            response = await http.post(
                "/graphql", headers=headers, json={"query": query, "variables": variables}
            )
            seconds = time.perf_counter() - started
            result = response.json()["data"]["importPositions"]
            assert result["__typename"] == "ImportPositionsSuccess", result
            timings.append(seconds)
            print(
                f"{label:30s} {ROWS:,} rows in {seconds:.2f} s = {ROWS / seconds:,.0f} rows/s  {result['report']}"
            )
        print(
            f"parsing alone: {parse_seconds:.2f} s ({parse_seconds / timings[0]:.0%} of the first import)"
        )
    await app.state.redis.aclose()
    await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
