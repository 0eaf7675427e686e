"""Request ids and one access log line per HTTP request."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sigmasight import logs

logger = logging.getLogger("sigmasight.access")
REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 128


def accepted_request_id(value: bytes | None) -> str | None:
    """A caller's request id when it is 1-128 printable ASCII characters (so it cannot forge
    log lines or carry control bytes), else None."""
    if not value or len(value) > MAX_REQUEST_ID_LENGTH:
        return None
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() and text.strip() == text else None


class AccessLogMiddleware:
    """Gives each HTTP request an id (the caller's `X-Request-ID` when acceptable, else a new
    one), echoes it in the response's `X-Request-ID`, and logs method, path, status, duration,
    user id and GraphQL operation name once the response is sent. Query strings are not
    logged: a GET query may carry variables."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER)
        request_id = accepted_request_id(supplied) or uuid.uuid4().hex
        logs.begin(request_id=request_id)
        started = time.perf_counter()
        status = 500  # what the client sees if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fields = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            logger.info("%s %s %s", scope["method"], scope["path"], status, extra=fields)
