"""Server-rendered console pages: Jinja2 with autoescaping on, so customer text is inert."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: datetime | None) -> str:
    """A time as agents at the desk read it: in HEARD_TIMEZONE (the page's `timezone`), the
    zone's abbreviation after it; the database keeps UTC."""
    if value is None:
        return "-"
    if value.tzinfo is None:  # SQLite hands stored times back without their (UTC) zone
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(_zone(context.get("timezone") or "UTC"))
    return local.strftime("%Y-%m-%d %H:%M %Z")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_env.filters["when"] = _when


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    text = _env.get_template(template).render(**context)
    response = web.Response(text=text, status=status, content_type="text/html",
                            charset="utf-8")
    return response
