"""A report as a format-neutral document: what it says is decided once, here; the PDF and HTML
writers only draw it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sigmasight.reports.charts import Chart

Align = Literal["left", "right"]
Tone = Literal["info", "warning"]


@dataclass(frozen=True)
class Column:
    title: str
    unit: str = ""  # shown under the title, e.g. "USD", "%", "shares"
    align: Align = "right"


@dataclass(frozen=True)
class Table:
    """Rows of already formatted text; numbers right-aligned by their column."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    # Rows shown in bold (totals) by their index.
    emphasised: frozenset[int] = frozenset()


@dataclass(frozen=True)
class KeyFigures:
    """Headline figures as a grid of label and value."""

    items: tuple[tuple[str, str], ...]
    columns: int = 3


@dataclass(frozen=True)
class Figure:
    chart: Chart


@dataclass(frozen=True)
class Note:
    """A sentence the reader must see: why a figure or chart is missing, or what it means."""

    text: str
    tone: Tone = "info"


@dataclass(frozen=True)
class Paragraph:
    text: str


Block = Table | KeyFigures | Figure | Note | Paragraph


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    # Start the section on a new page in the PDF (long tables read better from the top).
    new_page: bool = False


@dataclass(frozen=True)
class Document:
    title: str  # e.g. "Risk summary"
    portfolio: str
    period: str  # what the figures cover, in words
    as_of: str  # the valuation date of the numbers
    generated_at: datetime
    sources: str  # the market-data providers behind the prices, in words
    sections: tuple[Section, ...]
    glossary: tuple[tuple[str, str], ...] = field(default=())

    @property
    def charts(self) -> list[Chart]:
        """Every chart, in reading order."""
        return [
            block.chart
            for section in self.sections
            for block in section.blocks
            if isinstance(block, Figure)
        ]
