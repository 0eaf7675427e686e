"""The schema: every query and mutation, plus the conduct extensions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

import strawberry
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from sigmasight.auth import service as auth_service
from sigmasight.batch import service as batch_service
from sigmasight.graphql.admin import AdminMutation
from sigmasight.graphql.arguments import id_argument
from sigmasight.graphql.auth import AuthMutation, AuthQuery
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import is_internal
from sigmasight.graphql.ids import from_global_id
from sigmasight.graphql.imports import ImportMutation
from sigmasight.graphql.market import BatchJobNode
from sigmasight.graphql.market_api import MarketDataMutation, MarketDataQuery
from sigmasight.graphql.node import Node
from sigmasight.graphql.portfolios import PortfolioMutation, PortfolioQuery
from sigmasight.graphql.positions import PositionMutation, PositionQuery
from sigmasight.graphql.tags import TagMutation
from sigmasight.graphql.types import PortfolioNode, PositionNode, TagNode, UserNode
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios import tags as tag_service
from sigmasight.settings import Environment, Settings


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by global id; null when it does not exist or is not yours."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("object")]
    ) -> Node | None:
        ctx = info.context
        actor = ctx.require_actor()
        decoded = from_global_id(id)
        if decoded is None:
            return None
        type_name, object_id = decoded
        async with ctx.session() as session:
            if type_name == "Portfolio":
                p = await portfolio_service.get(session, actor=actor, portfolio_id=object_id)
                return PortfolioNode.from_model(p) if p else None
            if type_name == "Position":
                pos = await position_service.get(session, actor=actor, position_id=object_id)
                return PositionNode.from_model(pos, today=ctx.today) if pos else None
            if type_name == "Tag":
                tag = await tag_service.get(session, actor=actor, tag_id=object_id)
                return TagNode.from_model(tag) if tag else None
            if type_name == "BatchJob":
                job = await batch_service.get(session, actor=actor, job_id=object_id)
                return BatchJobNode.from_model(job) if job else None
            if type_name == "User" and (actor.is_admin or object_id == actor.user_id):
                user = await auth_service.get(session, user_id=object_id)
                return UserNode.from_model(user) if user else None
        return None


@strawberry.type(description="Read the book: accounts, portfolios, positions, tags.")
class Query(AuthQuery, PortfolioQuery, PositionQuery, MarketDataQuery, NodeQuery):
    pass


@strawberry.type(
    description="Change the book. Every mutation answers with a result union: a success "
    "type or a user error (`UserError`: field, code, message)."
)
class Mutation(
    AuthMutation,
    PortfolioMutation,
    PositionMutation,
    TagMutation,
    ImportMutation,
    MarketDataMutation,
    AdminMutation,
):
    pass


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema; with settings, also depth/alias/token limits and, outside development,
    masking of internal errors."""
    # Factories, so that each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = []
    if settings is not None:
        extensions += [
            partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
            partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        ]
        if settings.environment is not Environment.DEVELOPMENT:
            extensions.append(
                partial(MaskErrors, should_mask_error=is_internal, error_message="Internal error.")
            )
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[PortfolioNode, PositionNode, TagNode, UserNode, BatchJobNode],
        extensions=extensions,
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in `schema.graphql`."""
    return create_schema().as_str() + "\n"
