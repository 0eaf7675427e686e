"""One object by id for the signed-in caller: shared by `node(id)` and the typed queries.

Each answers None for an object that does not exist or that the caller may not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sigmasight.auth import service as auth_service
from sigmasight.batch import service as batch_service
from sigmasight.graphql.context import Context
from sigmasight.graphql.exports import export_node
from sigmasight.graphql.market import BatchJobNode
from sigmasight.graphql.node import Node
from sigmasight.graphql.reports import report_node
from sigmasight.graphql.types import PortfolioNode, PositionNode, TagNode, UserNode, position_node
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios import tags as tag_service


async def portfolio(ctx: Context, object_id: uuid.UUID) -> PortfolioNode | None:
    async with ctx.session() as session:
        found = await portfolio_service.get(
            session, actor=ctx.require_actor(), portfolio_id=object_id
        )
    return PortfolioNode.from_model(found) if found else None


async def position(ctx: Context, object_id: uuid.UUID) -> PositionNode | None:
    async with ctx.session() as session:
        found = await position_service.get(
            session, actor=ctx.require_actor(), position_id=object_id
        )
    return await position_node(ctx, found) if found else None


async def tag(ctx: Context, object_id: uuid.UUID) -> TagNode | None:
    async with ctx.session() as session:
        found = await tag_service.get(session, actor=ctx.require_actor(), tag_id=object_id)
    return TagNode.from_model(found) if found else None


async def batch_job(ctx: Context, object_id: uuid.UUID) -> BatchJobNode | None:
    async with ctx.session() as session:
        found = await batch_service.get(session, actor=ctx.require_actor(), job_id=object_id)
    return BatchJobNode.from_model(found) if found else None


async def user(ctx: Context, object_id: uuid.UUID) -> UserNode | None:
    actor = ctx.require_actor()
    if not (actor.is_admin or object_id == actor.user_id):
        return None
    async with ctx.session() as session:
        found = await auth_service.get(session, user_id=object_id)
    return UserNode.from_model(found) if found else None


BY_TYPE: dict[str, Callable[[Context, uuid.UUID], Awaitable[Node | None]]] = {
    "Portfolio": portfolio,
    "Position": position,
    "Tag": tag,
    "BatchJob": batch_job,
    "User": user,
    "Export": export_node,
    "Report": report_node,
}
