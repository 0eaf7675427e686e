"""Keyset (cursor) pagination for Relay connections."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from sigmasight.errors import Invalid
from sigmasight.text import has_control_characters

T = TypeVar("T")
K = TypeVar("K")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Cursors this API hands out are a few dozen characters; anything far longer is not one of ours
# and is refused before it is decoded.
MAX_CURSOR_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool


def _encode(values: Sequence[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str, keys: Sequence[InstrumentedAttribute[Any]], arg: str) -> list[Any]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError(cursor)
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError(cursor)
        values: list[Any] = []
        for key, value in zip(keys, raw, strict=True):
            kind = key.type.python_type
            if isinstance(value, str) and has_control_characters(value):
                raise ValueError(cursor)  # PostgreSQL text cannot hold NUL: refuse, not fail
            values.append(kind.fromisoformat(value) if kind in (date, datetime) else kind(value))
        return values
    # Deeply nested JSON raises RecursionError, a bad decimal InvalidOperation: whatever a forged
    # cursor holds, the caller learns only that it is not a cursor of this list.
    except (ValueError, TypeError, AttributeError, RecursionError, InvalidOperation) as exc:
        raise Invalid(
            "Cursor is not valid for this list.", field=arg, code="INVALID_CURSOR"
        ) from exc


def _page_size(value: int | None, arg: str) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= value <= MAX_PAGE_SIZE:
        raise Invalid(
            f"`{arg}` must be between 0 and {MAX_PAGE_SIZE}.", field=arg, code="OUT_OF_RANGE"
        )
    return value


@dataclass(frozen=True, slots=True)
class _Window:
    stmt: Select[Any]  # with the cursor predicates
    order: list[Any]  # the order to read rows in: reversed when reading backwards
    size: int
    backwards: bool


def _window(
    stmt: Select[Any],
    keys: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    descending: bool,
) -> _Window:
    if request.last is not None and request.first is not None:
        raise Invalid("Pass `first` or `last`, not both.", field="last", code="INVALID_ARGUMENTS")
    backwards = request.last is not None
    size = _page_size(
        request.last if backwards else request.first, "last" if backwards else "first"
    )
    key_tuple = tuple_(*keys)
    if request.after:
        after = tuple_(*_decode(request.after, keys, "after"))
        stmt = stmt.where(key_tuple < after if descending else key_tuple > after)
    if request.before:
        before = tuple_(*_decode(request.before, keys, "before"))
        stmt = stmt.where(key_tuple > before if descending else key_tuple < before)
    # Reading backwards walks the list order in reverse, then flips the page back.
    order = [k.desc() for k in keys] if backwards != descending else list(keys)
    return _Window(stmt, order, size, backwards)


def _page(
    rows: list[T],
    keys: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    window: _Window,
) -> Page[T]:
    """A page from up to `size + 1` rows read in the window's order (the extra one says more)."""
    more = len(rows) > window.size
    rows = rows[: window.size]
    if window.backwards:
        rows.reverse()
    cursors = [_encode([getattr(row, k.key) for k in keys]) for row in rows]
    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=more if not window.backwards else request.before is not None,
        has_previous_page=more if window.backwards else request.after is not None,
    )


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    descending: bool = False,
) -> Page[T]:
    """One page of `stmt` ordered by `keys` (the last key must be unique)."""
    window = _window(stmt, keys, request, descending)
    limited = window.stmt.order_by(*window.order).limit(window.size + 1)
    rows: list[T] = list((await session.execute(limited)).scalars())
    return _page(rows, keys, request, window)


async def paginate_each(
    session: AsyncSession,
    stmt: Select[T],
    *,
    partition: InstrumentedAttribute[K],
    partitions: Sequence[K],
    keys: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    descending: bool = False,
) -> dict[K, Page[T]]:
    """For each value of `partition`, the page `paginate` would give of `stmt` narrowed to it,
    all in one statement (`stmt` selects one entity; `partition` is one of its columns)."""
    window = _window(stmt, keys, request, descending)
    pages: dict[K, list[T]] = {p: [] for p in partitions}
    if partitions:
        # Number each partition's rows in the page order and keep the first size + 1 of each.
        entity = stmt.column_descriptions[0]["entity"]
        numbered = (
            window.stmt.where(partition.in_(partitions))
            .add_columns(
                func.row_number()
                .over(partition_by=partition, order_by=window.order)
                .label("row_number")
            )
            .subquery()
        )
        row = aliased(entity, numbered)
        limited = (
            select(row)
            .where(numbered.c.row_number <= window.size + 1)
            .order_by(numbered.c.row_number)
        )
        for item in (await session.execute(limited)).scalars():
            pages[getattr(item, partition.key)].append(item)
    return {p: _page(rows, keys, request, window) for p, rows in pages.items()}
