"""The reports as their own aiohttp sub-application, so its guard (a supervisor's or admin's
console session, CSRF, the console's security headers) wraps every route. `heard run` mounts
it at /admin/reports; the admin studio can adopt it as it is."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from handlers.reports import pages
from handlers.reports.charts import chart_css
from handlers.reports.deps import REPORTS, ReportsDeps
from handlers.reports.guard import guard

STATIC = Path(__file__).resolve().parent / "static"
KINDS = "{kind:day|week|month|quarter|year}"


async def _chart_css(request: web.Request) -> web.StreamResponse:
    return web.Response(text=chart_css(), content_type="text/css",
                        headers={"Cache-Control": "no-cache"})


def create_reports_app(deps: ReportsDeps) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[REPORTS] = deps
    app.router.add_routes([
        web.get("", pages.home),
        web.get("/", pages.home),
        web.get("/definitions", pages.definitions),
        web.get("/tickets", pages.tickets),
        web.get("/archive", pages.archive),
        web.get("/archive/{id}", pages.archived),
        web.post("/actions", pages.add_action),
        web.post("/actions/{id}", pages.set_action),
        web.get("/charts.css", _chart_css),
        web.static("/static", STATIC),
        web.get(f"/{KINDS}", pages.latest),
        web.get(f"/{KINDS}/{{key}}", pages.report),
    ])
    return app
