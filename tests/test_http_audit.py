"""The graphql-http audit suite (GraphQL over HTTP) passes in full against a running server.

The suite is the npm package `graphql-http`, pinned in `tests/http_audit/package-lock.json`
and installed with `npm ci --prefix tests/http_audit` (`.ci/run` does it when npm exists).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigmasight.settings import Settings
from tests.live_server import serving

AUDIT = Path(__file__).resolve().parent / "http_audit"
# Every audit of graphql-http 1.23.1, MUSTs and SHOULDs alike.
AUDIT_COUNT = 61


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The app's GraphQL endpoint, served by uvicorn on a free local port."""
    from sigmasight.main import create_app

    # The suite sends some seventy requests at once: not a client to rate-limit here.
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 0}))
    with serving(app) as url:
        yield f"{url}/graphql"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.skipif(
    not (AUDIT / "node_modules" / "graphql-http").is_dir(),
    reason="graphql-http is not installed: run `npm ci --prefix tests/http_audit`",
)
def test_every_graphql_over_http_audit_passes(live_server: str) -> None:
    # when
    run = subprocess.run(  # noqa: S603 - a fixed script of ours, with our own server's URL
        ["node", str(AUDIT / "audit.mjs"), live_server],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(run.stdout)
    # then
    assert report["failures"] == []
    assert report["passed"] == report["total"] == AUDIT_COUNT
