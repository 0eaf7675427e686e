"""YFinanceProvider driving the real yfinance code, with Yahoo's answers replayed from recordings.

yfinance's URLs are fixed https:// constants (query1/query2.finance.yahoo.com, fc.yahoo.com, ...),
so they cannot be pointed at a local server; instead the provider gets a real `requests.Session`
whose transport adapter answers from `recordings/yfinance/*.json`. Everything above the socket --
yfinance's cookie and crumb dance, its retries, parsing and time zones, and requests itself -- runs
as in production, and nothing reaches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import yfinance as yf
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from yfinance.data import YfData

from sigmasight.marketdata.calendar import trading_days
from sigmasight.marketdata.providers.base import (
    AssetType,
    Bar,
    ProviderAuthError,
    ProviderUnavailable,
    SecurityProfile,
    UnknownSymbol,
)
from sigmasight.marketdata.providers.yfinance import YFinanceProvider

RECORDINGS = Path(__file__).parent / "recordings" / "yfinance"
CHART = "query2.finance.yahoo.com/v8/finance/chart/"

# What Yahoo says on the way to a crumb; yfinance asks for these before and between data requests.
CONSENT_AND_CRUMB: dict[str, tuple[int, str]] = {
    "fc.yahoo.com/": (404, "<html><body>Not Found</body></html>"),
    "guce.yahoo.com/consent": (404, "<html><body>Not Found</body></html>"),
    "query1.finance.yahoo.com/v1/test/getcrumb": (200, "kU1d7gR0fXa"),
    "query2.finance.yahoo.com/v1/test/getcrumb": (200, "kU1d7gR0fXa"),
}


def _route(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc + (parts.path or "/")


class ReplayedYahoo(BaseAdapter):
    """A requests transport answering each URL (host and path) from recordings, in turn.

    Several answers for one URL are given in order and the last one repeatedly; an exception is
    raised instead of answering. URLs without a recording get Yahoo's 404.
    """

    def __init__(self, *answers: str | tuple[str, Exception]) -> None:
        super().__init__()
        self.answers: dict[str, list[dict[str, Any] | Exception]] = {}
        self.sent: list[tuple[str, Any]] = []  # (url, timeout) of every request
        for answer in answers:
            if isinstance(answer, tuple):
                self.answers.setdefault(answer[0], []).append(answer[1])
            else:
                recording = json.loads((RECORDINGS / f"{answer}.json").read_text())
                route = _route(recording["request"]["url"])
                self.answers.setdefault(route, []).append(recording["response"])

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        self.sent.append((url, kwargs.get("timeout")))
        route = _route(url)
        queue = self.answers.get(route)
        if queue:
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, Exception):
                raise answer
            return _response(request, answer["status"], answer["headers"], answer["body"])
        status, body = CONSENT_AND_CRUMB.get(route, (404, _NOT_FOUND))
        return _response(request, status, {"content-type": "text/html"}, body)

    def close(self) -> None:
        pass

    def chart_queries(self, symbol: str) -> list[dict[str, list[str]]]:
        """The query parameters of each chart request for `symbol` that asked for history."""
        queries = [parse_qs(urlsplit(url).query) for url, _ in self.sent if CHART + symbol in url]
        return [query for query in queries if "period1" in query or query.get("range") == ["5d"]]


_NOT_FOUND = '{"finance":{"result":null,"error":{"code":"Not Found","description":"HTTP 404"}}}'


def _response(
    request: requests.PreparedRequest, status: int, headers: Mapping[str, str], body: object
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers)
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    response.encoding = "utf-8"
    response.url = str(request.url)
    response.request = request
    return response


class Sleeps(list[float]):
    """A stand-in for asyncio.sleep that notes each delay and returns at once."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


def provider_over(yahoo: ReplayedYahoo, sleeps: Sleeps, **options: Any) -> YFinanceProvider:
    session = requests.Session()
    session.mount("https://", yahoo)
    session.mount("http://", yahoo)
    return YFinanceProvider(session=session, sleep=sleeps, **options)


@pytest.fixture(scope="module", autouse=True)
def _yfinance_caches(tmp_path_factory: pytest.TempPathFactory) -> None:
    """yfinance keeps time zones and cookies in sqlite under the user cache dir: use a scratch one."""
    yf.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))


@pytest.fixture(autouse=True)
def _no_memoised_answers() -> Iterator[None]:
    """yfinance memoises answers for past ranges in its process-wide YfData; start each test clean."""
    YfData.cache_get.cache_clear()
    yield
    YfData.cache_get.cache_clear()


async def test_daily_bars_are_the_recorded_split_adjusted_prices_on_new_york_session_dates() -> (
    None
):
    # given
    yahoo = ReplayedYahoo("chart_AAPL_2024-01-02_2024-01-08")
    provider = provider_over(yahoo, Sleeps(), timeout=7.5)
    # when
    bars = await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 8))
    # then Yahoo's close (not its dividend-adjusted Adj Close), with float32 noise rounded away
    assert [bar.day for bar in bars] == trading_days(date(2024, 1, 2), date(2024, 1, 8))
    assert bars[0] == Bar(
        "AAPL",
        date(2024, 1, 2),
        Decimal("187.15"),
        Decimal("188.44"),
        Decimal("183.89"),
        Decimal("185.64"),
        82488700,
    )
    assert bars[-1].close == Decimal("185.56")
    # and the end date was asked for inclusively, as midnights in New York, with our timeout
    (query,) = yahoo.chart_queries("AAPL")
    assert (query["period1"], query["period2"]) == (["1704171600"], ["1704776400"])
    assert query["interval"] == ["1d"]
    assert {timeout for _, timeout in yahoo.sent} == {7.5}


