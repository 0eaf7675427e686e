"""Portfolio queries and mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action
from sigmasight.graphql import activity, lookups
from sigmasight.graphql.arguments import (
    After,
    Before,
    First,
    Input,
    Last,
    id_argument,
    result_union,
)
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ConflictError, NotFoundError, ValidationError
from sigmasight.graphql.ids import parse_id, require_id, to_global_id
from sigmasight.graphql.relay import Connection, listed
from sigmasight.graphql.types import PortfolioNode
from sigmasight.pagination import PageRequest
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios.positions import to_decimal


@strawberry.type(description="The portfolio was created.")
class CreatePortfolioSuccess:
    portfolio: PortfolioNode = strawberry.field(description="The new portfolio.")


@strawberry.type(description="The portfolio was updated.")
class UpdatePortfolioSuccess:
    portfolio: PortfolioNode = strawberry.field(description="The portfolio as it is now.")


@strawberry.type(description="The portfolio's risk limits were set.")
class SetRiskLimitsSuccess:
    portfolio: PortfolioNode = strawberry.field(
        description="The portfolio with its new `riskLimits`."
    )


@strawberry.type(description="The portfolio and its positions were deleted.")
class DeletePortfolioSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="Global id of the deleted portfolio.")


CreatePortfolioResult = Annotated[
    CreatePortfolioSuccess | ValidationError | ConflictError,
    result_union("CreatePortfolioResult"),
]
UpdatePortfolioResult = Annotated[
    UpdatePortfolioSuccess | ValidationError | NotFoundError | ConflictError,
    result_union("UpdatePortfolioResult"),
]
SetRiskLimitsResult = Annotated[
    SetRiskLimitsSuccess | ValidationError | NotFoundError,
    result_union("SetRiskLimitsResult"),
]
DeletePortfolioResult = Annotated[
    DeletePortfolioSuccess | NotFoundError,
    result_union("DeletePortfolioResult"),
]


@strawberry.input(description="A new portfolio.")
class CreatePortfolioInput:
    name: str = strawberry.field(description="1-100 characters, unique among your portfolios.")
    description: str | None = strawberry.field(
        default=None, description="Free text, up to 2000 characters."
    )


@strawberry.input(description="Changes to a portfolio; omitted fields stay as they are.")
class UpdatePortfolioInput:
    id: strawberry.ID = strawberry.field(description="The portfolio's id.")
    name: str | None = strawberry.field(default=None, description="New name.")
    description: str | None = strawberry.field(
        default=None, description="New description; empty clears it."
    )
    cash: float | None = strawberry.field(
        default=None,
        description="Cash balance in dollars; negative for a margin debit. Short-sale proceeds "
        "are cash. At most two decimals, under 10 trillion either way.",
    )


@strawberry.input(
    description="A portfolio's risk limits, in % of equity. Every limit is replaced: an omitted "
    "or null field clears that limit."
)
class SetRiskLimitsInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio's id.")
    gross_limit_percent: float | None = strawberry.field(
        default=None,
        description="Most gross exposure (long + |short|) allowed, in % of equity: above 0, at "
        "most 10000 (200 = 2x equity). Null clears it.",
    )
    net_target_min_percent: float | None = strawberry.field(
        default=None,
        description="Low end of the net exposure target, in % of equity, -1000 to 1000; give "
        "it with `netTargetMaxPercent` (both null clears the range).",
    )
    net_target_max_percent: float | None = strawberry.field(
        default=None,
        description="High end of the net exposure target, in % of equity, -1000 to 1000, at "
        "least `netTargetMinPercent`.",
    )


def _decimal(value: float | None, field: str) -> Decimal | None:
    return None if value is None else to_decimal(value, field=field)


@strawberry.type
class PortfolioQuery:
    @strawberry.field(
        description="One of your portfolios by id; null when it does not exist or is not yours."
    )
    async def portfolio(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("portfolio")]
    ) -> PortfolioNode | None:
        info.context.require_actor()
        portfolio_id = parse_id(id, "Portfolio")
        return await lookups.portfolio(info.context, portfolio_id) if portfolio_id else None

    @strawberry.field(description="Your portfolios by name (every portfolio for an admin).")
    async def portfolios(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PortfolioNode]:
        ctx = info.context
        actor = ctx.require_actor()
        request = PageRequest(first, after, last, before)
        return await listed(
            ctx,
            lambda session: portfolio_service.list_for_actor(session, actor=actor, page=request),
            lambda session: portfolio_service.count_for_actor(session, actor=actor),
            PortfolioNode.from_model,
        )


@strawberry.type
class PortfolioMutation:
    @strawberry.mutation(description="Create a portfolio.")
    async def create_portfolio(
        self, info: Info, input: Annotated[CreatePortfolioInput, Input]
    ) -> CreatePortfolioResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> CreatePortfolioSuccess:
            portfolio = await portfolio_service.create(
                session, actor=actor, name=input.name, description=input.description
            )
            await activity.record(
                ctx,
                session,
                Action.PORTFOLIO_CREATED,
                subject_type="Portfolio",
                subject_id=portfolio.id,
            )
            return CreatePortfolioSuccess(portfolio=PortfolioNode.from_model(portfolio))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Rename, re-describe or set the cash of a portfolio.")
    async def update_portfolio(
        self, info: Info, input: Annotated[UpdatePortfolioInput, Input]
    ) -> UpdatePortfolioResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> UpdatePortfolioSuccess:
            portfolio = await portfolio_service.update(
                session,
                actor=actor,
                portfolio_id=require_id(input.id, "Portfolio"),
                name=input.name,
                description=input.description,
                cash=_decimal(input.cash, "cash"),
            )
            await activity.record(
                ctx,
                session,
                Action.PORTFOLIO_UPDATED,
                subject_type="Portfolio",
                subject_id=portfolio.id,
            )
            return UpdatePortfolioSuccess(portfolio=PortfolioNode.from_model(portfolio))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Set a portfolio's gross exposure limit and net exposure target range, in % "
        "of equity. All three values are replaced; null clears."
    )
    async def set_risk_limits(
        self, info: Info, input: Annotated[SetRiskLimitsInput, Input]
    ) -> SetRiskLimitsResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> SetRiskLimitsSuccess:
            portfolio = await portfolio_service.set_risk_limits(
                session,
                actor=actor,
                portfolio_id=require_id(input.portfolio_id, "Portfolio", field="portfolioId"),
                gross_limit_percent=_decimal(input.gross_limit_percent, "grossLimitPercent"),
                net_target_min_percent=_decimal(
                    input.net_target_min_percent, "netTargetMinPercent"
                ),
                net_target_max_percent=_decimal(
                    input.net_target_max_percent, "netTargetMaxPercent"
                ),
            )
            return SetRiskLimitsSuccess(portfolio=PortfolioNode.from_model(portfolio))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Delete a portfolio and all its positions. This cannot be undone."
    )
    async def delete_portfolio(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("portfolio to delete")]
    ) -> DeletePortfolioResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> DeletePortfolioSuccess:
            portfolio_id = require_id(id, "Portfolio")
            await portfolio_service.delete(session, actor=actor, portfolio_id=portfolio_id)
            await activity.record(
                ctx,
                session,
                Action.PORTFOLIO_DELETED,
                subject_type="Portfolio",
                subject_id=portfolio_id,
            )
            return DeletePortfolioSuccess(deleted_id=to_global_id("Portfolio", portfolio_id))

        return await ctx.mutate(work)  # type: ignore[return-value]
