"""Importing a positions CSV into a portfolio: validate everything, then write all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth.actor import Actor
from sigmasight.conflicts import constraint_errors
from sigmasight.errors import DomainError
from sigmasight.instruments.csv_reading import RowIssue
from sigmasight.portfolios import service as portfolios
from sigmasight.portfolios.csv_import import ImportRow, parse_positions_csv
from sigmasight.portfolios.models import Position, Tag, TagKind, position_tags
from sigmasight.portfolios.positions import position_type_for, position_values
from sigmasight.portfolios.tags import MAX_TAGS_PER_USER, lock_creation
from sigmasight.text import fold


class ImportMode(StrEnum):
    VALIDATE = "VALIDATE"  # check and count, write nothing
    APPEND = "APPEND"  # add new positions, update changed ones, keep the rest
    REPLACE = "REPLACE"  # make the open book exactly the file


@dataclass(slots=True)
class ImportReport:
    mode: ImportMode
    applied: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    tags_created: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)  # of the rows imported
    cash: Decimal | None = None  # dollars, from the CASH row; None: the file has none


class ImportRejected(DomainError):
    """The file has errors and the caller did not ask to skip bad rows; nothing was written."""

    code = "INVALID_ROWS"

    def __init__(self, report: ImportReport) -> None:
        count = len(report.errors)
        super().__init__(
            f"The file has {count} error{'s' if count != 1 else ''}; nothing was imported.",
            field="csv",
        )
        self.report = report


async def _existing_tag_ids(session: AsyncSession, owner_id: uuid.UUID) -> dict[str, uuid.UUID]:
    rows = await session.execute(select(Tag.id, Tag.name_key).where(Tag.owner_id == owner_id))
    return {key: tag_id for tag_id, key in rows}


def _plan_new_tags(
    rows: Sequence[ImportRow], existing: dict[str, uuid.UUID], report: ImportReport
) -> tuple[dict[str, str], set[int]]:
    """Tags to create (by name key), and the rows that would pass the per-user limit."""
    room = MAX_TAGS_PER_USER - len(existing)
    new_names: dict[str, str] = {}
    over_limit: set[int] = set()
    for row in rows:
        wanted = {fold(n): n for n in row.tags or () if fold(n) not in existing}
        fresh = {k: v for k, v in wanted.items() if k not in new_names}
        if len(new_names) + len(fresh) > room:
            report.errors.append(
                RowIssue(
                    row.row,
                    "tags",
                    "TAG_LIMIT",
                    f"Its new tags would take you past {MAX_TAGS_PER_USER} tags.",
                )
            )
            over_limit.add(row.row)
            continue
        new_names.update(fresh)
    return new_names, over_limit


async def _create_tags(
    session: AsyncSession, owner_id: uuid.UUID, names: dict[str, str]
) -> dict[str, uuid.UUID]:
    if not names:
        return {}
    values = [
        {"owner_id": owner_id, "name": name, "name_key": key, "kind": TagKind.REGULAR}
        for key, name in names.items()
    ]
    async with constraint_errors(session):
        created = await session.execute(insert(Tag).returning(Tag.id, Tag.name_key), values)
    return {key: tag_id for tag_id, key in created}


async def _open_positions(
    session: AsyncSession, portfolio_id: uuid.UUID
) -> dict[tuple[str, date], tuple[Position, frozenset[uuid.UUID]]]:
    positions = list(
        (
            await session.execute(
                select(Position).where(
                    Position.portfolio_id == portfolio_id, Position.exit_date.is_(None)
                )
            )
        ).scalars()
    )
    tag_rows = await session.execute(
        select(position_tags.c.position_id, position_tags.c.tag_id)
        .join(Position, Position.id == position_tags.c.position_id)
        .where(Position.portfolio_id == portfolio_id, Position.exit_date.is_(None))
    )
    tags: dict[uuid.UUID, set[uuid.UUID]] = {}
    for position_id, tag_id in tag_rows:
        tags.setdefault(position_id, set()).add(tag_id)
    return {(p.symbol, p.entry_date): (p, frozenset(tags.get(p.id, ()))) for p in positions}


async def import_positions(
    session: AsyncSession,
    *,
    actor: Actor,
    portfolio_id: uuid.UUID,
    data: bytes,
    mode: ImportMode,
    skip_invalid_rows: bool,
    today: date,
) -> ImportReport:
    """Import a positions CSV; any error writes nothing unless `skip_invalid_rows` is set.

    Open positions are matched by (symbol, entry date): a matching row updates quantity, entry
    price and tags; REPLACE also deletes open positions the file does not list. A CASH row sets
    the portfolio's cash (APPEND and REPLACE); without one cash stays as it is.
    """
    parsed = parse_positions_csv(data, today=today)
    write = mode is not ImportMode.VALIDATE
    if write:
        # Imports of one portfolio run one at a time, each planning against the book the last
        # one committed; tags are created under the same per-user lock as `createTag`, so the
        # tag limit holds and two imports never race to create one tag.
        portfolio = await portfolios.lock_or_raise(session, actor=actor, portfolio_id=portfolio_id)
        await lock_creation(session, owner_id=portfolio.owner_id)
    else:
        portfolio = await portfolios.get_or_raise(session, actor=actor, portfolio_id=portfolio_id)
    report = ImportReport(
        mode=mode,
        rows=parsed.data_rows,
        errors=parsed.errors,
        warnings=parsed.warnings,
        cash=parsed.cash,
    )
    tag_ids = await _existing_tag_ids(session, portfolio.owner_id)
    new_tags, over_limit = _plan_new_tags(parsed.rows, tag_ids, report)
    file_level = any(e.row <= 1 for e in report.errors)  # no row can be trusted
    if report.errors and (file_level or not skip_invalid_rows):
        raise ImportRejected(report)
    rows = [r for r in parsed.rows if r.row not in over_limit]
    report.skipped = parsed.data_rows - len(rows) - (parsed.cash_row is not None)
    report.symbols = sorted({r.instrument.symbol for r in rows})
    report.tags_created = len(new_tags)
    if write:
        tag_ids |= await _create_tags(session, portfolio.owner_id, new_tags)
    existing = await _open_positions(session, portfolio.id)
    new_rows: list[ImportRow] = []
    changed: list[tuple[Position, ImportRow]] = []
    for row in rows:
        match = existing.pop((row.instrument.symbol, row.entry_date), None)
        if match is None:
            new_rows.append(row)
            continue
        position, current_tags = match
        wanted = (
            current_tags
            if row.tags is None
            else frozenset(tag_ids.get(fold(t), uuid.UUID(int=0)) for t in row.tags)
        )
        if (position.quantity, position.entry_price, current_tags) == (
            row.quantity,
            row.entry_price,
            wanted,
        ):
            report.unchanged += 1
        else:
            changed.append((position, row))
    report.created = len(new_rows)
    report.updated = len(changed)
    removed = [p.id for p, _ in existing.values()] if mode is ImportMode.REPLACE else []
    report.deleted = len(removed)
    if write:
        if parsed.cash is not None:
            portfolio.cash = parsed.cash
        await _write(session, portfolio.id, new_rows, changed, removed, tag_ids)
        if parsed.cash is not None:
            await session.refresh(portfolio)  # its updated_at moved on the server
        report.applied = True
    return report


async def _write(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    new_rows: list[ImportRow],
    changed: list[tuple[Position, ImportRow]],
    removed: list[uuid.UUID],
    tag_ids: dict[str, uuid.UUID],
) -> None:
    if removed:
        await session.execute(delete(Position).where(Position.id.in_(removed)))
    tagged: list[tuple[uuid.UUID, ImportRow]] = []
    if new_rows:
        values = [
            {
                "id": uuid.uuid4(),
                **position_values(
                    portfolio_id=portfolio_id,
                    instrument=r.instrument,
                    quantity=r.quantity,
                    entry_price=r.entry_price,
                    entry_date=r.entry_date,
                ),
            }
            for r in new_rows
        ]
        await session.execute(insert(Position), values)
        tagged += [(v["id"], r) for v, r in zip(values, new_rows, strict=True)]
    if changed:
        await session.execute(
            update(Position),
            [
                {
                    "id": p.id,
                    "quantity": r.quantity,
                    "entry_price": r.entry_price,
                    "position_type": position_type_for(r.quantity, p.option_type),
                }
                for p, r in changed
            ],
        )
        retagged = [(p.id, r) for p, r in changed if r.tags is not None]
        await session.execute(
            delete(position_tags).where(position_tags.c.position_id.in_([i for i, _ in retagged]))
        )
        tagged += retagged
    links = [
        {"position_id": position_id, "tag_id": tag_ids[fold(name)]}
        for position_id, row in tagged
        for name in row.tags or ()
    ]
    if links:
        await session.execute(insert(position_tags), links)
    await session.flush()
