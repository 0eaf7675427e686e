"""Keyset (cursor) pagination for Relay connections."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from sigmasight.errors import Invalid

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


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
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError(cursor)
        values: list[Any] = []
        for key, value in zip(keys, raw, strict=True):
            kind = key.type.python_type
            values.append(kind.fromisoformat(value) if kind in (date, datetime) else kind(value))
        return values
    except (ValueError, TypeError, AttributeError) as exc:
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


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    request: PageRequest,
    descending: bool = False,
) -> Page[T]:
    """One page of `stmt` ordered by `keys` (the last key must be unique)."""
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
    rows = list((await session.execute(stmt.order_by(*order).limit(size + 1))).scalars())
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    cursors = [_encode([getattr(row, k.key) for k in keys]) for row in rows]
    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=more if not backwards else request.before is not None,
        has_previous_page=more if backwards else request.after is not None,
    )
