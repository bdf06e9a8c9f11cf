"""The studio's pages: Jinja2 with autoescaping on, so nothing an admin or a customer typed
is markup; times in HEARD_TIMEZONE with the zone's name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: datetime | None) -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(context.get("timezone") or "UTC")).strftime(
        "%Y-%m-%d %H:%M %Z")


_env.filters["when"] = _when


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    return web.Response(text=_env.get_template(template).render(**context), status=status,
                        content_type="text/html", charset="utf-8")
