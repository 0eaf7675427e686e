"""Benchmark: the time to make each kind of report file for a 200-position book, in-process.

Run with `uv run python -m tests.benchmarks.bench_report_files`. Uses DATABASE_URL / REDIS_URL
when set, else the local servers on their default ports, in a scratch database. The book is 200
stocks and options over 40 underlyings with 130 days of closes and 20 nightly snapshots. For each
kind and format it prints the median and the worst of a few runs of what the report job does:
read the numbers through the API (`fetch_report_data`) and lay them out (`render_report`), each
timed on its own, and the file's size and pages. The first run of the process (fonts, imports,
caches) is printed apart. Target: a RISK_SUMMARY PDF in at most 3 s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as upsert

from sigmasight import clock
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import Role
from sigmasight.db import create_session_factory, transaction
from sigmasight.graphql.report_data import fetch_report_data
from sigmasight.main import create_app
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position
from sigmasight.reports.models import Report, ReportFormat, ReportKind
from sigmasight.reports.render import render_report
from sigmasight.risk import snapshots
from sigmasight.settings import Environment, Settings
from tests.book_factory import book_rows
from tests.databases import scratch_database
from tests.report_book import uuid_of

DATABASE = "sigmasight_bench_report_files"
SECRET = "benchmark-secret-of-sufficient-length-000"
SIZE = 200
RUNS = 3
SNAPSHOT_DAYS = 20
REGISTER = """mutation { register(input: {email: "bench@example.com", password: "benchmark passphrase"})
  { ... on RegisterSuccess { user { id } tokens { accessToken } } } }"""
CREATE = """mutation { createPortfolio(input: {name: "Book 200"})
  { ... on CreatePortfolioSuccess { portfolio { id } } } }"""
SESSION = """mutation($id: ID!) { createModelingSession(portfolioId: $id, name: "Hedge")
  { ... on ModelingSessionSuccess { session { id } } } }"""
TRADES = """mutation($input: AddProFormaTradeInput!) { addProFormaTrade(input: $input) { __typename } }"""


async def gql(http: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def make_book(app: Any, settings: Settings, http: httpx.AsyncClient) -> tuple[Actor, Report]:
    """The 200-position book with history and a what-if session; a report row of it."""
    registered = (await gql(http, "", REGISTER))["register"]
    token = registered["tokens"]["accessToken"]
    portfolio_id = (await gql(http, token, CREATE))["createPortfolio"]["portfolio"]["id"]
    pid = uuid_of(portfolio_id, "Portfolio")
    last_day = calendar.last_completed_session(clock.now())
    positions, bars = book_rows(pid, SIZE, underlyings=40, last_day=last_day)
    async with app.state.engine.begin() as conn:
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
        await conn.execute(insert(Position), positions)
    async with transaction(create_session_factory(app.state.engine)) as session:
        await snapshots.write_days(
            session,
            app.state.redis,
            portfolio_ids=[pid],
            days=calendar.trading_days_back(last_day, SNAPSHOT_DAYS),
            settings=settings,
            risk=False,
            snapshots=True,
        )
    session_id = (await gql(http, token, SESSION, id=portfolio_id))["createModelingSession"][
        "session"
    ]["id"]
    trades = [{"action": "BUY", "symbol": "AAPL", "quantity": 100}]
    await gql(http, token, TRADES, input={"sessionId": session_id, "trades": trades})
    actor = Actor(user_id=uuid_of(registered["user"]["id"], "User"), role=Role.USER)
    report = Report(
        id=uuid.uuid4(),
        owner_id=actor.user_id,
        kind=ReportKind.RISK_SUMMARY,
        format=ReportFormat.PDF,
        portfolio_id=pid,
        session_id=uuid_of(session_id, "ModelingSession"),
    )
    return actor, report


async def make_file(
    app: Any, settings: Settings, actor: Actor, report: Report
) -> tuple[float, float, int, int | None]:
    """Seconds to read and to render, the file's bytes and pages."""
    started = time.perf_counter()
    data = await fetch_report_data(
        schema=app.state.graphql.schema,
        settings=settings,
        session_factory=app.state.session_factory,
        redis=app.state.redis,
        actor=actor,
        now=clock.now(),
        report=report,
    )
    fetched = time.perf_counter()
    rendered = await asyncio.to_thread(
        render_report,
        kind=report.kind,
        report_format=report.format,
        data=data,
        generated_at=datetime.now(UTC),
    )
    done = time.perf_counter()
    return fetched - started, done - fetched, len(rendered.content), rendered.pages


async def main() -> None:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    settings = Settings(
        environment=Environment.TEST,
        database_url=await scratch_database(DATABASE),
        redis_url=redis_url,
        secret_key=SECRET,
        rate_limit_per_minute=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    await app.state.redis.flushdb()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            actor, report = await make_book(app, settings, http)
        read, draw, _, _ = await make_file(app, settings, actor, report)
        print(f"{SIZE} positions over 40 underlyings, {RUNS} runs per file (after a first run)")
        print(f"  first RISK_SUMMARY PDF of the process: read {read:.2f} s, render {draw:.2f} s")
        print(f"  {'report':<24} {'read (s)':>9} {'render (s)':>11} {'total p50':>10} "
              f"{'worst':>7} {'size':>9} {'pages':>6}")  # fmt: skip
        for kind in ReportKind:
            for report_format in ReportFormat:
                report.kind, report.format = kind, report_format
                runs = [await make_file(app, settings, actor, report) for _ in range(RUNS)]
                totals = [r[0] + r[1] for r in runs]
                size, pages = runs[-1][2], runs[-1][3]
                print(
                    f"  {kind.value + ' ' + report_format.value:<24} "
                    f"{statistics.median(r[0] for r in runs):9.2f} "
                    f"{statistics.median(r[1] for r in runs):11.2f} "
                    f"{statistics.median(totals):10.2f} {max(totals):7.2f} "
                    f"{size / 1024:7.0f} KB {pages if pages is not None else '-':>6}"
                )
        print("  target: RISK_SUMMARY PDF in at most 3 s, read and render together")
    finally:
        await app.state.graphql.close()
        await app.state.redis.aclose()
        await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
