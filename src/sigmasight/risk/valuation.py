"""Valuing a book: market values, P&L, exposures and Greeks for every position at once.

Takes rows already loaded (positions, latest prices, underlyings' history) and hands whole arrays
to the analytics engine; no database here. Conventions (the schema repeats them):

- Valuation date of an option = the date of its underlying's latest close; time to expiry is
  ACT/365 from it. An option that expired before that date is worth its intrinsic value on the
  underlying's last close on or before expiration, with zero Greeks.
- Volatility: implied from the option's own close on the valuation date (no-arbitrage bounds
  checked); when that price is missing, older than the valuation date or outside the bounds, the
  underlying's realised volatility over the last `realized_window` daily log returns, annualised
  with 252. Without either, Greeks are unknown (None), never guessed.
- Position Greek = per-share Greek x signed quantity x multiplier. Stock: delta 1, the rest 0.
  Theta per calendar day, vega per volatility point, rho per percentage point of rate.
  Dollar delta = delta x underlying price; dollar gamma = gamma x underlying price^2 x 0.01.
- Notional exposure: stock = quantity x price; option = quantity x multiplier x underlying price.
  Delta-adjusted exposure = position delta x underlying price.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum

import numpy as np

from sigmasight.analytics.bsm import DAYS_PER_YEAR, bsm
from sigmasight.analytics.implied_vol import implied_volatility
from sigmasight.analytics.volatility import realized_volatility
from sigmasight.instruments.occ import OptionType
from sigmasight.portfolios.models import Position


class VolatilitySource(StrEnum):
    IMPLIED = "IMPLIED"
    REALIZED = "REALIZED"
    NONE = "NONE"


class Flag(StrEnum):
    """Why a position's analytics are partial, or how they were reached."""

    MISSING_PRICE = "MISSING_PRICE"
    MISSING_UNDERLYING_PRICE = "MISSING_UNDERLYING_PRICE"
    OPTION_PRICE_MISSING = "OPTION_PRICE_MISSING"
    OPTION_PRICE_STALE = "OPTION_PRICE_STALE"
    OPTION_PRICE_OUT_OF_BOUNDS = "OPTION_PRICE_OUT_OF_BOUNDS"
    MISSING_VOLATILITY = "MISSING_VOLATILITY"
    EXPIRED = "EXPIRED"
    MISSING_EXPIRY_PRICE = "MISSING_EXPIRY_PRICE"


@dataclass(frozen=True, slots=True)
class Quote:
    """A symbol's latest stored close."""

    close: float
    day: date


@dataclass(frozen=True, slots=True)
class Greeks:
    """Position Greeks (already x quantity x multiplier); see the module docstring for units."""

    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float
    dollar_delta: float
    dollar_gamma: float

    @classmethod
    def total(cls, items: Sequence[Greeks]) -> Greeks:
        """The sum of several positions' Greeks."""
        return cls(*(float(sum(getattr(g, f.name) for g in items)) for f in fields(cls)))


