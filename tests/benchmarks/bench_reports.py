"""Benchmark: time to make each kind of report, as PDF and HTML, for a 200-position book.

Run with `uv run python -m tests.benchmarks.bench_reports`. Not a pytest test. In-process
(PostgreSQL and Redis on localhost, a scratch database): a book of 200 positions over 30
underlyings (stocks and options, 130 days of prices for them and the factor ETFs), 60 days of
snapshot history written the way the nightly batch writes it, and a modeling session with two
trades. Each report is queued through `generateReport`, then made by the worker's job function
(the numbers read through the API, laid out, stored): the time shown is the job's, what a user
waits for once a worker picks the report up. Best and median of a few runs; the issue's target
is RISK_SUMMARY as PDF in at most 3 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as upsert

from sigmasight import clock
from sigmasight.db import create_session_factory, transaction
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.schema import create_schema
from sigmasight.main import create_app
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position
from sigmasight.reports.storage import report_store
from sigmasight.risk import snapshots
from sigmasight.settings import Environment, Settings
from tests.benchmarks.timing import verdict
from tests.book_factory import book_rows
from tests.databases import scratch_database
from workers.reports import generate_report

DATABASE = "sigmasight_bench_reports"
SECRET = "benchmark-secret-of-sufficient-length-0123456789"
POSITIONS = 200
HISTORY_DAYS = 60
RUNS = 3
TARGET_SECONDS = 3.0
KINDS = ("RISK_SUMMARY", "EXPOSURES", "PERFORMANCE", "SCENARIOS", "MODELING_SESSION")

GENERATE = """
mutation($p: ID!, $kind: ReportKind!, $format: ReportFormat!, $s: ID) {
  generateReport(portfolioId: $p, kind: $kind, format: $format, sessionId: $s) {
    ... on GenerateReportSuccess { report { id } } ... on UserError { code message } } }
"""
MADE = "query($id: ID!) { report(id: $id) { status error size pages } }"


async def gql(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def main() -> None:
    settings = Settings(
        environment=Environment.TEST,
        database_url=await scratch_database(DATABASE),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        secret_key=SECRET,
        rate_limit_per_minute=0,
        report_dir=Path(tempfile.mkdtemp(prefix="sigmasight-bench-reports-")),
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    await app.state.redis.flushdb()
    factory = create_session_factory(app.state.engine)
    job_context = {
        "session_factory": factory,
        "settings": settings,
        "redis": app.state.redis,
        "schema": create_schema(settings),
        "report_store": report_store(settings),
    }
    transport = httpx.ASGITransport(app=app)
    rows: list[tuple[str, str, list[float], dict[str, Any]]] = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            registered = await gql(
                http,
                "",
                'mutation { register(input: {email: "bench@example.com", password: '
                '"benchmark passphrase"}) { ... on RegisterSuccess { tokens { accessToken } } } }',
                {},
            )
            token = registered["register"]["tokens"]["accessToken"]
            created = await gql(
                http,
                token,
                'mutation { createPortfolio(input: {name: "Committee book"}) { '
                "... on CreatePortfolioSuccess { portfolio { id } } } }",
                {},
            )
            portfolio_id = created["createPortfolio"]["portfolio"]["id"]
            pid = parse_id(portfolio_id, "Portfolio")
            assert pid is not None
            positions, bars = book_rows(pid, POSITIONS, underlyings=30, last_day=clock.today())
            async with app.state.engine.begin() as conn:
                await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
                await conn.execute(insert(Position), positions)
            last_day = max(bar["day"] for bar in bars)
            async with transaction(factory) as session:
                await snapshots.write_days(
                    session,
                    app.state.redis,
                    portfolio_ids=[pid],
                    days=calendar.trading_days_back(last_day, HISTORY_DAYS),
                    settings=settings,
                    risk=True,
                    snapshots=True,
                )
            session = await gql(
                http,
                token,
                'mutation($p: ID!) { createModelingSession(portfolioId: $p, name: "Hedges") { '
                "... on ModelingSessionSuccess { session { id } } } }",
                {"p": portfolio_id},
            )
            session_id = session["createModelingSession"]["session"]["id"]
            await gql(
                http,
                token,
                "mutation($s: ID!) { addProFormaTrade(input: {sessionId: $s, trades: ["
                '{action: SELL_SHORT, symbol: "SPY", quantity: 200}, '
                '{action: BUY, symbol: "IWM", quantity: 100}]}) { __typename } }',
                {"s": session_id},
            )

            async def make(kind: str, report_format: str) -> tuple[float, dict[str, Any]]:
                variables = {"p": portfolio_id, "kind": kind, "format": report_format}
                if kind == "MODELING_SESSION":
                    variables["s"] = session_id
                queued = await gql(http, token, GENERATE, variables)
                report_id = queued["generateReport"]["report"]["id"]
                uuid_ = parse_id(report_id, "Report")
                started = time.perf_counter()
                await generate_report(job_context, str(uuid_))
                seconds = time.perf_counter() - started
                made = (await gql(http, token, MADE, {"id": report_id}))["report"]
                assert made["status"] == "SUCCEEDED", made
                return seconds, made

            await make("RISK_SUMMARY", "PDF")  # warm: imports, fonts, caches, connections
            for kind in KINDS:
                for report_format in ("PDF", "HTML"):
                    runs = [await make(kind, report_format) for _ in range(RUNS)]
                    rows.append((kind, report_format, [s for s, _ in runs], runs[-1][1]))
    finally:
        await app.state.redis.aclose()
        await app.state.engine.dispose()
    print(f"{POSITIONS} positions over 30 underlyings, {HISTORY_DAYS} days of history, in-process")
    print(f"  {'kind':<17} {'format':<6} {'best':>7} {'median':>7} {'size':>9} {'pages':>5}")
    for kind, report_format, seconds, made in rows:
        print(
            f"  {kind:<17} {report_format:<6} {min(seconds):6.2f}s {statistics.median(seconds):6.2f}s"
            f" {made['size'] / 1024:7.0f}KB {made['pages'] or '':>5}"
        )
    risk_pdf = next(s for k, f, s, _ in rows if (k, f) == ("RISK_SUMMARY", "PDF"))
    ok = statistics.median(risk_pdf) <= TARGET_SECONDS
    print(f"  target: RISK_SUMMARY PDF median <= {TARGET_SECONDS:.0f} s: {verdict(ok)}")


if __name__ == "__main__":
    asyncio.run(main())
