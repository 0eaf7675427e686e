"""A report document as a Letter-size PDF: reportlab platypus, DejaVu Sans, every page numbered.

Pure wheels (reportlab, and the font shipped inside matplotlib): nothing to install on the
machine. The same document and time give the same bytes (`invariant`), so a committed sample
report changes only when its content does.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from sigmasight.reports import formatting as fmt
from sigmasight.reports.layout import (
    Document,
    Figure,
    KeyFigures,
    Note,
    Section,
    Table,
)
from sigmasight.reports.layout import (
    Paragraph as TextBlock,
)

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = colors.HexColor("#1B2430")
NAVY = colors.HexColor("#1F3A5F")
MUTED = colors.HexColor("#5B6573")
RULE = colors.HexColor("#C9D1DC")
ZEBRA = colors.HexColor("#F2F5F9")
AMBER = colors.HexColor("#8A5A00")
PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 0.6 * inch, 0.75 * inch, 0.7 * inch
WIDTH = PAGE_WIDTH - 2 * MARGIN_X
TABLE_FONT_SIZE, SMALLEST_FONT_SIZE = 7.5, 6.0
CELL_PADDING = 3.0
CHART_DPI = 200

_fonts_lock = threading.Lock()
_fonts_ready = False


def _register_fonts() -> None:
    # Registered once per process; renders run in worker threads, hence the lock.
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD)
        _fonts_ready = True


def _style(name: str, size: float, *, font: str = FONT, color: Any = INK, **extra: Any) -> Any:
    return ParagraphStyle(
        name, fontName=font, fontSize=size, leading=size * 1.3, textColor=color, **extra
    )


STYLES = {
    "title": _style("title", 18, font=BOLD, color=NAVY, spaceAfter=2),
    "subtitle": _style("subtitle", 12, spaceAfter=8),
    "heading": _style("heading", 11, font=BOLD, color=NAVY, spaceBefore=10, spaceAfter=5),
    "table-title": _style("table-title", 8.5, font=BOLD, spaceBefore=4, spaceAfter=3),
    "body": _style("body", 8.5),
    "note": _style("note", 7.5, color=MUTED, spaceBefore=2, spaceAfter=4),
    "warning": _style("warning", 7.5, color=AMBER, spaceBefore=2, spaceAfter=4),
    "caption": _style("caption", 7, color=MUTED, spaceAfter=6),
    "cell": _style("cell", TABLE_FONT_SIZE),
}


def write_pdf(document: Document) -> tuple[bytes, int]:
    """The document as PDF bytes, and its page count."""
    _register_fonts()
    buffer = io.BytesIO()
    pages: list[int] = []
    footer = f"{document.portfolio} · {document.title} · as of {document.as_of}"

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Holds pages back until the end, so each footer can say "Page X of Y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            pages.append(len(self._held))
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                _draw_footer(self, footer, number, len(self._held))
                super().showPage()
            super().save()

    template = BaseDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{document.title} — {document.portfolio}",
        author="SigmaSight",
        subject=document.period,
        creator="SigmaSight",
        invariant=1,
    )
    frame = Frame(
        MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, id="body"
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(_story(document), canvasmaker=NumberedCanvas)
    return buffer.getvalue(), pages[0]


def _draw_footer(canvas: Canvas, text: str, number: int, total: int) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, MARGIN_BOTTOM - 12, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 12)
    canvas.setFont(FONT, 7)
    canvas.setFillColor(MUTED)
    canvas.drawString(MARGIN_X, MARGIN_BOTTOM - 24, text)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 24, f"Page {number} of {total}")
    canvas.restoreState()


def _story(document: Document) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(escape(document.title), STYLES["title"]),
        Paragraph(escape(document.portfolio), STYLES["subtitle"]),
        _facts(document),
        Spacer(1, 6),
    ]
    for section in document.sections:
        story += _section(section)
    # The glossary reads as one piece: on the page it fits, or from the top of the next.
    heading = Paragraph("Glossary", STYLES["heading"])
    story.append(KeepTogether([heading, _glossary(document.glossary)]))
    return story


def _facts(document: Document) -> Flowable:
    rows = [
        ["Period", document.period],
        ["As of", document.as_of],
        ["Generated", fmt.timestamp(document.generated_at)],
        ["Data sources", Paragraph(escape(document.sources), STYLES["cell"])],
    ]
    table = PdfTable(rows, colWidths=[1.1 * inch, WIDTH - 1.1 * inch])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, TABLE_FONT_SIZE + 0.5),
                ("FONT", (0, 0), (0, -1), BOLD, TABLE_FONT_SIZE + 0.5),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, NAVY),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, NAVY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _section(section: Section) -> list[Flowable]:
    heading = Paragraph(escape(section.title), STYLES["heading"])
    flowables: list[Flowable] = [PageBreak() if section.new_page else CondPageBreak(1.5 * inch)]
    blocks = [_block(block) for block in section.blocks]
    # The heading stays with the first thing under it, a chart with its caption.
    flowables.append(KeepTogether([heading, *blocks[0]]) if blocks else heading)
    for block, source in zip(blocks[1:], section.blocks[1:], strict=True):
        flowables += [KeepTogether(block)] if isinstance(source, Figure) else block
    return flowables


def _block(block: Any) -> list[Flowable]:
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, KeyFigures):
        return [_key_figures(block), Spacer(1, 4)]
    if isinstance(block, Figure):
        return _figure(block)
    if isinstance(block, Note):
        return [
            Paragraph(escape(block.text), STYLES["warning" if block.tone == "warning" else "note"])
        ]
    assert isinstance(block, TextBlock)
    return [Paragraph(escape(block.text), STYLES["body"])]


def _figure(block: Figure) -> list[Flowable]:
    chart = block.chart
    width, height = chart.size_inches
    scale = min(1.0, WIDTH / (width * inch))
    image = Image(
        io.BytesIO(chart.png(dpi=CHART_DPI)),
        width=width * inch * scale,
        height=height * inch * scale,
    )
    caption = Paragraph(escape(chart.description), STYLES["caption"])
    return [image, caption]


def _key_figures(block: KeyFigures) -> Flowable:
    per_row = block.columns
    width = WIDTH / per_row
    rows: list[list[str]] = []
    for start in range(0, len(block.items), per_row):
        items = list(block.items[start : start + per_row])
        items += [("", "")] * (per_row - len(items))
        rows += [[label for label, _ in items], [value for _, value in items]]
    table = PdfTable(rows, colWidths=[width] * per_row)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("BACKGROUND", (0, 0), (-1, -1), ZEBRA),
    ]
    for row in range(0, len(rows), 2):
        style += [
            ("FONT", (0, row), (-1, row), FONT, 7),
            ("TEXTCOLOR", (0, row), (-1, row), MUTED),
            ("TOPPADDING", (0, row), (-1, row), 5),
            ("FONT", (0, row + 1), (-1, row + 1), BOLD, 10.5),
            # A label is never parted from its figure by a page break.
            ("NOSPLIT", (0, row), (-1, row + 1)),
            ("BOTTOMPADDING", (0, row + 1), (-1, row + 1), 5),
        ]
    table.setStyle(TableStyle(style))
    return table


def _header_lines(title: str, unit: str, width: float, size: float) -> str:
    """The column title wrapped at spaces to `width`, then its unit on a line of its own."""
    lines: list[str] = []
    for word in title.split(" "):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and pdfmetrics.stringWidth(joined, BOLD, size) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return "\n".join([*lines, unit] if unit else lines)


def _widths(table: Table, size: float) -> list[float]:
    """Each column as wide as its widest cell, its unit or the longest word of its title."""
    widths = []
    for index, column in enumerate(table.columns):
        texts = [row[index] for row in table.rows]
        cells = max((pdfmetrics.stringWidth(t, FONT, size) for t in texts), default=0.0)
        words = [*column.title.split(" "), column.unit]
        head = max(pdfmetrics.stringWidth(word, BOLD, size) for word in words)
        widths.append(max(cells, head) + 2 * CELL_PADDING + 1)
    return widths


def _table(table: Table) -> list[Flowable]:
    size = TABLE_FONT_SIZE
    widths = _widths(table, size)
    # Shrink the type until the table fits the page, down to a still legible size.
    while sum(widths) > WIDTH and size > SMALLEST_FONT_SIZE:
        size = max(SMALLEST_FONT_SIZE, size - 0.5)
        widths = _widths(table, size)
    rows: list[list[Any]] = [list(row) for row in table.rows]
    wrapped = [c.align == "left" for c in table.columns]
    if sum(widths) > WIDTH:
        # Still too wide: the text columns share what the number columns leave, and wrap.
        fixed = sum(w for w, wrap in zip(widths, wrapped, strict=True) if not wrap)
        text_total = sum(w for w, wrap in zip(widths, wrapped, strict=True) if wrap)
        room = max(WIDTH - fixed, 1.0)
        widths = [
            w * room / text_total if wrap else w for w, wrap in zip(widths, wrapped, strict=True)
        ]
        cell = ParagraphStyle("wrapped", parent=STYLES["cell"], fontSize=size, leading=size * 1.2)
        rows = [
            [
                Paragraph(escape(v), cell) if wrap else v
                for v, wrap in zip(row, wrapped, strict=True)
            ]
            for row in rows
        ]
    elif sum(widths) < WIDTH:
        # Spread the spare width over the columns, so tables line up with the page.
        spare = (WIDTH - sum(widths)) / len(widths)
        widths = [w + spare for w in widths]
    header = [
        _header_lines(c.title, c.unit, w - 2 * CELL_PADDING, size)
        for c, w in zip(table.columns, widths, strict=True)
    ]
    pdf = PdfTable([header, *rows], colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("LEADING", (0, 0), (-1, -1), size * 1.2),
        ("FONT", (0, 0), (-1, 0), BOLD, size),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, NAVY),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    for index, column in enumerate(table.columns):
        align = "RIGHT" if column.align == "right" else "LEFT"
        style.append(("ALIGN", (index, 0), (index, -1), align))
    for row in table.emphasised:
        style.append(("FONT", (0, row + 1), (-1, row + 1), BOLD, size))
    pdf.setStyle(TableStyle(style))
    flowables: list[Flowable] = []
    if table.title:
        flowables.append(Paragraph(escape(table.title), STYLES["table-title"]))
    return [*flowables, pdf, Spacer(1, 6)]


def _glossary(terms: tuple[tuple[str, str], ...]) -> Flowable:
    term = ParagraphStyle("term", parent=STYLES["cell"], fontName=BOLD)
    rows = [
        [Paragraph(escape(name), term), Paragraph(escape(meaning), STYLES["cell"])]
        for name, meaning in terms
    ]
    table = PdfTable(rows, colWidths=[1.5 * inch, WIDTH - 1.5 * inch])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, ZEBRA]),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table
