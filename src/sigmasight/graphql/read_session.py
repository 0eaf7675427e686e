"""One database session per request for reads, shared by every loader and read resolver.

An `AsyncSession` (and the asyncpg connection under it) runs one statement at a time, while
strawberry resolves sibling fields concurrently. Each user takes the session for one batch of
statements behind a lock and never waits on another loader while holding it, so the request
checks out a single pooled connection instead of one per loader batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.extensions import SchemaExtension

from sigmasight.errors import DomainError


class ReadSession:
    """A lazily opened read session, used by one batch of statements at a time."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._ended = False

    @contextlib.asynccontextmanager
    async def use(self) -> AsyncIterator[AsyncSession]:
        """The request's session, held for one batch of statements.

        Inside the block, await only the database (or Redis), never a loader or another
        `use()`: the lock is not re-entrant and a loader's batch runs in another task.
        """
        async with self._lock:
            if not self._ended:
                if self._session is None:
                    self._session = self._factory()
                session = self._session
                try:
                    yield session
                except DomainError:
                    raise  # a refusal decided in Python; the transaction is intact
                except BaseException:
                    # A failed statement aborts the transaction for every later statement, and
                    # a cancelled one may leave the connection mid-protocol: start afresh.
                    self._session = None
                    with contextlib.suppress(Exception):
                        await asyncio.shield(session.close())
                    raise
                return
        # A straggler after the operation ended (a sibling of a field that failed early): a
        # short session of its own, so nothing stays open once the request is over.
        async with self._factory() as own:
            yield own

    async def close(self, *, ended: bool = False) -> None:
        """Return the connection to the pool; a later `use()` opens a new session (one per
        block once the operation has `ended`)."""
        async with self._lock:
            self._ended = self._ended or ended
            session, self._session = self._session, None
            if session is not None:
                await session.close()


class CloseReadSession(SchemaExtension):
    """Releases the request's read session when an operation ends, whatever its outcome."""

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            reads = getattr(self.execution_context.context, "reads", None)
            if isinstance(reads, ReadSession):
                await reads.close(ended=True)
