"""PolygonProvider with the real RESTClient over real HTTP, against a local replaying server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from sigmasight.marketdata.providers.base import (
    AssetType,
    Bar,
    OptionQuote,
    ProviderAuthError,
    ProviderUnavailable,
    SecurityProfile,
    UnknownSymbol,
)
from sigmasight.marketdata.providers.polygon import PolygonProvider

RECORDINGS = Path(__file__).parent / "recordings" / "polygon"
AAPL_AGGS = "/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-05"
AAPL_PREV = "/v2/aggs/ticker/AAPL/prev"
AAPL_CALL = "AAPL240119C00150000"
AAPL_CALL_SNAPSHOT = f"/v3/snapshot/options/AAPL/O:{AAPL_CALL}"


@dataclass(frozen=True)
class Reply:
    """One scripted answer; `recording` names a file whose `{base}` becomes the server's URL."""

    status: int = 200
    recording: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    authorization: str | None


class PolygonStub:
    """An HTTP server on 127.0.0.1 answering each path with its scripted replies in turn.

    The last reply of a script repeats; an unscripted path gets Polygon's 404.
    """

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._scripts: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval so that stopping the server does not cost each test half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def script(self, path: str, *replies: Reply) -> None:
        self._scripts[path] = list(replies)

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # releases handlers still sitting out a delay
        self._server.shutdown()
        self._server.server_close()

    def _next(self, path: str) -> Reply:
        with self._lock:
            script = self._scripts.get(path)
            if not script:
                return Reply(404, "ticker_details_not_found.json")
            return script.pop(0) if len(script) > 1 else script[0]

    def _body(self, reply: Reply) -> bytes:
        if reply.recording is None:
            return b""
        return (RECORDINGS / reply.recording).read_text().replace("{base}", self.url).encode()

    def _handler(stub) -> type[BaseHTTPRequestHandler]:  # noqa: N805 - `self` is the handler's
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                seen = Seen(path, parse_qs(url.query), self.headers.get("Authorization"))
                stub.requests.append(seen)
                reply = stub._next(path)
                if reply.delay and stub._stopping.wait(reply.delay):
                    return
                body = stub._body(reply)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting (the timeout test); nobody to answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output quiet

        return Handler


