"""Example phrases: what every choice and request is recognised by, per locale, one phrase a
line; the categories' phrases (how a story of each kind is told) beside them. A change takes
effect with the draft's publish, with no retraining: the classifier is rebuilt from them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogs.bundle.data import to_data
from dialogs.bundle.model import Locale
from dialogs.bundle.validate import validate
from handlers.admin.common import edit_draft, form, lines, page, see_other
from handlers.admin.deps import ADMIN

CATEGORY = "cat."


async def listing(request: web.Request) -> web.StreamResponse:
    _, bundle = await request.app[ADMIN].studio.draft()
    rows = [{"meaning": m, "counts": {loc: len(ps.phrases.get(loc, ())) for loc in Locale}}
            for m, ps in bundle.examples.items()]
    rows += [{"meaning": CATEGORY + name,
              "counts": {loc: len(cat.examples.get(loc, ())) for loc in Locale}}
             for name, cat in bundle.categories.items()]
    return page(request, "examples.html", rows=rows, locales=list(Locale))


async def editor(request: web.Request, status: int = 200, error: str = "") -> web.Response:
    meaning = request.match_info["meaning"]
    _, bundle = await request.app[ADMIN].studio.draft()
    data = to_data(bundle, compact=False)
    phrases = _phrases(data, meaning)
    if phrases is None:
        raise web.HTTPNotFound(text=f"Nothing is called {meaning!r}.")
    findings = [f for f in validate(bundle).findings
                if f.item.startswith((f"examples/{meaning}", "categories/"
                                      + meaning.removeprefix(CATEGORY)))]
    return page(request, "example.html", status=status, meaning=meaning, locales=list(Locale),
                phrases={loc: "\n".join(phrases.get(str(loc), [])) for loc in Locale},
                findings=findings, error=error)


async def save(request: web.Request) -> web.StreamResponse:
    meaning = request.match_info["meaning"]
    posted = await form(request)

    def change(data: dict[str, Any]) -> None:
        phrases = _phrases(data, meaning)
        if phrases is None:
            raise web.HTTPNotFound(text=f"Nothing is called {meaning!r}.")
        for loc in Locale:
            if str(loc) in posted:
                phrases[str(loc)] = lines(posted[str(loc)])

    report, error = await edit_draft(request, change)
    if report is None:
        return await editor(request, 422, error)
    raise see_other(f"/admin/examples/{meaning}",
                    "Saved in the draft; the bot reads with them once it is published.")


def _phrases(data: dict[str, Any], meaning: str) -> dict[str, list[str]] | None:
    if meaning.startswith(CATEGORY):
        cat = data["categories"].get(meaning.removeprefix(CATEGORY))
        return None if cat is None else cat.setdefault("examples", {})
    found: dict[str, list[str]] | None = data["examples"].get(meaning)
    return found
