"""Stress scenarios: factor moves worked out by hand, and option P&L checked against a by-hand
Black-Scholes repricing; plus the shipped scenario templates."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources

import numpy as np
import pytest

from sigmasight.analytics.bsm import bsm_price
from sigmasight.analytics.revaluation import Holdings
from sigmasight.analytics.scenarios import (
    FACTOR_ETFS,
    TLT_DURATION,
    Shock,
    factor_returns,
    scenario_pnl,
    underlying_moves,
)
from sigmasight.risk.scenario_templates import scenario_templates
from tests.book_factory import holdings_of

RATE = 0.04
NO_BETAS = np.full(len(FACTOR_ETFS), np.nan)


def betas(market: float, **styles: float) -> np.ndarray:
    row = np.zeros(len(FACTOR_ETFS))
    row[0] = market
    for etf, beta in styles.items():
        row[FACTOR_ETFS.index(etf)] = beta
    return row


def book(*positions: dict[str, float | bool | int]) -> Holdings:
    """Holdings from position dicts: underlying (index), shares, and for options call/strike/
    years/vol; dividend yield 1% everywhere."""

    return holdings_of(positions, rate=RATE, dividend_yield=0.01)


def put_price(spot: float, *, years: float = 0.5, vol: float = 0.22, rate: float = RATE) -> float:
    return float(bsm_price(False, spot, 400.0, years, rate, vol, 0.01))


SPY_PUT = {"underlying": 0, "shares": 500.0, "strike": 400.0, "years": 0.5, "vol": 0.22}


def test_spy_stock_book_loses_exactly_ten_percent_under_market_down_ten() -> None:
    # given a SPY-only stock book whose regression betas are 1 only to 1e-9
    spot = np.array([412.37])
    holdings = book({"underlying": 0, "shares": 1_000.0})
    noisy = betas(1.0 + 1e-9, MTUM=3e-10, TLT=-2e-10)[None, :]
    # when SPY falls 10%
    shock = Shock(etf_returns={"SPY": -0.10})
    moves = underlying_moves(shock, ["SPY"], noisy)
    pnl = scenario_pnl(holdings, spot, moves, shock)
    # then SPY moves by its own shocked return and the book loses 10% of its value
    assert moves[0] == -0.10
    assert pnl[0] == pytest.approx(-0.10 * 1_000.0 * 412.37, rel=1e-14)


def test_long_spy_put_gains_the_bsm_price_difference() -> None:
    # given a long SPY put book
    spot = np.array([410.0])
    holdings = book(SPY_PUT)
    shock = Shock(etf_returns={"SPY": -0.10})
    # when the market falls 10%
    pnl = scenario_pnl(holdings, spot, underlying_moves(shock, ["SPY"], NO_BETAS[None, :]), shock)
    # then the gain is the by-hand BSM repricing at the new spot (same vol and time) x shares
    by_hand = (put_price(410.0 * 0.9) - put_price(410.0)) * 500.0
    assert by_hand > 0
    assert pnl[0] == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize(
    ("shock", "repriced"),
    [
        (Shock(vol_points=10), lambda: put_price(410.0, vol=0.32)),
        (Shock(rate_bp=50), lambda: put_price(410.0, rate=RATE + 0.005)),
        (Shock(horizon_days=30), lambda: put_price(410.0, years=0.5 - 30 / 365)),
        (
            Shock(etf_returns={"SPY": 0.05}, vol_points=-5, rate_bp=-25, horizon_days=10),
            lambda: put_price(410.0 * 1.05, vol=0.17, rate=RATE - 0.0025, years=0.5 - 10 / 365),
        ),
    ],
    ids=["vol_points", "rate_bp", "horizon", "all_at_once"],
)
def test_option_pnl_equals_a_by_hand_repricing(shock: Shock, repriced: Callable[[], float]) -> None:
    # given a long put and a shock moving volatility, rate, time or all of them
    spot = np.array([410.0])
    holdings = book(SPY_PUT)
    # when the scenario is applied
    moves = underlying_moves(shock, ["SPY"], betas(1.0)[None, :])
    pnl = scenario_pnl(holdings, spot, moves, shock)
    # then the P&L is the put repriced by hand with the shifted inputs, minus today's price
    by_hand = (repriced() - put_price(410.0)) * 500.0
    assert by_hand != 0
    assert pnl[0] == pytest.approx(by_hand, rel=1e-12)


def test_option_expiring_within_the_horizon_is_worth_intrinsic() -> None:
    # given a put with 10 days left, 5% in the money after the move
    spot = np.array([400.0])
    holdings = book(
        {"underlying": 0, "shares": 100.0, "strike": 400.0, "years": 10 / 365, "vol": 0.2}
    )
    shock = Shock(etf_returns={"SPY": -0.05}, horizon_days=30)
    # when 30 days pass
    pnl = scenario_pnl(holdings, spot, underlying_moves(shock, ["SPY"], NO_BETAS[None, :]), shock)
    # then it is worth exactly its intrinsic value
    today = float(bsm_price(False, 400.0, 400.0, 10 / 365, RATE, 0.2, 0.01))
    assert pnl[0] == pytest.approx((20.0 - today) * 100.0, rel=1e-12)


def test_stock_moves_by_market_beta_plus_style_beta_times_spread() -> None:
    # given a stock with market beta 1.2 and beta 0.5 on value (VTV over SPY)
    row = betas(1.2, VTV=0.5)[None, :]
    # when SPY falls 10% and VTV 5%
    moves = underlying_moves(Shock(etf_returns={"SPY": -0.10, "VTV": -0.05}), ["JPM"], row)
    # then it moves 1.2 x -10% + 0.5 x (-5% - -10%)
    assert moves[0] == pytest.approx(1.2 * (-0.10) + 0.5 * (-0.05 - -0.10), abs=1e-15)


def test_unnamed_style_etfs_move_with_spy() -> None:
    # given a stock with large style betas on ETFs the shock does not name
    row = betas(0.9, MTUM=0.7, QUAL=-0.4, USMV=0.3)[None, :]
    # when only SPY moves
    moves = underlying_moves(Shock(etf_returns={"SPY": -0.20}), ["NVDA"], row)
    # then the styles have no spread and only the market beta counts
    assert moves[0] == pytest.approx(0.9 * -0.20, abs=1e-15)


def test_symbol_override_wins_over_betas_and_etf_returns() -> None:
    # given a stock with betas and an ETF held as an underlying
    rows = np.vstack([betas(1.1, VUG=0.6), betas(1.0)])
    shock = Shock(etf_returns={"SPY": -0.10}, symbol_returns={"AAPL": 0.03, "SPY": -0.5})
    # when both are named in symbol_returns
    moves = underlying_moves(shock, ["AAPL", "SPY"], rows)
    # then they take those returns
    assert moves.tolist() == [0.03, -0.5]


def test_nan_market_beta_gives_nan_move_and_nan_pnl() -> None:
    # given an underlying without a market beta, next to one with betas
    rows = np.vstack([NO_BETAS, betas(1.0)])
    holdings = book(
        {"underlying": 0, "shares": 100.0},
        {"underlying": 0, "shares": 100.0, "strike": 50.0, "years": 0.3, "vol": 0.4, "call": True},
        {"underlying": 1, "shares": 10.0},
    )
    shock = Shock(etf_returns={"SPY": -0.10})
    # when the market moves
    moves = underlying_moves(shock, ["NEWCO", "MSFT"], rows)
    pnl = scenario_pnl(holdings, np.array([50.0, 400.0]), moves, shock)
    # then its move and every position on it are NaN, the rest are numbers
    assert np.isnan(moves[0])
    assert moves[1] == -0.10
    assert np.isnan(pnl[:2]).all()
    assert pnl[2] == pytest.approx(-400.0, rel=1e-12)


def test_nan_style_beta_counts_as_zero() -> None:
    # given a market beta but no measured momentum beta
    row = betas(1.0, VTV=0.5)
    row[FACTOR_ETFS.index("MTUM")] = np.nan
    # when momentum and value both move against SPY
    moves = underlying_moves(
        Shock(etf_returns={"SPY": 0.0, "MTUM": -0.1, "VTV": 0.02}), ["X"], row[None, :]
    )
    # then only the measured value exposure counts
    assert moves[0] == pytest.approx(0.5 * 0.02, abs=1e-15)


def test_pure_volatility_shock_moves_nothing_even_without_betas() -> None:
    # given an underlying without betas
    # when the shock moves no factor ETF
    moves = underlying_moves(Shock(vol_points=15, horizon_days=5), ["NEWCO"], NO_BETAS[None, :])
    # then its move is exactly 0 whatever its betas would be
    assert moves.tolist() == [0.0]


def test_rate_shock_moves_tlt_by_duration() -> None:
    # given TLT held, and a stock with a TLT beta
    rows = np.vstack([betas(1.0), betas(0.8, TLT=0.3)])
    # when rates rise 100 bp
    shock = Shock(rate_bp=100)
    moves = underlying_moves(shock, ["TLT", "NEE"], rows)
    # then TLT loses 17% and the stock moves by its TLT beta times TLT's spread over SPY
    assert factor_returns(shock)[-1] == pytest.approx(-TLT_DURATION * 0.01)
    assert moves[0] == pytest.approx(-0.17, abs=1e-15)
    assert moves[1] == pytest.approx(0.3 * -0.17, abs=1e-15)


def test_named_tlt_wins_over_duration() -> None:
    # when a shock names TLT and shifts rates
    returns = factor_returns(Shock(etf_returns={"TLT": 0.02}, rate_bp=100))
    # then TLT takes the named return
    assert returns[-1] == 0.02


@pytest.mark.parametrize(
    "arguments",
    [
        {"etf_returns": {"XLE": 0.1}},
        {"symbol_returns": {"AAPL": -1.0}},
        {"etf_returns": {"SPY": float("nan")}},
        {"horizon_days": -1},
        {"vol_points": float("inf")},
    ],
)
def test_invalid_shocks_are_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Shock(**arguments)  # type: ignore[arg-type]


def test_betas_must_have_one_row_per_symbol_and_eight_columns() -> None:
    with pytest.raises(ValueError):
        underlying_moves(Shock(), ["A", "B"], np.zeros((2, 7)))


# --- templates ------------------------------------------------------------------------------


def test_every_template_loads_with_a_unique_snake_case_id() -> None:
    # when the shipped templates are read
    templates = scenario_templates()
    ids = [t.id for t in templates]
    # then all the templates are there, once each
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        *(f"market_{d}_{p}" for d in ("up", "down") for p in (5, 10, 20)),
        *(f"rates_{d}_{bp}bp" for d in ("up", "down") for bp in (25, 100)),
        "oil_up_5",
        "oil_down_5",
        "vix_spike",
        "replay_2008_sep_oct",
        "replay_2020_feb_mar",
    }
    assert all(t.name and t.description for t in templates)


def test_market_down_ten_is_spy_minus_ten_percent() -> None:
    template = next(t for t in scenario_templates() if t.id == "market_down_10")
    assert dict(template.shock.etf_returns) == {"SPY": -0.10}
    assert template.shock.vol_points == template.shock.rate_bp == template.shock.horizon_days == 0


def test_vix_spike_and_rates_templates() -> None:
    by_id = {t.id: t.shock for t in scenario_templates()}
    assert (by_id["vix_spike"].vol_points, dict(by_id["vix_spike"].etf_returns)) == (
        10,
        {"SPY": -0.07},
    )
    assert by_id["rates_up_100bp"].rate_bp == 100
    assert factor_returns(by_id["rates_down_25bp"])[-1] == pytest.approx(17 * 0.0025)


def test_historical_replays_name_their_source_and_match_their_closes() -> None:
    # given the data file's closes for each replay
    raw = json.loads(
        resources.files("sigmasight.risk").joinpath("scenario_templates.json").read_text("utf-8")
    )
    closes = {t["id"]: t["closes"] for t in raw["templates"] if "closes" in t}
    templates = {t.id: t for t in scenario_templates()}
    assert set(closes) == {"replay_2008_sep_oct", "replay_2020_feb_mar"}
    for template_id, pairs in closes.items():
        template = templates[template_id]
        # then the source is named, the returns are the closes' ratios to 0.1%, and approximate
        assert template.source and "commit" in template.source
        assert "approximate" in template.description.lower()
        assert dict(template.shock.etf_returns) == {
            etf: round(end / start - 1, 3) for etf, (start, end) in pairs.items()
        }


def test_2008_replay_leaves_out_etfs_that_did_not_exist() -> None:
    template = next(t for t in scenario_templates() if t.id == "replay_2008_sep_oct")
    assert not {"MTUM", "QUAL", "USMV"} & set(template.shock.etf_returns)
    assert "did not exist" in template.description


def test_oil_templates_move_only_named_energy_symbols() -> None:
    by_id = {t.id: t for t in scenario_templates()}
    up, down = by_id["oil_up_5"], by_id["oil_down_5"]
    assert "proxy" in up.description
    assert up.shock.symbol_returns["XOM"] == 0.025 and down.shock.symbol_returns["XOM"] == -0.025
    assert not up.shock.etf_returns
    # and a stock outside the list does not move
    assert underlying_moves(up.shock, ["AAPL"], betas(1.2)[None, :]).tolist() == [0.0]
