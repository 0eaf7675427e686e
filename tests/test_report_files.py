"""Report files of a demo book: each kind as PDF and HTML, read back as a reader would.

The book is the balanced demo portfolio with synthetic prices and a few weeks of snapshots, built
once for the module; its figures are read from the API by the test itself and formatted here with
plain Python, so a file passes only when it shows exactly what the API serves.
"""

from __future__ import annotations

import html
import io
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from starlette.applications import Starlette

from sigmasight.reports.models import ReportFormat, ReportKind
from sigmasight.reports.render import RenderedReport, ReportDataError, render_report
from sigmasight.settings import Settings
from tests.browser import headless_chromium, needs_chromium
from tests.conftest import Api, SignedIn, sign_up
from tests.helpers import add_position, create_portfolio
from tests.report_book import (
    give_market_history,
    hedge_session,
    import_demo_book,
    report_data,
    report_row,
    set_risk_limits,
)

GENERATED_AT = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
KINDS = list(ReportKind)
# Pages of each kind for the demo book: its 30 positions, 11 sectors, 15 scenarios, 2 trades.
EXPECTED_PAGES = {
    ReportKind.RISK_SUMMARY: 6,
    ReportKind.EXPOSURES: 5,
    ReportKind.PERFORMANCE: 3,
    ReportKind.SCENARIOS: 3,
    ReportKind.MODELING_SESSION: 3,
}
# Sector, factor, worst-scenario, equity-and-drawdown and correlation charts in a risk summary;
# exposure history, sector and factor in an exposure report; and so on.
EXPECTED_CHARTS = {
    ReportKind.RISK_SUMMARY: 5,
    ReportKind.EXPOSURES: 3,
    ReportKind.PERFORMANCE: 1,
    ReportKind.SCENARIOS: 2,
    ReportKind.MODELING_SESSION: 0,
}

BOOK_FIGURES = """
query($id: ID!) { portfolio(id: $id) {
  name equity totalValue
  riskLimits { grossLimitPercent }
  notional: exposures { gross status }
  deltaAdjusted: exposures(basis: DELTA_ADJUSTED) { net }
  riskMetrics { var95 cvar99 }
  scenarios { scenario { name } pnl }
  performance { pnl return from to }
  positions(first: 200) { edges { node { symbol marketValue } } }
} }
"""
SESSION_FIGURES = """
query($id: ID!) { modelingSession(id: $id) {
  name trades { symbol }
  impact { equity { after } var95 { after } }
} }
"""
PORTFOLIO_NAME = "query($id: ID!) { portfolio(id: $id) { name } }"


@dataclass
class Made:
    files: dict[tuple[ReportKind, ReportFormat], RenderedReport]
    data: dict[ReportKind, dict[str, Any]]
    book: dict[str, Any]
    session: dict[str, Any]


def money(value: float) -> str:
    return f"{value:,.2f}"


def expected_text(kind: ReportKind, made: Made) -> list[str]:
    """The figures a reader must find in a report of `kind`, as the API served them."""
    book, session = made.book, made.session
    worst = min(book["scenarios"], key=lambda s: s["pnl"])
    positions = [edge["node"] for edge in book["positions"]["edges"]]
    return {
        ReportKind.RISK_SUMMARY: [
            book["name"],
            money(book["totalValue"]),
            money(book["equity"]),
            money(book["notional"]["gross"]),
            f"{book['riskLimits']['grossLimitPercent']:,.2f}%",
            book["notional"]["status"],
            money(book["riskMetrics"]["var95"]),
            money(book["riskMetrics"]["cvar99"]),
            worst["scenario"]["name"],
            money(worst["pnl"]),
        ],
        ReportKind.EXPOSURES: [
            money(book["notional"]["gross"]),
            money(book["deltaAdjusted"]["net"]),
            *(p["symbol"] for p in positions),
            *(money(p["marketValue"]) for p in positions),
        ],
        ReportKind.PERFORMANCE: [
            book["name"],
            money(book["performance"]["pnl"]),
            f"{book['performance']['return'] * 100:,.2f}%",
            f"{book['performance']['from']} to {book['performance']['to']}",
        ],
        ReportKind.SCENARIOS: [
            *(s["scenario"]["name"] for s in book["scenarios"]),
            *(money(s["pnl"]) for s in book["scenarios"]),
        ],
        ReportKind.MODELING_SESSION: [
            session["name"],
            *(t["symbol"] for t in session["trades"]),
            money(session["impact"]["equity"]["after"]),
            money(session["impact"]["var95"]["after"]),
        ],
    }[kind]


