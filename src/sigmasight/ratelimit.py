"""Per-user request limits, counted in Redis so every API process shares them."""

from __future__ import annotations

import json
import logging
import time

from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.redis_client import REDIS_FAULTS
from sigmasight.settings import Settings

logger = logging.getLogger(__name__)
WINDOW_SECONDS = 60


class RateLimitMiddleware:
    """Allow `settings.rate_limit_per_minute` requests per user (or per client address when
    anonymous) in each clock minute; past that, answer 429 with Retry-After.

    Every answer carries X-RateLimit-Limit, -Remaining and -Reset (epoch seconds). When Redis
    cannot be reached the request is let through: a limiter outage must not become an API one.
    """

    def __init__(self, app: ASGIApp, *, settings: Settings, redis: Redis, paths: set[str]) -> None:
        self.app = app
        self.settings = settings
        self.redis = redis
        self.paths = paths

    def _identity(self, scope: Scope) -> str:
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        # The signature alone keys the count (no session lookup before the limit is applied);
        # sign-in attempts are throttled per address separately, whatever token they carry.
        user_id = auth_service.claimed_user(
            headers.get("authorization", ""), settings=self.settings, now=clock.now()
        )
        if user_id is not None:
            return f"user:{user_id}"
        client = scope.get("client") or ("unknown", 0)
        return f"ip:{client[0]}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.settings.rate_limit_per_minute
        if scope["type"] != "http" or scope["path"] not in self.paths or limit <= 0:
            await self.app(scope, receive, send)
            return
        window = int(time.time()) // WINDOW_SECONDS
        reset = (window + 1) * WINDOW_SECONDS
        key = f"sigmasight:ratelimit:{self._identity(scope)}:{window}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, WINDOW_SECONDS + 5)
                count, _ = await pipe.execute()
        except REDIS_FAULTS as exc:
            # The client's socket timeout bounds a paused Redis to a fraction of a second.
            logger.warning("rate limiter unavailable, letting the request through: %s", exc)
            await self.app(scope, receive, send)
            return
        headers = [
            (b"x-ratelimit-limit", str(limit).encode()),
            (b"x-ratelimit-remaining", str(max(0, limit - int(count))).encode()),
            (b"x-ratelimit-reset", str(reset).encode()),
        ]
        if int(count) > limit:
            retry_after = max(1, reset - int(time.time()))
            body = json.dumps(
                {
                    "data": None,
                    "errors": [
                        {
                            "message": f"Rate limit of {limit} requests per minute exceeded; "
                            f"retry in {retry_after} s.",
                            "extensions": {"code": "RATE_LIMITED"},
                        }
                    ],
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", str(retry_after).encode()),
                        *headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
