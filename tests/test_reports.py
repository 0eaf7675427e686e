"""Reports through the API: queued by mutation, made by the worker's job, followed, downloaded
by their owner only, and a failed one says why."""

from __future__ import annotations

import asyncio
import html
import time
from datetime import timedelta
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from sqlalchemy import insert
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.db import create_session_factory
from sigmasight.graphql.ids import from_global_id
from sigmasight.graphql.schema import create_schema
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.reports.render import render_report
from sigmasight.reports.storage import report_store
from sigmasight.settings import Settings
from tests.book_factory import walk_rows
from tests.conftest import SignedIn
from tests.documents import CREATE_MODELING_SESSION, DELETE_PORTFOLIO
from tests.helpers import add_position, create_portfolio
from workers.reports import generate_report

VALUATION_DAY = calendar.latest_trading_day(clock.today() - timedelta(days=1))
DAYS = calendar.trading_days_back(VALUATION_DAY, 61)
STOCKS = {"AAA": 150.0, "BBB": 80.0}
REPORT_FIELDS = (
    "id kind format status progress jobId portfolioId sessionId period createdAt startedAt "
    "finishedAt size pages filename contentType downloadUrl error"
)

GENERATE_REPORT = f"""
mutation($portfolioId: ID!, $kind: ReportKind!, $format: ReportFormat!,
         $period: PerformancePeriod, $sessionId: ID) {{
  generateReport(portfolioId: $portfolioId, kind: $kind, format: $format, period: $period,
                 sessionId: $sessionId) {{
    __typename
    ... on GenerateReportSuccess {{ report {{ {REPORT_FIELDS} }} }}
    ... on UserError {{ field code message }}
  }}
}}
"""
REPORT = f"query($id: ID!) {{ report(id: $id) {{ {REPORT_FIELDS} }} }}"
REPORTS = "{ reports(first: 10) { totalCount edges { node { id status } } } }"
NODE = "query($id: ID!) { node(id: $id) { id __typename ... on Report { kind } } }"


@pytest.fixture
async def prices(app: Starlette) -> None:
    rows = walk_rows({**STOCKS, **dict.fromkeys(FACTOR_ETFS, 100.0)}, DAYS)
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)


@pytest.fixture
def worker_context(app: Starlette, settings: Settings) -> dict[str, Any]:
    """What the worker's start-up puts in an arq job's context."""
    return {
        "session_factory": create_session_factory(app.state.engine),
        "settings": settings,
        "redis": app.state.redis,
        "schema": create_schema(settings),
        "report_store": report_store(settings),
    }


@pytest.fixture
async def book(alice: SignedIn, prices: None) -> str:
    pid = await create_portfolio(alice, "Committee book")
    for symbol, quantity in (("AAA", 100), ("BBB", -50)):
        added = await add_position(alice, pid, symbol=symbol, quantity=quantity)
        assert added["__typename"] == "AddPositionSuccess", added
    return pid


async def _generate(user: SignedIn, pid: str, **variables: Any) -> dict[str, Any]:
    data = await user.api.gql(
        GENERATE_REPORT,
        {"portfolioId": pid, "kind": "RISK_SUMMARY", "format": "PDF", **variables},
    )
    result: dict[str, Any] = data["generateReport"]
    return result


async def _queued(user: SignedIn, pid: str, **variables: Any) -> dict[str, Any]:
    result = await _generate(user, pid, **variables)
    assert result["__typename"] == "GenerateReportSuccess", result
    report: dict[str, Any] = result["report"]
    return report


async def _run(context: dict[str, Any], report: dict[str, Any]) -> str:
    decoded = from_global_id(report["id"])
    assert decoded is not None
    return await generate_report(context, str(decoded[1]))


async def _download(client: httpx.AsyncClient, url: str, user: SignedIn | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {user.api.token}"} if user else {}
    return await client.get(url, headers=headers)


async def test_generate_report_queues_a_report_its_owner_can_follow(
    alice: SignedIn, book: str
) -> None:
    # when
    report = await _queued(alice, book)
    # then
    assert report["status"] == "QUEUED" and report["progress"] == 0
    assert report["kind"] == "RISK_SUMMARY" and report["format"] == "PDF"
    assert report["portfolioId"] == book and report["downloadUrl"] is None
    assert from_global_id(report["jobId"])[0] == "BatchJob"  # type: ignore[index]
    found = await alice.api.gql(REPORT, {"id": report["id"]})
    assert found["report"]["id"] == report["id"]
    listed = await alice.api.gql(REPORTS)
    assert listed["reports"]["totalCount"] == 1
    assert [e["node"]["id"] for e in listed["reports"]["edges"]] == [report["id"]]
    node = await alice.api.gql(NODE, {"id": report["id"]})
    assert node["node"] == {"id": report["id"], "__typename": "Report", "kind": "RISK_SUMMARY"}


async def test_a_made_report_is_downloaded_by_its_owner(
    alice: SignedIn, book: str, worker_context: dict[str, Any], client: httpx.AsyncClient
) -> None:
    # given
    report = await _queued(alice, book)
    # when
    outcome = await _run(worker_context, report)
    # then
    assert outcome == "made"
    made = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert made["status"] == "SUCCEEDED" and made["progress"] == 1 and made["error"] is None
    assert made["downloadUrl"] == f"/reports/{report['id']}"
    assert made["startedAt"] and made["finishedAt"] and made["pages"] >= 1
    assert made["filename"].startswith("risk-summary-committee-book-")
    assert made["filename"].endswith(".pdf")
    response = await _download(client, made["downloadUrl"], alice)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) == made["size"]
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{made["filename"]}"'
    assert response.headers["cache-control"] == "no-store"


