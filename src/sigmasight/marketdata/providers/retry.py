"""Retrying provider calls: exponential backoff with full jitter, honouring Retry-After."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sigmasight.marketdata.providers.base import ProviderError, RateLimited

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`call()`, tried up to `attempts` times while it fails with a retryable ProviderError."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except ProviderError as error:
            if not error.retryable or attempt == attempts:
                raise
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))  # noqa: S311
            if isinstance(error, RateLimited) and error.retry_after is not None:
                delay = min(max_delay, error.retry_after)
            logger.info("retrying after %s (attempt %d, %.2fs)", error, attempt, delay)
            await sleep(delay)
    raise AssertionError("unreachable")
