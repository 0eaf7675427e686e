"""Hedges for a pro-forma book, sized by the engine: trades that take a risk to zero.

- DELTA:<U>: trade <U> stock against the delta of the book's <U> positions (a book on one name
  ends within half a share of zero delta).
- DOLLAR_DELTA:SPY: SPY shares against the book's dollar delta.
- BETA:SPY: SPY shares against the book's Market Beta dollar exposure (SPY's own beta is 1).
- FACTOR:<ETF>: the largest style factor exposure, by its ETF, with SPY bought or sold against
  the ETF's own market beta so the market exposure stays where it was.
Quantities are whole shares, rounded to the nearest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from sigmasight.analytics.factors import factor_betas
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.instruments.trading import TradeAction
from sigmasight.risk.book_risk import BETA_WINDOW, BookRisk

MARKET_ETF = "SPY"
MAX_DELTA_SUGGESTIONS = 3  # underlyings, by absolute dollar delta


@dataclass(frozen=True, slots=True)
class Leg:
    symbol: str
    shares: Decimal  # signed change of the holding


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    kind: str  # DELTA | DOLLAR_DELTA | BETA | FACTOR
    description: str
    legs: list[Leg]


def _shares(amount: float) -> Decimal:
    return Decimal(round(amount)) if np.isfinite(amount) else Decimal(0)


def suggest(
    risk: BookRisk, prices: dict[str, float], beta_hedges: dict[str, float] | None = None
) -> list[Suggestion]:
    """Hedges of the book's delta, beta and largest factor exposure; `prices` are the marks
    of the hedging instruments (SPY, the factor ETFs, the underlyings); `beta_hedges` are other
    instruments to offer a beta hedge with, and their own market betas."""
    book = risk.book
    found: list[Suggestion] = []
    delta: dict[str, float] = {}
    dollar_delta: dict[str, float] = {}
    for position in book.open_positions:
        greeks = book.valuations[position.id].greeks
        if greeks is not None:
            u = position.underlying
            delta[u] = delta.get(u, 0.0) + greeks.delta
            dollar_delta[u] = dollar_delta.get(u, 0.0) + greeks.dollar_delta
    biggest = sorted(dollar_delta, key=lambda u: -abs(dollar_delta[u]))[:MAX_DELTA_SUGGESTIONS]
    for underlying in biggest:
        shares = _shares(-delta[underlying])
        if shares:
            found.append(
                Suggestion(
                    f"DELTA:{underlying}",
                    "DELTA",
                    f"Neutralise the delta of the {underlying} positions "
                    f"({delta[underlying]:,.1f} shares) with {underlying} stock.",
                    [Leg(underlying, shares)],
                )
            )
    spy = prices.get(MARKET_ETF)
    if spy:
        total = sum(dollar_delta.values())
        shares = _shares(-total / spy)
        if shares:
            found.append(
                Suggestion(
                    f"DOLLAR_DELTA:{MARKET_ETF}",
                    "DOLLAR_DELTA",
                    f"Neutralise the book's dollar delta (${total:,.0f}) with SPY.",
                    [Leg(MARKET_ETF, shares)],
                )
            )
        exposures = {f.etf: f for f in risk.factor_exposures()}
        market = exposures[MARKET_ETF].dollar_exposure
        for hedge, beta in {MARKET_ETF: 1.0, **(beta_hedges or {})}.items():
            price = prices.get(hedge)
            shares = _shares(-market / (price * beta)) if price and beta else Decimal(0)
            if shares:
                found.append(
                    Suggestion(
                        f"BETA:{hedge}",
                        "BETA",
                        f"Neutralise the book's beta to SPY (${market:,.0f} of Market Beta "
                        f"exposure) with {hedge} (its own beta {beta:.2f}).",
                        [Leg(hedge, shares)],
                    )
                )
        factor = _largest_style_factor(risk, prices, spy)
        if factor is not None:
            found.append(factor)
    return found


def _largest_style_factor(
    risk: BookRisk, prices: dict[str, float], spy: float
) -> Suggestion | None:
    styles = [f for f in risk.factor_exposures() if f.etf != MARKET_ETF and f.etf in prices]
    if not styles:
        return None
    target = max(styles, key=lambda f: abs(f.dollar_exposure))
    column = FACTOR_ETFS.index(target.etf)
    window = slice(-BETA_WINDOW, None)
    own = factor_betas(
        risk.history.rows([target.etf])[:, window], risk.history.rows(FACTOR_ETFS)[:, window]
    ).betas[0]
    if not np.isfinite(own[column]) or abs(own[column]) < 1e-6:
        return None
    etf_dollars = -target.dollar_exposure / own[column]
    etf_shares = _shares(etf_dollars / prices[target.etf])
    spy_shares = _shares(-float(etf_shares) * prices[target.etf] * own[0] / spy)
    if not etf_shares:
        return None
    return Suggestion(
        f"FACTOR:{target.etf}",
        "FACTOR",
        f"Reduce the largest style exposure, {target.name} (${target.dollar_exposure:,.0f}), "
        f"with {target.etf}, and SPY against its market beta.",
        [Leg(target.etf, etf_shares), *([Leg(MARKET_ETF, spy_shares)] if spy_shares else [])],
    )


def actions_for(held: Decimal, change: Decimal) -> list[tuple[TradeAction, Decimal]]:
    """The stock trades that change a holding of `held` shares by `change`, closing what
    crosses zero first (sell, then short; cover, then buy)."""
    trades = []
    if change > 0:
        cover = min(change, max(-held, Decimal(0)))
        if cover:
            trades.append((TradeAction.BUY_TO_COVER, cover))
        if change - cover:
            trades.append((TradeAction.BUY, change - cover))
    elif change < 0:
        sell = min(-change, max(held, Decimal(0)))
        if sell:
            trades.append((TradeAction.SELL, sell))
        if -change - sell:
            trades.append((TradeAction.SELL_SHORT, -change - sell))
    return trades
