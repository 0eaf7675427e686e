from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sigmasight.marketdata import calendar
from sigmasight.marketdata.providers.base import AssetType
from sigmasight.marketdata.providers.synthetic import SyntheticProvider, black_scholes

TODAY = date(2026, 11, 23)
START = date(2025, 11, 24)


def provider(seed: int = 42) -> SyntheticProvider:
    return SyntheticProvider(seed=seed, today=lambda: TODAY)


def log_returns(symbol: str, seed: int = 42) -> np.ndarray:
    closes = [float(b.close) for b in provider(seed).bars(symbol, START, TODAY)]
    return np.diff(np.log(closes))


def test_the_same_seed_gives_the_same_numbers_and_another_seed_does_not() -> None:
    # when
    first = provider(7).bars("AAPL", START, TODAY)
    again = provider(7).bars("AAPL", START, TODAY)
    other = provider(8).bars("AAPL", START, TODAY)
    # then
    assert first == again
    assert [b.close for b in first] != [b.close for b in other]


def test_a_days_price_does_not_depend_on_the_range_asked_for() -> None:
    # when
    long_range = provider().bars("MSFT", date(2024, 1, 2), TODAY)
    short_range = provider().bars("MSFT", date(2026, 11, 2), date(2026, 11, 6))
    # then
    assert short_range == [b for b in long_range if date(2026, 11, 2) <= b.day <= date(2026, 11, 6)]


def test_bars_fall_on_trading_days_only() -> None:
    # when
    days = [b.day for b in provider().bars("XOM", date(2024, 1, 1), TODAY)]
    # then
    assert days == calendar.trading_days(date(2024, 1, 1), TODAY)
    assert date(2025, 12, 25) not in days and date(2026, 4, 3) not in days
    assert all(d.weekday() < 5 for d in days)


def test_no_bars_are_invented_past_today() -> None:
    assert provider().bars("SPY", TODAY, date(2027, 1, 8))[-1].day == TODAY


@pytest.mark.parametrize("symbol", ["AAPL", "JPM", "XOM", "NEE", "QUAL", "MTUM", "RANDOMCO"])
def test_stocks_and_style_etfs_correlate_with_spy_in_a_plausible_band(symbol: str) -> None:
    # when
    correlation = np.corrcoef(log_returns(symbol), log_returns("SPY"))[0, 1]
    # then
    assert 0.2 < correlation < 0.95


def test_treasuries_do_not_move_with_stocks() -> None:
    assert np.corrcoef(log_returns("TLT"), log_returns("SPY"))[0, 1] < 0.1


def test_annualised_volatility_is_realistic() -> None:
    # when
    spy = log_returns("SPY").std() * np.sqrt(252)
    tech = log_returns("NVDA").std() * np.sqrt(252)
    # then
    assert 0.10 < spy < 0.25
    assert spy < tech < 0.60


def test_bars_are_internally_consistent() -> None:
    for bar in provider().bars("TSLA", START, TODAY):
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.volume > 0


async def test_known_tickers_have_their_sector_and_etfs_are_etfs() -> None:
    # when
    jpm = await provider().profile("JPM")
    spy = await provider().profile("SPY")
    unknown = await provider().profile("QWERTY")
    # then
    assert (jpm.sector, jpm.industry) == ("Financials", "Banks")
    assert spy.asset_type is AssetType.ETF
    assert (unknown.sector, unknown.asset_type) == (None, AssetType.UNKNOWN)


async def test_option_quotes_follow_black_scholes_on_a_put_skew() -> None:
    # given
    quote_otm_put = await provider().option_quote("SPY261218P00600000", TODAY)
    quote_otm_call = await provider().option_quote("SPY261218C00760000", TODAY)
    spot = float(quote_otm_put.underlying_price or 0)
    # then: low strikes carry more volatility than high ones, and prices re-derive by hand
    assert quote_otm_put.implied_volatility and quote_otm_call.implied_volatility
    assert quote_otm_put.implied_volatility > quote_otm_call.implied_volatility
    expected = black_scholes(
        spot=spot,
        strike=600,
        years=25 / 365,
        rate=0.04,
        vol=quote_otm_put.implied_volatility,
        call=False,
    )
    assert float(quote_otm_put.price) == pytest.approx(max(expected, 0.01), abs=1e-4)


def test_black_scholes_matches_a_textbook_value() -> None:
    # Hull, Options, Futures and Other Derivatives: S=42, K=40, r=10%, sigma=20%, T=0.5 -> c=4.76, p=0.81
    assert black_scholes(
        spot=42, strike=40, years=0.5, rate=0.10, vol=0.20, call=True
    ) == pytest.approx(4.76, abs=0.005)
    assert black_scholes(
        spot=42, strike=40, years=0.5, rate=0.10, vol=0.20, call=False
    ) == pytest.approx(0.81, abs=0.005)
