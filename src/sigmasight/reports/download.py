"""`GET /exports/{id}`: a stored export's file, for its owner, with a bearer access token."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.reports import exports as export_service
from sigmasight.settings import Settings

NO_CACHE = {"Cache-Control": "no-store"}


def download_endpoint(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    parse_id: Callable[[str], uuid.UUID | None],
    redis: Redis | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """The route handler: 401 without a valid token, 404 for an id that is unknown, malformed or
    not the caller's (the same answer for each), else the file as an attachment. `parse_id` reads
    the API's id of an export (a Relay global id), which the API layer defines."""

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
            return JSONResponse(
                {"error": {"code": code, "message": message}},
                status_code=401,
                headers={**NO_CACHE, "WWW-Authenticate": "Bearer"},
            )
        export_id = parse_id(request.path_params["export_id"])
        found = None
        if export_id is not None:
            async with session_factory() as session:
                found = await export_service.get(
                    session, actor=actor, export_id=export_id, with_content=True
                )
        if found is None:
            return JSONResponse(
                {"error": {"code": "NOT_FOUND", "message": "Export not found."}},
                status_code=404,
                headers=NO_CACHE,
            )
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
