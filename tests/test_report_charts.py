"""Report charts: valid, self-contained SVG and non-blank PNG, gaps kept as gaps, stable bytes."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation
from PIL import Image

from sigmasight.reports import charts
from sigmasight.reports.charts import Chart

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
LETTER_TEXT_WIDTH_INCHES = 7.5
LETTER_TEXT_HEIGHT_INCHES = 10.0


def days(count: int) -> list[date]:
    return [date(2026, 1, 2) + timedelta(days=index) for index in range(count)]


def wave(count: int, level: float, swing: float) -> list[float | None]:
    return [level + swing * math.sin(index / 7) for index in range(count)]


def equity_chart(equity: list[float | None] | None = None) -> Chart:
    equity = equity if equity is not None else wave(120, 10_000_000, 400_000)
    peak = -math.inf
    drawdown: list[float | None] = []
    for value in equity:
        if value is None:
            drawdown.append(None)
            continue
        peak = max(peak, value)
        drawdown.append(value / peak - 1)
    return charts.equity_and_drawdown(days(len(equity)), equity, drawdown)


def exposure_chart(net: list[float | None] | None = None) -> Chart:
    count = 90
    long = wave(count, 8_000_000, 500_000)
    short = wave(count, -5_000_000, 300_000)
    gross = [abs(a or 0) + abs(b or 0) for a, b in zip(long, short, strict=True)]
    default_net = [(a or 0) + (b or 0) for a, b in zip(long, short, strict=True)]
    chosen: list[float | None] = list(net) if net is not None else list(default_net)
    return charts.exposure_history(days(count), long, short, list(gross), chosen)


def sector_chart(values: list[float | None] | None = None) -> Chart:
    values = values if values is not None else [0.21, -0.08, 0.125, None, -0.3, 0.04]
    labels = ["Technology", "Energy", "Health Care", "Utilities", "Financials", "Materials"]
    return charts.bars(
        "sector-exposure",
        "Sector exposure",
        labels[: len(values)],
        values,
        unit="fraction",
        description="Net exposure by sector as a percentage of equity.",
    )


def scenario_chart() -> Chart:
    labels = [f"Rates +{bump} bp, equities -{bump // 10}%" for bump in range(25, 525, 50)]
    values: list[float | None] = [(-1) ** index * 120_000.0 * index for index in range(10)]
    return charts.bars(
        "scenario-pnl",
        "Scenario P&L",
        labels,
        values,
        unit="usd",
        description="Profit and loss of each scenario in US dollars.",
    )


def factor_chart() -> Chart:
    return charts.bars(
        "factor-exposure",
        "Factor betas",
        ["Market", "Size", "Value", "Momentum"],
        [0.85, -0.3, None, 0.12],
        unit="beta",
        description="Portfolio beta to each factor.",
    )


def correlation_matrix(count: int) -> list[list[float | None]]:
    return [
        [1.0 if row == column else math.cos(row * 1.3 + column * 0.7) for column in range(count)]
        for row in range(count)
    ]


def heatmap_chart(count: int = 8) -> Chart:
    matrix = correlation_matrix(count)
    matrix[0][1] = matrix[1][0] = None
    return charts.correlation_heatmap([f"TICK{index}" for index in range(count)], matrix)


def profile_chart(today: list[float | None] | None = None) -> Chart:
    moves = [step / 100 for step in range(-30, 31, 2)]
    default_today: list[float | None] = [100_000 * m - 300_000 * m * m for m in moves]
    return charts.risk_profile(
        "AAPL",
        moves,
        {
            "Today": today if today is not None else default_today,
            "At expiry": [max(-40_000.0, 150_000 * m) for m in moves],
        },
        current_price=187.23,
    )


ALL_CHARTS: dict[str, Callable[[], Chart]] = {
    "equity-drawdown": equity_chart,
    "exposure-history": exposure_chart,
    "sector-exposure": sector_chart,
    "scenario-pnl": scenario_chart,
    "factor-exposure": factor_chart,
    "correlation-heatmap": heatmap_chart,
    "risk-profile": profile_chart,
}


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_svg_is_one_svg_document_without_external_references(build: Callable[[], Chart]) -> None:
    # given
    chart = build()

    # when
    text = chart.svg()

    # then
    root = ET.fromstring(text)  # noqa: S314 - our own output, not untrusted input
    assert root.tag == f"{SVG_NAMESPACE}svg"
    assert not text.lstrip().startswith("<?xml")
    references = re.findall(r'href="([^"]*)"', text) + re.findall(r"url\(([^)]*)\)", text)
    # Only links inside the document, or pictures carried in it (the heatmap's cells).
    assert all(reference.startswith(("#", "data:image/png;base64,")) for reference in references)
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", text)
    assert "http" not in without_namespaces


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_every_svg_reference_points_at_an_id_in_the_same_document(
    build: Callable[[], Chart],
) -> None:
    # given
    chart = build()

    # when
    text = chart.svg()

    # then
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    referenced = set(re.findall(r'href="#([^"]+)"', text) + re.findall(r"url\(#([^)]+)\)", text))
    assert referenced
    assert referenced <= ids
    assert all(name.startswith(f"{chart.key}-") for name in ids)


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_svg_draws_text_as_paths(build: Callable[[], Chart]) -> None:
    # given
    chart = build()

    # when
    root = ET.fromstring(chart.svg())  # noqa: S314 - our own output, not untrusted input

    # then
    assert root.find(f".//{SVG_NAMESPACE}text") is None
    assert root.find(f".//{SVG_NAMESPACE}path") is not None


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_png_decodes_at_the_chart_size_and_is_not_blank(build: Callable[[], Chart]) -> None:
    # given
    chart = build()
    width, height = chart.size_inches

    # when
    image = Image.open(io.BytesIO(chart.png(dpi=100)))

    # then
    assert image.size == (round(width * 100), round(height * 100))
    pixels = np.asarray(image.convert("RGB"), dtype=float)
    assert pixels.std() > 10
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_the_same_input_gives_the_same_bytes(build: Callable[[], Chart]) -> None:
    # given
    first, second = build(), build()

    # when
    svgs = first.svg(), second.svg()
    pngs = first.png(dpi=72), second.png(dpi=72)

    # then
    assert svgs[0] == svgs[1]
    assert pngs[0] == pngs[1]


@pytest.mark.parametrize("build", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_a_chart_fits_a_letter_page_with_margins(build: Callable[[], Chart]) -> None:
    # given
    chart = build()

    # when
    width, height = chart.size_inches

    # then
    assert width <= LETTER_TEXT_WIDTH_INCHES
    assert 2.6 <= height <= LETTER_TEXT_HEIGHT_INCHES


def test_charts_drawn_in_threads_match_charts_drawn_one_by_one() -> None:
    # given
    builds = list(ALL_CHARTS.values())
    expected = [build().svg() for build in builds]

    # when
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawn = list(pool.map(lambda build: build().svg(), builds))

    # then
    assert drawn == expected


def test_png_carries_no_software_stamp() -> None:
    # given
    chart = factor_chart()

    # when
    image = Image.open(io.BytesIO(chart.png(dpi=72)))

    # then
    assert "Software" not in image.info


def test_svg_ids_of_two_charts_do_not_collide() -> None:
    # given
    sector, factor = sector_chart(), factor_chart()

    # when
    sector_ids = set(re.findall(r'\bid="([^"]+)"', sector.svg()))
    factor_ids = set(re.findall(r'\bid="([^"]+)"', factor.svg()))

    # then
    assert sector_ids
    assert factor_ids
    assert not sector_ids & factor_ids


def test_a_missing_equity_value_is_a_gap_in_both_panels() -> None:
    # given
    equity = wave(40, 1_000_000, 50_000)
    equity[17] = None

    # when
    chart = equity_chart(equity)

    # then
    top, bottom = chart.figure.axes
    assert math.isnan(top.lines[0].get_ydata()[17])
    assert math.isnan(bottom.lines[0].get_ydata()[17])
    assert not math.isnan(top.lines[0].get_ydata()[16])


def test_a_single_day_is_drawn_as_a_dot() -> None:
    # given
    one_day = [1_000_000.0]

    # when
    chart = charts.equity_and_drawdown(days(1), one_day, [0.0])

    # then
    assert chart.figure.axes[0].lines[0].get_marker() == "o"


def test_a_missing_net_exposure_is_a_gap_not_a_zero() -> None:
    # given
    net = wave(90, 3_000_000, 200_000)
    net[5] = None

    # when
    chart = exposure_chart(net)

    # then
    net_line = next(line for line in chart.figure.axes[0].lines if line.get_label() == "Net")
    assert math.isnan(net_line.get_ydata()[5])


def test_a_missing_risk_profile_point_is_a_gap() -> None:
    # given
    moves = [step / 100 for step in range(-30, 31, 2)]
    today: list[float | None] = [1_000.0 * m for m in moves]
    today[3] = None

    # when
    chart = profile_chart(today)

    # then
    today_line = next(line for line in chart.figure.axes[0].lines if line.get_label() == "Today")
    assert math.isnan(today_line.get_ydata()[3])


def test_a_negative_and_a_positive_bar_have_different_colours() -> None:
    # given
    values: list[float | None] = [0.2, -0.1]

    # when
    chart = sector_chart(values)

    # then
    positive, negative = bar_patches(chart)
    assert to_hex(positive.get_facecolor()) != to_hex(negative.get_facecolor())


def test_a_missing_bar_is_an_empty_row_labelled_na() -> None:
    # given
    values: list[float | None] = [0.2, None, -0.1]

    # when
    chart = sector_chart(values)

    # then
    assert bar_patches(chart)[1].get_width() == 0
    assert value_labels(chart)[1] == "n/a"
    assert [label.get_text() for label in chart.figure.axes[0].get_yticklabels()] == [
        "Technology",
        "Energy",
        "Health Care",
    ]


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [
        ("usd", 1_234_567.0, "$1.2M"),
        ("usd", -1_234_567.0, "\u2212$1.2M"),
        ("usd", 45_600.0, "$45.6K"),
        ("usd", 850.0, "$850"),
        ("fraction", 0.125, "12.5%"),
        ("fraction", -0.0351, "\u22123.5%"),
        ("beta", 0.851, "0.85"),
    ],
)
def test_bar_value_labels_are_formatted_by_unit(
    unit: charts.Unit, value: float, shown: str
) -> None:
    # given
    labels = ["Only row"]

    # when
    chart = charts.bars("k", "T", labels, [value], unit=unit, description="d")

    # then
    assert value_labels(chart) == [shown]


def test_a_long_label_is_truncated_with_an_ellipsis() -> None:
    # given
    label = "Consumer Discretionary Distributors and Specialty Retail"

    # when
    chart = charts.bars("k", "T", [label], [0.1], unit="fraction", description="d")

    # then
    shown = chart.figure.axes[0].get_yticklabels()[0].get_text()
    assert shown.endswith("\u2026")
    assert label.startswith(shown[:-1])
    assert len(shown) < len(label)


def test_a_bar_chart_grows_with_its_rows_but_stays_on_a_page() -> None:
    # given
    few, many, very_many = (
        charts.bars(
            "k", "T", [f"S{i}" for i in range(n)], [0.01] * n, unit="fraction", description="d"
        )
        for n in (5, 30, 200)
    )

    # when
    heights = [chart.size_inches[1] for chart in (few, many, very_many)]

    # then
    assert heights[0] < heights[1] <= heights[2] <= LETTER_TEXT_HEIGHT_INCHES


def test_heatmap_colours_are_fixed_to_minus_one_to_one() -> None:
    # given
    matrix = [[1.0, 0.1], [0.1, 1.0]]

    # when
    chart = charts.correlation_heatmap(["A", "B"], matrix)

    # then
    image = heatmap_image(chart)
    assert image.get_clim() == (-1.0, 1.0)


def test_a_missing_correlation_is_a_grey_cell() -> None:
    # given
    chart = heatmap_chart(4)

    # when
    image = heatmap_image(chart)

    # then
    data = image.get_array()
    assert np.ma.is_masked(data[0, 1])
    assert not np.ma.is_masked(data[0, 2])
    bad = image.get_cmap().get_bad()
    assert bad[0] == bad[1] == bad[2]
    assert 0 < bad[0] < 1


@pytest.mark.parametrize(("count", "annotated"), [(12, True), (13, False)])
def test_heatmap_cells_are_annotated_only_up_to_twelve_labels(count: int, annotated: bool) -> None:
    # given
    labels = [f"T{index}" for index in range(count)]

    # when
    chart = charts.correlation_heatmap(labels, correlation_matrix(count))

    # then
    cell_texts = chart.figure.axes[0].texts
    assert (len(cell_texts) == count * count) is annotated
    assert (len(cell_texts) == 0) is not annotated


def test_risk_profile_names_the_current_price() -> None:
    # given
    moves = [-0.1, 0.0, 0.1]

    # when
    chart = charts.risk_profile("MSFT", moves, {"Today": [-5.0, 0.0, 5.0]}, current_price=412.5)

    # then
    assert "$412.50" in chart.figure.axes[0].get_title(loc="left")
    assert "MSFT" in chart.title


def test_usd_axis_ticks_use_thousands_separators_below_a_million() -> None:
    # given
    formatter = charts.UsdFormatter()
    formatter.set_locs([0.0, 250_000.0, 500_000.0])

    # when
    shown = [formatter(value) for value in (0.0, 250_000.0, -500_000.0)]

    # then
    assert shown == ["$0", "$250,000", "\u2212$500,000"]


def test_usd_axis_ticks_keep_enough_decimals_to_differ() -> None:
    # given
    formatter = charts.UsdFormatter()
    locs = [10_000_000.0, 10_050_000.0, 10_100_000.0]
    formatter.set_locs(locs)

    # when
    shown = [formatter(value) for value in locs]

    # then
    assert len(set(shown)) == len(locs)
    assert all(text.endswith("M") for text in shown)


def test_percent_axis_ticks_show_only_the_decimals_their_spacing_needs() -> None:
    # given
    coarse, fine = charts.PercentAxisFormatter(), charts.PercentAxisFormatter()
    coarse.set_locs([-0.1, -0.05, 0.0])
    fine.set_locs([-0.016, -0.008, 0.0])

    # when
    shown = [coarse(-0.05), coarse(0.0), fine(-0.008)]

    # then
    assert shown == ["\u22125%", "0%", "\u22120.8%"]


def bar_patches(chart: Chart) -> list[Rectangle]:
    return [patch for patch in chart.figure.axes[0].patches if isinstance(patch, Rectangle)]


def value_labels(chart: Chart) -> list[str]:
    return [text.get_text() for text in chart.figure.axes[0].texts if isinstance(text, Annotation)]


def heatmap_image(chart: Chart) -> AxesImage:
    images = chart.figure.axes[0].get_images()
    assert len(images) == 1
    return images[0]
