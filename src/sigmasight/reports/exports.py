"""Exports: order lists and a portfolio's tables rendered to a file, stored per user, read by id.

Trade exports render orders (a modeling session's trades or an ad-hoc list) as CSV, JSON or FIX
4.4 NewOrderSingle messages; each order gets a ClOrdID unique to the export (the export id's first
16 hex digits, a dash, the order's number from 1), the same in every format. Portfolio exports
render the tables the API serves from the valued book: positions (importable again through
`importPositions`), Greeks, exposures and factor exposures, as CSV, JSON or XLSX.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from sigmasight.access import visible_to
from sigmasight.auth.actor import Actor
from sigmasight.errors import Invalid
from sigmasight.instruments.occ import SymbolError
from sigmasight.pagination import Page, PageRequest, paginate
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios import tags as tag_service
from sigmasight.reports import filenames, fix
from sigmasight.reports.files import (
    Section,
    sections_csv,
    sections_json,
    sections_xlsx,
    trades_csv,
    trades_json,
)
from sigmasight.reports.models import Export, ExportFormat, ExportKind
from sigmasight.reports.orders import Order, validate_order
from sigmasight.reports.stored_files import StoredFile
from sigmasight.reports.tables import (
    exposures_section,
    factors_section,
    greeks_section,
    positions_section,
)
from sigmasight.risk import book_risk
from sigmasight.risk import service as risk_service
from sigmasight.settings import Settings

MAX_ORDERS = 500  # per ad-hoc trade export, as many as a modeling session holds
TRADE_FORMATS = (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.FIX)
PORTFOLIO_FORMATS = (ExportFormat.CSV, ExportFormat.JSON, ExportFormat.XLSX)
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSON: "application/json",
    ExportFormat.FIX: "application/octet-stream",  # SOH-delimited tag=value, no registered type
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {
    ExportFormat.CSV: "csv",
    ExportFormat.JSON: "json",
    ExportFormat.FIX: "fix",
    ExportFormat.XLSX: "xlsx",
}


class PortfolioSection(StrEnum):
    POSITIONS = "POSITIONS"
    GREEKS = "GREEKS"
    EXPOSURES = "EXPOSURES"
    FACTORS = "FACTORS"


# ---- reading ----------------------------------------------------------------------------------


def _visible(actor: Actor) -> Any:
    return select(Export).where(visible_to(actor, Export.owner_id))


async def get(
    session: AsyncSession, *, actor: Actor, export_id: uuid.UUID, with_content: bool = False
) -> Export | None:
    """The export if it exists and the actor may see it; its bytes only when asked for."""
    stmt = _visible(actor).where(Export.id == export_id)
    if with_content:
        stmt = stmt.options(undefer(Export.content))
    found: Export | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def file_for(
    session: AsyncSession, *, actor: Actor, export_id: uuid.UUID
) -> StoredFile | None:
    """The export's file for a download, if the actor may see it."""
    found = await get(session, actor=actor, export_id=export_id, with_content=True)
    return StoredFile(found.content, found.content_type, found.filename) if found else None


async def list_for_actor(session: AsyncSession, *, actor: Actor, page: PageRequest) -> Page[Export]:
    """The actor's exports, newest first, without their bytes."""
    keys = [Export.created_at, Export.id]
    return await paginate(session, _visible(actor), keys=keys, request=page, descending=True)


async def count_for_actor(session: AsyncSession, *, actor: Actor) -> int:
    """How many exports `list_for_actor` pages through."""
    stmt = select(func.count()).select_from(Export).where(visible_to(actor, Export.owner_id))
    return int(await session.scalar(stmt) or 0)


# ---- trades -----------------------------------------------------------------------------------