async def test_an_html_report_is_one_html_file(
    alice: SignedIn, book: str, worker_context: dict[str, Any], client: httpx.AsyncClient
) -> None:
    # given
    report = await _queued(alice, book, kind="EXPOSURES", format="HTML")
    # when
    await _run(worker_context, report)
    # then
    made = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert made["status"] == "SUCCEEDED" and made["pages"] is None
    response = await _download(client, made["downloadUrl"], alice)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text.lstrip().lower().startswith("<!doctype html>")
    assert "Committee book" in response.text


async def test_another_user_can_neither_read_nor_download_a_report(
    alice: SignedIn,
    bob: SignedIn,
    book: str,
    worker_context: dict[str, Any],
    client: httpx.AsyncClient,
) -> None:
    # given
    report = await _queued(alice, book)
    await _run(worker_context, report)
    url = f"/reports/{report['id']}"
    # when / then
    assert (await bob.api.gql(REPORT, {"id": report["id"]}))["report"] is None
    assert (await bob.api.gql(NODE, {"id": report["id"]}))["node"] is None
    assert (await bob.api.gql(REPORTS))["reports"]["totalCount"] == 0
    refused = await _download(client, url, bob)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "NOT_FOUND"
    anonymous = await _download(client, url, None)
    assert anonymous.status_code == 401
    assert (await _download(client, url, alice)).status_code == 200


async def test_another_users_portfolio_cannot_be_reported_on(
    alice: SignedIn, bob: SignedIn, book: str
) -> None:
    # when
    result = await _generate(bob, book)
    # then
    assert result["__typename"] == "NotFoundError" and result["field"] == "portfolioId"
    assert (await alice.api.gql(REPORTS))["reports"]["totalCount"] == 0


async def test_a_report_whose_portfolio_is_gone_fails_and_says_why(
    alice: SignedIn, book: str, worker_context: dict[str, Any], client: httpx.AsyncClient
) -> None:
    # given: the portfolio is deleted before a worker gets to the report
    report = await _queued(alice, book)
    deleted = await alice.api.gql(DELETE_PORTFOLIO, {"id": book})
    assert deleted["deletePortfolio"]["__typename"] == "DeletePortfolioSuccess", deleted
    # when
    outcome = await _run(worker_context, report)
    # then
    assert outcome.startswith("failed")
    failed = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert failed["status"] == "FAILED" and failed["finishedAt"] is not None
    assert failed["error"] == "The portfolio no longer exists, or is not yours."
    assert failed["downloadUrl"] is None and failed["size"] is None
    response = await _download(client, f"/reports/{report['id']}", alice)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "NOT_READY"
    assert failed["error"] in response.json()["error"]["message"]


async def test_a_report_that_breaks_while_being_made_fails_without_showing_internals(
    alice: SignedIn,
    book: str,
    worker_context: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: laying out the file breaks
    def broken(**_: Any) -> Any:
        raise RuntimeError("font cache at /secret/path is corrupt")

    monkeypatch.setattr("workers.reports.render_report", broken)
    report = await _queued(alice, book)
    # when
    await _run(worker_context, report)
    # then
    failed = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert failed["status"] == "FAILED"
    assert "internal error" in failed["error"] and "/secret" not in failed["error"]


async def test_a_report_not_made_yet_cannot_be_downloaded(
    alice: SignedIn, book: str, client: httpx.AsyncClient
) -> None:
    # given
    report = await _queued(alice, book)
    # when
    response = await _download(client, f"/reports/{report['id']}", alice)
    # then
    assert response.status_code == 409
    assert "queued" in response.json()["error"]["message"]


async def test_a_job_run_twice_makes_the_report_once(
    alice: SignedIn, book: str, worker_context: dict[str, Any]
) -> None:
    # given
    report = await _queued(alice, book, format="HTML")
    await _run(worker_context, report)
    # when: the queue delivers the job again
    outcome = await _run(worker_context, report)
    # then
    assert outcome == "nothing to do"
    made = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert made["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"kind": "MODELING_SESSION"}, "sessionId", "REQUIRED"),
        ({"period": "YTD"}, "period", "NOT_APPLICABLE"),
        ({"kind": "PERFORMANCE", "period": "CUSTOM"}, "period", "UNSUPPORTED_PERIOD"),
        ({"sessionId": "not-an-id", "kind": "MODELING_SESSION"}, "sessionId", "NOT_FOUND"),
    ],
)
async def test_a_report_asked_for_wrongly_is_refused_with_the_reason(
    alice: SignedIn, book: str, variables: dict[str, Any], field: str, code: str
) -> None:
    # when
    result = await _generate(alice, book, **variables)
    # then
    assert (result["field"], result["code"]) == (field, code), result
    assert (await alice.api.gql(REPORTS))["reports"]["totalCount"] == 0


