"""Modeling sessions: create from a portfolio, trade on paper, value both books, close."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.access import visible_to
from sigmasight.analytics.bsm import DAYS_PER_YEAR, bsm_price
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.analytics.volatility import realized_volatility
from sigmasight.auth.actor import Actor
from sigmasight.errors import Invalid, NotFound
from sigmasight.instruments.occ import OptionContract, OptionType
from sigmasight.instruments.trading import OrderType, TradeAction
from sigmasight.marketdata import prices
from sigmasight.marketdata.prices import LatestPrice
from sigmasight.modeling.books import apply_trades, base_positions, snapshot_of, trade_cost
from sigmasight.modeling.models import (
    ModelingSession,
    ProFormaTrade,
    SavedModelingSnapshot,
    SessionStatus,
)
from sigmasight.modeling.suggestions import MARKET_ETF, Suggestion, actions_for, suggest
from sigmasight.pagination import Page, PageRequest, paginate
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios.models import Portfolio, Position
from sigmasight.portfolios.positions import check_quantity, parse_instrument
from sigmasight.risk.book_risk import BETA_WINDOW, BookRisk, risks_of
from sigmasight.risk.history import load_returns
from sigmasight.risk.service import (
    Book,
    ExposureBasis,
    RiskLimits,
    recent_closes,
    value_books,
    volatility_lookback,
)
from sigmasight.settings import Settings

MAX_NAME_LENGTH = 100
MAX_TRADES = 500  # per session
WEIGHT_TOLERANCE = Decimal("0.0001")
MIN_HEDGE_BETA = 0.3  # a beta hedge's instrument must move at least this much with SPY


@dataclass(frozen=True, slots=True)
class TradeDraft:
    """A trade as asked for; `price` per share, the session's mark when omitted."""

    action: TradeAction
    symbol: str
    quantity: Decimal
    price: Decimal | None = None
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None


def _visible(actor: Actor) -> Any:
    return select(ModelingSession).where(visible_to(actor, ModelingSession.owner_id))


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            f"A name is 1-{MAX_NAME_LENGTH} characters.", field="name", code="INVALID_LENGTH"
        )
    return name


async def create(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    name: str,
    settings: Settings,
    today: date,
) -> ModelingSession:
    """Start a session on a snapshot of the portfolio: open positions, cash, latest marks."""
    portfolio = await portfolio_service.get_or_raise(
        session, actor=actor, portfolio_id=portfolio_id
    )
    positions = list(
        await session.scalars(
            select(Position)
            .where(Position.portfolio_id == portfolio.id, Position.exit_date.is_(None))
            .order_by(Position.symbol, Position.id)
        )
    )
    symbols = sorted({p.symbol for p in positions} | {p.underlying for p in positions})
    latest = await prices.latest_prices(
        session, redis, symbols, ttl_seconds=settings.latest_price_cache_seconds
    )
    modeling = ModelingSession(
        owner_id=portfolio.owner_id,
        portfolio_id=portfolio.id,
        name=_clean_name(name),
        status=SessionStatus.ACTIVE,
        as_of=today,
        cash=portfolio.cash,
        base_positions=[snapshot_of(p) for p in positions],
        marks={s: _mark(p) for s, p in latest.items()},
    )
    session.add(modeling)
    await session.flush()
    return modeling


def _mark(price: LatestPrice) -> dict[str, Any]:
    return {"close": str(price.close), "day": price.day.isoformat(), "source": price.source}


def _latest(marks: Mapping[str, dict[str, Any]]) -> dict[str, LatestPrice]:
    return {
        s: LatestPrice(s, Decimal(m["close"]), date.fromisoformat(m["day"]), m["source"])
        for s, m in marks.items()
    }


