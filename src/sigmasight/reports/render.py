"""The report entry point: a report's numbers laid out once, written as a PDF or one HTML file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sigmasight.reports.models import ReportFormat, ReportKind


class ReportDataError(Exception):
    """The API could not give a report's numbers; the message says why (shown to the user)."""


@dataclass(frozen=True)
class RenderedReport:
    content: bytes
    content_type: str  # "application/pdf" or "text/html; charset=utf-8"
    extension: str  # "pdf" or "html"
    pages: int | None  # the PDF's page count; None for HTML


def render_report(
    *, kind: ReportKind, report_format: ReportFormat, data: dict[str, Any], generated_at: datetime
) -> RenderedReport:
    """Lay out a report's numbers as a PDF or one self-contained HTML file (sync, CPU-bound: the
    job runs it in a thread)."""
    # Loaded here, not at import: the API imports this module for its error, and matplotlib and
    # reportlab belong to the processes that make reports.
    from sigmasight.reports.contents import build_document
    from sigmasight.reports.html import write_html
    from sigmasight.reports.pdf import write_pdf

    document = build_document(kind, data, generated_at=generated_at)
    if ReportFormat(report_format) is ReportFormat.PDF:
        content, pages = write_pdf(document)
        return RenderedReport(content, "application/pdf", "pdf", pages)
    return RenderedReport(write_html(document).encode(), "text/html; charset=utf-8", "html", None)