@pytest.fixture(scope="module")
async def made(app: Starlette, settings: Settings) -> AsyncIterator[Made]:
    """Every kind of report of the demo book in both formats, and the API's own figures."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        owner = await sign_up(Api(http), "pm@example.com")
        portfolio_id = await import_demo_book(owner)
        await set_risk_limits(owner, portfolio_id)
        await give_market_history(app, settings, portfolio_id)
        session_id = await hedge_session(owner, portfolio_id)
        book = (await owner.api.gql(BOOK_FIGURES, {"id": portfolio_id}))["portfolio"]
        session = (await owner.api.gql(SESSION_FIGURES, {"id": session_id}))["modelingSession"]
        files, answers = {}, {}
        for kind in KINDS:
            row = report_row(
                kind,
                ReportFormat.PDF,
                owner=owner,
                portfolio_id=portfolio_id,
                session_id=session_id,
            )
            data = answers[kind] = await report_data(app, settings, owner, row, GENERATED_AT)
            for report_format in ReportFormat:
                files[kind, report_format] = render_report(
                    kind=kind, report_format=report_format, data=data, generated_at=GENERATED_AT
                )
        yield Made(files, answers, book, session)


def pdf_text(content: bytes) -> str:
    with pdfium.PdfDocument(content) as document:
        pages = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    return "\n".join(pages)


def pdf_pages(content: bytes) -> int:
    with pdfium.PdfDocument(content) as document:
        return len(document)


def html_text(content: bytes) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", content.decode()))


@pytest.mark.parametrize("kind", KINDS)
async def test_pdf_report_has_its_pages_and_the_api_figures(made: Made, kind: ReportKind) -> None:
    # given
    rendered = made.files[kind, ReportFormat.PDF]
    # when
    pages = pdf_pages(rendered.content)
    text = pdf_text(rendered.content)
    # then
    assert (rendered.content_type, rendered.extension) == ("application/pdf", "pdf")
    assert pages == rendered.pages == EXPECTED_PAGES[kind]
    missing = [figure for figure in expected_text(kind, made) if figure not in text]
    assert missing == []
    assert f"Page {pages} of {pages}" in text
    assert "Glossary" in text


@pytest.mark.parametrize("kind", KINDS)
async def test_every_pdf_page_renders_to_an_image_that_is_not_blank(
    made: Made, kind: ReportKind
) -> None:
    # given
    with pdfium.PdfDocument(made.files[kind, ReportFormat.PDF].content) as document:
        for index in range(len(document)):
            # when
            image = document[index].render(scale=0.5).to_pil().convert("L")
            png = io.BytesIO()
            image.save(png, format="PNG")
            # then: ink above the footer, the page's own content
            body = image.crop((0, 0, image.width, int(image.height * 0.9)))
            inked = sum(body.histogram()[:240])
            assert png.getvalue().startswith(b"\x89PNG")
            assert inked > 0.01 * body.width * body.height, (kind, index + 1)


@pytest.mark.parametrize("kind", KINDS)
async def test_html_report_is_one_file_with_the_api_figures_and_its_charts_inline(
    made: Made, kind: ReportKind
) -> None:
    # given
    rendered = made.files[kind, ReportFormat.HTML]
    # when
    text = html_text(rendered.content)
    source = rendered.content.decode()
    # then
    assert (rendered.content_type, rendered.pages) == ("text/html; charset=utf-8", None)
    missing = [figure for figure in expected_text(kind, made) if figure not in text]
    assert missing == []
    assert "<script" not in source
    assert re.findall(r'(?:src|href)="(?!data:image/svg\+xml;base64,)', source) == []
    assert source.count("<img ") == EXPECTED_CHARTS[kind]


@pytest.mark.parametrize("report_format", list(ReportFormat))
async def test_the_same_numbers_and_time_give_the_same_bytes(
    made: Made, report_format: ReportFormat
) -> None:
    # given: the risk summary made once already
    kind = ReportKind.RISK_SUMMARY
    first = made.files[kind, report_format]
    # when: made again from the same answer
    again = render_report(
        kind=kind, report_format=report_format, data=made.data[kind], generated_at=GENERATED_AT
    )
    # then: a committed sample report changes only when its numbers do
    assert again.content == first.content


@needs_chromium
async def test_html_reports_open_in_a_browser_without_any_request_and_show_every_chart(
    made: Made, tmp_path: Path
) -> None:
    from playwright.async_api import Request, Route

    # given: a browser recording every request the pages make, refusing all but the file itself
    requested: list[str] = []

    async def refuse(route: Route, request: Request) -> None:
        if request.url.startswith(("file:", "data:")):
            await route.continue_()
        else:
            await route.abort()

    async with headless_chromium() as browser:
        page = await browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        await page.route("**/*", refuse)
        for kind in KINDS:
            path = tmp_path / f"{kind.value.lower()}.html"
            path.write_bytes(made.files[kind, ReportFormat.HTML].content)
            # when
            await page.goto(path.as_uri(), wait_until="load")
            images = await page.evaluate(
                """() => [...document.images].map(image => {
                    const box = image.getBoundingClientRect();
                    return {loaded: image.complete && image.naturalWidth > 0,
                            width: box.width, height: box.height};
                })"""
            )
            # then
            assert len(images) == EXPECTED_CHARTS[kind], kind
            assert all(i["loaded"] and i["width"] > 0 and i["height"] > 0 for i in images)
        outside = [url for url in requested if not url.startswith(("file:", "data:"))]
        assert outside == []


async def test_a_book_without_history_says_so_instead_of_drawing_charts(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: one stock and no stored price or snapshot
    portfolio_id = await create_portfolio(alice, "New book")
    await add_position(alice, portfolio_id, symbol="AAPL", quantity=10)
    row = report_row(
        ReportKind.RISK_SUMMARY, ReportFormat.PDF, owner=alice, portfolio_id=portfolio_id
    )
    data = await report_data(app, settings, alice, row, GENERATED_AT)
    # when
    pdf = render_report(
        kind=row.kind, report_format=ReportFormat.PDF, data=data, generated_at=GENERATED_AT
    )
    page = render_report(
        kind=row.kind, report_format=ReportFormat.HTML, data=data, generated_at=GENERATED_AT
    )
    # then: each missing chart says why, and the position's flag is shown beside its dashes
    for text in (pdf_text(pdf.content), html_text(page.content)):
        assert "No equity curve" in text
        assert "No correlation matrix" in text
        assert "No sector chart" in text
        assert "No factor chart" in text
        assert "No scenario chart" in text
        assert "INCOMPLETE" in text
        assert "AAPL: MISSING_PRICE" in text
    assert "<img " not in page.content.decode()


async def test_a_book_without_options_says_so_instead_of_a_risk_profile(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: one stock
    portfolio_id = await create_portfolio(alice, "Stocks only")
    await add_position(alice, portfolio_id, symbol="AAPL", quantity=10)
    row = report_row(
        ReportKind.SCENARIOS, ReportFormat.HTML, owner=alice, portfolio_id=portfolio_id
    )
    data = await report_data(app, settings, alice, row, GENERATED_AT)
    # when
    page = render_report(
        kind=row.kind, report_format=ReportFormat.HTML, data=data, generated_at=GENERATED_AT
    )
    # then
    assert data["riskProfile"] is None
    assert "The book holds no options, so there is no risk profile." in html_text(page.content)
    assert 'alt="Risk profile' not in page.content.decode()


async def test_another_users_portfolio_gives_no_report_data(
    app: Starlette, settings: Settings, alice: SignedIn, bob: SignedIn
) -> None:
    # given: alice's portfolio, asked for as bob
    portfolio_id = await create_portfolio(alice)
    row = report_row(
        ReportKind.RISK_SUMMARY, ReportFormat.PDF, owner=bob, portfolio_id=portfolio_id
    )
    # when / then
    with pytest.raises(ReportDataError, match="no longer exists"):
        await report_data(app, settings, bob, row, GENERATED_AT)


async def test_a_deleted_modeling_session_gives_a_report_data_error(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given
    row = report_row(ReportKind.MODELING_SESSION, ReportFormat.HTML, owner=alice)
    row.session_id = uuid.uuid4()
    # when / then
    with pytest.raises(ReportDataError, match="no longer exists"):
        await report_data(app, settings, alice, row, GENERATED_AT)
