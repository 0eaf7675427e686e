"""Tag mutations (tags are read through `me.tags`, `Portfolio.tags` and `Position.tags`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action
from sigmasight.graphql import activity
from sigmasight.graphql.arguments import Input, id_argument, result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ConflictError, NotFoundError, ValidationError
from sigmasight.graphql.ids import require_id, to_global_id
from sigmasight.graphql.types import TagKindEnum, TagNode
from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.models import TagKind


@strawberry.type(description="The tag was created.")
class CreateTagSuccess:
    tag: TagNode = strawberry.field(description="The new tag.")


@strawberry.type(description="The tag was updated.")
class UpdateTagSuccess:
    tag: TagNode = strawberry.field(description="The tag as it is now.")


@strawberry.type(description="The tag was deleted and removed from every position.")
class DeleteTagSuccess:
    deleted_id: strawberry.ID = strawberry.field(description="Global id of the deleted tag.")


CreateTagResult = Annotated[
    CreateTagSuccess | ValidationError | ConflictError,
    result_union("CreateTagResult"),
]
UpdateTagResult = Annotated[
    UpdateTagSuccess | ValidationError | NotFoundError | ConflictError,
    result_union("UpdateTagResult"),
]
DeleteTagResult = Annotated[
    DeleteTagSuccess | NotFoundError,
    result_union("DeleteTagResult"),
]


@strawberry.input(description="A new tag.")
class CreateTagInput:
    name: str = strawberry.field(
        description="1-50 characters, unique among your tags ignoring case."
    )
    color: str | None = strawberry.field(default=None, description="#RRGGBB; grey when omitted.")
    kind: TagKindEnum = strawberry.field(  # type: ignore[valid-type]
        default=TagKind.REGULAR, description="REGULAR (default) or STRATEGY."
    )
    description: str | None = strawberry.field(default=None, description="Up to 500 characters.")


@strawberry.input(description="Changes to a tag; omitted fields stay as they are.")
class UpdateTagInput:
    id: strawberry.ID = strawberry.field(description="The tag's id.")
    name: str | None = strawberry.field(default=None, description="New name.")
    color: str | None = strawberry.field(default=None, description="New colour, #RRGGBB.")
    kind: TagKindEnum | None = strawberry.field(default=None, description="New kind.")  # type: ignore[valid-type]
    description: str | None = strawberry.field(
        default=None, description="New description; empty clears it."
    )


@strawberry.type
class TagMutation:
    @strawberry.mutation(description="Create a tag (at most 100 per user).")
    async def create_tag(
        self, info: Info, input: Annotated[CreateTagInput, Input]
    ) -> CreateTagResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> CreateTagSuccess:
            tag = await tag_service.create(
                session,
                actor=actor,
                name=input.name,
                color=input.color,
                kind=input.kind,
                description=input.description,
            )
            await activity.record(
                ctx, session, Action.TAG_CREATED, subject_type="Tag", subject_id=tag.id
            )
            return CreateTagSuccess(tag=TagNode.from_model(tag))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Rename, recolour or re-kind a tag.")
    async def update_tag(
        self, info: Info, input: Annotated[UpdateTagInput, Input]
    ) -> UpdateTagResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> UpdateTagSuccess:
            tag = await tag_service.update(
                session,
                actor=actor,
                tag_id=require_id(input.id, "Tag"),
                name=input.name,
                color=input.color,
                kind=input.kind,
                description=input.description,
            )
            await activity.record(
                ctx, session, Action.TAG_UPDATED, subject_type="Tag", subject_id=tag.id
            )
            return UpdateTagSuccess(tag=TagNode.from_model(tag))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Delete a tag; positions carrying it lose it.")
    async def delete_tag(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("tag to delete")]
    ) -> DeleteTagResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> DeleteTagSuccess:
            tag_id = require_id(id, "Tag")
            await tag_service.delete(session, actor=actor, tag_id=tag_id)
            await activity.record(
                ctx, session, Action.TAG_DELETED, subject_type="Tag", subject_id=tag_id
            )
            return DeleteTagSuccess(deleted_id=to_global_id("Tag", tag_id))

        return await ctx.mutate(work)  # type: ignore[return-value]
