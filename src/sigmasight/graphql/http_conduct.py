"""GraphQL over HTTP rules of the endpoint: body size, media types, status codes, CSRF.

Follows https://graphql.github.io/graphql-over-http/ : a client that accepts
`application/graphql-response+json` gets that media type, and a request that never ran (a
document that does not parse or validate, variables that do not coerce) answers 400 without a
`data` entry; `application/json` clients keep the classic answer (200, `data: null`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
# Headers a browser cannot send cross-origin without a CORS preflight; GraphQL multipart servers
# (Apollo Server among them) require one of them on multipart requests, which a plain HTML form
# could otherwise post from any site.
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


def response_media_type(accept: str) -> str:
    """`application/graphql-response+json` when the client accepts it at least as much as
    `application/json`; otherwise (no Accept, `*/*`, `application/json`) `application/json`."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weight, weights.get(media.lower(), 0.0))
    preferred = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    if preferred > 0 and preferred >= weights.get(APPLICATION_JSON, 0.0):
        return GRAPHQL_RESPONSE_JSON
    return APPLICATION_JSON


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never ran: no data and only errors without a field path
    (parse, validation and variable-coercion errors carry none)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or [])
    )


def has_preflight_header(headers: Mapping[str, str]) -> bool:
    """True when the request carries a non-empty header that forces a CORS preflight."""
    return any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS)


def error_body(message: str) -> bytes:
    """A GraphQL-shaped error body."""
    return json.dumps({"errors": [{"message": message}]}).encode()


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Answers 413 to a request body past the limit: by its Content-Length before reading it,
    and while it streams in when the length is not announced (chunked), so an oversized body is
    never buffered whole. Multipart bodies (file uploads) get their own, larger limit."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int, paths: Collection[str]
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.max_upload_bytes if multipart else self.max_bytes
        announced = headers.get("content-length", "").strip()
        if announced and (not announced.isdigit() or int(announced) > limit):
            await _refuse(send, limit)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:  # an answer is already on its way; nothing sensible can follow it
                raise
            await _refuse(send, limit)


async def _refuse(send: Send, limit: int) -> None:
    body = error_body(f"The request body is larger than the limit of {limit:,} bytes.")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", APPLICATION_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
