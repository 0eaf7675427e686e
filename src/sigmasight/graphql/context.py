"""The per-request context: who is asking, when, and the request's loaders and sessions."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.types import Info as StrawberryInfo

from sigmasight import clock
from sigmasight.auth.actor import Actor
from sigmasight.errors import DomainError, Forbidden, Unauthenticated
from sigmasight.graphql.errors import UserErrorType, to_user_error
from sigmasight.graphql.loaders import Loaders
from sigmasight.graphql.read_session import ReadSession
from sigmasight.redis_client import REDIS_FAULTS
from sigmasight.risk.book_risk import BookRisk
from sigmasight.settings import Settings

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class Context:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis
    now: datetime
    actor: Actor | None
    auth_error: Unauthenticated | None
    enqueue: Callable[[str, str], Awaitable[None]]
    loaders: Loaders = field(init=False)
    # The request's one read session, shared by loaders and read resolvers (opened on first use).
    reads: ReadSession = field(init=False)
    request: Any = None
    response: Any = None
    # A websocket's connection_init payload, set by the subscription protocol handler.
    connection_params: dict[str, Any] | None = None
    # Risk of books valued in this request that no stored portfolio stands for (what-ifs),
    # by the book's identity, so fields under them read their own risk.
    what_if_risks: dict[int, BookRisk] = field(default_factory=dict)
    _after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reads = ReadSession(self.session_factory)
        self.loaders = Loaders(self.reads, self.redis, self.settings, self.today)

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once the current mutation's transaction has committed (never if not)."""
        self._after_commit.append(callback)

    def enqueue_after_commit(self, function: str, job_id: str) -> None:
        """Queue a background job once the current mutation's transaction has committed."""
        self.after_commit(lambda: self.enqueue(function, job_id))

    @property
    def today(self) -> date:
        """The request's date in New York, which trade and expiry dates are compared with."""
        return clock.market_date(self.now)

    def require_actor(self) -> Actor:
        """The signed-in actor, or a top-level UNAUTHENTICATED error."""
        if self.actor is None:
            raise self.auth_error or Unauthenticated(
                "Sign in to do this: send `Authorization: Bearer <accessToken>`.",
                code="UNAUTHENTICATED",
            )
        return self.actor

    def require_admin(self) -> Actor:
        """The signed-in admin, or a top-level FORBIDDEN error."""
        actor = self.require_actor()
        if not actor.is_admin:
            raise Forbidden("Only administrators can do this.")
        return actor

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The request's read session for one batch of statements (await no loader inside)."""
        async with self.reads.use() as session:
            yield session

    async def mutate(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T | UserErrorType:
        """Run `work` in one transaction; a domain error rolls it back and becomes a user error."""
        # One pooled connection at a time: the read session is idle while mutations run
        # (they run one after another), so hand its connection back first.
        await self.reads.close()
        try:
            async with self.session_factory() as session:
                try:
                    result = await work(session)
                except DomainError as error:
                    if error.commit_changes:
                        await session.commit()
                    else:
                        await session.rollback()
                    return to_user_error(error)
                await session.commit()
            # Callbacks see the committed rows they were queued for, none from a rolled-back one.
            for callback in self._after_commit:
                try:
                    await callback()
                except REDIS_FAULTS as exc:  # an outage, not a bug: no traceback per mutation
                    logger.warning("after-commit step skipped, Redis unavailable: %s", exc)
                except Exception:
                    # The change is saved; a failed follow-up must not report it as failed.
                    logger.exception("after-commit step failed")
            return result
        finally:
            self._after_commit.clear()
            # Mutations run one after another: fields read after this one (its own payload, the
            # next mutation's) must see what it wrote, not values loaded before it, neither
            # cached by a loader nor kept in the read session's identity map.
            self.loaders.clear_all()
            await self.reads.close()


Info = StrawberryInfo[Context, None]
