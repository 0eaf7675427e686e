"""Reading stored market data: latest prices (through Redis), history, the security master and
per-symbol coverage."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from redis.asyncio import Redis
from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.redis_client import REDIS_FAULTS

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LatestPrice:
    symbol: str
    close: Decimal
    day: date
    source: str


def _cache_key(symbol: str) -> str:
    return f"sigmasight:price:last:{symbol}"


async def latest_prices(
    session: AsyncSession, redis: Redis, symbols: Sequence[str], *, ttl_seconds: int
) -> dict[str, LatestPrice]:
    """Each symbol's latest stored close, read through a Redis cache."""
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    found: dict[str, LatestPrice] = {}
    cached = await cache_get_many(redis, [_cache_key(s) for s in wanted])
    for symbol, raw in zip(wanted, cached, strict=True):
        if raw is not None:
            data = json.loads(raw)
            found[symbol] = LatestPrice(
                symbol, Decimal(data["close"]), date.fromisoformat(data["day"]), data["source"]
            )
    missing = [s for s in wanted if s not in found]
    if missing:
        latest = (
            select(DailyBar.symbol, func.max(DailyBar.day))
            .where(DailyBar.symbol.in_(missing))
            .group_by(DailyBar.symbol)
        )
        rows = await session.execute(
            select(DailyBar.symbol, DailyBar.close, DailyBar.day, DailyBar.source).where(
                tuple_(DailyBar.symbol, DailyBar.day).in_(latest)
            )
        )
        fresh = {s: LatestPrice(s, c, d, src) for s, c, d, src in rows}
        await cache_set_many(
            redis,
            {
                _cache_key(p.symbol): json.dumps(
                    {"close": str(p.close), "day": p.day.isoformat(), "source": p.source}
                )
                for p in fresh.values()
            },
            ttl_seconds=ttl_seconds,
        )
        found |= fresh
    return found


PRICE_VERSION_KEY = "sigmasight:price:version"


async def forget_latest_prices(redis: Redis, symbols: Sequence[str]) -> None:
    """Drop cached latest prices after new bars are stored, and move the price version on so
    that everything computed from earlier prices is recomputed."""
    if symbols:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.delete(*[_cache_key(s) for s in symbols])
            pipe.incr(PRICE_VERSION_KEY)
            await pipe.execute()


async def price_version(redis: Redis) -> int | None:
    """A number that changes whenever stored bars change: part of every derived cache key.

    None when Redis cannot say: derived values must then be computed afresh, not cached.
    """
    try:
        return int(await redis.get(PRICE_VERSION_KEY) or 0)
    except REDIS_FAULTS as exc:
        logger.warning("price version unavailable, derived caches bypassed: %s", exc)
        return None


async def cache_get_many(redis: Redis, keys: Sequence[str]) -> list[bytes | None]:
    """Cached values of these keys; all misses when Redis is unreachable, so callers read
    PostgreSQL instead of failing."""
    if not keys:
        return []
    try:
        values: list[bytes | None] = await redis.mget(list(keys))
    except REDIS_FAULTS as exc:
        logger.warning("cache unavailable, reading the database: %s", exc)
        return [None] * len(keys)
    return values


async def cache_set_many(redis: Redis, values: dict[str, bytes | str], *, ttl_seconds: int) -> None:
    """Cache these values for `ttl_seconds`; a Redis fault only skips the caching."""
    if not values:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for key, value in values.items():
                pipe.set(key, value, ex=ttl_seconds)
            await pipe.execute()
    except REDIS_FAULTS as exc:
        logger.warning("cache unavailable, values not kept: %s", exc)


async def securities(session: AsyncSession, symbols: Sequence[str]) -> dict[str, Security]:
    """Security-master rows for these symbols."""
    rows = await session.execute(select(Security).where(Security.symbol.in_(list(symbols))))
    return {s.symbol: s for s in rows.scalars()}


async def fetch_statuses(
    session: AsyncSession, symbols: Sequence[str]
) -> dict[str, SymbolFetchStatus]:
    """The last refresh attempt of each of these symbols that has one."""
    if not symbols:
        return {}
    rows = await session.scalars(
        select(SymbolFetchStatus).where(SymbolFetchStatus.symbol.in_(list(symbols)))
    )
    return {s.symbol: s for s in rows}


async def price_histories(
    session: AsyncSession, *, symbols: Sequence[str], start: date, end: date
) -> dict[str, list[DailyBar]]:
    """Stored bars of many symbols in [start, end] in one query, by upper-case symbol, oldest
    first."""
    wanted = sorted({s.upper() for s in symbols})
    found: dict[str, list[DailyBar]] = {s: [] for s in wanted}
    stmt = (
        select(DailyBar)
        .where(DailyBar.symbol.in_(wanted), DailyBar.day >= start, DailyBar.day <= end)
        .order_by(DailyBar.symbol, DailyBar.day)
    )
    for bar in (await session.execute(stmt)).scalars():
        found[bar.symbol].append(bar)
    return found


@dataclass(frozen=True, slots=True)
class SymbolCoverage:
    symbol: str
    first_day: date | None
    last_day: date | None
    days: int
    source: str | None
    last_error: str | None
    last_attempt_at: datetime | None


async def coverage(session: AsyncSession, symbols: Sequence[str]) -> list[SymbolCoverage]:
    """How much history each symbol has, from where, and its last fetch error."""
    wanted = sorted(set(symbols))
    stats = {
        symbol: (first, last, count)
        for symbol, first, last, count in await session.execute(
            select(DailyBar.symbol, func.min(DailyBar.day), func.max(DailyBar.day), func.count())
            .where(DailyBar.symbol.in_(wanted))
            .group_by(DailyBar.symbol)
        )
    }
    status = {
        s.symbol: s
        for s in await session.scalars(
            select(SymbolFetchStatus).where(SymbolFetchStatus.symbol.in_(wanted))
        )
    }
    result = []
    for symbol in wanted:
        first, last, count = stats.get(symbol, (None, None, 0))
        fetch = status.get(symbol)
        result.append(
            SymbolCoverage(
                symbol,
                first,
                last,
                count,
                fetch.source if fetch else None,
                fetch.last_error if fetch else None,
                fetch.last_attempt_at if fetch else None,
            )
        )
    return result
