"""Try it: a customer message (its emotion and the words behind it, the category and the
examples it matched, the facts, every escalation rule fired or not and why, the priority,
team and due times with business hours, and the reply) and a sample conversation, against
the draft or any published version, never the customers' live conversations."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from dialogs.bundle.model import Locale
from dialogs.engine import DialogEngine
from dialogs.preview import play, samples, try_message
from handlers.admin.common import form, page
from handlers.admin.deps import ADMIN
from storage.bundles import NoSuchVersion

MAX_MESSAGE = 2000


async def engine_for(request: web.Request, which: str) -> tuple[DialogEngine, str]:
    """The engine of the draft ("draft") or of a published version ("3"), and its name."""
    deps = request.app[ADMIN]
    if which == "draft":
        draft, bundle = await deps.studio.draft()
        key = ("draft", draft.based_on, draft.edited_at)
        return await deps.previews.engine(key, bundle, 0), "the draft"
    try:
        number = int(which)
        bundle = await deps.studio.version(number)
    except (ValueError, NoSuchVersion):
        raise web.HTTPBadRequest(text="Choose the draft or a published version.") from None
    return await deps.previews.engine(("version", number), bundle, number), f"version {number}"


async def try_page(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    now = deps.clock().astimezone(ZoneInfo(deps.timezone))
    return page(request, "try.html", result=None, took_ms=None,
                asked={"text": "", "locale": "en", "at": now.strftime("%Y-%m-%dT%H:%M"),
                       "vip": False, "earlier": 0, "which": "draft"},
                locales=list(Locale), versions=await deps.studio.versions(50), against="")


async def try_post(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    posted = await form(request)
    text = posted.get("text", "").strip()[:MAX_MESSAGE]
    zone = ZoneInfo(deps.timezone)
    try:
        locale = Locale(posted.get("locale", "en"))
        at = datetime.strptime(posted.get("at", ""), "%Y-%m-%dT%H:%M").replace(tzinfo=zone)
        earlier = max(0, min(int(posted.get("earlier", "0") or 0), 100))
    except ValueError:
        raise web.HTTPBadRequest(text="A locale, a time (YYYY-MM-DDTHH:MM) and a number "
                                      "of earlier tickets, please.") from None
    if not text:
        raise web.HTTPBadRequest(text="Type the customer's message.")
    which = posted.get("which", "draft")
    engine, against = await engine_for(request, which)
    start = time.perf_counter()
    result = await try_message(engine, text, locale=str(locale), at=at,
                               vip=posted.get("vip") == "on", earlier_tickets=earlier)
    took = (time.perf_counter() - start) * 1000
    return page(request, "try.html", result=result, took_ms=round(took, 1), against=against,
                asked={"text": text, "locale": str(locale), "at": posted.get("at", ""),
                       "vip": posted.get("vip") == "on", "earlier": earlier, "which": which},
                locales=list(Locale), versions=await deps.studio.versions(50))


async def conversation(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    shipped = samples()
    name = request.query.get("sample") or next(iter(shipped))
    which = request.query.get("which", "draft")
    if name not in shipped:
        raise web.HTTPNotFound(text=f"There is no sample {name!r}.")
    engine, against = await engine_for(request, which)
    lines = await play(engine, shipped[name], deps.clock())
    return page(request, "conversation.html", lines=lines, samples=shipped.values(),
                chosen=name, which=which, against=against,
                versions=await deps.studio.versions(50))
