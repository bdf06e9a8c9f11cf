"""The studio as its own aiohttp sub-application at /admin, with its own guard; the reports
are mounted inside it, at /admin/reports, behind theirs."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from handlers.admin import (
    pages_examples,
    pages_people,
    pages_rules,
    pages_templates,
    pages_try,
    pages_versions,
)
from handlers.admin.deps import ADMIN, AdminDeps
from handlers.admin.guard import guard

STATIC = Path(__file__).resolve().parent / "static"


def create_admin_app(deps: AdminDeps, reports: web.Application | None = None) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[ADMIN] = deps
    app.router.add_routes([
        web.get("", pages_versions.overview),
        web.get("/", pages_versions.overview),
        web.post("/publish", pages_versions.publish),
        web.post("/discard", pages_versions.discard),
        web.get("/versions", pages_versions.versions),
        web.get("/versions/compare", pages_versions.compare),
        web.get(r"/versions/{number:\d+}", pages_versions.version),
        web.get(r"/versions/{number:\d+}/export", pages_versions.export),
        web.post(r"/versions/{number:\d+}/rollback", pages_versions.rollback),
        web.get("/audit", pages_versions.audit),
        web.get("/templates", pages_templates.matrix),
        web.get("/templates/{name}", pages_templates.editor),
        web.post("/templates/{name}", pages_templates.save),
        web.post("/templates/{name}/render", pages_templates.render_one),
        web.get("/rules", pages_rules.rules_page),
        web.post("/rules", pages_rules.save),
        web.get("/examples", pages_examples.listing),
        web.get("/examples/{meaning}", pages_examples.editor),
        web.post("/examples/{meaning}", pages_examples.save),
        web.get("/people", pages_people.people),
        web.post("/people", pages_people.add),
        web.post("/people/{name}/{what:role|team|password|display_name|disable|enable}",
                 pages_people.change),
        web.get("/try", pages_try.try_page),
        web.post("/try", pages_try.try_post),
        web.get("/preview", pages_try.conversation),
        web.static("/static", STATIC),
    ])
    if reports is not None:
        app.add_subapp("/reports", reports)
    return app
