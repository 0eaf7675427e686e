"""A drawn chart and its two outputs: SVG for HTML reports, PNG for PDF reports."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from matplotlib.figure import Figure

from sigmasight.reports.charts.style import PNG_DPI, styled


@dataclass(frozen=True)
class Chart:
    """A drawn chart: one matplotlib Figure, written out as SVG (for HTML) or PNG (for PDF)."""

    key: str
    title: str
    description: str
    figure: Figure

    def svg(self) -> str:
        """The chart as a standalone SVG element (no XML prolog), text drawn as paths."""
        buffer = io.StringIO()
        with styled():
            self.figure.savefig(
                buffer,
                format="svg",
                # Only a title: no date or software version that would change the bytes.
                metadata={
                    "Title": self.title,
                    "Date": None,
                    "Creator": None,
                    "Format": None,
                    "Type": None,
                },
            )
        text = _PROLOG.sub("", buffer.getvalue()).replace(
            "</title>", f"</title>\n <desc>{escape(self.description)}</desc>", 1
        )
        return _scope_ids(text, self.key)

    def png(self, dpi: int = PNG_DPI) -> bytes:
        """The chart as PNG bytes at `dpi`, without a software or date stamp."""
        buffer = io.BytesIO()
        with styled():
            self.figure.savefig(
                buffer,
                format="png",
                dpi=dpi,
                metadata={"Software": None},
                # The PDF writer compresses the pixels again; a light first pass is faster.
                pil_kwargs={"compress_level": 1},
            )
        return buffer.getvalue()

    @property
    def size_inches(self) -> tuple[float, float]:
        """Width and height of the drawn chart in inches."""
        width, height = self.figure.get_size_inches()
        return float(width), float(height)


_PROLOG = re.compile(r"\A\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?")
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def _scope_ids(text: str, key: str) -> str:
    # Charts inlined in one HTML page must not share ids (glyphs, clip paths): prefix the key.
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", key) + "-"
    ids = set(_ID.findall(text))

    def scoped(match: re.Match[str]) -> str:
        name = match.group(2)
        return f"{match.group(1)}{prefix}{name}" if name in ids else match.group(0)

    return _REFERENCE.sub(scoped, text)