async def get_or_raise(
    session: AsyncSession, *, actor: Actor, session_id: uuid.UUID, for_update: bool = False
) -> ModelingSession:
    """The session, or NotFound when it is missing or not the actor's."""
    stmt = _visible(actor).where(ModelingSession.id == session_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: ModelingSession | None = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("Modeling session not found.", field="sessionId")
    return found


async def _active(session: AsyncSession, *, actor: Actor, session_id: uuid.UUID) -> ModelingSession:
    # Locked: two changes to one session run one after the other.
    modeling = await get_or_raise(session, actor=actor, session_id=session_id, for_update=True)
    if modeling.status is not SessionStatus.ACTIVE:
        raise Invalid(
            f"The session is {modeling.status.value.lower()}; start a new one to trade.",
            field="sessionId",
            code="SESSION_CLOSED",
        )
    return modeling


async def list_for_actor(
    session: AsyncSession, *, actor: Actor, status: SessionStatus | None, page: PageRequest
) -> Page[ModelingSession]:
    """The actor's sessions, newest first."""
    stmt = _visible(actor)
    if status is not None:
        stmt = stmt.where(ModelingSession.status == status)
    keys = [ModelingSession.created_at, ModelingSession.id]
    return await paginate(session, stmt, keys=keys, request=page, descending=True)


async def count_for_actor(
    session: AsyncSession, *, actor: Actor, status: SessionStatus | None
) -> int:
    """How many sessions `list_for_actor` pages through."""
    stmt = _visible(actor)
    if status is not None:
        stmt = stmt.where(ModelingSession.status == status)
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


async def trades_of(
    session: AsyncSession, *, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ProFormaTrade]]:
    """Each session's trades in the order they apply."""
    found: dict[uuid.UUID, list[ProFormaTrade]] = {sid: [] for sid in session_ids}
    rows = await session.scalars(
        select(ProFormaTrade)
        .where(ProFormaTrade.session_id.in_(session_ids))
        .order_by(ProFormaTrade.session_id, ProFormaTrade.seq)
    )
    for trade in rows:
        found[trade.session_id].append(trade)
    return found


async def add_trades(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    drafts: Sequence[TradeDraft],
    settings: Settings,
    today: date,
    origin: str = "MANUAL",
) -> list[ProFormaTrade]:
    """Add trades (legs of one order ticket, all or none) at the session's marks, or at the
    engine's price for an option nobody quotes."""
    modeling = await _active(session, actor=actor, session_id=session_id)
    existing = (await trades_of(session, session_ids=[modeling.id]))[modeling.id]
    if not drafts:
        raise Invalid("Give at least one trade.", field="trades", code="REQUIRED")
    if len(existing) + len(drafts) > MAX_TRADES:
        raise Invalid(f"At most {MAX_TRADES} trades a session.", field="trades", code="TOO_MANY")
    added = []
    for index, draft in enumerate(drafts):
        field = f"trades.{index}"
        symbol, mark, source = await _priced(
            session, redis, modeling, draft, settings, today, field
        )
        added.append(
            ProFormaTrade(
                id=uuid.uuid4(),
                session_id=modeling.id,
                # After the last one: a removal leaves a gap, and counting would reuse a seq.
                seq=(existing[-1].seq + 1 if existing else 0) + index,
                action=draft.action,
                symbol=symbol,
                quantity=_quantity(draft.quantity, field=f"{field}.quantity"),
                price=draft.price if draft.price is not None else mark,
                price_source="GIVEN" if draft.price is not None else source,
                order_type=draft.order_type,
                limit_price=_limit(draft, field),
                origin=origin,
            )
        )
    apply_trades(modeling, [*existing, *added], today=today)  # raises if a close exceeds holdings
    session.add_all(added)
    await session.flush()
    return added


def _quantity(quantity: Decimal, *, field: str) -> Decimal:
    """Shares or contracts to trade: positive (the action says which way)."""
    if quantity <= 0:
        raise Invalid(
            "Quantity must be positive; the action says which way.",
            field=field,
            code="NOT_POSITIVE",
        )
    return check_quantity(quantity, field=field)


def _limit(draft: TradeDraft, field: str) -> Decimal | None:
    if draft.order_type is OrderType.LIMIT:
        if draft.limit_price is None or draft.limit_price <= 0:
            raise Invalid(
                "A limit order needs a positive limit price.",
                field=f"{field}.limitPrice",
                code="REQUIRED",
            )
        return draft.limit_price
    if draft.limit_price is not None:
        raise Invalid(
            "Only limit orders take a limit price.", field=f"{field}.limitPrice", code="INVALID"
        )
    return None


