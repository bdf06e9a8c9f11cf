"""What every studio page shares: who is looking, may they edit, and the draft they edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from dialogs.bundle.data import BundleFormatError, from_data, to_data
from dialogs.bundle.findings import Report
from handlers.admin.deps import ADMIN
from handlers.admin.guard import SESSION
from handlers.admin.render import render
from storage.agents import Role


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    session = request[SESSION]
    deps = request.app[ADMIN]
    return render(template, status=status, me=session.agent, csrf=session.csrf,
                  can_edit=session.agent.role is Role.ADMIN, timezone=deps.timezone,
                  flash=request.query.get("flash", ""), **context)


def me(request: web.Request) -> str:
    return request[SESSION].agent.name


async def form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields (files are not taken)."""
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


async def edit_draft(request: web.Request,
                     change: Callable[[dict[str, Any]], None]) -> tuple[Report | None, str]:
    """Apply `change` to the draft as plain data and keep it (a draft is never seen by a
    customer, so even a draft with refusals is kept: the admin fixes it next). Returns the
    draft's findings, or None and why the data is not a bundle."""
    deps = request.app[ADMIN]
    draft, bundle = await deps.studio.draft()
    data = to_data(bundle, compact=False)
    change(data)
    try:
        edited = from_data(data)
    except BundleFormatError as e:
        return None, str(e)
    return await deps.studio.save_draft(edited, based_on=draft.based_on, actor=me(request)), ""


def lines(text: str) -> list[str]:
    """One entry a line, blank lines and surrounding spaces dropped, first of each kept."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def see_other(location: str, flash: str = "") -> web.HTTPSeeOther:
    from urllib.parse import quote

    return web.HTTPSeeOther(location + (f"?flash={quote(flash)}" if flash else ""))
