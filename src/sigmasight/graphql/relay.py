"""Relay connection types shared by every paginated list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry

from sigmasight.pagination import Page

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sigmasight.graphql.context import Context

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item, if any.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item, if any.")


@strawberry.type(description="An item in a list, with the cursor to resume after it.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque cursor; pass it as `after` or `before`.")


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self.count()


def to_connection(
    page: Page[ItemT],
    convert: Callable[[ItemT], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """A connection from a page of models, converting each with `convert`."""
    edges = [
        Edge(node=convert(item), cursor=c) for item, c in zip(page.items, page.cursors, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count=count,
    )


async def listed(
    ctx: Context,
    page_of: Callable[[AsyncSession], Awaitable[Page[ItemT]]],
    count_of: Callable[[AsyncSession], Awaitable[int]],
    convert: Callable[[ItemT], NodeT],
) -> Connection[NodeT]:
    """A connection over a service's list: the page read now, the total only when a client asks
    for `totalCount`; both through the request's read session."""
    async with ctx.session() as session:
        page = await page_of(session)

    async def count() -> int:
        async with ctx.session() as session:
            return await count_of(session)

    return to_connection(page, convert, count)