async def _priced(
    session: AsyncSession,
    redis: Redis,
    modeling: ModelingSession,
    draft: TradeDraft,
    settings: Settings,
    today: date,
    field: str,
) -> tuple[str, Decimal, str]:
    """The trade's symbol, its mark (frozen into the session on first sight) and where the mark
    came from: a stored close (QUOTE) or, for an option without one, the engine (MODEL)."""
    instrument = parse_instrument(draft.symbol, field=f"{field}.symbol")
    contract = instrument.option
    if draft.action.for_options != (contract is not None):
        kind = "an option" if draft.action.for_options else "a stock"
        raise Invalid(
            f"{draft.action.value} is for {kind}; {instrument.symbol} is not one.",
            field=f"{field}.action",
            code="ACTION_MISMATCH",
        )
    if contract is not None and contract.expiration < today and not draft.action.closes:
        raise Invalid(
            f"{instrument.symbol} expired on {contract.expiration}.",
            field=f"{field}.symbol",
            code="EXPIRED_OPTION",
        )
    # A new dict, assigned back below: changed in place, the JSON column would not be saved.
    marks = dict(modeling.marks)
    wanted = [s for s in {instrument.symbol, instrument.underlying} if s not in marks]
    if wanted:
        latest = await prices.latest_prices(
            session, redis, wanted, ttl_seconds=settings.latest_price_cache_seconds
        )
        marks.update({s: _mark(p) for s, p in latest.items()})
    if instrument.underlying not in marks:
        raise Invalid(
            f"No price is stored for {instrument.underlying}; load its market data first.",
            field=f"{field}.symbol",
            code="UNKNOWN_SYMBOL",
        )
    if instrument.symbol not in marks and contract is not None:
        price = await _model_price(session, marks, contract, settings)
        if price is None:
            raise Invalid(
                f"{instrument.symbol} has no quote and its underlying no volatility to price it.",
                field=f"{field}.symbol",
                code="UNPRICEABLE",
            )
        underlying_day = marks[instrument.underlying]["day"]
        marks[instrument.symbol] = {"close": str(price), "day": underlying_day, "source": "MODEL"}
    modeling.marks = marks
    mark = marks[instrument.symbol]
    return (
        instrument.symbol,
        Decimal(mark["close"]),
        "MODEL" if mark["source"] == "MODEL" else "QUOTE",
    )


async def _model_price(
    session: AsyncSession,
    marks: Mapping[str, dict[str, Any]],
    contract: OptionContract,
    settings: Settings,
) -> Decimal | None:
    """Black-Scholes-Merton at the underlying's mark and realised volatility (no dividend
    yield), the way the book values an option nobody quotes."""
    mark = _latest(marks)[contract.underlying]
    closes = await recent_closes(
        session, [contract.underlying], since=mark.day - volatility_lookback(settings)
    )
    if contract.underlying not in closes:
        return None
    window = settings.realized_volatility_window
    vol = realized_volatility(closes[contract.underlying], window=window)
    years = max((contract.expiration - mark.day).days, 0) / DAYS_PER_YEAR
    is_call = contract.option_type is OptionType.CALL
    strike = float(contract.strike)
    price = float(
        bsm_price(is_call, float(mark.close), strike, years, settings.risk_free_rate, vol, 0.0)
    )
    if not math.isfinite(price):
        return None
    return Decimal(str(round(max(price, 0.01), 4)))


