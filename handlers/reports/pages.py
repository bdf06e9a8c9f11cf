"""The reports' pages: a period's report in any format, the tickets behind a number, the
definitions, the archive, and the quarter's action plan form."""

from __future__ import annotations

import asyncio
import json
from datetime import date

from aiohttp import web

from dialogs.reports.actions import Status
from dialogs.reports.definitions import DEFINITIONS
from dialogs.reports.model import Filter, Table
from dialogs.reports.periods import PeriodKind, parse_key, parse_period, period_at
from dialogs.text_clean import clean
from handlers.reports.deps import REPORTS
from handlers.reports.guard import SESSION
from handlers.reports.links import drill_from, drill_query
from handlers.reports.pdf import pdf
from handlers.reports.render_data import report_csv, report_data, table_csv
from handlers.reports.render_html import CONSOLE, render, report_html
from storage.reports import LIST_COLUMNS, line_row


def _kind(request: web.Request) -> PeriodKind:
    try:
        return PeriodKind(request.match_info["kind"])
    except ValueError:
        raise web.HTTPNotFound(text="No such report: day, week, month, quarter or year.") from None


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _page(request: web.Request, template: str, **context: object) -> web.Response:
    deps = request.app[REPORTS]
    return _html(render(template, base=deps.base, standalone=False, css="",
                        timezone=deps.timezone, console=CONSOLE, **context))


async def home(request: web.Request) -> web.StreamResponse:
    deps = request.app[REPORTS]
    now = deps.clock()
    current = [period_at(k, now, deps.timezone) for k in PeriodKind]
    return _page(request, "home.html", title="Reports", current=current)


async def latest(request: web.Request) -> web.StreamResponse:
    """/month?date=2026-03-31 (or no date: the period running now) → its page."""
    deps = request.app[REPORTS]
    kind = _kind(request)
    text = request.query.get("date")
    try:
        period = (parse_period(kind, text, deps.timezone) if text
                  else period_at(kind, deps.clock(), deps.timezone))
    except ValueError as e:
        raise web.HTTPBadRequest(text=str(e)) from None
    raise web.HTTPSeeOther(f"{deps.base}/{kind.value}/{period.key}")


async def report(request: web.Request) -> web.StreamResponse:
    deps = request.app[REPORTS]
    kind = _kind(request)
    try:
        period = parse_period(kind, request.match_info["key"], deps.timezone)
    except ValueError as e:
        raise web.HTTPNotFound(text=str(e)) from None
    made = await deps.reports.report(period, deps.clock())
    fmt = request.query.get("format", "page")
    name = f"complaints-{period.kind.value}-{period.key}"
    if fmt == "json":
        return web.Response(text=json.dumps(report_data(made, deps.base), ensure_ascii=False,
                                            indent=1), content_type="application/json")
    if fmt == "csv":
        key = request.query.get("table")
        if key:
            table = next((t for t in made.tables if t.key == key), None)
            if table is None:
                raise web.HTTPNotFound(text="No such table in this report.")
            return _download(table_csv(table), f"{name}-{key}.csv", "text/csv")
        return _download(report_csv(made), f"{name}.csv", "text/csv")
    if fmt in ("html", "pdf"):
        html = report_html(made, base=deps.base, standalone=True, brand=deps.brand)
        if fmt == "html":
            return _download(html, f"{name}.html", "text/html")
        body = await asyncio.to_thread(pdf, html)
        return web.Response(body=body, content_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}.pdf"'})
    session = request[SESSION]
    actions = (await deps.actions.for_quarter(period.key)
               if kind is PeriodKind.QUARTER else [])
    return _html(report_html(made, base=deps.base, brand=deps.brand, csrf=session.csrf,
                             actions=actions, statuses=list(Status)))


def _download(text: str, filename: str, content_type: str) -> web.Response:
    return web.Response(text=text, content_type=content_type, charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


async def tickets(request: web.Request) -> web.StreamResponse:
    """The tickets a number counts: the same filter the number was computed with."""
    deps = request.app[REPORTS]
    drill = drill_from(request.query)
    if Filter.PERIOD in drill:
        try:
            parse_key(drill[Filter.PERIOD], deps.timezone)
        except ValueError as e:
            raise web.HTTPBadRequest(text=str(e)) from None
    total, lines = await deps.reports.tickets(drill, deps.clock())
    rows = tuple(line_row(x) for x in lines)
    if request.query.get("format") == "csv":
        table = Table("tickets", "Tickets", LIST_COLUMNS, rows)
        return _download(table_csv(table), "tickets.csv", "text/csv")
    return _page(request, "tickets.html", title=f"{total} tickets", total=total,
                 lines=lines, rows=rows, columns=LIST_COLUMNS, drill=drill,
                 query=drill_query(drill))


async def definitions(request: web.Request) -> web.StreamResponse:
    return _page(request, "definitions.html", title="How each number is counted",
                 definitions=DEFINITIONS)


async def archive(request: web.Request) -> web.StreamResponse:
    entries = await request.app[REPORTS].archive.entries()
    return _page(request, "archive.html", title="Report archive", entries=entries)


async def archived(request: web.Request) -> web.StreamResponse:
    try:
        entry_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    html = await request.app[REPORTS].archive.html(entry_id)
    if html is None:
        raise web.HTTPNotFound(text="No such report in the archive.")
    response = _html(html)
    # The file as it was sent: its charts keep their styles inside it. It holds no script,
    # and the sandbox makes sure none could run.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; sandbox")
    return response


async def add_action(request: web.Request) -> web.StreamResponse:
    deps = request.app[REPORTS]
    form = await request.post()
    quarter = str(form.get("quarter", ""))
    try:
        period = parse_period(PeriodKind.QUARTER, quarter, deps.timezone)
        due = date.fromisoformat(str(form.get("due", "")))
    except ValueError as e:
        raise web.HTTPBadRequest(text=f"Give the quarter and a due date: {e}") from None
    problem = clean(str(form.get("problem", ""))).strip()[:300]
    owner = clean(str(form.get("owner", ""))).strip()[:64]
    if not problem or not owner:
        raise web.HTTPBadRequest(text="Say what the problem is and who owns it.")
    await deps.actions.add(period.key, problem, owner, due, request[SESSION].agent.name,
                           deps.clock())
    raise web.HTTPSeeOther(f"{deps.base}/quarter/{period.key}#actions")


async def set_action(request: web.Request) -> web.StreamResponse:
    deps = request.app[REPORTS]
    form = await request.post()
    try:
        item_id = int(request.match_info["id"])
        status = Status(str(form.get("status", "")))
        back = parse_period(PeriodKind.QUARTER, str(form.get("back", "")), deps.timezone)
    except ValueError:
        raise web.HTTPBadRequest(text="Unknown item or status.") from None
    if not await deps.actions.set_status(item_id, status, request[SESSION].agent.name,
                                         deps.clock()):
        raise web.HTTPNotFound(text="No such action item.")
    raise web.HTTPSeeOther(f"{deps.base}/quarter/{back.key}#actions")


