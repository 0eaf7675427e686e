"""Object types of the schema, built from models; nested fields resolve through loaders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from sigmasight.auth.models import User
from sigmasight.graphql.arguments import After, Before, First, Last
from sigmasight.graphql.context import Info
from sigmasight.graphql.ids import parse_id, to_global_id
from sigmasight.graphql.market import (
    DataQuality,
    From,
    PricePoint,
    To,
    data_quality,
    latest_price,
    price_points,
)
from sigmasight.graphql.node import Node
from sigmasight.graphql.relay import Connection, to_connection
from sigmasight.pagination import PageRequest
from sigmasight.portfolios import groups as group_service
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.groups import GroupBy
from sigmasight.portfolios.models import OptionType, Portfolio, Position, PositionType, Tag, TagKind
from sigmasight.portfolios.positions import PositionFilter, PositionStatus, TagMatch
from sigmasight.portfolios.strategies import StrategyKind

PositionTypeEnum = strawberry.enum(
    PositionType,
    name="PositionType",
    description="LONG/SHORT stock; LC long call, LP long put, SC short call, SP short put.",
)
OptionTypeEnum = strawberry.enum(OptionType, name="OptionType", description="Call or put.")
TagKindEnum = strawberry.enum(
    TagKind, description="REGULAR labels positions; STRATEGY groups positions as one strategy."
)
PositionStatusEnum = strawberry.enum(
    PositionStatus, description="Which positions to list: OPEN (no exit), CLOSED, or ALL."
)
GroupByEnum = strawberry.enum(
    GroupBy, description="How to group positions: TYPE, STRATEGY, TAG, SECTOR or UNDERLYING."
)
StrategyKindEnum = strawberry.enum(
    StrategyKind, name="StrategyKind", description="A recognised multi-leg or pair strategy."
)
TagMatchEnum = strawberry.enum(
    TagMatch, description="ANY: positions with at least one of the tags; ALL: with every tag."
)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(name="User", description="A SigmaSight account.")
class UserNode(Node):
    email: str = strawberry.field(description="Sign-in email, lower-case.")
    full_name: str | None = strawberry.field(description="Display name.")
    role: str = strawberry.field(description="`user` or `admin`.")
    is_demo: bool = strawberry.field(description="True for the shared demo accounts.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="All of the user's tags, by name (at most 100).")
    async def tags(self, info: Info) -> list[TagNode]:
        async with info.context.session() as session:
            tags = await tag_service.list_for_owner(session, owner_id=self.user_id)
        return [TagNode.from_model(t) for t in tags]

    @classmethod
    def from_model(cls, user: User) -> UserNode:
        return cls(
            id=to_global_id("User", user.id),
            email=user.email,
            full_name=user.full_name,
            role=user.role.value,
            is_demo=user.is_demo,
            created_at=user.created_at,
            user_id=user.id,
        )


@strawberry.type(name="Tag", description="A user's label for positions; STRATEGY tags group them.")
class TagNode(Node):
    name: str = strawberry.field(description="1-50 characters, unique per user ignoring case.")
    color: str = strawberry.field(description="Display colour as #RRGGBB.")
    kind: TagKindEnum = strawberry.field(description="REGULAR or STRATEGY.")  # type: ignore[valid-type]
    description: str | None = strawberry.field(description="Free text, up to 500 characters.")

    @classmethod
    def from_model(cls, tag: Tag) -> TagNode:
        return cls(
            id=to_global_id("Tag", tag.id),
            name=tag.name,
            color=tag.color,
            kind=tag.kind,
            description=tag.description,
        )


@strawberry.type(
    description="The contract terms of an option position, parsed from its OCC symbol."
)
class OptionContract:
    expiration: date = strawberry.field(description="Expiration date (the contract's last day).")
    strike: float = strawberry.field(description="Strike price in dollars per share.")
    option_type: OptionTypeEnum = strawberry.field(description="CALL or PUT.")  # type: ignore[valid-type]
    today: strawberry.Private[date]

    @strawberry.field(
        description="Calendar days from today (UTC) to expiration; negative once expired."
    )
    def days_to_expiry(self) -> int:
        return (self.expiration - self.today).days


@strawberry.type(
    name="Position", description="A holding of a stock or a listed option, long or short."
)
class PositionNode(Node):
    symbol: str = strawberry.field(description="Ticker, or the compact OCC symbol for an option.")
    underlying: str = strawberry.field(
        description="The stock an option is on; the ticker itself for stock."
    )
    position_type: PositionTypeEnum = strawberry.field(  # type: ignore[valid-type]
        description="Derived from the instrument and the sign of the quantity."
    )
    quantity: float = strawberry.field(
        description="Signed quantity: shares for stock, contracts for options; negative is short."
    )
    multiplier: int = strawberry.field(
        description="Shares per unit: 1 for stock, 100 for listed options."
    )
    entry_price: float = strawberry.field(
        description="Dollars per share (per-share premium for options); always positive."
    )
    entry_date: date = strawberry.field(description="Trade date the position was opened.")
    exit_price: float | None = strawberry.field(
        description="Exit price in dollars per share, once closed."
    )
    exit_date: date | None = strawberry.field(
        description="Date the position was closed; null while open."
    )
    notes: str | None = strawberry.field(description="Free-text notes.")
    option: OptionContract | None = strawberry.field(description="Contract terms; null for stock.")
    position_id: strawberry.Private[uuid.UUID]
    portfolio_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="Cost in dollars: quantity x entry price x multiplier (negative for shorts)."
    )
    def cost_basis(self) -> float:
        return _cost_basis(self)

    @strawberry.field(description="True while the position has no exit.")
    def is_open(self) -> bool:
        return self.exit_date is None

    @strawberry.field(
        description="Latest stored close in dollars per share (per-share premium for options); "
        "null when no price is stored (see `dataQuality`)."
    )
    async def last_price(self, info: Info) -> float | None:
        price = await latest_price(info, self.symbol)
        return float(price.close) if price else None

    @strawberry.field(
        description="Dollars: quantity x last price x multiplier (negative for shorts); 0 once "
        "closed; null without a price."
    )
    async def market_value(self, info: Info) -> float | None:
        if self.exit_date is not None:
            return 0.0  # a closed position holds nothing
        price = await latest_price(info, self.symbol)
        return None if price is None else self.quantity * float(price.close) * self.multiplier

    @strawberry.field(
        description="Dollars: (last price - entry price) x quantity x multiplier; null without a "
        "price."
    )
    async def unrealized_pnl(self, info: Info) -> float | None:
        if self.exit_date is not None:
            return 0.0  # its P&L is realised; see `realizedPnl`
        price = await latest_price(info, self.symbol)
        if price is None:
            return None
        return (float(price.close) - self.entry_price) * self.quantity * self.multiplier

    @strawberry.field(
        description="Unrealised P&L as a percentage of the absolute cost basis (5.0 = 5%); null "
        "without a price."
    )
    async def unrealized_pnl_percent(self, info: Info) -> float | None:
        if self.exit_date is not None:
            return 0.0
        price = await latest_price(info, self.symbol)
        if price is None:
            return None
        return (float(price.close) / self.entry_price - 1) * 100 * (1 if self.quantity > 0 else -1)

    @strawberry.field(
        description="Dollars, once closed: (exit price - entry price) x quantity x multiplier; "
        "null while open."
    )
    def realized_pnl(self) -> float | None:
        if self.exit_price is None:
            return None
        return (self.exit_price - self.entry_price) * self.quantity * self.multiplier

    @strawberry.field(description="Sector of the stock (of the underlying, for options).")
    async def sector(self, info: Info) -> str | None:
        security = await info.context.loaders.security_by_symbol.load(self.underlying)
        return security.sector if security else None

    @strawberry.field(description="Industry of the stock (of the underlying, for options).")
    async def industry(self, info: Info) -> str | None:
        security = await info.context.loaders.security_by_symbol.load(self.underlying)
        return security.industry if security else None

    @strawberry.field(description="Whether the price behind the market fields is missing or stale.")
    async def data_quality(self, info: Info) -> DataQuality:
        return await data_quality(info, self.symbol)

    @strawberry.field(description="Stored daily bars of the position's symbol, oldest first.")
    async def price_history(
        self, info: Info, start: From = None, end: To = None
    ) -> list[PricePoint]:
        return await price_points(info, self.symbol, start, end)

    @strawberry.field(description="The position's tags, by name.")
    async def tags(self, info: Info) -> list[TagNode]:
        tags = await info.context.loaders.tags_by_position_id.load(self.position_id)
        return [TagNode.from_model(t) for t in tags]

    @strawberry.field(description="The portfolio holding this position.")
    async def portfolio(self, info: Info) -> PortfolioNode:
        portfolio = await info.context.loaders.portfolio_by_id.load(self.portfolio_id)
        assert portfolio is not None  # a position always has a portfolio
        return PortfolioNode.from_model(portfolio)

    @classmethod
    def from_model(cls, position: Position, *, today: date) -> PositionNode:
        option = None
        if position.option_type is not None:
            assert position.expiration is not None and position.strike is not None
            option = OptionContract(
                expiration=position.expiration,
                strike=float(position.strike),
                option_type=position.option_type,
                today=today,
            )
        return cls(
            id=to_global_id("Position", position.id),
            symbol=position.symbol,
            underlying=position.underlying,
            position_type=position.position_type,
            quantity=float(position.quantity),
            multiplier=position.multiplier,
            entry_price=float(position.entry_price),
            entry_date=position.entry_date,
            exit_price=_float(position.exit_price),
            exit_date=position.exit_date,
            notes=position.notes,
            option=option,
            position_id=position.id,
            portfolio_id=position.portfolio_id,
        )


@strawberry.input(description="Which positions to list.")
class PositionFilterInput:
    status: PositionStatusEnum = strawberry.field(  # type: ignore[valid-type]
        default=PositionStatus.OPEN, description="OPEN (default), CLOSED or ALL."
    )
    types: list[PositionTypeEnum] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only these position types."
    )
    symbol: str | None = strawberry.field(
        default=None, description="Only this symbol, or options on this underlying."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only positions carrying these tags (see `tagMatch`)."
    )
    tag_match: TagMatchEnum = strawberry.field(  # type: ignore[valid-type]
        default=TagMatch.ANY, description="ANY (default) or ALL of `tagIds`."
    )


def _cost_basis(position: PositionNode) -> float:
    return position.quantity * position.entry_price * position.multiplier


@strawberry.type(description="Open positions that belong together: by type, strategy, tag, ...")
class PositionGroup:
    key: str = strawberry.field(
        description="Stable key within the grouping (a position type, tag id, strategy id, ...)."
    )
    label: str = strawberry.field(description="Display name, e.g. `TSLA call spread`.")
    strategy: StrategyKindEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The detected strategy, for STRATEGY groups found by shape; else null."
    )
    positions: list[PositionNode] = strawberry.field(description="The group's open positions.")

    @strawberry.field(description="How many positions the group holds.")
    def position_count(self) -> int:
        return len(self.positions)

    @strawberry.field(description="Positions with a positive quantity.")
    def long_count(self) -> int:
        return sum(1 for p in self.positions if p.quantity > 0)

    @strawberry.field(description="Positions with a negative quantity.")
    def short_count(self) -> int:
        return sum(1 for p in self.positions if p.quantity < 0)

    @strawberry.field(
        description="Summed cost in dollars: quantity x entry price x multiplier (shorts negative)."
    )
    def cost_basis(self) -> float:
        return sum(_cost_basis(p) for p in self.positions)


@strawberry.type(name="Portfolio", description="A book of positions owned by one user.")
class PortfolioNode(Node):
    name: str = strawberry.field(description="1-100 characters, unique per owner ignoring case.")
    description: str | None = strawberry.field(description="Free text.")
    currency: str = strawberry.field(description="ISO 4217 code all money fields are in (USD).")
    created_at: datetime = strawberry.field(description="When the portfolio was created (UTC).")
    updated_at: datetime = strawberry.field(
        description="When the portfolio was last changed (UTC)."
    )
    portfolio_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="Positions by symbol, filtered; open positions unless `filter` says otherwise."
    )
    async def positions(
        self,
        info: Info,
        filter: Annotated[
            PositionFilterInput | None,
            strawberry.argument(description="Which positions; open ones when omitted."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PositionNode]:
        flt_in = filter or PositionFilterInput()
        # An id that names no tag of the caller's matches no position, like any unused tag would.
        tag_ids = [parse_id(t, "Tag") or uuid.UUID(int=0) for t in flt_in.tag_ids or []]
        flt = PositionFilter(
            status=flt_in.status,
            types=list(flt_in.types or []),
            symbol=flt_in.symbol,
            tag_ids=tag_ids,
            tag_match=flt_in.tag_match,
        )
        ctx = info.context
        async with ctx.session() as session:
            page = await position_service.list_for_portfolio(
                session,
                portfolio_id=self.portfolio_id,
                flt=flt,
                page=PageRequest(first=first, after=after, last=last, before=before),
            )

        async def count() -> int:
            async with ctx.session() as session:
                return await position_service.count_for_portfolio(
                    session, portfolio_id=self.portfolio_id, flt=flt
                )

        today = ctx.today
        return to_connection(page, lambda p: PositionNode.from_model(p, today=today), count)

    @strawberry.field(
        description="Open positions in groups. By TAG a position appears under each of its tags "
        "(plus `Untagged`); the other groupings are partitions. STRATEGY lists STRATEGY-kind tags, "
        "then detected covered calls, protective puts, collars, vertical spreads, straddles, "
        "strangles and pairs (a long and a short stock sharing a tag no other position has), "
        "then the rest. SECTOR uses the underlying's sector from the security master "
        "(`UNCLASSIFIED` when it has none)."
    )
    async def position_groups(
        self,
        info: Info,
        by: Annotated[GroupByEnum, strawberry.argument(description="How to group.")],  # type: ignore[valid-type]
    ) -> list[PositionGroup]:
        ctx = info.context
        async with ctx.session() as session:
            groups = await group_service.group_positions(
                session, portfolio_id=self.portfolio_id, by=by
            )
        today = ctx.today
        return [
            PositionGroup(
                key=g.key,
                label=g.label,
                strategy=g.strategy,
                positions=[PositionNode.from_model(p, today=today) for p in g.positions],
            )
            for g in groups
        ]

    @strawberry.field(
        description="Tags used by at least one of this portfolio's positions, by name."
    )
    async def tags(self, info: Info) -> list[TagNode]:
        async with info.context.session() as session:
            tags = await tag_service.list_for_portfolio(session, portfolio_id=self.portfolio_id)
        return [TagNode.from_model(t) for t in tags]

    @classmethod
    def from_model(cls, portfolio: Portfolio) -> PortfolioNode:
        return cls(
            id=to_global_id("Portfolio", portfolio.id),
            name=portfolio.name,
            description=portfolio.description,
            currency=portfolio.currency,
            created_at=portfolio.created_at,
            updated_at=portfolio.updated_at,
            portfolio_id=portfolio.id,
        )
