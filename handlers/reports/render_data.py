"""A report as data: JSON (everything, with each number's drill-down link) and CSV (each table
as its rows, the key figures first). Both read the same `Report` the HTML and charts draw."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from dialogs.reports.model import Report, Table
from handlers.reports.links import tickets_link


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def table_data(table: Table, base: str) -> dict[str, Any]:
    return {
        "key": table.key, "title": table.title, "note": table.note,
        "columns": [{"key": c.key, "title": c.title, "unit": c.unit.value}
                    for c in table.columns],
        "rows": [[_plain(v) for v in row.values] for row in table.rows],
        "links": [[tickets_link(base, d) if (d := table.cell_drill(row, i)) is not None
                   else None for i in range(len(table.columns))] for row in table.rows],
        "chart": None if table.chart is None else {
            "kind": table.chart.kind.value, "title": table.chart.title,
            "series": list(table.chart.series), "y_title": table.chart.y_title},
    }


def report_data(report: Report, base: str) -> dict[str, Any]:
    p = report.period
    return {
        "period": {"kind": p.kind.value, "key": p.key, "title": p.title,
                   "first_day": p.first.isoformat(), "last_day": p.last.isoformat(),
                   "timezone": p.timezone, "previous": p.previous().key,
                   "year_earlier": p.year_earlier().key},
        "made_at": report.made_at.isoformat(),
        "figures": [{"key": f.key, "title": f.title, "unit": f.unit.value, "value": f.value,
                     "previous": f.previous, "year_earlier": f.year_earlier,
                     "link": tickets_link(base, f.drill) if f.drill is not None else None}
                    for f in report.figures],
        "tables": [table_data(t, base) for t in report.tables],
    }


def _cell(value: object) -> object:
    if value is None:
        return ""
    return _plain(value)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([c.title for c in table.columns])
    for row in table.rows:
        w.writerow([_cell(v) for v in row.values])
    return out.getvalue()


def report_csv(report: Report) -> str:
    """Sections one after another: a "# key: title" line, the header, the rows, a blank line."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([f"# figures: {report.period.title}"])
    w.writerow(["Figure", "Value", "Previous period", "A year earlier", "Unit"])
    for f in report.figures:
        w.writerow([f.title, _cell(f.value), _cell(f.previous), _cell(f.year_earlier),
                    f.unit.value])
    for table in report.tables:
        w.writerow([])
        w.writerow([f"# {table.key}: {table.title}"])
        out.write(table_csv(table))
    return out.getvalue()
