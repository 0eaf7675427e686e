"""The schema: every query and mutation, plus the conduct extensions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)

from sigmasight.graphql import lookups
from sigmasight.graphql.activity import ActivityQuery
from sigmasight.graphql.admin import AdminMutation
from sigmasight.graphql.arguments import id_argument
from sigmasight.graphql.auth import AuthMutation, AuthQuery
from sigmasight.graphql.batch import BatchMutation, BatchQuery, Subscription
from sigmasight.graphql.conduct import QueryConduct
from sigmasight.graphql.context import Info
from sigmasight.graphql.document_cache import MAX_DOCUMENTS, SkipRevalidation, ValidDocuments
from sigmasight.graphql.document_limits import DocumentLimits
from sigmasight.graphql.errors import is_internal
from sigmasight.graphql.exports import ExportMutation, ExportNode, ExportQuery
from sigmasight.graphql.ids import from_global_id
from sigmasight.graphql.imports import ImportMutation
from sigmasight.graphql.log_fields import OperationLogFields
from sigmasight.graphql.market import BatchJobNode
from sigmasight.graphql.market_api import MarketDataMutation, MarketDataQuery
from sigmasight.graphql.modeling import ModelingMutation, ModelingQuery
from sigmasight.graphql.node import Node
from sigmasight.graphql.portfolio_risk import RiskQuery
from sigmasight.graphql.portfolios import PortfolioMutation, PortfolioQuery
from sigmasight.graphql.positions import PositionMutation, PositionQuery
from sigmasight.graphql.read_session import CloseReadSession
from sigmasight.graphql.reports import ReportMutation, ReportNode, ReportQuery
from sigmasight.graphql.tags import TagMutation
from sigmasight.graphql.types import PortfolioNode, PositionNode, TagNode, UserNode
from sigmasight.settings import Environment, Settings


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by global id; null when it does not exist or is not yours."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, id_argument("object")]
    ) -> Node | None:
        info.context.require_actor()
        decoded = from_global_id(id)
        lookup = lookups.BY_TYPE.get(decoded[0]) if decoded else None
        if decoded is None or lookup is None:
            return None
        return await lookup(info.context, decoded[1])


@strawberry.type(description="Read the book: accounts, portfolios, positions, tags.")
class Query(
    AuthQuery,
    PortfolioQuery,
    PositionQuery,
    MarketDataQuery,
    RiskQuery,
    BatchQuery,
    ModelingQuery,
    ExportQuery,
    ReportQuery,
    NodeQuery,
    ActivityQuery,
):
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
    BatchMutation,
    ModelingMutation,
    ExportMutation,
    ReportMutation,
):
    pass


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema; with settings, also the conduct rules (token, depth, alias and cost
    limits, clean text, one chosen operation), introspection as configured and, outside
    development, masking of internal errors."""
    # Factories, so that each request gets fresh extension instances.
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationLogFields,
        CloseReadSession,
        # Clients repeat a few documents: parse each once and validate it once per rule set.
        partial(ParserCache, maxsize=MAX_DOCUMENTS),
        partial(SkipRevalidation, valid=ValidDocuments()),
    ]
    if settings is not None:
        limits = DocumentLimits(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_cost=settings.max_query_cost,
        )
        extensions += [
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
            partial(QueryConduct, limits=limits),
        ]
        if not settings.introspection_enabled:
            extensions.append(DisableIntrospection)
        if settings.environment is not Environment.DEVELOPMENT:
            extensions.append(
                partial(MaskErrors, should_mask_error=is_internal, error_message="Internal error.")
            )
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            PortfolioNode,
            PositionNode,
            TagNode,
            UserNode,
            BatchJobNode,
            ExportNode,
            ReportNode,
        ],
        extensions=extensions,
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in `schema.graphql`."""
    return create_schema().as_str() + "\n"
