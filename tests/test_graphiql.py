"""GraphiQL works offline: the page and every script and style it loads come from the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from sigmasight.graphql.ide import ASSETS_DIR
from sigmasight.settings import Settings
from tests.browser import headless_chromium, needs_chromium
from tests.live_server import serving

HTML = {"Accept": "text/html"}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', html)


async def test_graphiql_page_references_no_other_origin(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get("/graphql", headers=HTML)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = _referenced_urls(response.text)
    assert len(urls) >= 7
    assert all(url.startswith("/graphql/assets/") or url == "data:," for url in urls), urls
    assert "unpkg" not in response.text and "integrity" not in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "http" not in policy and "*" not in policy


async def test_every_asset_of_the_graphiql_page_is_served_and_cached(
    client: httpx.AsyncClient,
) -> None:
    # given
    page = await client.get("/graphql", headers=HTML)
    assets = [url for url in _referenced_urls(page.text) if url.startswith("/graphql/")]
    # when
    responses = [await client.get(url) for url in assets]
    # then
    for url, response in zip(assets, responses, strict=True):
        assert response.status_code == 200, url
        expected = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(expected), url
        assert "immutable" in response.headers["cache-control"], url
        assert len(response.content) > 100, url


@pytest.mark.parametrize(
    ("accept_encoding", "content_encoding"),
    [("gzip, deflate, br", "gzip"), ("identity", None), ("gzip;q=0, identity", None)],
)
async def test_graphiql_script_is_compressed_only_for_clients_that_accept_gzip(
    client: httpx.AsyncClient, accept_encoding: str, content_encoding: str | None
) -> None:
    # when
    response = await client.get(
        "/graphql/assets/graphiql.min.js", headers={"Accept-Encoding": accept_encoding}
    )
    # then: the same bytes as the vendored file, however they travelled
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == content_encoding
    assert "accept-encoding" in response.headers["vary"].lower()
    assert response.content == (ASSETS_DIR / "graphiql.min.js").read_bytes()


async def test_asset_route_serves_only_the_listed_files(client: httpx.AsyncClient) -> None:
    # when
    unknown = await client.get("/graphql/assets/index.html")
    traversal = await client.get("/graphql/assets/..%2F..%2Fsettings.py")
    # then
    assert unknown.status_code == 404
    assert traversal.status_code == 404


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on a free local port."""
    from sigmasight.main import create_app

    with serving(create_app(settings)) as url:
        yield url


@needs_chromium
async def test_graphiql_opens_in_a_browser_without_internet(live_server: str) -> None:
    from playwright.async_api import Request, Route

    # given: a browser that may reach this machine only, recording any other request, any
    # script error and anything the page's Content-Security-Policy refused
    outside: list[str] = []
    problems: list[str] = []

    async def local_only(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOCAL_HOSTS or request.url.startswith("data:"):
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    async with headless_chromium() as browser:
        page = await browser.new_page()
        page.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.route("**/*", local_only)
        # when: the page loads and GraphiQL fetches the schema
        async with page.expect_response(
            lambda r: r.request.method == "POST" and "__schema" in (r.request.post_data or "")
        ) as introspection:
            await page.goto(f"{live_server}/graphql")
        schema = await introspection.value
        await page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror")
        # and the settings dialog and the explorer plugin open
        await page.click('[aria-label="Open settings dialog"]')
        await page.wait_for_selector(".graphiql-dialog")
        await page.keyboard.press("Escape")
        await page.click('[aria-label="Show GraphiQL Explorer"]')
        await page.wait_for_selector(".graphiql-explorer-root")
        # then: the editor is there, the schema loaded, nothing was refused or left this machine
        assert schema.status == 200
        assert await page.locator(".graphiql-container").count() == 1
        assert outside == []
        assert problems == []