async def export_trades(
    session: AsyncSession,
    *,
    actor: Actor,
    orders: Sequence[Order],
    export_format: ExportFormat,
    settings: Settings,
    now: datetime,
    session_id: uuid.UUID | None = None,
    name: str | None = None,
) -> Export:
    """Render and store orders: a session's trades (`session_id`, `name`) or an ad-hoc list."""
    if export_format not in TRADE_FORMATS:
        raise Invalid(
            "Trades export as CSV, JSON or FIX.", field="format", code="UNSUPPORTED_FORMAT"
        )
    source = "sessionId" if session_id is not None else "trades"
    if not orders:
        message = (
            "The session has no trades to export."
            if session_id is not None
            else "Give at least one order."
        )
        raise Invalid(message, field=source, code="REQUIRED")
    if len(orders) > MAX_ORDERS:
        raise Invalid(f"At most {MAX_ORDERS} orders an export.", field=source, code="TOO_MANY")
    export_id = uuid.uuid4()
    prefix = export_id.hex[:16]
    numbered = [
        replace(order, client_order_id=f"{prefix}-{number}")
        for number, order in enumerate(orders, start=1)
    ]
    for index, order in enumerate(numbered):
        _check_order(order, index, session_id is not None)
    if export_format is ExportFormat.FIX:
        content = fix.new_order_singles(
            numbered,
            sender_comp_id=settings.fix_sender_comp_id,
            target_comp_id=settings.fix_target_comp_id,
            sending_time=now,
            transact_time=now,
        )
    elif export_format is ExportFormat.JSON:
        content = trades_json(numbered)
    else:
        content = trades_csv(numbered)
    return await _store(
        session,
        export_id=export_id,
        actor=actor,
        kind=ExportKind.TRADES,
        export_format=export_format,
        content=content,
        stem=filenames.stem("trades", name, now),
        now=now,
        session_id=session_id,
    )


def _check_order(order: Order, index: int, from_session: bool) -> None:
    """The order's rule it breaks as a user error, pointing at the order (or at the session)."""
    try:
        validate_order(order)
    except SymbolError as exc:
        field = "sessionId" if from_session else f"trades.{index}.symbol"
        raise Invalid(f"Order {index + 1}: {exc}", field=field, code=exc.code) from exc
    except ValueError as exc:
        field = "sessionId" if from_session else f"trades.{index}"
        raise Invalid(f"Order {index + 1}: {exc}", field=field, code="INVALID_ORDER") from exc


# ---- portfolios -------------------------------------------------------------------------------


async def export_portfolio(
    session: AsyncSession,
    redis: Redis,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    export_format: ExportFormat,
    sections: Sequence[PortfolioSection],
    settings: Settings,
    today: date,
    now: datetime,
) -> Export:
    """Render and store a portfolio's tables (in POSITIONS, GREEKS, EXPOSURES, FACTORS order)."""
    portfolio = await portfolio_service.get_or_raise(
        session, actor=actor, portfolio_id=portfolio_id
    )
    if export_format not in PORTFOLIO_FORMATS:
        raise Invalid(
            "Portfolios export as CSV, JSON or XLSX.", field="format", code="UNSUPPORTED_FORMAT"
        )
    wanted = [s for s in PortfolioSection if s in set(sections)]
    if not wanted:
        raise Invalid("Include at least one section.", field="include", code="REQUIRED")
    books = await risk_service.load_books(
        session, redis, portfolio_ids=[portfolio.id], settings=settings, today=today
    )
    book = books[portfolio.id]
    tables: list[Section] = []
    for section in wanted:
        if section is PortfolioSection.POSITIONS:
            ids = [p.id for p in book.open_positions]
            tags = await tag_service.tags_by_position(session, position_ids=ids)
            tables.append(positions_section(book, tags))
        elif section is PortfolioSection.GREEKS:
            tables.append(greeks_section(book))
        elif section is PortfolioSection.EXPOSURES:
            tables.append(exposures_section(book))
        else:
            [risk] = await book_risk.risks_of(session, redis, books=[book], settings=settings)
            tables.append(factors_section(risk))
    if export_format is ExportFormat.XLSX:
        content = sections_xlsx(tables)
    elif export_format is ExportFormat.JSON:
        content = sections_json(tables)
    else:
        content = sections_csv(tables)
    return await _store(
        session,
        export_id=uuid.uuid4(),
        actor=actor,
        kind=ExportKind.PORTFOLIO,
        export_format=export_format,
        content=content,
        stem=filenames.stem("portfolio", portfolio.name, now),
        now=now,
        portfolio_id=portfolio.id,
    )


# ---- storing ----------------------------------------------------------------------------------


async def _store(
    session: AsyncSession,
    *,
    export_id: uuid.UUID,
    actor: Actor,
    kind: ExportKind,
    export_format: ExportFormat,
    content: bytes,
    stem: str,
    now: datetime,
    session_id: uuid.UUID | None = None,
    portfolio_id: uuid.UUID | None = None,
) -> Export:
    export = Export(
        id=export_id,
        owner_id=actor.user_id,
        kind=kind,
        format=export_format,
        session_id=session_id,
        portfolio_id=portfolio_id,
        filename=f"{stem}.{EXTENSIONS[export_format]}",
        content_type=CONTENT_TYPES[export_format],
        size=len(content),
        content=content,
        created_at=now,
    )
    session.add(export)
    await session.flush()
    return export