async def test_a_multi_year_range_comes_back_whole_from_a_single_chart_request() -> None:
    # given two years of SPY; yfinance never splits daily history into several requests
    yahoo = ReplayedYahoo("chart_SPY_2022-01-03_2023-12-29")
    provider = provider_over(yahoo, Sleeps())
    # when
    bars = await provider.daily_bars("SPY", date(2022, 1, 3), date(2023, 12, 29))
    # then every trading day is there, once, in order
    assert [bar.day for bar in bars] == trading_days(date(2022, 1, 3), date(2023, 12, 29))
    assert len(yahoo.chart_queries("SPY")) == 1
    assert all(isinstance(bar.close, Decimal) and bar.volume > 0 for bar in bars)


async def test_latest_close_is_the_last_bar_of_a_short_recent_history() -> None:
    # given
    yahoo = ReplayedYahoo("chart_AAPL_2024-01-02_2024-01-08")
    provider = provider_over(yahoo, Sleeps())
    # when
    bar = await provider.latest_close("AAPL")
    # then
    assert (bar.day, bar.close) == (date(2024, 1, 8), Decimal("185.56"))
    (query,) = yahoo.chart_queries("AAPL")
    assert query["range"] == ["5d"]


async def test_a_401_from_yahoo_is_an_auth_error_and_is_not_retried() -> None:
    # given Yahoo refusing every data request
    yahoo = ReplayedYahoo("chart_AAPL_unauthorized", "quoteSummary_AAPL_unauthorized")
    sleeps = Sleeps()
    provider = provider_over(yahoo, sleeps)
    # when asked three times: yfinance reports the first two as HTTP 401s (from a quote-summary
    # fallback it tries twice per process) and later ones as "possibly delisted; no timezone found"
    for _ in range(3):
        with pytest.raises(ProviderAuthError):
            await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 8))
    # then
    assert sleeps == []


async def test_a_429_is_retried_once_after_a_backoff_and_then_succeeds() -> None:
    # given two 429s (yfinance itself tries twice before raising) and then the history
    yahoo = ReplayedYahoo(
        "chart_AAPL_too_many_requests",
        "chart_AAPL_too_many_requests",
        "chart_AAPL_2024-01-02_2024-01-08",
    )
    sleeps = Sleeps()
    provider = provider_over(yahoo, sleeps)
    # when
    bars = await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 8))
    # then
    assert len(sleeps) == 1
    assert len(bars) == 5


async def test_a_5xx_is_retried_with_a_fresh_request_rather_than_yfinances_memo() -> None:
    # given two 502s (yfinance tries twice) and then the history; yfinance memoises every answer
    # for a past range, the 502 included
    yahoo = ReplayedYahoo(
        "chart_AAPL_bad_gateway", "chart_AAPL_bad_gateway", "chart_AAPL_2024-01-02_2024-01-08"
    )
    sleeps = Sleeps()
    provider = provider_over(yahoo, sleeps)
    # when
    bars = await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 8))
    # then
    assert len(sleeps) == 1
    assert bars[-1].day == date(2024, 1, 8)


async def test_a_timeout_is_provider_unavailable_once_the_attempts_run_out() -> None:
    # given
    yahoo = ReplayedYahoo((CHART + "AAPL", requests.exceptions.ReadTimeout("read timed out")))
    sleeps = Sleeps()
    provider = provider_over(yahoo, sleeps, attempts=3)
    # when
    with pytest.raises(ProviderUnavailable):
        await provider.daily_bars("AAPL", date(2024, 1, 2), date(2024, 1, 8))
    # then
    assert len(sleeps) == 2


async def test_an_unknown_symbol_is_reported_as_such_without_retries() -> None:
    # given
    yahoo = ReplayedYahoo("chart_ZZZZZQ_not_found", "quoteSummary_ZZZZZQ_not_found")
    sleeps = Sleeps()
    provider = provider_over(yahoo, sleeps)
    # when
    with pytest.raises(UnknownSymbol):
        await provider.daily_bars("ZZZZZQ", date(2024, 1, 2), date(2024, 1, 8))
    with pytest.raises(UnknownSymbol):
        await provider.profile("ZZZZZQ")
    # then
    assert sleeps == []


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        (
            "AAPL",
            SecurityProfile(
                "AAPL", "Apple Inc.", "Technology", "Consumer Electronics", AssetType.STOCK
            ),
        ),
        ("SPY", SecurityProfile("SPY", "SPDR S&P 500 ETF Trust", None, None, AssetType.ETF)),
    ],
)
async def test_a_profile_carries_the_long_name_sector_industry_and_asset_type(
    symbol: str, expected: SecurityProfile
) -> None:
    # given
    yahoo = ReplayedYahoo(f"quoteSummary_{symbol}", f"quote_{symbol}", f"timeseries_{symbol}")
    provider = provider_over(yahoo, Sleeps())
    # when
    profile = await provider.profile(symbol)
    # then
    assert profile == expected


async def test_option_quotes_are_never_taken_from_yahoo() -> None:
    # given
    yahoo = ReplayedYahoo()
    provider = provider_over(yahoo, Sleeps())
    # when
    with pytest.raises(UnknownSymbol):
        await provider.option_quote("AAPL240119C00150000", date(2024, 1, 8))
    # then
    assert yahoo.sent == []
