"""Reports as HTML, server-rendered (Jinja2, autoescaped): charts inline as SVG, every number a
link to its tickets. `standalone` makes a file that reads offline and prints (the styles
inside it, the definitions at the end): the one sent to the agents' group and turned to PDF."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal

from dialogs.reports.definitions import DEFINITIONS
from dialogs.reports.model import Drill, Report, Unit
from dialogs.reports.periods import PeriodKind, zone
from handlers.reports.charts import svg
from handlers.reports.links import tickets_link

HERE = Path(__file__).resolve().parent
DEFAULT_BASE = "/admin/reports"
CONSOLE = "/console"

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True)


def show(value: Any, unit: Unit, locale: str = "en") -> str:
    """A value as a manager reads it: 1,204 · 87.5 % · 25.2 h · 3.50."""
    if value is None or value == "":
        return "–"
    if unit is Unit.COUNT and isinstance(value, int | float):
        return format_decimal(value, locale=locale)
    if unit is Unit.DELTA and isinstance(value, int | float):
        return f"{value:+d}" if isinstance(value, int) else f"{value:+.1f}"
    if unit is Unit.PERCENT:
        return f"{format_decimal(value, format='#,##0.0', locale=locale)} %"
    if unit is Unit.HOURS:
        return f"{format_decimal(value, format='#,##0.0', locale=locale)} h"
    if unit is Unit.SCORE:
        return format_decimal(value, format="0.00", locale=locale)
    return str(value)


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: datetime | None) -> str:
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(context["timezone"])).strftime("%Y-%m-%d %H:%M %Z")


@jinja2.pass_context
def _show(context: jinja2.runtime.Context, value: Any, unit: Unit) -> str:
    if unit is Unit.TIME and isinstance(value, datetime):
        return str(_when(context, value))
    return show(value, unit)


_env.filters["when"] = _when
_env.filters["show"] = _show


def page_css() -> str:
    return (HERE / "static" / "reports.css").read_text(encoding="utf-8")


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def report_html(report: Report, *, base: str = DEFAULT_BASE, standalone: bool = False,
                brand: str = "heard", console: str = CONSOLE, csrf: str | None = None,
                actions: Sequence[Any] = (), statuses: Sequence[Any] = ()) -> str:
    """The report page; with `standalone`, a self-contained file whose links lead to `base`
    (give the service's address, https://…/admin/reports, for links that work from a mail)."""
    def link(drill: Drill) -> str:
        return tickets_link(base, drill)

    return render("report.html", report=report, base=base, standalone=standalone,
                  css=page_css() if standalone else "", brand=brand, console=console,
                  title=f"{report.period.title}: complaints", link=link,
                  charts={t.key: svg(t, own_style=standalone) for t in report.tables},
                  timezone=report.period.timezone, definitions=DEFINITIONS,
                  kinds=[k.value for k in PeriodKind], csrf=csrf, actions=actions,
                  statuses=statuses)