async def test_a_session_of_another_portfolio_is_refused(alice: SignedIn, book: str) -> None:
    # given
    other = await create_portfolio(alice, "Other")
    created = await alice.api.gql(CREATE_MODELING_SESSION, {"portfolioId": other, "name": "Hedges"})
    session_id = created["createModelingSession"]["session"]["id"]
    # when
    result = await _generate(alice, book, kind="MODELING_SESSION", sessionId=session_id)
    # then
    assert (result["field"], result["code"]) == ("sessionId", "WRONG_PORTFOLIO")


async def test_a_performance_report_defaults_to_a_month(alice: SignedIn, book: str) -> None:
    # when
    report = await _queued(alice, book, kind="PERFORMANCE")
    # then
    assert report["period"] == "MONTH"


async def test_reports_waiting_at_once_are_limited_per_user(
    alice: SignedIn, bob: SignedIn, book: str, settings: Settings
) -> None:
    # given
    for _ in range(settings.reports_in_flight_per_user):
        await _queued(alice, book)
    # when
    refused = await _generate(alice, book)
    # then
    assert refused["code"] == "TOO_MANY_REPORTS"
    bobs = await create_portfolio(bob, "Bob's")
    assert (await _generate(bob, bobs))["__typename"] == "GenerateReportSuccess"


async def test_a_portfolio_name_with_markup_and_accents_prints_as_written(
    alice: SignedIn, worker_context: dict[str, Any], client: httpx.AsyncClient
) -> None:
    # given
    name = 'Ærø <b>&</b> "Δ hedge"'
    pid = await create_portfolio(alice, name)
    pdf = await _queued(alice, pid, kind="EXPOSURES")
    page = await _queued(alice, pid, kind="EXPOSURES", format="HTML")
    # when
    await _run(worker_context, pdf)
    await _run(worker_context, page)
    # then
    pdf_file = await _download(client, f"/reports/{pdf['id']}", alice)
    document = pdfium.PdfDocument(pdf_file.content)
    try:
        assert name in document[0].get_textpage().get_text_range()
    finally:
        document.close()
    html_file = await _download(client, f"/reports/{page['id']}", alice)
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html_file.text and "<b>&</b>" not in html_file.text
    assert name in html.unescape(html_file.text)


async def test_a_report_whose_worker_stopped_is_made_by_the_jobs_next_try(
    alice: SignedIn,
    book: str,
    worker_context: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: a worker stopping while the file is being laid out
    report = await _queued(alice, book, format="HTML")
    laying_out = asyncio.Event()
    loop = asyncio.get_running_loop()
    original = render_report

    def stuck(**arguments: Any) -> Any:  # runs in the job's thread
        loop.call_soon_threadsafe(laying_out.set)
        time.sleep(0.5)
        return original(**arguments)

    monkeypatch.setattr("workers.reports.render_report", stuck)
    first = asyncio.create_task(_run({**worker_context, "job_try": 1}, report))
    await laying_out.wait()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    stopped = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    # when: arq runs the job again
    outcome = await _run({**worker_context, "job_try": 2}, report)
    # then
    assert stopped["status"] == "RUNNING"
    assert outcome == "made"
    made = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert made["status"] == "SUCCEEDED" and made["downloadUrl"]


async def test_a_report_being_made_is_not_taken_over_by_a_second_delivery_of_its_job(
    alice: SignedIn, book: str, worker_context: dict[str, Any]
) -> None:
    # given: two deliveries of one job at once, neither a retry
    report = await _queued(alice, book, format="HTML")
    # when
    outcomes = await asyncio.gather(_run(worker_context, report), _run(worker_context, report))
    # then
    assert sorted(outcomes) == ["made", "nothing to do"]


async def test_a_report_that_cannot_be_recorded_as_made_ends_failed_not_running(
    alice: SignedIn,
    book: str,
    worker_context: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: the database refuses the final update
    async def refused(*_: Any, **__: Any) -> None:
        raise RuntimeError("connection reset")

    monkeypatch.setattr("workers.reports.report_service.complete", refused)
    report = await _queued(alice, book, format="HTML")
    # when
    await _run(worker_context, report)
    # then
    failed = (await alice.api.gql(REPORT, {"id": report["id"]}))["report"]
    assert failed["status"] == "FAILED" and "internal error" in failed["error"]
