"""Report charts: one set of matplotlib figures, written as SVG for HTML reports and PNG for PDF.

Every chart is drawn with the object-oriented API on the Agg canvas (no pyplot, so figures can be
built in worker threads) under one house style (`style.STYLE`). Output is deterministic (fixed
SVG hash salt, no dates or software versions in the metadata) so a sample report kept under
version control does not change when nothing in it changed. Callers skip a chart that has no
data; a None inside a series is a gap in the line or an empty bar, never a zero.
"""

from sigmasight.reports.charts.bar_chart import bars
from sigmasight.reports.charts.chart import Chart
from sigmasight.reports.charts.heatmap import correlation_heatmap
from sigmasight.reports.charts.numbers import PercentAxisFormatter, Unit, UsdFormatter
from sigmasight.reports.charts.profile import risk_profile
from sigmasight.reports.charts.style import PNG_DPI, STYLE, WIDTH
from sigmasight.reports.charts.timelines import equity_and_drawdown, exposure_history

__all__ = [
    "PNG_DPI",
    "STYLE",
    "WIDTH",
    "Chart",
    "PercentAxisFormatter",
    "Unit",
    "UsdFormatter",
    "bars",
    "correlation_heatmap",
    "equity_and_drawdown",
    "exposure_history",
    "risk_profile",
]
