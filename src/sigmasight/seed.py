"""Demo accounts and their books, loaded through the same import service users call.

The books in `seeds/` were written as of `SEED_AS_OF`; seeding moves every date forward by whole
weeks to the latest matching day, so option expirations stay Fridays in the future and entry
dates stay weekdays in the past.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth import passwords
from sigmasight.auth import service as auth_service
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import User
from sigmasight.instruments import occ
from sigmasight.paths import project_root
from sigmasight.portfolios import service as portfolio_service
from sigmasight.portfolios.imports import ImportMode, import_positions
from sigmasight.portfolios.models import Portfolio, Tag
from sigmasight.text import fold

SEED_AS_OF = date(2026, 11, 20)  # the day the demo books were written against (a Friday)


@dataclass(frozen=True, slots=True)
class DemoBook:
    name: str  # the account's local part and the CSV's stem
    full_name: str
    portfolio: str

    @property
    def email(self) -> str:
        return f"{self.name}@sigmasight.dev"

    @property
    def csv_path(self) -> Path:
        return project_root() / "seeds" / f"{self.name}.csv"


DEMO_BOOKS = (
    DemoBook("demo_growth", "Demo Growth", "Tech Momentum"),
    DemoBook("demo_value", "Demo Value", "Financials & Energy Value"),
    DemoBook("demo_balanced", "Demo Balanced", "Balanced Multi-Asset"),
    DemoBook("demo_hedgefund", "Demo Hedge Fund", "Long/Short Equity"),
)


def shift_book(text: str, *, days: int) -> str:
    """The CSV with every entry date and option expiration moved by `days`."""
    if days == 0:
        return text
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if not row["entry_date"]:  # the CASH row: no dates to move
            writer.writerow(row)
            continue
        entry = date.fromisoformat(row["entry_date"]) + timedelta(days=days)
        row["entry_date"] = entry.isoformat()
        if occ.looks_like_option(row["ticker"]):
            contract = occ.parse_option(row["ticker"])
            moved = occ.OptionContract(
                contract.underlying,
                contract.expiration + timedelta(days=days),
                contract.option_type,
                contract.strike,
            )
            row["ticker"] = moved.symbol
        writer.writerow(row)
    return out.getvalue()


def weeks_since_seed(today: date) -> int:
    """Days from SEED_AS_OF to the latest same weekday on or before `today`."""
    return (today - SEED_AS_OF).days // 7 * 7


async def _demo_user(session: AsyncSession, book: DemoBook, password: str) -> User:
    user = await auth_service.get_by_email(session, email=book.email)
    if user is None:
        return await auth_service.create(
            session, email=book.email, password=password, full_name=book.full_name, is_demo=True
        )
    if not await passwords.verify_password_off_loop(user.password_hash, password):
        user.password_hash = await passwords.hash_password_off_loop(password)
    return user


async def seed_demo(session: AsyncSession, *, password: str, today: date) -> dict[str, int]:
    """Create the demo users and load their books (idempotent); positions per user."""
    shift = weeks_since_seed(today)
    loaded: dict[str, int] = {}
    for book in DEMO_BOOKS:
        user = await _demo_user(session, book, password)
        actor = Actor(user_id=user.id, role=user.role)
        portfolio = (
            await session.execute(
                select(Portfolio).where(
                    Portfolio.owner_id == user.id,
                    Portfolio.name_key == fold(book.portfolio),
                )
            )
        ).scalar_one_or_none() or await portfolio_service.create(
            session, actor=actor, name=book.portfolio
        )
        text = shift_book(book.csv_path.read_text(), days=shift)
        report = await import_positions(
            session,
            actor=actor,
            portfolio_id=portfolio.id,
            data=text.encode(),
            mode=ImportMode.REPLACE,
            skip_invalid_rows=False,
            today=today,
        )
        loaded[book.email] = report.created + report.updated + report.unchanged
    return loaded


async def is_seeded(session: AsyncSession) -> bool:
    """True when every demo account exists (their books may have been changed since)."""
    emails = [b.email for b in DEMO_BOOKS]
    found = await session.scalar(select(func.count()).where(User.email.in_(emails)))
    return found == len(emails)


async def reset_demo(session: AsyncSession, *, password: str, today: date) -> dict[str, int]:
    """Put the demo users back as seeded: their other portfolios and tags are removed."""
    demo_ids = select(User.id).where(User.email.in_([b.email for b in DEMO_BOOKS]))
    await session.execute(delete(Portfolio).where(Portfolio.owner_id.in_(demo_ids)))
    await session.execute(delete(Tag).where(Tag.owner_id.in_(demo_ids)))
    return await seed_demo(session, password=password, today=today)