async def add_basket(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    weights: Mapping[str, Decimal],
    dollars: Decimal,
    settings: Settings,
    today: date,
) -> list[ProFormaTrade]:
    """Buy a basket of stocks: `dollars` split by `weights` (summing to 1), whole shares,
    rounded down, at the session's marks (a negative amount sells short)."""
    if not weights:
        raise Invalid("Give at least one weight.", field="weights", code="REQUIRED")
    total = sum(weights.values(), Decimal(0))
    if abs(total - 1) > WEIGHT_TOLERANCE or any(w <= 0 for w in weights.values()):
        raise Invalid(
            f"Weights must be positive and sum to 1 (they sum to {total}).",
            field="weights",
            code="WEIGHTS_SUM",
        )
    if dollars == 0:
        raise Invalid("The amount must not be zero.", field="dollars", code="NOT_POSITIVE")
    modeling = await _active(session, actor=actor, session_id=session_id)
    action = TradeAction.BUY if dollars > 0 else TradeAction.SELL_SHORT
    drafts = []
    for index, (symbol, weight) in enumerate(weights.items()):
        probe = TradeDraft(action, symbol, Decimal(1))
        _, price, _ = await _priced(
            session, redis, modeling, probe, settings, today, f"weights.{index}"
        )
        shares = (abs(dollars) * weight / price).to_integral_value(rounding=ROUND_DOWN)
        if shares > 0:
            drafts.append(TradeDraft(action, symbol, shares))
    if not drafts:
        raise Invalid("The amount buys no whole share.", field="dollars", code="TOO_SMALL")
    return await add_trades(
        session,
        redis,
        actor=actor,
        session_id=session_id,
        drafts=drafts,
        settings=settings,
        today=today,
        origin="BASKET",
    )


async def trade_to_target(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    symbol: str,
    dollars: Decimal,
    basis: ExposureBasis,
    settings: Settings,
    today: date,
) -> list[ProFormaTrade]:
    """Trade the stock so the pro-forma book's exposure to it (its stock and, delta-adjusted,
    its options) comes to `dollars`, in whole shares at the session's mark."""
    modeling = await _active(session, actor=actor, session_id=session_id)
    probe = TradeDraft(TradeAction.BUY, symbol, Decimal(1))
    ticker, price, _ = await _priced(session, redis, modeling, probe, settings, today, "symbol")
    _, pro_forma = await books(session, modeling=modeling, settings=settings)
    ids = [p.id for p in pro_forma.open_positions if p.underlying == ticker]
    if basis is ExposureBasis.NOTIONAL:
        ids = [i for i in ids if pro_forma.positions[i].option_type is None]
    current = Decimal(str(pro_forma.exposure(basis, ids).totals.net)) if ids else Decimal(0)
    shares = ((dollars - current) / price).to_integral_value()
    drafts = [
        TradeDraft(action, ticker, quantity)
        for action, quantity in actions_for(_stock_held(pro_forma, ticker), shares)
    ]
    if not drafts:
        raise Invalid("The book is already at that exposure.", field="dollars", code="NO_CHANGE")
    return await add_trades(
        session,
        redis,
        actor=actor,
        session_id=session_id,
        drafts=drafts,
        settings=settings,
        today=today,
        origin="TARGET",
    )


def _stock_held(book: Book, symbol: str) -> Decimal:
    """Shares of a stock the book holds, net of longs and shorts."""
    held = (p.quantity for p in book.open_positions if p.symbol == symbol)
    return sum(held, Decimal(0))


async def update_trade(
    session: AsyncSession,
    *,
    actor: Actor,
    trade_id: uuid.UUID,
    quantity: Decimal | None,
    price: Decimal | None,
    today: date,
) -> ProFormaTrade:
    """Change a trade's quantity or price; the book must still hold what later trades close."""
    trade = await _trade(session, actor=actor, trade_id=trade_id)
    modeling = await _active(session, actor=actor, session_id=trade.session_id)
    if quantity is not None:
        trade.quantity = _quantity(quantity, field="quantity")
    if price is not None:
        if price <= 0:
            raise Invalid("Price must be positive.", field="price", code="NOT_POSITIVE")
        trade.price, trade.price_source = price, "GIVEN"
    apply_trades(
        modeling, (await trades_of(session, session_ids=[modeling.id]))[modeling.id], today=today
    )
    await session.flush()
    return trade


async def remove_trade(
    session: AsyncSession, *, actor: Actor, trade_id: uuid.UUID, today: date
) -> ModelingSession:
    """Take a trade off; later trades must not close what only it opened."""
    trade = await _trade(session, actor=actor, trade_id=trade_id)
    modeling = await _active(session, actor=actor, session_id=trade.session_id)
    remaining = [
        t
        for t in (await trades_of(session, session_ids=[modeling.id]))[modeling.id]
        if t.id != trade.id
    ]
    apply_trades(modeling, remaining, today=today)
    await session.delete(trade)
    await session.flush()
    return modeling


