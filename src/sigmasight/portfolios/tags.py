"""Tags: a user's labels for positions, regular or naming a strategy."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, insert, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.access import visible_to
from sigmasight.auth.actor import Actor
from sigmasight.conflicts import constraint_errors
from sigmasight.db import lock_for_owner
from sigmasight.errors import Conflict, Invalid, NotFound
from sigmasight.portfolios.models import Position, Tag, TagKind, position_tags
from sigmasight.text import fold

MAX_NAME_LENGTH = 50
MAX_TAGS_PER_USER = 100
MAX_TAGS_PER_POSITION = 20
DEFAULT_COLOR = "#6B7280"
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
# First key of the advisory lock serialising one user's tag creation (the second is the user).
_TAG_CREATION_LOCK = 0x5467  # "Tg"


def _visible(actor: Actor) -> Select[Tag]:
    return select(Tag).where(visible_to(actor, Tag.owner_id))


def clean_name(name: str, *, field: str = "name") -> str:
    """Trim a tag name and check its length (1-50 characters)."""
    name = name.strip()
    if not name:
        raise Invalid("Tag name is required.", field=field, code="REQUIRED")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            f"Tag name must be at most {MAX_NAME_LENGTH} characters.", field=field, code="TOO_LONG"
        )
    return name


def _clean_color(color: str) -> str:
    if not _COLOR.match(color):
        raise Invalid(
            "Colour must be a hex value like #1F77B4.", field="color", code="INVALID_COLOR"
        )
    return color.upper()


async def _ensure_name_free(
    session: AsyncSession, *, owner_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None
) -> None:
    stmt = select(Tag.id).where(Tag.owner_id == owner_id, Tag.name_key == fold(name))
    if exclude is not None:
        stmt = stmt.where(Tag.id != exclude)
    if (await session.execute(stmt)).first() is not None:
        raise Conflict(f"You already have a tag named '{name}'.", field="name", code="NAME_TAKEN")


async def lock_creation(session: AsyncSession, *, owner_id: uuid.UUID) -> None:
    """Hold, until the transaction ends, the right to create tags for `owner_id` (the 100-tag
    limit is a count then an insert)."""
    await lock_for_owner(session, namespace=_TAG_CREATION_LOCK, owner_id=owner_id)


async def get(session: AsyncSession, *, actor: Actor, tag_id: uuid.UUID) -> Tag | None:
    """The tag if it exists and the actor may see it."""
    return (await session.execute(_visible(actor).where(Tag.id == tag_id))).scalar_one_or_none()


async def get_or_raise(session: AsyncSession, *, actor: Actor, tag_id: uuid.UUID) -> Tag:
    """The tag, or NotFound when it is missing or not the actor's."""
    tag = await get(session, actor=actor, tag_id=tag_id)
    if tag is None:
        raise NotFound("Tag not found.", field="tagId")
    return tag


async def tags_by_owner(
    session: AsyncSession, *, owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Tag]]:
    """Many users' tags in one query, each list by name (callers have checked access)."""
    stmt = select(Tag).where(Tag.owner_id.in_(owner_ids)).order_by(Tag.name_key, Tag.id)
    result: dict[uuid.UUID, list[Tag]] = {owner_id: [] for owner_id in owner_ids}
    for tag in (await session.execute(stmt)).scalars():
        result[tag.owner_id].append(tag)
    return result


async def tags_by_portfolio(
    session: AsyncSession, *, portfolio_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Tag]]:
    """For many portfolios in one query, the tags on at least one of each one's positions, by
    name (callers have checked access)."""
    used = (
        select(Position.portfolio_id, position_tags.c.tag_id)
        .join(Position, Position.id == position_tags.c.position_id)
        .where(Position.portfolio_id.in_(portfolio_ids))
        .distinct()
        .subquery()
    )
    stmt = (
        select(used.c.portfolio_id, Tag)
        .join(used, used.c.tag_id == Tag.id)
        .order_by(Tag.name_key, Tag.id)
    )
    result: dict[uuid.UUID, list[Tag]] = {portfolio_id: [] for portfolio_id in portfolio_ids}
    for portfolio_id, tag in await session.execute(stmt):
        result[portfolio_id].append(tag)
    return result


