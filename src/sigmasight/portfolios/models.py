"""Portfolios, positions and tags."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from sigmasight.db import Base, IdMixin, TimestampMixin
from sigmasight.instruments.occ import OptionType
from sigmasight.text import fold


class PositionType(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"
    LC = "LC"  # long call
    LP = "LP"  # long put
    SC = "SC"  # short call
    SP = "SP"  # short put


class TagKind(StrEnum):
    REGULAR = "REGULAR"
    STRATEGY = "STRATEGY"


def _name_key(context: DefaultExecutionContext) -> str:
    # Core inserts (bulk tag creation) give only the name; the key is derived from it.
    return fold(context.get_current_parameters()["name"])  # type: ignore[no-untyped-call]


class _NameKey:
    """A `name` with its case-insensitive key (`fold(name)`) stored beside it.

    Uniqueness ignoring case is a unique index on the stored key, so Python's comparison and
    PostgreSQL's are the same one by construction (SQL `lower()` and Python's casefold disagree
    on letters such as the dotted capital I and the final sigma).
    """

    name_key: Mapped[str]

    @validates("name")
    def _keep_key(self, _attribute: str, name: str) -> str:
        self.name_key = fold(name)
        return name


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, create_constraint=True)


position_tags = Table(
    "position_tags",
    Base.metadata,
    Column("position_id", ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Portfolio(_NameKey, IdMixin, TimestampMixin, Base):
    __tablename__ = "portfolios"
    __table_args__ = (
        CheckConstraint(
            "gross_limit_percent IS NULL OR gross_limit_percent > 0", name="gross_limit_positive"
        ),
        CheckConstraint(
            "(net_target_min_percent IS NULL) = (net_target_max_percent IS NULL)",
            name="net_target_complete",
        ),
        CheckConstraint(
            "net_target_min_percent IS NULL OR net_target_min_percent <= net_target_max_percent",
            name="net_target_ordered",
        ),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    name_key: Mapped[str] = mapped_column(Text, nullable=False, default=_name_key)
    description: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3), default="USD", nullable=False)
    # Dollars; negative is a margin debit. Short-sale proceeds are part of it.
    cash: Mapped[Decimal] = mapped_column(
        Numeric(20, 2), default=Decimal(0), server_default=text("0"), nullable=False
    )
    # Risk limits as percentages of equity (200.00 = 2x); null = no limit set.
    gross_limit_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    net_target_min_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    net_target_max_percent: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))


# Names are unique per owner ignoring case.
Index("uq_portfolios_owner_name_key", Portfolio.owner_id, Portfolio.name_key, unique=True)


class Position(IdMixin, TimestampMixin, Base):
    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint("entry_price > 0", name="entry_price_positive"),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
        CheckConstraint("exit_price IS NULL OR exit_price >= 0", name="exit_price_nonnegative"),
        CheckConstraint("(exit_date IS NULL) = (exit_price IS NULL)", name="exit_complete"),
        CheckConstraint(
            "(position_type IN ('LONG', 'SHORT')) = (option_type IS NULL)"
            " AND (option_type IS NULL) = (strike IS NULL)"
            " AND (option_type IS NULL) = (expiration IS NULL)",
            name="option_fields_complete",
        ),
        CheckConstraint(
            "(position_type IN ('LONG', 'LC', 'LP')) = (quantity > 0)", name="type_matches_sign"
        ),
        # Live positions are what every analytic reads; closed ones are history.
        Index(
            "ix_positions_live_portfolio_symbol",
            "portfolio_id",
            "symbol",
            postgresql_where=text("exit_date IS NULL"),
        ),
        Index(
            "uq_positions_live_symbol_entry_date",
            "portfolio_id",
            "symbol",
            "entry_date",
            unique=True,
            postgresql_where=text("exit_date IS NULL"),
        ),
        Index("ix_positions_underlying", "underlying"),
    )

    portfolio_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), index=True, nullable=False
    )
    symbol: Mapped[str] = mapped_column(String(32), nullable=False)
    underlying: Mapped[str] = mapped_column(String(16), nullable=False)
    position_type: Mapped[PositionType] = mapped_column(_enum(PositionType), nullable=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6), nullable=False)
    multiplier: Mapped[int] = mapped_column(Integer, nullable=False)
    entry_price: Mapped[Decimal] = mapped_column(Numeric(20, 6), nullable=False)
    entry_date: Mapped[date] = mapped_column(Date, nullable=False)
    exit_price: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    exit_date: Mapped[date | None] = mapped_column(Date)
    option_type: Mapped[OptionType | None] = mapped_column(_enum(OptionType))
    strike: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    expiration: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    tags: Mapped[list[Tag]] = relationship(secondary=position_tags, lazy="raise")

    @property
    def is_option(self) -> bool:
        return self.option_type is not None

    @property
    def is_open(self) -> bool:
        return self.exit_date is None


class Tag(_NameKey, IdMixin, TimestampMixin, Base):
    __tablename__ = "tags"
    __table_args__ = (CheckConstraint("color ~ '^#[0-9A-Fa-f]{6}$'", name="color_hex"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    name_key: Mapped[str] = mapped_column(Text, nullable=False, default=_name_key)
    color: Mapped[str] = mapped_column(String(7), default="#6B7280", nullable=False)
    kind: Mapped[TagKind] = mapped_column(_enum(TagKind), default=TagKind.REGULAR, nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))


Index("uq_tags_owner_name_key", Tag.owner_id, Tag.name_key, unique=True)
