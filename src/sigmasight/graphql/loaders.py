"""Per-request batch loaders named `<things>_by_<key>`; batches share the request's read session."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date
from typing import TypeVar

from redis.asyncio import Redis
from sqlalchemy import select
from strawberry.dataloader import DataLoader

from sigmasight.graphql.read_session import ReadSession
from sigmasight.marketdata import prices
from sigmasight.marketdata.models import DailyBar, SymbolFetchStatus
from sigmasight.marketdata.prices import LatestPrice
from sigmasight.pagination import Page, PageRequest
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios import tags as tag_service
from sigmasight.portfolios.groups import GroupBy
from sigmasight.portfolios.models import Portfolio, Position, Tag
from sigmasight.portfolios.positions import PositionFilter
from sigmasight.risk import book_risk, performance
from sigmasight.risk import service as risk_service
from sigmasight.risk.book_risk import BookRisk
from sigmasight.risk.models import PortfolioSnapshot
from sigmasight.risk.service import Book
from sigmasight.settings import Settings

K = TypeVar("K")
G = TypeVar("G", bound=Hashable)
V = TypeVar("V")

# (symbol, first day, last day) of a price history.
BarsKey = tuple[str, date, date]
# (portfolio, filter, page) of a positions connection; the filter must hold tuples, not lists.
PositionsPageKey = tuple[uuid.UUID, PositionFilter, PageRequest]
PositionsCountKey = tuple[uuid.UUID, PositionFilter]
GroupsKey = tuple[uuid.UUID, GroupBy]
# (portfolio, first day, last day) of a snapshot history.
SnapshotsKey = tuple[uuid.UUID, date, date]


async def _per_group(
    keys: Sequence[K],
    group_of: Callable[[K], G],
    load: Callable[[G, list[K]], Awaitable[dict[K, V]]],
) -> list[V | Exception]:
    """Values for `keys`, loading the keys that share a group together (one query per group).

    A group that fails (a bad cursor, say) fails only its own keys.
    """
    groups: dict[G, list[K]] = {}
    for key in keys:
        groups.setdefault(group_of(key), []).append(key)
    found: dict[K, V | Exception] = {}
    for group, members in groups.items():
        try:
            found.update(await load(group, members))
        except Exception as error:  # handed to each key's resolver, which raises it
            found.update(dict.fromkeys(members, error))
    return [found[k] for k in keys]


class Loaders:
    """Loaders for objects reached through a parent the caller was already allowed to see."""

    def __init__(
        self,
        reads: ReadSession,
        redis: Redis,
        settings: Settings,
        today: date,
    ) -> None:
        self._reads = reads
        self._redis = redis
        self._settings = settings
        self._today = today
        self.book_by_portfolio_id = DataLoader(self._book_by_portfolio_id)
        self.risk_by_portfolio_id = DataLoader(self._risk_by_portfolio_id)
        self.tags_by_position_id = DataLoader(self._tags_by_position_id)
        self.portfolio_by_id = DataLoader(self._portfolio_by_id)
        self.latest_price_by_symbol = DataLoader(self._latest_price_by_symbol)
        self.fetch_status_by_symbol = DataLoader(self._fetch_status_by_symbol)
        self.bars_by_symbol_window = DataLoader(self._bars_by_symbol_window)
        self.positions_by_portfolio_page = DataLoader(self._positions_by_portfolio_page)
        self.position_count_by_portfolio_filter = DataLoader(
            self._position_count_by_portfolio_filter
        )
        self.tags_by_portfolio_id = DataLoader(self._tags_by_portfolio_id)
        self.tags_by_owner_id = DataLoader(self._tags_by_owner_id)
        self.snapshots_by_portfolio_window = DataLoader(self._snapshots_by_portfolio_window)

    def clear_all(self) -> None:
        """Forget every cached value, so reads after a mutation's commit see its writes."""
        for value in vars(self).values():
            if isinstance(value, DataLoader):
                value.clear_all()

    async def _book_by_portfolio_id(self, keys: Sequence[uuid.UUID]) -> list[Book | None]:
        async with self._reads.use() as session:
            found = await risk_service.load_books(
                session,
                self._redis,
                portfolio_ids=keys,
                settings=self._settings,
                today=self._today,
            )
        return [found.get(k) for k in keys]

    async def _risk_by_portfolio_id(self, keys: Sequence[uuid.UUID]) -> list[BookRisk | None]:
        books = await self.book_by_portfolio_id.load_many(keys)
        async with self._reads.use() as session:
            found = await book_risk.load_book_risks(
                session,
                self._redis,
                books=[b for b in books if b is not None],
                settings=self._settings,
            )
        return [found.get(k) for k in keys]

    async def _tags_by_position_id(self, keys: Sequence[uuid.UUID]) -> list[list[Tag]]:
        async with self._reads.use() as session:
            found = await tag_service.tags_by_position(session, position_ids=keys)
        return [found[k] for k in keys]

    async def _portfolio_by_id(self, keys: Sequence[uuid.UUID]) -> list[Portfolio | None]:
        async with self._reads.use() as session:
            rows = await session.execute(select(Portfolio).where(Portfolio.id.in_(keys)))
            found = {p.id: p for p in rows.scalars()}
        return [found.get(k) for k in keys]

    async def _latest_price_by_symbol(self, keys: Sequence[str]) -> list[LatestPrice | None]:
        async with self._reads.use() as session:
            found = await prices.latest_prices(
                session, self._redis, keys, ttl_seconds=self._settings.latest_price_cache_seconds
            )
        return [found.get(k) for k in keys]

    async def _fetch_status_by_symbol(self, keys: Sequence[str]) -> list[SymbolFetchStatus | None]:
        async with self._reads.use() as session:
            found = await prices.fetch_statuses(session, keys)
        return [found.get(k) for k in keys]

    async def _bars_by_symbol_window(
        self, keys: Sequence[BarsKey]
    ) -> list[list[DailyBar] | Exception]:
        # Symbols asked for the same window share one query; a far-off window on one field
        # never widens the others' (each window is at most two years).
        async def load(
            window: tuple[date, date], members: list[BarsKey]
        ) -> dict[BarsKey, list[DailyBar]]:
            async with self._reads.use() as session:
                found = await prices.price_histories(
                    session,
                    symbols=[symbol for symbol, _, _ in members],
                    start=window[0],
                    end=window[1],
                )
            return {key: found[key[0].upper()] for key in members}

        return await _per_group(keys, lambda key: (key[1], key[2]), load)

    async def _positions_by_portfolio_page(
        self, keys: Sequence[PositionsPageKey]
    ) -> list[Page[Position] | Exception]:
        # Portfolios asked for the same filter and page share one query, whatever their number.
        async with self._reads.use() as session:

            async def load(
                group: tuple[PositionFilter, PageRequest], members: list[PositionsPageKey]
            ) -> dict[PositionsPageKey, Page[Position]]:
                flt, page = group
                pages = await position_service.list_for_portfolios(
                    session, portfolio_ids=[k[0] for k in members], flt=flt, page=page
                )
                return {k: pages[k[0]] for k in members}

            return await _per_group(keys, lambda k: (k[1], k[2]), load)

    async def _position_count_by_portfolio_filter(
        self, keys: Sequence[PositionsCountKey]
    ) -> list[int | Exception]:
        async with self._reads.use() as session:

            async def load(
                flt: PositionFilter, members: list[PositionsCountKey]
            ) -> dict[PositionsCountKey, int]:
                counts = await position_service.count_for_portfolios(
                    session, portfolio_ids=[k[0] for k in members], flt=flt
                )
                return {k: counts[k[0]] for k in members}

            return await _per_group(keys, lambda k: k[1], load)

    async def _tags_by_portfolio_id(self, keys: Sequence[uuid.UUID]) -> list[list[Tag]]:
        async with self._reads.use() as session:
            found = await tag_service.tags_by_portfolio(session, portfolio_ids=keys)
        return [found[k] for k in keys]

    async def _tags_by_owner_id(self, keys: Sequence[uuid.UUID]) -> list[list[Tag]]:
        async with self._reads.use() as session:
            found = await tag_service.tags_by_owner(session, owner_ids=keys)
        return [found[k] for k in keys]

    async def _snapshots_by_portfolio_window(
        self, keys: Sequence[SnapshotsKey]
    ) -> list[list[PortfolioSnapshot] | Exception]:
        # History, exposure and Greeks fields over the same window share one query.
        async with self._reads.use() as session:

            async def load(
                window: tuple[date, date], members: list[SnapshotsKey]
            ) -> dict[SnapshotsKey, list[PortfolioSnapshot]]:
                found = await performance.snapshots_between(
                    session,
                    portfolio_ids=sorted({k[0] for k in members}),
                    start=window[0],
                    end=window[1],
                )
                return {k: found[k[0]] for k in members}

            return await _per_group(keys, lambda k: (k[1], k[2]), load)
