"""What-if modeling sessions: their books side by side, the impact of their trades, and the
mutations that change them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.errors import Invalid, NotFound
from sigmasight.graphql.arguments import (
    After,
    Before,
    First,
    Input,
    Last,
    id_argument,
    result_union,
)
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.errors import NotFoundError, ValidationError
from sigmasight.graphql.ids import parse_id, require_id, to_global_id
from sigmasight.graphql.money import money_field
from sigmasight.graphql.node import Node
from sigmasight.graphql.relay import Connection, listed
from sigmasight.graphql.risk import ExposureBasisEnum
from sigmasight.graphql.types import BookAnalytics, OptionTypeEnum, PortfolioNode, PositionNode
from sigmasight.instruments.occ import OptionType
from sigmasight.instruments.trading import OrderType, TradeAction
from sigmasight.modeling import impact as impact_engine
from sigmasight.modeling import service as modeling_service
from sigmasight.modeling.models import ModelingSession, ProFormaTrade, SessionStatus
from sigmasight.modeling.service import TradeDraft
from sigmasight.pagination import PageRequest
from sigmasight.risk.book_risk import BookRisk
from sigmasight.risk.service import Book, ExposureBasis

SessionStatusEnum = strawberry.enum(
    SessionStatus, name="ModelingSessionStatus", description="ACTIVE sessions take trades."
)
TradeActionEnum = strawberry.enum(
    TradeAction,
    name="TradeAction",
    description="Stock: BUY, SELL (reduce a long), SELL_SHORT, BUY_TO_COVER (reduce a short). "
    "Options: BUY_TO_OPEN, SELL_TO_OPEN (write), BUY_TO_CLOSE, SELL_TO_CLOSE.",
)
OrderTypeEnum = strawberry.enum(OrderType, name="OrderType", description="MARKET or LIMIT.")


@dataclass
class _Views:
    base: BookRisk
    pro_forma: BookRisk


@strawberry.type(
    name="PortfolioView",
    description="A modeling session's book (its base or pro forma), answering the same "
    "analytics as `Portfolio`, valued at the session's marks on the session's day.",
)
class PortfolioView(BookAnalytics):
    risk: strawberry.Private[BookRisk]

    async def _book(self, info: Info) -> Book:
        return self.risk.book

    async def _risk(self, info: Info) -> BookRisk:
        return self.risk

    @money_field(description="Dollars of cash (the portfolio's when the session began).")
    def cash(self) -> float:
        return self.risk.book.cash

    @strawberry.field(description="The book's open positions, by symbol.")
    def positions(self) -> list[PositionNode]:
        book = self.risk.book
        return [PositionNode.from_model(p, book) for p in book.open_positions]


@strawberry.type(description="A figure before and after the session's trades.")
class ChangeType:
    before: float | None = strawberry.field(description="Base book, in the figure's unit.")
    after: float | None = strawberry.field(description="Pro-forma book, same unit.")
    change: float | None = strawberry.field(description="after - before.")
    change_percent: float | None = strawberry.field(
        description="change / |before| x 100; null when before is zero or unknown."
    )

    @classmethod
    def of(cls, change: impact_engine.Change) -> ChangeType:
        return cls(
            before=change.before,
            after=change.after,
            change=change.change,
            change_percent=change.percent,
        )


@strawberry.type(description="A named figure before and after.")
class NamedChange:
    name: str = strawberry.field(description="Which figure (a Greek, a side, a factor, a sector).")
    change: ChangeType = strawberry.field(description="Before and after.")


def _named(items: list[impact_engine.NamedChange]) -> list[NamedChange]:
    return [NamedChange(name=i.name, change=ChangeType.of(i.change)) for i in items]


@strawberry.type(description="An exposure limit whose status the trades change.")
class LimitChangeType:
    basis: ExposureBasisEnum = strawberry.field(description="Which exposure basis.")  # type: ignore[valid-type]
    before: str | None = strawberry.field(description="WITHIN, NEAR or BREACHED; null: no limit.")
    after: str | None = strawberry.field(description="Status after the trades.")
    effect: str = strawberry.field(
        description="CAUSED (the trades breach it), CURED (they end a breach) or CHANGED."
    )


@strawberry.type(
    name="Impact",
    description="The pro-forma book against the base, figure by figure, from the same engine "
    "as `Portfolio`. VaR and beta: 1-day historical over 90 trading days.",
)
class ImpactType:
    equity: ChangeType = strawberry.field(description="Dollars: cash + market value.")
    total_value: ChangeType = strawberry.field(description="Dollars of market value.")
    greeks: list[NamedChange] = strawberry.field(
        description="delta (shares), gamma, theta ($/day), vega ($/vol point), rho ($/1% rate), "
        "dollar_delta, dollar_gamma ($)."
    )
    notional: list[NamedChange] = strawberry.field(
        description="Notional long, short, gross, net ($)."
    )
    delta_adjusted: list[NamedChange] = strawberry.field(
        description="Delta-adjusted long, short, gross, net ($)."
    )
    var95: ChangeType = strawberry.field(description="1-day 95% historical VaR, $ of loss.")
    var99: ChangeType = strawberry.field(description="1-day 99% historical VaR, $ of loss.")
    cvar95: ChangeType = strawberry.field(description="1-day 95% CVaR, $ of loss.")
    beta: ChangeType = strawberry.field(description="Beta to SPY.")
    annualized_volatility: ChangeType = strawberry.field(
        description="Annualised volatility, a fraction."
    )
    factors: list[NamedChange] = strawberry.field(description="Dollar exposure per factor.")
    sectors: list[NamedChange] = strawberry.field(
        description="Net notional exposure per sector, % of equity."
    )
    limit_changes: list[LimitChangeType] = strawberry.field(
        description="Limits the trades breach or cure (the portfolio's risk limits)."
    )

    @classmethod
    def of(cls, found: impact_engine.Impact) -> ImpactType:
        return cls(
            equity=ChangeType.of(found.equity),
            total_value=ChangeType.of(found.total_value),
            greeks=_named(found.greeks),
            notional=_named(found.notional),
            delta_adjusted=_named(found.delta_adjusted),
            var95=ChangeType.of(found.var95),
            var99=ChangeType.of(found.var99),
            cvar95=ChangeType.of(found.cvar95),
            beta=ChangeType.of(found.beta),
            annualized_volatility=ChangeType.of(found.annualized_volatility),
            factors=_named(found.factors),
            sectors=_named(found.sectors),
            limit_changes=[
                LimitChangeType(
                    basis=c.basis,
                    before=c.before.value if c.before else None,
                    after=c.after.value if c.after else None,
                    effect=c.effect,
                )
                for c in found.limits
            ],
        )


@strawberry.type(name="ProFormaTrade", description="A trade on paper.")
class ProFormaTradeNode(Node):
    action: TradeActionEnum = strawberry.field(description="What the trade does.")  # type: ignore[valid-type]
    symbol: str = strawberry.field(description="Ticker or OCC option symbol.")
    quantity: float = strawberry.field(description="Shares, or contracts; always positive.")
    price: float = strawberry.field(description="Dollars per share (premium per share).")
    price_source: str = strawberry.field(
        description="QUOTE (the session's stored mark), MODEL (Black-Scholes at realised "
        "volatility, for an option nobody quotes) or GIVEN (by you)."
    )
    order_type: OrderTypeEnum = strawberry.field(description="MARKET or LIMIT.")  # type: ignore[valid-type]
    limit_price: float | None = strawberry.field(description="Dollars per share, LIMIT only.")
    origin: str = strawberry.field(description="MANUAL, BASKET, TARGET or SUGGESTION.")
    created_at: datetime = strawberry.field(description="When it was added (UTC).")

    @classmethod
    def from_model(cls, trade: ProFormaTrade) -> ProFormaTradeNode:
        return cls(
            id=to_global_id("ProFormaTrade", trade.id),
            action=trade.action,
            symbol=trade.symbol,
            quantity=float(trade.quantity),
            price=float(trade.price),
            price_source=trade.price_source,
            order_type=trade.order_type,
            limit_price=float(trade.limit_price) if trade.limit_price is not None else None,
            origin=trade.origin,
            created_at=trade.created_at,
        )


@strawberry.type(description="One trade of a suggested hedge.")
class SuggestedLeg:
    symbol: str = strawberry.field(description="Ticker.")
    shares: float = strawberry.field(description="Change of the holding, shares (negative: sell).")


@strawberry.type(
    description="A hedge of the pro-forma book sized by the engine: DELTA:<U> (stock of U "
    "against the delta of the U positions), DOLLAR_DELTA:SPY (SPY against the dollar delta), "
    "BETA:SPY (SPY against the Market Beta exposure), FACTOR:<ETF> (the largest style factor by "
    "its ETF, SPY against the ETF's market beta). Whole shares. Add it with `addSuggestedTrade`."
)
class SuggestionType:
    id: str = strawberry.field(description="Stable within the session's current state.")
    kind: str = strawberry.field(description="DELTA, DOLLAR_DELTA, BETA or FACTOR.")
    description: str = strawberry.field(description="What it does, in words.")
    legs: list[SuggestedLeg] = strawberry.field(description="The trades.")


@strawberry.type(
    name="ModelingSession",
    description="A what-if session: the portfolio as it stood when the session began (`base`), "
    "the same book after the session's trades (`proForma`), and their difference (`impact`).",
)
class ModelingSessionNode(Node):
    name: str = strawberry.field(description="1-100 characters.")
    status: SessionStatusEnum = strawberry.field(description="Where the session stands.")  # type: ignore[valid-type]
    as_of: date = strawberry.field(description="The day the book and its marks were taken.")
    created_at: datetime = strawberry.field(description="When the session began (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    session_id: strawberry.Private[uuid.UUID]
    portfolio_id: strawberry.Private[uuid.UUID]
    _views: strawberry.Private[_Views | None] = None
    _lock: strawberry.Private[asyncio.Lock] = field(default_factory=asyncio.Lock)

    @classmethod
    def from_model(cls, modeling: ModelingSession) -> ModelingSessionNode:
        return cls(
            id=to_global_id("ModelingSession", modeling.id),
            name=modeling.name,
            status=modeling.status,
            as_of=modeling.as_of,
            created_at=modeling.created_at,
            updated_at=modeling.updated_at,
            session_id=modeling.id,
            portfolio_id=modeling.portfolio_id,
        )

    async def _books(self, ctx: Context) -> _Views:
        # base, proForma and impact resolve at once; the books are valued once between them.
        async with self._lock:
            if self._views is None:
                async with ctx.session() as session:
                    modeling = await session.get(ModelingSession, self.session_id)
                    assert modeling is not None
                    base, pro_forma = await modeling_service.risks(
                        session, ctx.redis, modeling=modeling, settings=ctx.settings
                    )
                self._views = _Views(base, pro_forma)
                for risk in (base, pro_forma):
                    ctx.what_if_risks[id(risk.book)] = risk
            return self._views

    @strawberry.field(description="The portfolio the session models.")
    async def portfolio(self, info: Info) -> PortfolioNode | None:
        found = await info.context.loaders.portfolio_by_id.load(self.portfolio_id)
        return PortfolioNode.from_model(found) if found else None

    @strawberry.field(description="The trades, in the order they apply.")
    async def trades(self, info: Info) -> list[ProFormaTradeNode]:
        async with info.context.session() as session:
            found = await modeling_service.trades_of(session, session_ids=[self.session_id])
        return [ProFormaTradeNode.from_model(t) for t in found[self.session_id]]

    @strawberry.field(description="The book when the session began.")
    async def base(self, info: Info) -> PortfolioView:
        return PortfolioView(risk=(await self._books(info.context)).base)

    @strawberry.field(description="The book after the session's trades.")
    async def pro_forma(self, info: Info) -> PortfolioView:
        return PortfolioView(risk=(await self._books(info.context)).pro_forma)

    @strawberry.field(description="Hedges of the pro-forma book, sized by the engine.")
    async def suggestions(
        self,
        info: Info,
        hedge_with: Annotated[
            str | None,
            strawberry.argument(
                description="Also offer a beta hedge with this ETF or stock (BETA:<it>), sized "
                "by its own market beta over 150 days; SPY's is always offered."
            ),
        ] = None,
    ) -> list[SuggestionType]:
        ctx = info.context
        async with ctx.session() as session:
            modeling = await session.get(ModelingSession, self.session_id)
            assert modeling is not None
            found = await modeling_service.suggestions_for(
                session,
                ctx.redis,
                modeling=modeling,
                settings=ctx.settings,
                hedge_with=hedge_with,
            )
        return [
            SuggestionType(
                id=s.id,
                kind=s.kind,
                description=s.description,
                legs=[SuggestedLeg(symbol=leg.symbol, shares=float(leg.shares)) for leg in s.legs],
            )
            for s in found
        ]

    @strawberry.field(description="What the trades change, figure by figure.")
    async def impact(self, info: Info) -> ImpactType:
        views = await self._books(info.context)
        return ImpactType.of(impact_engine.impact(views.base, views.pro_forma))


@strawberry.input(
    description="One trade: a stock or option by symbol, or an option by underlying, "
    "expiration, strike and type."
)
class TradeInput:
    action: TradeActionEnum = strawberry.field(description="What the trade does.")  # type: ignore[valid-type]
    quantity: Decimal = strawberry.field(description="Shares or contracts, positive.")
    symbol: str | None = strawberry.field(
        default=None, description="Ticker or OCC option symbol; or give the option's parts."
    )
    underlying: str | None = strawberry.field(default=None, description="Option underlying.")
    expiration: date | None = strawberry.field(default=None, description="Option expiration.")
    strike: Decimal | None = strawberry.field(default=None, description="Option strike, $.")
    option_type: OptionTypeEnum | None = strawberry.field(default=None, description="CALL/PUT.")  # type: ignore[valid-type]
    price: Decimal | None = strawberry.field(
        default=None, description="$ per share to model at; the session's mark when omitted."
    )
    order_type: OrderTypeEnum = strawberry.field(  # type: ignore[valid-type]
        default=OrderType.MARKET, description="Order type."
    )
    limit_price: Decimal | None = strawberry.field(default=None, description="LIMIT orders.")

    def draft(self, index: int) -> TradeDraft:
        symbol = self.symbol
        parts = (self.underlying, self.expiration, self.strike, self.option_type)
        if symbol is None:
            if any(p is None for p in parts):
                raise Invalid(
                    "Give a symbol, or an option's underlying, expiration, strike and type.",
                    field=f"trades.{index}.symbol",
                    code="REQUIRED",
                )
            assert self.underlying and self.expiration and self.strike and self.option_type
            cp = "C" if self.option_type is OptionType.CALL else "P"
            symbol = (
                f"{self.underlying.strip().upper()}{self.expiration:%y%m%d}{cp}"
                f"{int(self.strike * 1000):08d}"
            )
        return TradeDraft(
            action=self.action,
            symbol=symbol,
            quantity=self.quantity,
            price=self.price,
            order_type=self.order_type,
            limit_price=self.limit_price,
        )


@strawberry.input(description="A basket: an amount of dollars split by weight.")
class BasketInput:
    symbols: list[str] = strawberry.field(description="Tickers.")
    weights: list[Decimal] = strawberry.field(description="One per symbol, summing to 1.")
    dollars: Decimal = strawberry.field(description="$ to buy (negative: to sell short).")


@strawberry.input(description="Trade a stock until the book's exposure to it is `dollars`.")
class TargetExposureInput:
    symbol: str = strawberry.field(description="Ticker.")
    dollars: Decimal = strawberry.field(description="$ of exposure wanted (negative: short).")
    basis: ExposureBasisEnum = strawberry.field(  # type: ignore[valid-type]
        default=ExposureBasis.NOTIONAL,
        description="NOTIONAL (the stock) or DELTA_ADJUSTED (stock and options on it).",
    )


@strawberry.input(description="Trades to add to a session: exactly one of the three.")
class AddProFormaTradeInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    trades: list[TradeInput] | None = strawberry.field(
        default=None, description="Legs of one ticket, added together or not at all."
    )
    basket: BasketInput | None = strawberry.field(default=None, description="A basket.")
    target: TargetExposureInput | None = strawberry.field(
        default=None, description="A target exposure."
    )


@strawberry.type(description="The session as it is now.")
class ModelingSessionSuccess:
    session: ModelingSessionNode = strawberry.field(description="The session.")


@strawberry.type(description="Trades were added.")
class AddProFormaTradeSuccess:
    session: ModelingSessionNode = strawberry.field(description="The session.")
    trades: list[ProFormaTradeNode] = strawberry.field(description="The trades added.")


@strawberry.type(description="The session was saved as a named snapshot.")
class SaveModelingSessionSuccess:
    session: ModelingSessionNode = strawberry.field(description="The session.")
    snapshot_id: strawberry.ID = strawberry.field(description="The saved snapshot's id.")


SessionResult = Annotated[
    ModelingSessionSuccess | ValidationError | NotFoundError,
    result_union("ModelingSessionResult"),
]
AddTradeResult = Annotated[
    AddProFormaTradeSuccess | ValidationError | NotFoundError,
    result_union("AddProFormaTradeResult"),
]
SaveResult = Annotated[
    SaveModelingSessionSuccess | ValidationError | NotFoundError,
    result_union("SaveModelingSessionResult"),
]


def _session_id(value: strawberry.ID) -> uuid.UUID:
    return require_id(value, "ModelingSession", field="sessionId")


@strawberry.type
class ModelingQuery:
    @strawberry.field(description="A modeling session by id; null when unknown or not yours.")
    async def modeling_session(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("modeling session")]
    ) -> ModelingSessionNode | None:
        ctx = info.context
        actor = ctx.require_actor()
        found = parse_id(id, "ModelingSession")
        if found is None:
            return None
        async with ctx.session() as session:
            try:
                modeling = await modeling_service.get_or_raise(
                    session, actor=actor, session_id=found
                )
            except NotFound:
                return None
        return ModelingSessionNode.from_model(modeling)

    @strawberry.field(description="Your modeling sessions, newest first.")
    async def modeling_sessions(
        self,
        info: Info,
        status: Annotated[
            SessionStatusEnum | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only sessions in this status."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ModelingSessionNode]:
        ctx = info.context
        actor = ctx.require_actor()
        request = PageRequest(first, after, last, before)
        return await listed(
            ctx,
            lambda session: modeling_service.list_for_actor(
                session, actor=actor, status=status, page=request
            ),
            lambda session: modeling_service.count_for_actor(session, actor=actor, status=status),
            ModelingSessionNode.from_model,
        )


@strawberry.type
class ModelingMutation:
    @strawberry.mutation(
        description="Start a what-if session on a portfolio: its open positions, cash and "
        "latest marks are copied, so later market moves do not shift the comparison."
    )
    async def create_modeling_session(
        self,
        info: Info,
        portfolio_id: Annotated[strawberry.ID, id_argument("portfolio")],
        name: Annotated[str, strawberry.argument(description="1-100 characters.")],
    ) -> SessionResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ModelingSessionSuccess:
            pid = require_id(portfolio_id, "Portfolio", field="portfolioId")
            modeling = await modeling_service.create(
                session,
                ctx.redis,
                actor=actor,
                portfolio_id=pid,
                name=name,
                settings=ctx.settings,
                today=ctx.today,
            )
            return ModelingSessionSuccess(session=ModelingSessionNode.from_model(modeling))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Add trades to an active session: legs by symbol (or an option's parts), a "
        "basket, or a target exposure. All or nothing; closing more than the book holds, an "
        "expired option, a non-positive quantity or an unknown symbol is a ValidationError."
    )
    async def add_pro_forma_trade(
        self, info: Info, input: Annotated[AddProFormaTradeInput, Input]
    ) -> AddTradeResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> AddProFormaTradeSuccess:
            sid = _session_id(input.session_id)
            given = [x for x in (input.trades, input.basket, input.target) if x is not None]
            if len(given) != 1:
                raise Invalid(
                    "Give exactly one of `trades`, `basket` and `target`.",
                    field="trades",
                    code="REQUIRED",
                )
            common: dict[str, Any] = {"actor": actor, "session_id": sid, "settings": ctx.settings}
            if input.trades is not None:
                drafts = [t.draft(i) for i, t in enumerate(input.trades)]
                added = await modeling_service.add_trades(
                    session, ctx.redis, drafts=drafts, today=ctx.today, **common
                )
            elif input.basket is not None:
                basket = input.basket
                if len(basket.symbols) != len(basket.weights):
                    raise Invalid(
                        "One weight per symbol.", field="basket.weights", code="WEIGHTS_SUM"
                    )
                weights = dict(zip(basket.symbols, basket.weights, strict=True))
                added = await modeling_service.add_basket(
                    session,
                    ctx.redis,
                    weights=weights,
                    dollars=basket.dollars,
                    today=ctx.today,
                    **common,
                )
            else:
                assert input.target is not None
                added = await modeling_service.trade_to_target(
                    session,
                    ctx.redis,
                    symbol=input.target.symbol,
                    dollars=input.target.dollars,
                    basis=input.target.basis,
                    today=ctx.today,
                    **common,
                )
            modeling = await modeling_service.get_or_raise(session, actor=actor, session_id=sid)
            return AddProFormaTradeSuccess(
                session=ModelingSessionNode.from_model(modeling),
                trades=[ProFormaTradeNode.from_model(t) for t in added],
            )

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Add a suggested hedge (`ModelingSession.suggestions`) as trades, sized on "
        "the pro-forma book as it is now."
    )
    async def add_suggested_trade(
        self,
        info: Info,
        session_id: Annotated[strawberry.ID, id_argument("modeling session")],
        suggestion_id: Annotated[str, strawberry.argument(description="e.g. `BETA:SPY`.")],
    ) -> AddTradeResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> AddProFormaTradeSuccess:
            sid = _session_id(session_id)
            added = await modeling_service.add_suggested(
                session,
                ctx.redis,
                actor=actor,
                session_id=sid,
                suggestion_id=suggestion_id,
                settings=ctx.settings,
                today=ctx.today,
            )
            modeling = await modeling_service.get_or_raise(session, actor=actor, session_id=sid)
            return AddProFormaTradeSuccess(
                session=ModelingSessionNode.from_model(modeling),
                trades=[ProFormaTradeNode.from_model(t) for t in added],
            )

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Change a trade's quantity or price.")
    async def update_pro_forma_trade(
        self,
        info: Info,
        trade_id: Annotated[strawberry.ID, id_argument("trade")],
        quantity: Annotated[
            Decimal | None, strawberry.argument(description="New quantity, positive.")
        ] = None,
        price: Annotated[
            Decimal | None, strawberry.argument(description="New $ per share.")
        ] = None,
    ) -> SessionResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ModelingSessionSuccess:
            tid = require_id(trade_id, "ProFormaTrade", field="tradeId")
            trade = await modeling_service.update_trade(
                session, actor=actor, trade_id=tid, quantity=quantity, price=price, today=ctx.today
            )
            modeling = await modeling_service.get_or_raise(
                session, actor=actor, session_id=trade.session_id
            )
            return ModelingSessionSuccess(session=ModelingSessionNode.from_model(modeling))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Take a trade off an active session.")
    async def remove_pro_forma_trade(
        self, info: Info, trade_id: Annotated[strawberry.ID, id_argument("trade")]
    ) -> SessionResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ModelingSessionSuccess:
            tid = require_id(trade_id, "ProFormaTrade", field="tradeId")
            modeling = await modeling_service.remove_trade(
                session, actor=actor, trade_id=tid, today=ctx.today
            )
            return ModelingSessionSuccess(session=ModelingSessionNode.from_model(modeling))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Remove every trade of an active session.")
    async def reset_modeling_session(
        self, info: Info, session_id: Annotated[strawberry.ID, id_argument("modeling session")]
    ) -> SessionResult:
        return await _change(info, session_id, modeling_service.reset)

    @strawberry.mutation(description="Complete a session: it keeps its trades, frozen.")
    async def complete_modeling_session(
        self, info: Info, session_id: Annotated[strawberry.ID, id_argument("modeling session")]
    ) -> SessionResult:
        return await _change(
            info, session_id, partial(modeling_service.close, status=SessionStatus.COMPLETED)
        )

    @strawberry.mutation(description="Cancel a session: it keeps its trades, frozen.")
    async def cancel_modeling_session(
        self, info: Info, session_id: Annotated[strawberry.ID, id_argument("modeling session")]
    ) -> SessionResult:
        return await _change(
            info, session_id, partial(modeling_service.close, status=SessionStatus.CANCELLED)
        )

    @strawberry.mutation(
        description="Store a named snapshot of the session's base, pro forma and impact."
    )
    async def save_modeling_session(
        self,
        info: Info,
        session_id: Annotated[strawberry.ID, id_argument("modeling session")],
        name: Annotated[str, strawberry.argument(description="1-100 characters.")],
    ) -> SaveResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> SaveModelingSessionSuccess:
            sid = _session_id(session_id)
            modeling = await modeling_service.get_or_raise(session, actor=actor, session_id=sid)
            base, pro_forma = await modeling_service.risks(
                session, ctx.redis, modeling=modeling, settings=ctx.settings
            )
            saved = await modeling_service.save_snapshot(
                session,
                actor=actor,
                session_id=sid,
                name=name,
                data=impact_engine.record(base, pro_forma),
            )
            return SaveModelingSessionSuccess(
                session=ModelingSessionNode.from_model(modeling),
                snapshot_id=strawberry.ID(str(saved.id)),
            )

        return await ctx.mutate(work)  # type: ignore[return-value]


SessionChange = Callable[..., Awaitable[ModelingSession]]


async def _change(info: Info, session_id: strawberry.ID, change: SessionChange) -> SessionResult:
    """Run a change to one session as a mutation and answer with the session."""
    ctx = info.context
    actor = ctx.require_actor()

    async def work(session: AsyncSession) -> ModelingSessionSuccess:
        modeling = await change(session, actor=actor, session_id=_session_id(session_id))
        return ModelingSessionSuccess(session=ModelingSessionNode.from_model(modeling))

    return await ctx.mutate(work)  # type: ignore[return-value]
