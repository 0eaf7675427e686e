"""Per-request batch loaders named `<things>_by_<key>`; each batch uses its own short session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.models import Portfolio, Tag


class Loaders:
    """Loaders for objects reached through a parent the caller was already allowed to see."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self.tags_by_position_id = DataLoader(self._tags_by_position_id)
        self.portfolio_by_id = DataLoader(self._portfolio_by_id)

    async def _tags_by_position_id(self, keys: Sequence[uuid.UUID]) -> list[list[Tag]]:
        async with self._session_factory() as session:
            found = await tag_service.tags_by_position(session, position_ids=keys)
        return [found[k] for k in keys]

    async def _portfolio_by_id(self, keys: Sequence[uuid.UUID]) -> list[Portfolio | None]:
        async with self._session_factory() as session:
            rows = await session.execute(select(Portfolio).where(Portfolio.id.in_(keys)))
            found = {p.id: p for p in rows.scalars()}
        return [found.get(k) for k in keys]
