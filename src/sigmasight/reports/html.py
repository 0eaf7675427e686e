"""A report document as one self-contained HTML file: styles inline, charts as data URIs, no
scripts, nothing fetched when it is opened (offline, or attached to an email)."""

from __future__ import annotations

import base64
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from sigmasight.reports import formatting as fmt
from sigmasight.reports.layout import Document, Figure, KeyFigures, Note, Table

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="SigmaSight">
<title>{{ doc.title }} — {{ doc.portfolio }}</title>
<style>
:root { --ink: #1b2430; --navy: #1f3a5f; --muted: #5b6573; --rule: #c9d1dc; --zebra: #f2f5f9;
        --amber: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; background: #e9edf2; color: var(--ink);
       font: 13px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 9.5in; margin: 24px auto; background: #fff; padding: 0.5in;
       box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
h1 { color: var(--navy); font-size: 24px; margin: 0 0 2px; }
.portfolio { font-size: 16px; margin: 0 0 12px; }
h2 { color: var(--navy); font-size: 15px; margin: 26px 0 8px; border-bottom: 1px solid var(--rule);
     padding-bottom: 3px; }
h3 { font-size: 12px; margin: 12px 0 4px; }
dl.facts { display: grid; grid-template-columns: 9em 1fr; margin: 0; padding: 6px 0;
           border-top: 1.5px solid var(--navy); border-bottom: 1.5px solid var(--navy); }
dl.facts dt { color: var(--muted); font-weight: bold; }
dl.facts dd { margin: 0; }
.figures { display: grid; gap: 1px; background: #fff; margin: 6px 0 10px; }
.figures div { background: var(--zebra); padding: 6px 8px; }
.figures span { display: block; color: var(--muted); font-size: 11px; }
.figures strong { font-size: 15px; }
div.table { overflow-x: auto; margin: 4px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 11.5px; }
table.wide { font-size: 9.5px; }
table.wide th, table.wide td { padding-left: 3px; padding-right: 3px; }
thead th { background: var(--navy); color: #fff; text-align: left; padding: 3px 6px;
           vertical-align: bottom; font-weight: bold; }
thead th small { display: block; font-weight: normal; opacity: .85; }
td { padding: 2px 6px; vertical-align: top; }
tbody tr:nth-child(even) { background: var(--zebra); }
tbody tr:last-child td { border-bottom: 1px solid var(--navy); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; }
figure { margin: 8px 0 14px; }
figure img { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 11px; }
p.note { color: var(--muted); font-size: 11.5px; margin: 4px 0 8px; }
p.warning { color: var(--amber); font-size: 11.5px; margin: 4px 0 8px; }
dl.glossary dt { font-weight: bold; margin-top: 6px; }
dl.glossary dd { margin: 0 0 0 1.5em; }
footer { color: var(--muted); font-size: 11px; margin-top: 24px; border-top: 1px solid var(--rule);
         padding-top: 4px; }
@page { size: letter; margin: 0.6in 0.6in 0.7in; }
@media print {
  body { background: #fff; font-size: 10px; }
  main { margin: 0; padding: 0; max-width: none; box-shadow: none; }
  h2 { break-after: avoid; }
  figure, .figures, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  section.new-page { break-before: page; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
</head>
<body>
<main>
<header>
<h1>{{ doc.title }}</h1>
<p class="portfolio">{{ doc.portfolio }}</p>
<dl class="facts">
<dt>Period</dt><dd>{{ doc.period }}</dd>
<dt>As of</dt><dd>{{ doc.as_of }}</dd>
<dt>Generated</dt><dd>{{ generated }}</dd>
<dt>Data sources</dt><dd>{{ doc.sources }}</dd>
</dl>
</header>
{% for section in doc.sections %}
<section{% if section.new_page %} class="new-page"{% endif %}>
<h2>{{ section.title }}</h2>
{% for block in section.blocks %}{{ render(block) }}{% endfor %}
</section>
{% endfor %}
<section>
<h2>Glossary</h2>
<dl class="glossary">
{% for term, meaning in doc.glossary %}<dt>{{ term }}</dt><dd>{{ meaning }}</dd>
{% endfor %}</dl>
</section>
<footer>{{ doc.portfolio }} · {{ doc.title }} · as of {{ doc.as_of }} · generated {{ generated }}
</footer>
</main>
</body>
</html>
"""

BLOCKS = {
    "table": """{% if block.title %}<h3>{{ block.title }}</h3>{% endif %}
<div class="table"><table{% if block.columns|length > 8 %} class="wide"{% endif %}>
<thead><tr>
{%- for column in block.columns %}<th class="{{ classes[loop.index0] }}">{{ column.title }}
{%- if column.unit %}<small>{{ column.unit }}</small>{% endif %}</th>{% endfor -%}
</tr></thead>
<tbody>
{% for row in block.rows -%}
<tr{% if loop.index0 in block.emphasised %} class="total"{% endif %}>
{%- for cell in row %}<td class="{{ classes[loop.index0] }}">{{ cell }}</td>{% endfor -%}
</tr>
{% endfor %}</tbody>
</table></div>
""",
    "figures": """<div class="figures"
 style="grid-template-columns: repeat({{ block.columns }}, 1fr)">
{% for name, value in block.items %}<div><span>{{ name }}</span><strong>{{ value }}</strong></div>
{% endfor %}</div>
""",
    "figure": """<figure>
<img src="data:image/svg+xml;base64,{{ svg }}"
 alt="{{ block.chart.title }}: {{ block.chart.description }}"
 width="{{ width }}" height="{{ height }}">
<figcaption>{{ block.chart.description }}</figcaption>
</figure>
""",
    "note": """<p class="{{ 'warning' if block.tone == 'warning' else 'note' }}">
{{- block.text }}</p>
""",
    "paragraph": """<p>{{ block.text }}</p>
""",
}

_environment = Environment(autoescape=True, trim_blocks=False, keep_trailing_newline=True)
_page = _environment.from_string(TEMPLATE)
_blocks = {name: _environment.from_string(text) for name, text in BLOCKS.items()}


def _render_block(block: Any) -> Any:
    if isinstance(block, Table):
        classes = ["num" if column.align == "right" else "text" for column in block.columns]
        html = _blocks["table"].render(block=block, classes=classes)
    elif isinstance(block, KeyFigures):
        html = _blocks["figures"].render(block=block)
    elif isinstance(block, Figure):
        # A data URI per chart, not inline <svg>: each image keeps its own ids, so two charts'
        # clip paths and glyphs cannot collide.
        width, height = block.chart.size_inches
        svg = base64.b64encode(block.chart.svg().encode()).decode("ascii")
        html = _blocks["figure"].render(
            block=block, svg=svg, width=round(width * 96), height=round(height * 96)
        )
    elif isinstance(block, Note):
        html = _blocks["note"].render(block=block)
    else:
        html = _blocks["paragraph"].render(block=block)
    return Markup(html)  # noqa: S704 (rendered above with autoescape on)


def write_html(document: Document) -> str:
    """The document as one HTML page."""
    return _page.render(
        doc=document, generated=fmt.timestamp(document.generated_at), render=_render_block
    )