async def _trade(session: AsyncSession, *, actor: Actor, trade_id: uuid.UUID) -> ProFormaTrade:
    found = (
        await session.execute(
            select(ProFormaTrade)
            .join(ModelingSession)
            .where(ProFormaTrade.id == trade_id, visible_to(actor, ModelingSession.owner_id))
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Trade not found.", field="tradeId")
    return found


async def reset(session: AsyncSession, *, actor: Actor, session_id: uuid.UUID) -> ModelingSession:
    """Remove every trade: the pro-forma book is the base again."""
    modeling = await _active(session, actor=actor, session_id=session_id)
    await session.execute(delete(ProFormaTrade).where(ProFormaTrade.session_id == modeling.id))
    await session.flush()
    return modeling


async def close(
    session: AsyncSession, *, actor: Actor, session_id: uuid.UUID, status: SessionStatus
) -> ModelingSession:
    """Complete or cancel a session; it keeps its trades and can no longer change."""
    modeling = await _active(session, actor=actor, session_id=session_id)
    modeling.status = status
    await session.flush()
    await session.refresh(modeling)  # its updated_at moved on the server
    return modeling


async def save_snapshot(
    session: AsyncSession,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    name: str,
    data: dict[str, Any],
) -> SavedModelingSnapshot:
    """Store a named record of the session's base, pro-forma and impact as they are now."""
    modeling = await get_or_raise(session, actor=actor, session_id=session_id)
    saved = SavedModelingSnapshot(session_id=modeling.id, name=_clean_name(name), data=data)
    session.add(saved)
    await session.flush()
    return saved


async def books(
    session: AsyncSession,
    *,
    modeling: ModelingSession,
    settings: Settings,
    base: Book | None = None,
) -> tuple[Book, Book]:
    """The session's base and pro-forma books, valued at its marks on its day (the base
    valued anew unless given, valued earlier at the same prices)."""
    portfolio = await session.get(Portfolio, modeling.portfolio_id)
    assert portfolio is not None

    def view(cash: Decimal) -> Portfolio:
        return Portfolio(
            id=portfolio.id,
            owner_id=portfolio.owner_id,
            name=portfolio.name,
            cash=cash,
            gross_limit_percent=portfolio.gross_limit_percent,
            net_target_min_percent=portfolio.net_target_min_percent,
            net_target_max_percent=portfolio.net_target_max_percent,
        )

    trades = (await trades_of(session, session_ids=[modeling.id]))[modeling.id]
    # Buying spends cash and selling (short too) brings it in, at the trade's price.
    spent = sum((trade_cost(t) for t in trades), Decimal(0))
    pro_forma_view = (
        view(modeling.cash - spent),
        apply_trades(modeling, trades, today=modeling.as_of),
    )
    wanted = (
        [pro_forma_view]
        if base
        else [(view(modeling.cash), base_positions(modeling)), pro_forma_view]
    )
    known = {id(p): base.valuations[p.id] for p in base_positions(modeling)} if base else None
    valued = await value_books(
        session,
        books=wanted,
        latest=_latest(modeling.marks),
        settings=settings,
        today=modeling.as_of,
        known=known,
    )
    return (base, valued[0]) if base else (valued[0], valued[1])


# The base book's risk of recent sessions, by (session, price version, limits): it changes
# only when stored prices or the portfolio's limits do, and it is half the work of an impact.
_BASE_RISKS: dict[tuple[uuid.UUID, int, RiskLimits], BookRisk] = {}
MAX_CACHED_RISKS = 32


async def risks(
    session: AsyncSession, redis: Redis, *, modeling: ModelingSession, settings: Settings
) -> tuple[BookRisk, BookRisk]:
    """Risk of the session's base and pro-forma books (the base's kept while prices hold)."""
    portfolio = await session.get(Portfolio, modeling.portfolio_id)
    assert portfolio is not None
    # The base's limits are the portfolio's now: a change to them is a new base.
    limits = RiskLimits.of(portfolio)
    version = await prices.price_version(redis)
    key = (modeling.id, version, limits) if version is not None else None
    cached = _BASE_RISKS.get(key) if key is not None else None
    base, pro_forma = await books(
        session, modeling=modeling, settings=settings, base=cached.book if cached else None
    )
    if cached is not None:
        (pro_forma_risk,) = await risks_of(session, redis, books=[pro_forma], settings=settings)
        return cached, pro_forma_risk
    base_risk, pro_forma_risk = await risks_of(
        session, redis, books=[base, pro_forma], settings=settings
    )
    if key is not None:
        if len(_BASE_RISKS) >= MAX_CACHED_RISKS:
            _BASE_RISKS.pop(next(iter(_BASE_RISKS)))
        _BASE_RISKS[key] = base_risk
    return base_risk, pro_forma_risk


async def suggestions_for(
    session: AsyncSession,
    redis: Redis,
    *,
    modeling: ModelingSession,
    settings: Settings,
    hedge_with: str | None = None,
) -> list[Suggestion]:
    """Hedges of the session's pro-forma book, sized at the session's marks (or the latest
    closes of hedging instruments it has not seen yet); `hedge_with` adds a beta hedge with
    that instrument, sized by its own market beta."""
    _, risk = await risks(session, redis, modeling=modeling, settings=settings)
    return await _hedges(session, redis, modeling, settings, risk, hedge_with)


async def _hedges(
    session: AsyncSession,
    redis: Redis,
    modeling: ModelingSession,
    settings: Settings,
    risk: BookRisk,
    hedge_with: str | None,
) -> list[Suggestion]:
    """`suggestions_for` on the pro-forma book's risk, already valued."""
    pro_forma = risk.book
    hedge = hedge_with.strip().upper() if hedge_with else None
    wanted = {MARKET_ETF, *FACTOR_ETFS, *(p.underlying for p in pro_forma.open_positions)}
    wanted |= {hedge} if hedge else set()
    marks = _latest(modeling.marks)
    missing = sorted(wanted - set(marks))
    if missing:
        marks |= await prices.latest_prices(
            session, redis, missing, ttl_seconds=settings.latest_price_cache_seconds
        )
    beta_hedges = {}
    if hedge and hedge != MARKET_ETF and risk.history.days:
        history = await load_returns(
            session, redis, symbols=[hedge, *FACTOR_ETFS], end=risk.history.days[-1]
        )
        beta = float(history.factor_betas([hedge], window=BETA_WINDOW).betas[0, 0])
        # An instrument that barely moves with the market cannot hedge it.
        if math.isfinite(beta) and abs(beta) >= MIN_HEDGE_BETA:
            beta_hedges[hedge] = beta
    hedge_prices = {s: float(marks[s].close) for s in wanted if s in marks}
    return suggest(risk, hedge_prices, beta_hedges)


async def add_suggested(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    suggestion_id: str,
    settings: Settings,
    today: date,
) -> list[ProFormaTrade]:
    """Add a suggested hedge's trades, as the suggestion stands on the current pro forma."""
    modeling = await _active(session, actor=actor, session_id=session_id)
    kind, _, instrument = suggestion_id.partition(":")
    _, risk = await risks(session, redis, modeling=modeling, settings=settings)
    hedge_with = instrument if kind == "BETA" else None
    current = await _hedges(session, redis, modeling, settings, risk, hedge_with)
    found = {s.id: s for s in current}
    if suggestion_id not in found:
        raise Invalid(
            "No such suggestion for this session now; read `suggestions` again.",
            field="suggestionId",
            code="UNKNOWN_SUGGESTION",
        )
    drafts = []
    for leg in found[suggestion_id].legs:
        held = _stock_held(risk.book, leg.symbol)
        drafts += [
            TradeDraft(action, leg.symbol, qty) for action, qty in actions_for(held, leg.shares)
        ]
    return await add_trades(
        session,
        redis,
        actor=actor,
        session_id=session_id,
        drafts=drafts,
        settings=settings,
        today=today,
        origin="SUGGESTION",
    )