class SleepRecorder:
    """Stands in for asyncio.sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def polygon() -> Iterator[PolygonStub]:
    stub = PolygonStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def sleep() -> SleepRecorder:
    return SleepRecorder()


def provider_for(
    stub: PolygonStub, sleep: SleepRecorder, *, timeout: float = 5.0, attempts: int = 4
) -> PolygonProvider:
    return PolygonProvider(
        "test-key", base_url=stub.url, timeout=timeout, attempts=attempts, sleep=sleep
    )


def aapl(day: date, o: str, h: str, low: str, c: str, volume: int) -> Bar:
    return Bar("AAPL", day, Decimal(o), Decimal(h), Decimal(low), Decimal(c), volume)


JAN_2_TO_5 = [
    aapl(date(2024, 1, 2), "187.15", "188.44", "183.885", "185.64", 82_488_674),
    aapl(date(2024, 1, 3), "184.22", "185.88", "183.43", "184.25", 58_414_460),
    aapl(date(2024, 1, 4), "182.15", "183.0872", "180.88", "181.91", 71_983_570),
    aapl(date(2024, 1, 5), "181.99", "182.76", "180.17", "181.18", 62_303_300),
]


async def test_daily_bars_have_new_york_dates_and_exact_decimal_prices(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_AGGS, Reply(recording="aggs_aapl_2024-01-02_2024-01-05.json"))
    provider = provider_for(polygon, sleep)

    # when
    bars = await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 5))

    # then
    assert bars == JAN_2_TO_5
    assert all(isinstance(bar.close, Decimal) for bar in bars)
    [request] = polygon.requests
    assert request.query["adjusted"] == ["true"]
    assert request.query["sort"] == ["asc"]
    assert request.authorization == "Bearer test-key"


async def test_daily_bars_follow_next_url_to_the_second_page(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    second_page = "/v2/aggs/ticker/AAPL/range/1/day/1704344400000/1704430800000"
    polygon.script(AAPL_AGGS, Reply(recording="aggs_aapl_page_1.json"))
    polygon.script(second_page, Reply(recording="aggs_aapl_page_2.json"))
    provider = provider_for(polygon, sleep)

    # when
    bars = await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 5))

    # then
    assert bars == JAN_2_TO_5
    assert polygon.paths() == [AAPL_AGGS, second_page]
    assert polygon.requests[1].query == {"cursor": ["bGltaXQ9MiZzb3J0PWFzYw"]}
    assert polygon.requests[1].authorization == "Bearer test-key"


async def test_a_401_is_an_auth_error_and_is_not_retried(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_AGGS, Reply(401, "unauthorized.json"))
    provider = provider_for(polygon, sleep)

    # when
    with pytest.raises(ProviderAuthError) as raised:
        await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 5))

    # then
    assert "Unknown API Key" in str(raised.value)
    assert len(polygon.requests) == 1
    assert sleep.delays == []


async def test_a_429_is_retried_after_the_retry_after_delay(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(
        AAPL_PREV,
        Reply(429, "rate_limited.json", headers={"Retry-After": "1"}),
        Reply(recording="prev_aapl.json"),
    )
    provider = provider_for(polygon, sleep)

    # when
    bar = await provider.latest_close("AAPL")

    # then
    assert bar == aapl(date(2024, 1, 5), "181.99", "182.76", "180.17", "181.18", 62_303_300)
    assert sleep.delays == [1.0]
    assert polygon.paths() == [AAPL_PREV, AAPL_PREV]


async def test_a_503_is_retried_and_the_next_answer_is_used(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_PREV, Reply(503, "server_error.json"), Reply(recording="prev_aapl.json"))
    provider = provider_for(polygon, sleep)

    # when
    bar = await provider.latest_close("AAPL")

    # then
    assert bar.close == Decimal("181.18")
    assert len(sleep.delays) == 1


async def test_a_server_slower_than_the_timeout_is_unavailable_after_the_retries(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_PREV, Reply(recording="prev_aapl.json", delay=5.0))
    provider = provider_for(polygon, sleep, timeout=0.2, attempts=2)

    # when
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.latest_close("AAPL")

    # then
    assert "ReadTimeoutError" in str(raised.value)
    assert len(polygon.requests) == 2
    assert len(sleep.delays) == 1


async def test_an_empty_aggregates_answer_is_an_unknown_symbol(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(
        "/v2/aggs/ticker/ZZZZQ/range/1/day/2024-01-02/2024-01-05",
        Reply(recording="aggs_empty.json"),
    )
    provider = provider_for(polygon, sleep)

    # when / then
    with pytest.raises(UnknownSymbol):
        await provider.daily_bars("ZZZZQ", date(2024, 1, 2), date(2024, 1, 5))


async def test_a_404_for_ticker_details_is_an_unknown_symbol_and_is_not_retried(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script("/v3/reference/tickers/ZZZZQ", Reply(404, "ticker_details_not_found.json"))
    provider = provider_for(polygon, sleep)

    # when
    with pytest.raises(UnknownSymbol) as raised:
        await provider.profile("ZZZZQ")

    # then
    assert "Ticker not found." in str(raised.value)
    assert len(polygon.requests) == 1


async def test_ticker_details_become_a_profile_with_the_sic_division_as_sector(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script("/v3/reference/tickers/AAPL", Reply(recording="ticker_details_aapl.json"))
    provider = provider_for(polygon, sleep)

    # when
    profile = await provider.profile("AAPL")

    # then
    assert profile == SecurityProfile(
        symbol="AAPL",
        name="Apple Inc.",
        sector="Manufacturing",
        industry="ELECTRONIC COMPUTERS",
        asset_type=AssetType.STOCK,
    )


async def test_an_etf_profile_has_no_sector_or_industry(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script("/v3/reference/tickers/SPY", Reply(recording="ticker_details_spy.json"))
    provider = provider_for(polygon, sleep)

    # when
    profile = await provider.profile("SPY")

    # then
    assert profile == SecurityProfile(
        symbol="SPY", name="SPDR S&P 500 ETF Trust", asset_type=AssetType.ETF
    )


async def test_an_option_snapshot_becomes_a_quote_with_implied_volatility(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_CALL_SNAPSHOT, Reply(recording="snapshot_option_aapl240119c00150000.json"))
    provider = provider_for(polygon, sleep)

    # when
    quote = await provider.option_quote(AAPL_CALL, date(2024, 1, 5))

    # then
    assert quote == OptionQuote(
        symbol=AAPL_CALL,
        day=date(2024, 1, 5),
        price=Decimal("31.35"),
        implied_volatility=0.3521,
        open_interest=10512,
        underlying_price=Decimal("181.18"),
    )


async def test_an_option_snapshot_newer_than_the_asked_day_is_not_passed_off_as_that_day(
    polygon: PolygonStub, sleep: SleepRecorder
) -> None:
    # given
    polygon.script(AAPL_CALL_SNAPSHOT, Reply(recording="snapshot_option_aapl240119c00150000.json"))
    provider = provider_for(polygon, sleep)

    # when / then
    with pytest.raises(UnknownSymbol, match="snapshot is for 2024-01-05"):
        await provider.option_quote(AAPL_CALL, date(2024, 1, 4))
