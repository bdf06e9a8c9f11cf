"""Server-rendered console pages: Jinja2 with autoescaping on, so customer text is inert."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


_env.filters["when"] = _when


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    text = _env.get_template(template).render(**context)
    response = web.Response(text=text, status=status, content_type="text/html",
                            charset="utf-8")
    return response
