"""Templates: the matrix (steps in the order a customer meets them × locales, each cell's tone
variants and the fallback used where one is missing), and one template's editor with its
variables, sample values and a preview of every variant as the draft stands."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web
from jinja2 import meta

from dialogs.bundle.check_templates import sample_values
from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.bundle.validate import validate
from dialogs.template_variables import variables_for
from dialogs.templates import TemplateRecord, TemplateRepository, load_defaults
from handlers.admin.common import edit_draft, form, page, see_other
from handlers.admin.deps import ADMIN

DEFAULT_LOCALE = Locale.EN


def step_order(bundle: Bundle) -> list[str]:
    """The templates in the order a customer meets them (the shipped file's order), then
    any the admin added, by name."""
    shipped = list(dict.fromkeys(r.name for r in load_defaults()))
    return [n for n in shipped if n in bundle.templates] + sorted(
        n for n in bundle.templates if n not in shipped)


def cell(bundle: Bundle, name: str, locale: Locale) -> list[dict[str, str]]:
    """Each tone of one template in one locale: its own text, or the fallback a customer
    gets instead (tone → neutral → the default locale)."""
    by_tone = bundle.templates.get(name, {}).get(locale, {})
    out = []
    for tone in Tone:
        if tone in by_tone:
            out.append({"tone": tone, "state": "own", "text": "✓"})
        elif Tone.NEUTRAL in by_tone:
            out.append({"tone": tone, "state": "fallback", "text": "→ neutral"})
        else:
            out.append({"tone": tone, "state": "missing", "text": f"→ {DEFAULT_LOCALE}"})
    return out


async def matrix(request: web.Request) -> web.StreamResponse:
    _, bundle = await request.app[ADMIN].studio.draft()
    rows = [{"name": n, "cells": {loc: cell(bundle, n, loc) for loc in Locale}}
            for n in step_order(bundle)]
    return page(request, "templates.html", rows=rows, locales=list(Locale), tones=list(Tone))


async def editor(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    _, bundle = await request.app[ADMIN].studio.draft()
    if name not in bundle.templates:
        raise web.HTTPNotFound(text=f"There is no template {name!r}.")
    return _editor(request, bundle, name)


def _editor(request: web.Request, bundle: Bundle, name: str, status: int = 200,
            error: str = "") -> web.Response:
    sources = bundle.templates[name]
    samples = sample_values(bundle, name)
    variants = []
    for loc in Locale:
        for tone in Tone:
            source = sources.get(loc, {}).get(tone)
            variants.append({"locale": loc, "tone": tone, "source": source or "",
                             "preview": preview(name, loc, tone, source, samples)
                             if source else None})
    findings = [f for f in validate(bundle).findings
                if f.item == f"templates/{name}" or f.item.startswith(f"templates/{name}/")]
    return page(request, "template.html", status=status, name=name, variants=variants,
                variables=sorted(variables_for(name)), used=used_variables(sources),
                samples=samples, findings=findings,
                error=error)


async def save(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    posted = await form(request)

    def change(data: dict[str, Any]) -> None:
        by_locale = data["templates"].setdefault(name, {})
        for loc in Locale:
            tones: dict[str, str] = {}
            for tone in Tone:
                text = posted.get(f"{loc}/{tone}", "").replace("\r\n", "\n").strip()
                if text:
                    tones[str(tone)] = text
            if tones:
                by_locale[str(loc)] = tones
            else:
                by_locale.pop(str(loc), None)

    report, error = await edit_draft(request, change)
    if report is None:
        _, bundle = await request.app[ADMIN].studio.draft()
        return _editor(request, bundle, name, status=422, error=error)
    raise see_other(f"/admin/templates/{name}",
                    "Saved in the draft; customers see nothing until it is published.")


async def render_one(request: web.Request) -> web.StreamResponse:
    """The live preview: one variant as typed, rendered with the sample values."""
    name = request.match_info["name"]
    posted = await form(request)
    _, bundle = await request.app[ADMIN].studio.draft()
    try:
        locale, tone = Locale(posted.get("locale", "")), Tone(posted.get("tone", ""))
    except ValueError:
        raise web.HTTPBadRequest(text="Which locale and tone?") from None
    return web.json_response(preview(name, locale, tone, posted.get("source", ""),
                                     sample_values(bundle, name)))


def preview(name: str, locale: Locale, tone: Tone, source: str | None,
            samples: dict[str, Any]) -> dict[str, Any]:
    """What a customer would read, or the error and its line. Rendered in the same sandbox,
    with the same limits, as the live bot's; the page escapes it like any text."""
    if not source:
        return {"text": "", "error": ""}
    repo = TemplateRepository([TemplateRecord(name, str(locale), str(tone), source, 0)])
    try:
        return {"text": repo.render(name, str(locale), str(tone), **samples).text,
                "error": ""}
    except jinja2.TemplateSyntaxError as e:
        return {"text": "", "error": f"line {e.lineno}: {e.message}"}
    except Exception as e:  # the sandbox's refusals and budget, a bad filter: all shown
        return {"text": "", "error": str(e) or type(e).__name__}


def used_variables(sources: Any) -> list[str]:
    env = jinja2.Environment()
    found: set[str] = set()
    for tones in sources.values():
        for source in tones.values():
            try:
                found |= meta.find_undeclared_variables(env.parse(source))
            except jinja2.TemplateSyntaxError:
                continue
    return sorted(found)
