"""GraphiQL served entirely by the app: the page and its scripts and styles come from
`static/graphiql/`, so the IDE works without internet and its page may load nothing from
another origin.

The vendored files are the npm packages strawberry's own GraphiQL page names (react and
react-dom 18.2.0, graphiql 3.8.3, @graphiql/plugin-explorer 1.0.2), copied unchanged;
`static/graphiql/THIRD_PARTY_LICENSES.txt` lists their licences and SHA-384 digests.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from sigmasight.settings import Settings

ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphql/assets"

# The only files the asset route serves (an allow-list, so no request can name any other path).
ASSET_MEDIA_TYPES = {
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "plugin-explorer.umd.js": "text/javascript; charset=utf-8",
    "plugin-explorer.css": "text/css; charset=utf-8",
    "setup.js": "text/javascript; charset=utf-8",
    "setup.css": "text/css; charset=utf-8",
}

# Asset URLs carry a digest of the file's content, so a changed file gets a new URL and the
# old one may be cached for a year without ever serving a stale script.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"

# Nothing from another origin: scripts and styles only from this app, fonts are data: URIs
# inside graphiql.min.css, requests go back to this app only ('self' covers ws:/wss: to the
# same host for subscriptions). Inline styles are allowed because GraphiQL's dialogs (settings,
# shortcuts) insert a <style> element to lock page scrolling while open; inline scripts are not.
PAGE_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

_PLACEHOLDER = re.compile(r"\{([a-z0-9.\-]+)\}")


@cache
def asset_version(name: str) -> str:
    """The first 12 hex digits of the asset's SHA-256, used as its URL version."""
    return hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:12]


@cache
def _page_template() -> str:
    return (ASSETS_DIR / "index.html").read_text(encoding="utf-8")


def page_html(assets_url: str = ASSETS_PATH) -> str:
    """The GraphiQL page with every `{file}` placeholder replaced by the file's local URL."""

    def url(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{assets_url}/{name}?v={asset_version(name)}"

    return _PLACEHOLDER.sub(url, _page_template())


def page_response(request: Request) -> HTMLResponse:
    """The GraphiQL page, with asset URLs under the app's mount point and a strict CSP."""
    root_path = request.scope.get("root_path", "")
    return HTMLResponse(
        page_html(f"{root_path}{ASSETS_PATH}"),
        headers={
            "Content-Security-Policy": PAGE_CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # The page is tiny and names versioned assets: always fetch it fresh.
            "Cache-Control": "no-cache",
        },
    )


_gzipped: dict[str, bytes] = {}


async def _gzipped_asset(name: str) -> bytes:
    """The asset gzip-compressed, once per process and off the event loop (graphiql.min.js is
    3.5 MB, 0.7 MB compressed)."""
    body = _gzipped.get(name)
    if body is None:
        data = (ASSETS_DIR / name).read_bytes()
        body = await asyncio.to_thread(gzip.compress, data, compresslevel=9, mtime=0)
        _gzipped[name] = body
    return body


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header names gzip with a non-zero quality."""
    for coding in accept_encoding.split(","):
        token, *params = (part.strip() for part in coding.split(";"))
        if token.lower() != "gzip":
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


async def asset(request: Request) -> Response:
    """One vendored GraphiQL file, gzip-compressed when the client accepts it, cached by
    browsers for a year (its URL changes with it)."""
    name = request.path_params["name"]
    media_type = ASSET_MEDIA_TYPES.get(name)
    if media_type is None:
        return PlainTextResponse("Not found.", status_code=404)
    headers = {
        "Cache-Control": ASSET_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if _accepts_gzip(request.headers.get("accept-encoding", "")):
        body = await _gzipped_asset(name)
        return Response(
            body, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"}
        )
    return FileResponse(ASSETS_DIR / name, media_type=media_type, headers=headers)


def asset_routes(settings: Settings) -> list[Route]:
    """The asset route when GraphiQL is enabled, none otherwise."""
    if not settings.graphiql_enabled:
        return []
    return [Route(f"{ASSETS_PATH}/{{name}}", asset, methods=["GET"])]


class OfflineGraphiQL:
    """Mixin for the GraphQL view: renders the local GraphiQL page instead of the CDN one."""

    async def render_graphql_ide(self, request: Request) -> Response:
        return page_response(request)
