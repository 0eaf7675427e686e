"""Per-request batch loaders named `<things>_by_<key>`; each batch uses its own short session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from sigmasight.marketdata import prices
from sigmasight.marketdata.models import Security, SymbolFetchStatus
from sigmasight.marketdata.prices import LatestPrice
from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.models import Portfolio, Tag
from sigmasight.settings import Settings


class Loaders:
    """Loaders for objects reached through a parent the caller was already allowed to see."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        redis: Redis,
        settings: Settings,
    ) -> None:
        self._session_factory = session_factory
        self._redis = redis
        self._settings = settings
        self.tags_by_position_id = DataLoader(self._tags_by_position_id)
        self.portfolio_by_id = DataLoader(self._portfolio_by_id)
        self.latest_price_by_symbol = DataLoader(self._latest_price_by_symbol)
        self.security_by_symbol = DataLoader(self._security_by_symbol)
        self.fetch_status_by_symbol = DataLoader(self._fetch_status_by_symbol)

    async def _tags_by_position_id(self, keys: Sequence[uuid.UUID]) -> list[list[Tag]]:
        async with self._session_factory() as session:
            found = await tag_service.tags_by_position(session, position_ids=keys)
        return [found[k] for k in keys]

    async def _portfolio_by_id(self, keys: Sequence[uuid.UUID]) -> list[Portfolio | None]:
        async with self._session_factory() as session:
            rows = await session.execute(select(Portfolio).where(Portfolio.id.in_(keys)))
            found = {p.id: p for p in rows.scalars()}
        return [found.get(k) for k in keys]

    async def _latest_price_by_symbol(self, keys: Sequence[str]) -> list[LatestPrice | None]:
        async with self._session_factory() as session:
            found = await prices.latest_prices(
                session, self._redis, keys, ttl_seconds=self._settings.latest_price_cache_seconds
            )
        return [found.get(k) for k in keys]

    async def _security_by_symbol(self, keys: Sequence[str]) -> list[Security | None]:
        async with self._session_factory() as session:
            found = await prices.securities(session, keys)
        return [found.get(k) for k in keys]

    async def _fetch_status_by_symbol(self, keys: Sequence[str]) -> list[SymbolFetchStatus | None]:
        async with self._session_factory() as session:
            rows = await session.scalars(
                select(SymbolFetchStatus).where(SymbolFetchStatus.symbol.in_(keys))
            )
            found = {s.symbol: s for s in rows}
        return [found.get(k) for k in keys]
