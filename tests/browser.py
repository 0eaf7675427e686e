"""Headless Chromium for tests that open a page: Debian's build at /usr/bin/chromium, driven by
Playwright; tests that need it are skipped, with the reason, on a machine without it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"
)


@contextlib.asynccontextmanager
async def headless_chromium() -> AsyncIterator[Browser]:
    """A headless Chromium that fetches nothing by itself (no background networking)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            await browser.close()
