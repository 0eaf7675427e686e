"""Position queries and mutations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action
from sigmasight.graphql import activity, lookups
from sigmasight.graphql.arguments import Input, id_argument, result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ConflictError, NotFoundError, ValidationError
from sigmasight.graphql.ids import parse_id, require_id, to_global_id
from sigmasight.graphql.market import BatchJobNode, schedule_backfill
from sigmasight.graphql.types import PositionNode, position_field
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios.models import Position
from sigmasight.portfolios.positions import PositionDraft, to_decimal


@strawberry.type(description="The position was opened.")
class AddPositionSuccess:
    position_model: strawberry.Private[Position]
    position: PositionNode = position_field("The new position.")
    backfill_job: BatchJobNode | None = strawberry.field(
        description="The job fetching the symbol's price history; null when it is already stored."
    )


@strawberry.type(description="The position was updated.")
class UpdatePositionSuccess:
    position_model: strawberry.Private[Position]
    position: PositionNode = position_field("The position as it is now.")


@strawberry.type(description="The position was closed.")
class ClosePositionSuccess:
    position_model: strawberry.Private[Position]
    position: PositionNode = position_field("The closed position.")


@strawberry.type(description="The position was deleted.")
class DeletePositionSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="Global id of the deleted position.")


@strawberry.type(description="The position's tags were replaced.")
class SetPositionTagsSuccess:
    position_model: strawberry.Private[Position]
    position: PositionNode = position_field("The position with its new tags.")


_Errors = ValidationError | NotFoundError | ConflictError
AddPositionResult = Annotated[
    AddPositionSuccess | _Errors,
    result_union("AddPositionResult"),
]
UpdatePositionResult = Annotated[
    UpdatePositionSuccess | _Errors,
    result_union("UpdatePositionResult"),
]
ClosePositionResult = Annotated[
    ClosePositionSuccess | _Errors,
    result_union("ClosePositionResult"),
]
DeletePositionResult = Annotated[
    DeletePositionSuccess | NotFoundError,
    result_union("DeletePositionResult"),
]
SetPositionTagsResult = Annotated[
    SetPositionTagsSuccess | ValidationError | NotFoundError,
    result_union("SetPositionTagsResult"),
]


@strawberry.input(description="A new position. Option symbols in OCC form set the contract terms.")
class AddPositionInput:
    portfolio_id: strawberry.ID = strawberry.field(description="The portfolio to add to.")
    symbol: str = strawberry.field(
        description="Ticker (`AAPL`) or OCC option symbol (`AAPL240119C00150000`, or the padded "
        "21-character OSI form)."
    )
    quantity: float = strawberry.field(
        description="Shares or contracts; negative for a short. The type follows from the sign."
    )
    entry_price: float = strawberry.field(
        description="Dollars per share, or per-share premium for options; must be positive."
    )
    entry_date: date = strawberry.field(
        description="Trade date: not in the future, at most 10 years ago."
    )
    multiplier: int | None = strawberry.field(
        default=None, description="Shares per unit; defaults to 100 for options and 1 for stock."
    )
    notes: str | None = strawberry.field(
        default=None, description="Free text, up to 2000 characters."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Your tags to put on the position (at most 20)."
    )


@strawberry.input(description="Changes to a position; omitted fields stay as they are.")
class UpdatePositionInput:
    id: strawberry.ID = strawberry.field(description="The position's id.")
    quantity: float | None = strawberry.field(
        default=None, description="New signed quantity; flipping the sign flips long/short."
    )
    entry_price: float | None = strawberry.field(
        default=None, description="New entry price, dollars per share."
    )
    entry_date: date | None = strawberry.field(default=None, description="New entry date.")
    multiplier: int | None = strawberry.field(default=None, description="New multiplier.")
    notes: str | None = strawberry.field(default=None, description="New notes; empty clears them.")


@strawberry.input(description="The exit of a position.")
class ClosePositionInput:
    id: strawberry.ID = strawberry.field(description="The position's id.")
    exit_price: float = strawberry.field(
        description="Dollars per share; zero is allowed (an option that expired worthless)."
    )
    exit_date: date = strawberry.field(
        description="Exit date: on or after entry, not in the future."
    )


def _tag_ids(values: list[strawberry.ID] | None) -> list[uuid.UUID]:
    return [require_id(v, "Tag", field="tagIds") for v in values or []]


@strawberry.type
class PositionQuery:
    @strawberry.field(
        description="One of your positions by id; null when it does not exist or is not yours."
    )
    async def position(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("position")]
    ) -> PositionNode | None:
        info.context.require_actor()
        position_id = parse_id(id, "Position")
        return await lookups.position(info.context, position_id) if position_id else None


@strawberry.type
class PositionMutation:
    @strawberry.mutation(
        description="Open a position in one of your portfolios. An option that has already "
        "expired is refused (`OPTION_EXPIRED`); an open position with the same symbol and entry "
        "date is a `DUPLICATE_POSITION` conflict."
    )
    async def add_position(
        self, info: Info, input: Annotated[AddPositionInput, Input]
    ) -> AddPositionResult:
        ctx = info.context
        actor = ctx.require_actor()
        today = ctx.today

        async def work(session: AsyncSession) -> AddPositionSuccess:
            draft = PositionDraft(
                symbol=input.symbol,
                quantity=to_decimal(input.quantity, field="quantity"),
                entry_price=to_decimal(input.entry_price, field="entryPrice"),
                entry_date=input.entry_date,
                multiplier=input.multiplier,
                notes=input.notes,
                tag_ids=_tag_ids(input.tag_ids),
            )
            position = await position_service.create(
                session,
                actor=actor,
                portfolio_id=require_id(input.portfolio_id, "Portfolio", field="portfolioId"),
                draft=draft,
                today=today,
            )
            job = await schedule_backfill(ctx, session, [position.symbol], position.portfolio_id)
            await activity.record(
                ctx,
                session,
                Action.POSITION_ADDED,
                subject_type="Position",
                subject_id=position.id,
                details={"symbol": position.symbol},
            )
            return AddPositionSuccess(
                position_model=position,
                backfill_job=BatchJobNode.from_model(job) if job else None,
            )

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Change a position's quantity, entry price, entry date, multiplier or notes."
    )
    async def update_position(
        self, info: Info, input: Annotated[UpdatePositionInput, Input]
    ) -> UpdatePositionResult:
        ctx = info.context
        actor = ctx.require_actor()
        today = ctx.today

        async def work(session: AsyncSession) -> UpdatePositionSuccess:
            position = await position_service.update(
                session,
                actor=actor,
                position_id=require_id(input.id, "Position"),
                today=today,
                quantity=None
                if input.quantity is None
                else to_decimal(input.quantity, field="quantity"),
                entry_price=None
                if input.entry_price is None
                else to_decimal(input.entry_price, field="entryPrice"),
                entry_date=input.entry_date,
                multiplier=input.multiplier,
                notes=input.notes,
            )
            await activity.record(
                ctx,
                session,
                Action.POSITION_UPDATED,
                subject_type="Position",
                subject_id=position.id,
                details={"symbol": position.symbol},
            )
            return UpdatePositionSuccess(position_model=position)

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Close a position at an exit price and date; it stays as history."
    )
    async def close_position(
        self, info: Info, input: Annotated[ClosePositionInput, Input]
    ) -> ClosePositionResult:
        ctx = info.context
        actor = ctx.require_actor()
        today = ctx.today

        async def work(session: AsyncSession) -> ClosePositionSuccess:
            position = await position_service.close(
                session,
                actor=actor,
                position_id=require_id(input.id, "Position"),
                exit_price=to_decimal(input.exit_price, field="exitPrice"),
                exit_date=input.exit_date,
                today=today,
            )
            await activity.record(
                ctx,
                session,
                Action.POSITION_CLOSED,
                subject_type="Position",
                subject_id=position.id,
                details={"symbol": position.symbol},
            )
            return ClosePositionSuccess(position_model=position)

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Delete a position outright (use closePosition to keep its history)."
    )
    async def delete_position(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("position to delete")]
    ) -> DeletePositionResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> DeletePositionSuccess:
            position_id = require_id(id, "Position")
            await position_service.delete(session, actor=actor, position_id=position_id)
            await activity.record(
                ctx,
                session,
                Action.POSITION_DELETED,
                subject_type="Position",
                subject_id=position_id,
            )
            return DeletePositionSuccess(deleted_id=to_global_id("Position", position_id))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Replace a position's tags with exactly these (at most 20; empty clears)."
    )
    async def set_position_tags(
        self,
        info: Info,
        position_id: Annotated[strawberry.ID, id_argument("position")],
        tag_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Ids of your tags; [] clears.")
        ],
    ) -> SetPositionTagsResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> SetPositionTagsSuccess:
            position = await position_service.set_tags(
                session,
                actor=actor,
                position_id=require_id(position_id, "Position", field="positionId"),
                tag_ids=_tag_ids(tag_ids),
            )
            await activity.record(
                ctx,
                session,
                Action.TAGS_SET,
                subject_type="Position",
                subject_id=position.id,
                details={"tags": len(tag_ids)},
            )
            return SetPositionTagsSuccess(position_model=position)

        return await ctx.mutate(work)  # type: ignore[return-value]