async def create(
    session: AsyncSession,
    *,
    actor: Actor,
    name: str,
    color: str | None = None,
    kind: TagKind = TagKind.REGULAR,
    description: str | None = None,
) -> Tag:
    """Create a tag for the actor; at most 100 per user, names unique ignoring case."""
    name = clean_name(name)
    await lock_creation(session, owner_id=actor.user_id)
    count = await session.scalar(
        select(func.count()).select_from(Tag).where(Tag.owner_id == actor.user_id)
    )
    if (count or 0) >= MAX_TAGS_PER_USER:
        raise Invalid(
            f"You can have at most {MAX_TAGS_PER_USER} tags.", field="name", code="TAG_LIMIT"
        )
    await _ensure_name_free(session, owner_id=actor.user_id, name=name)
    tag = Tag(
        owner_id=actor.user_id,
        name=name,
        color=_clean_color(color) if color else DEFAULT_COLOR,
        kind=kind,
        description=_clean_description(description),
    )
    async with constraint_errors(session):
        session.add(tag)
    return tag


def _clean_description(description: str | None) -> str | None:
    if description is None:
        return None
    if len(description) > 500:
        raise Invalid(
            "Description must be at most 500 characters.", field="description", code="TOO_LONG"
        )
    return description.strip() or None


async def update(
    session: AsyncSession,
    *,
    actor: Actor,
    tag_id: uuid.UUID,
    name: str | None = None,
    color: str | None = None,
    kind: TagKind | None = None,
    description: str | None = None,
) -> Tag:
    """Change a tag's name, colour, kind or description."""
    tag = await get_or_raise(session, actor=actor, tag_id=tag_id)
    if name is not None:
        name = clean_name(name)
        await _ensure_name_free(session, owner_id=tag.owner_id, name=name, exclude=tag.id)
    if color is not None:
        tag.color = _clean_color(color)
    if kind is not None:
        tag.kind = kind
    if description is not None:
        tag.description = _clean_description(description)
    async with constraint_errors(session):  # a concurrent rename may have taken the name
        if name is not None:
            tag.name = name
    await session.refresh(tag)
    return tag


async def delete(session: AsyncSession, *, actor: Actor, tag_id: uuid.UUID) -> None:
    """Delete a tag; positions simply lose it."""
    tag = await get_or_raise(session, actor=actor, tag_id=tag_id)
    await session.delete(tag)
    await session.flush()


async def resolve_owned(
    session: AsyncSession, *, owner_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
) -> list[Tag]:
    """The tags with these ids, all of which must belong to `owner_id`."""
    unique_ids = list(dict.fromkeys(tag_ids))
    if len(unique_ids) > MAX_TAGS_PER_POSITION:
        raise Invalid(
            f"A position can have at most {MAX_TAGS_PER_POSITION} tags.",
            field="tagIds",
            code="TOO_MANY_TAGS",
        )
    if not unique_ids:
        return []
    stmt = select(Tag).where(Tag.owner_id == owner_id, Tag.id.in_(unique_ids))
    tags = list((await session.execute(stmt)).scalars())
    if len(tags) != len(unique_ids):
        raise NotFound("Tag not found.", field="tagIds")
    return tags


async def replace_position_tags(
    session: AsyncSession, *, position: Position, tags: Sequence[Tag]
) -> None:
    """Make `tags` exactly the tags on `position`."""
    await session.execute(
        sql_delete(position_tags).where(position_tags.c.position_id == position.id)
    )
    if tags:
        async with constraint_errors(session):  # a tag may be deleted meanwhile
            await session.execute(
                insert(position_tags),
                [{"position_id": position.id, "tag_id": t.id} for t in tags],
            )


async def tags_by_position(
    session: AsyncSession, *, position_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Tag]]:
    """Tags of many positions in one query, by position id (callers have checked access)."""
    stmt = (
        select(position_tags.c.position_id, Tag)
        .join(Tag, Tag.id == position_tags.c.tag_id)
        .where(position_tags.c.position_id.in_(position_ids))
        .order_by(Tag.name_key, Tag.id)
    )
    result: dict[uuid.UUID, list[Tag]] = {pid: [] for pid in position_ids}
    for position_id, tag in await session.execute(stmt):
        result[position_id].append(tag)
    return result