ZERO_GREEKS = Greeks(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class OptionInputs:
    """Everything an option's price and Greeks were computed from."""

    valuation_date: date | None
    days_to_expiry: int
    years_to_expiry: float
    underlying_price: float | None
    implied_volatility: float | None
    realized_volatility: float | None
    volatility: float | None
    volatility_source: VolatilitySource
    risk_free_rate: float
    dividend_yield: float
    option_price: float | None
    option_price_date: date | None


@dataclass(frozen=True, slots=True)
class PositionValuation:
    """One position's numbers; None where an input is missing (see `flags`)."""

    position_id: uuid.UUID
    is_open: bool
    last_price: float | None
    market_value: float | None
    cost_basis: float
    unrealized_pnl: float | None
    unrealized_pnl_percent: float | None
    realized_pnl: float | None
    notional_exposure: float | None
    delta_adjusted_exposure: float | None
    greeks: Greeks | None
    option: OptionInputs | None
    flags: tuple[Flag, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """What valuation needs beyond the positions, all loaded beforehand."""

    quotes: Mapping[str, Quote]
    dividend_yields: Mapping[str, float]
    closes: Mapping[str, np.ndarray]  # underlyings' recent closes, oldest first
    expiry_closes: Mapping[tuple[str, date], float]  # (underlying, expiration) -> close
    risk_free_rate: float
    realized_window: int
    today: date


def finite_or_none(value: float) -> float | None:
    """The number as a float, or None when it is NaN or infinite (unknown, never invented)."""
    return float(value) if np.isfinite(value) else None


def value_positions(
    positions: Sequence[Position], market: MarketInputs
) -> dict[uuid.UUID, PositionValuation]:
    """Value every position of a book in one pass (open ones priced, closed ones realised)."""
    realized_by_underlying = {
        symbol: realized_volatility(closes, window=market.realized_window)
        for symbol, closes in market.closes.items()
    }
    results: dict[uuid.UUID, PositionValuation] = {}
    live: list[tuple[Position, OptionInputs, list[Flag]]] = []
    for position in positions:
        if not held_on(position, market.today):
            option = None
            if position.option_type is not None:
                option = _option_inputs(position, market, realized_by_underlying)[0]
            quote = market.quotes.get(position.symbol)
            results[position.id] = _closed(position, option, quote)
        elif position.option_type is None:
            results[position.id] = _stock(position, market.quotes.get(position.symbol))
        else:
            inputs, flags = _option_inputs(position, market, realized_by_underlying)
            if Flag.EXPIRED in flags:
                results[position.id] = _expired(position, inputs, flags, market)
            else:
                live.append((position, inputs, flags))
    results.update(_live_options(live, market))
    return results


def held_on(position: Position, day: date) -> bool:
    """Whether the position is held at `day`'s close: entered by then and not yet closed (a
    position closed on `day` no longer is)."""
    return position.entry_date <= day and (position.exit_date is None or position.exit_date > day)


def _closed(
    position: Position, option: OptionInputs | None, quote: Quote | None
) -> PositionValuation:
    """A closed position holds nothing: zero value and exposure, its P&L realised."""
    cost = _cost(position)
    realized = None
    if position.exit_price is not None:
        realized = (
            float(position.exit_price - position.entry_price)
            * float(position.quantity)
            * position.multiplier
        )
    return PositionValuation(
        position_id=position.id,
        is_open=False,
        last_price=quote.close if quote else None,
        market_value=0.0,
        cost_basis=cost,
        unrealized_pnl=0.0,
        unrealized_pnl_percent=0.0,
        realized_pnl=realized,
        notional_exposure=0.0,
        delta_adjusted_exposure=0.0,
        greeks=ZERO_GREEKS,
        option=option,
    )


def _cost(position: Position) -> float:
    return float(position.quantity) * float(position.entry_price) * position.multiplier


def _open(
    position: Position,
    price: float | None,
    *,
    notional: float | None,
    delta_adjusted: float | None,
    greeks: Greeks | None,
    option: OptionInputs | None,
    flags: Sequence[Flag],
) -> PositionValuation:
    """An open position valued at `price` per share (market value and P&L null without one)."""
    value = pnl = pnl_percent = None
    if price is not None:
        quantity = float(position.quantity)
        value = quantity * price * position.multiplier
        pnl = (price - float(position.entry_price)) * quantity * position.multiplier
        pnl_percent = pnl / abs(_cost(position)) * 100.0
    return PositionValuation(
        position_id=position.id,
        is_open=True,
        last_price=price,
        market_value=value,
        cost_basis=_cost(position),
        unrealized_pnl=pnl,
        unrealized_pnl_percent=pnl_percent,
        realized_pnl=None,
        notional_exposure=notional,
        delta_adjusted_exposure=delta_adjusted,
        greeks=greeks,
        option=option,
        flags=tuple(flags),
    )


def _stock(position: Position, quote: Quote | None) -> PositionValuation:
    if quote is None:
        return _open(
            position,
            None,
            notional=None,
            delta_adjusted=None,
            greeks=None,
            option=None,
            flags=[Flag.MISSING_PRICE],
        )
    shares = float(position.quantity) * position.multiplier
    value = shares * quote.close
    greeks = Greeks(shares, 0.0, 0.0, 0.0, 0.0, value, 0.0)
    return _open(
        position,
        quote.close,
        notional=value,
        delta_adjusted=value,
        greeks=greeks,
        option=None,
        flags=[],
    )


def _option_inputs(
    position: Position, market: MarketInputs, realized_by_underlying: Mapping[str, float]
) -> tuple[OptionInputs, list[Flag]]:
    assert position.expiration is not None
    flags: list[Flag] = []
    underlying = market.quotes.get(position.underlying)
    quote = market.quotes.get(position.symbol)
    valuation_date = underlying.day if underlying else None
    days = (position.expiration - (valuation_date or market.today)).days
    if is_expired(position.expiration, valuation_date, market.today):
        flags.append(Flag.EXPIRED)
    if underlying is None:
        flags.append(Flag.MISSING_UNDERLYING_PRICE)
    if quote is None:
        flags.append(Flag.OPTION_PRICE_MISSING)
    elif valuation_date is not None and quote.day < valuation_date:
        flags.append(Flag.OPTION_PRICE_STALE)
    realized = realized_by_underlying.get(position.underlying, float("nan"))
    inputs = OptionInputs(
        valuation_date=valuation_date,
        days_to_expiry=days,
        years_to_expiry=max(days, 0) / DAYS_PER_YEAR,
        underlying_price=underlying.close if underlying else None,
        implied_volatility=None,
        realized_volatility=finite_or_none(realized),
        volatility=None,
        volatility_source=VolatilitySource.NONE,
        risk_free_rate=market.risk_free_rate,
        dividend_yield=market.dividend_yields.get(position.underlying, 0.0),
        option_price=quote.close if quote else None,
        option_price_date=quote.day if quote else None,
    )
    return inputs, flags


def is_expired(expiration: date, valuation_date: date | None, today: date) -> bool:
    """Expired before the valuation date, or before today when the underlying's prices lag
    (a contract that has expired is never valued as live on stale data)."""
    return expiration < max(valuation_date or today, today)


def _expired(
    position: Position, inputs: OptionInputs, flags: list[Flag], market: MarketInputs
) -> PositionValuation:
    assert position.expiration is not None and position.strike is not None
    settle = market.expiry_closes.get((position.underlying, position.expiration))
    intrinsic = None
    if settle is None:
        flags.append(Flag.MISSING_EXPIRY_PRICE)
    else:
        strike = float(position.strike)
        call = position.option_type is OptionType.CALL
        intrinsic = max(settle - strike, 0.0) if call else max(strike - settle, 0.0)
    return _open(
        position,
        intrinsic,
        notional=0.0,  # an expired contract controls no shares
        delta_adjusted=0.0,
        greeks=ZERO_GREEKS,
        option=inputs,
        flags=flags,
    )


def _live_options(
    live: Sequence[tuple[Position, OptionInputs, list[Flag]]], market: MarketInputs
) -> dict[uuid.UUID, PositionValuation]:
    if not live:
        return {}
    nan = float("nan")
    spot = np.array([i.underlying_price or nan for _, i, _ in live])
    strike = np.array([float(p.strike or 0) for p, _, _ in live])
    years = np.array([i.years_to_expiry for _, i, _ in live])
    dividend = np.array([i.dividend_yield for _, i, _ in live])
    is_call = np.array([p.option_type is OptionType.CALL for p, _, _ in live])
    fresh_price = np.array(
        [
            i.option_price
            if i.option_price is not None and Flag.OPTION_PRICE_STALE not in f
            else nan
            for _, i, f in live
        ]
    )
    realized = np.array([i.realized_volatility or nan for _, i, _ in live])
    rate = market.risk_free_rate
    implied = implied_volatility(fresh_price, is_call, spot, strike, years, rate, dividend)
    # On its expiry date an option is worth its intrinsic value: no volatility is involved.
    expiring = years <= 0
    vol = np.where(expiring, nan, np.where(np.isfinite(implied), implied, realized))
    known = (np.isfinite(vol) | expiring) & np.isfinite(spot)
    # Unknown inputs are priced with placeholders and then masked, so one call prices the book.
    per_share = bsm(
        is_call,
        np.where(known, spot, 1.0),
        strike,
        years,
        rate,
        np.where(known, vol, 0.2),
        dividend,
    )
    results: dict[uuid.UUID, PositionValuation] = {}
    for k, (position, inputs, flags) in enumerate(live):
        has_price = np.isfinite(fresh_price[k])
        solvable = np.isfinite(spot[k]) and not expiring[k]
        if has_price and solvable and not np.isfinite(implied[k]):
            flags.append(Flag.OPTION_PRICE_OUT_OF_BOUNDS)
        if not known[k] and np.isfinite(spot[k]):
            flags.append(Flag.MISSING_VOLATILITY)
        source = VolatilitySource.NONE
        if np.isfinite(implied[k]):
            source = VolatilitySource.IMPLIED
        elif np.isfinite(vol[k]):
            source = VolatilitySource.REALIZED
        option = replace(
            inputs,
            implied_volatility=finite_or_none(implied[k]),
            volatility=finite_or_none(vol[k]),
            volatility_source=source,
        )
        scale = float(position.quantity) * position.multiplier
        greeks = None
        delta_adjusted = None
        notional = None
        if known[k]:
            s = float(spot[k])
            delta = float(per_share.delta[k]) * scale
            gamma = float(per_share.gamma[k]) * scale
            greeks = Greeks(
                delta=delta,
                gamma=gamma,
                theta=float(per_share.theta[k]) * scale,
                vega=float(per_share.vega[k]) * scale,
                rho=float(per_share.rho[k]) * scale,
                dollar_delta=delta * s,
                dollar_gamma=gamma * s * s * 0.01,
            )
            delta_adjusted = delta * s
        if inputs.underlying_price is not None:
            notional = scale * inputs.underlying_price
        results[position.id] = _open(
            position,
            inputs.option_price,
            notional=notional,
            delta_adjusted=delta_adjusted,
            greeks=greeks,
            option=option,
            flags=flags,
        )
    return results
