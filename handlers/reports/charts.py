"""Charts as SVG made on the server with pygal, fit to sit inline in a page under a strict
Content-Security-Policy: pygal's script (its tooltips, loaded from elsewhere) and the tooltip
layer are taken out, and its stylesheet is served once (`chart_css`) instead of inside every
chart. Each chart plots columns of its table, so its figures are the table's."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

import pygal
from pygal.style import Style

from dialogs.reports.model import ChartKind, Table

SVG = "{http://www.w3.org/2000/svg}"
_ID = re.compile(r"#chart-[0-9a-f-]+")
STYLE = Style(background="white", plot_background="white", font_family="sans-serif",
              colors=("#2f6db5", "#a8a8a8", "#d9822b", "#3a9a5b", "#b33c3c", "#7b5ea7"))


def _config(kind: ChartKind, title: str, y_title: str) -> dict[str, Any]:
    return {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 720,
            "height": 320, "title": title, "y_title": y_title, "print_values": True,
            "legend_at_bottom": True, "truncate_legend": -1, "truncate_label": -1,
            "show_y_guides": True}


def _chart(kind: ChartKind, title: str, y_title: str) -> Any:
    cls = {ChartKind.BAR: pygal.Bar, ChartKind.LINE: pygal.Line, ChartKind.PIE: pygal.Pie}[kind]
    return cls(**_config(kind, title, y_title))


def series_of(table: Table) -> list[tuple[str, list[float | None]]]:
    """What the chart draws: for each series column, its title and the rows' values."""
    assert table.chart is not None
    out = []
    for key in table.chart.series:
        i = table.column(key)
        out.append((table.columns[i].title, [_number(r.values[i]) for r in table.rows]))
    return out


def svg(table: Table, own_style: bool = False) -> str:
    """The table's chart as inline SVG markup ("" when it has no chart or no rows). With
    `own_style` the chart keeps its stylesheet inside it, for a file read offline or laid out
    as PDF (WeasyPrint styles an SVG only from within); a page under our CSP gets the shared
    `chart_css` instead."""
    spec = table.chart
    if spec is None or not table.rows:
        return ""
    chart = _chart(spec.kind, spec.title, spec.y_title)
    labels = [str(r.values[0]) for r in table.rows]
    if spec.kind is ChartKind.PIE:
        [(_, values)] = series_of(table)[:1]
        for label, value in zip(labels, values, strict=True):
            chart.add(label, [value or 0])
    else:
        chart.x_labels = labels
        for title, values in series_of(table):
            chart.add(title, values)
    return _clean(chart.render_tree(), own_style)


def _clean(root: Any, own_style: bool) -> str:
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag if isinstance(child.tag, str) else ""
            classes = (child.get("class") or "").split()
            if (tag.endswith("script") or "tooltip-overlay" in classes or "tooltip" in classes
                    or (tag.endswith("style") and not own_style)):
                parent.remove(child)
    for element in root.iter():
        # Ids are for pygal's script; several charts on a page would repeat them.
        if element is not root or not own_style:
            element.attrib.pop("id", None)
    root.set("role", "img")
    return ElementTree.tostring(root, encoding="unicode")


@lru_cache(maxsize=1)
def chart_css() -> str:
    """pygal's stylesheet for every chart, keyed on the class all charts carry."""
    chart = _chart(ChartKind.BAR, "x", "y")
    for n in range(16):  # a colour rule for each series a chart may have
        chart.add(str(n), [1])
    text = chart.render(is_unicode=True)
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S))
    return _ID.sub(".pygal-chart", html.unescape(css))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
