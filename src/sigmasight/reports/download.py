"""`GET /exports/{id}` and `GET /reports/{id}`: a stored file, for its owner, with a bearer
access token."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.auth.actor import Actor
from sigmasight.reports.stored_files import NotReady, StoredFile
from sigmasight.settings import Settings

NO_CACHE = {"Cache-Control": "no-store"}


FindFile = Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[StoredFile | None]]


def download_endpoint(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    parse_id: Callable[[str], uuid.UUID | None],
    find: FindFile,
    what: str,
    redis: Redis | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """The route handler: 401 without a valid token, 404 for an id that is unknown, malformed or
    not the caller's (the same answer for each), 409 for a file not made yet, else the file as
    an attachment. `parse_id` reads the API's id (a Relay global id), which the API layer
    defines; `find` looks the file up for the caller; `what` names it in messages."""

    async def download(request: Request) -> Response:
        actor, error = await auth_service.authenticate_header(
            request.headers.get("authorization", ""),
            settings=settings,
            redis=redis,
            session_factory=session_factory,
            now=clock.now(),
        )
        if actor is None:
            message = error.message if error else "Send `Authorization: Bearer <accessToken>`."
            code = error.code if error else "UNAUTHENTICATED"
            return _error(code, message, 401, {"WWW-Authenticate": "Bearer"})
        file_id = parse_id(request.path_params["file_id"])
        found = None
        if file_id is not None:
            async with session_factory() as session:
                try:
                    found = await find(session, actor, file_id)
                except NotReady as not_ready:
                    return _error("NOT_READY", str(not_ready), 409)
        if found is None:
            return _error("NOT_FOUND", f"{what} not found.", 404)
        return Response(
            found.content,
            media_type=found.content_type,
            headers={
                **NO_CACHE,
                "Content-Disposition": f'attachment; filename="{found.filename}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    return download


def _error(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={**NO_CACHE, **(headers or {})},
    )
