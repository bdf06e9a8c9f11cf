"""Server-rendered console pages: Jinja2 with autoescaping on, so customer text is inert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from babel.dates import format_timedelta
from markupsafe import Markup, escape

from handlers.agents.console.case_words import rating_words, reason_name, reason_words

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
    local = _aware(value).astimezone(_zone(context.get("timezone") or "UTC"))
    return local.strftime("%Y-%m-%d %H:%M %Z")


def _iso(value: object) -> datetime | None:
    """A time an event's data keeps as ISO text (UTC), back as a datetime for `when`."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _aware(value: datetime) -> datetime:
    # SQLite hands stored times back without their (UTC) zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def span(delta: timedelta) -> str:
    """A length of time as people scanning a list read it: "12 min", "3 hr", "2 days". The
    console's own words are English; static/times.js words it the same way while it ticks."""
    return format_timedelta(abs(delta), threshold=1.5, format="short", locale="en")


def _time_tag(context: jinja2.runtime.Context, value: datetime, text: str, kind: str,
              css: str = "") -> Markup:
    """`text` in a <time> the ticker can keep fresh, the absolute time (in the desk's zone)
    in its title, so a hover or a screen reader still gets the exact time."""
    absolute = _when(context, value)
    iso = _aware(value).astimezone(UTC).isoformat()
    klass = f' class="{css}"' if css else ""
    return Markup(f'<time datetime="{escape(iso)}" title="{escape(absolute)}" '
                  f'data-rel="{kind}"{klass}>{escape(text)}</time>')


def _now(context: jinja2.runtime.Context) -> datetime:
    now = context.get("now")
    return _aware(now) if isinstance(now, datetime) else datetime.now(UTC)


@jinja2.pass_context
def _ago(context: jinja2.runtime.Context, value: datetime | None) -> Markup | str:
    """"12 min ago" (or "in 12 min" for a time to come), relative to the page's `now`."""
    if value is None:
        return "-"
    delta = _now(context) - _aware(value)
    text = f"{span(delta)} ago" if delta >= timedelta(0) else f"in {span(delta)}"
    return _time_tag(context, value, text, "ago")


@jinja2.pass_context
def _waited(context: jinja2.runtime.Context, value: datetime | None) -> Markup | str:
    """How long since `value`, bare: "12 min", for a column headed "Waited"."""
    if value is None:
        return "-"
    return _time_tag(context, value, span(_now(context) - _aware(value)), "since")


@jinja2.pass_context
def _due(context: jinja2.runtime.Context, value: datetime | None) -> Markup | str:
    """A promise's countdown: "in 12 min", or "23 min late" marked late (red, and the word
    says it too, for anyone who cannot tell the colour)."""
    if value is None:
        return "-"
    delta = _aware(value) - _now(context)
    if delta >= timedelta(0):
        return _time_tag(context, value, f"in {span(delta)}", "due", "due")
    return _time_tag(context, value, f"{span(delta)} late", "due", "due late")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_env.filters["when"] = _when
_env.filters["iso"] = _iso
_env.filters["ago"] = _ago
_env.filters["waited"] = _waited
_env.filters["due"] = _due
_env.filters["reason_name"] = reason_name
_env.filters["reason_words"] = reason_words
_env.globals["rating_words"] = rating_words


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    text = _env.get_template(template).render(**context)
    response = web.Response(text=text, status=status, content_type="text/html",
                            charset="utf-8")
    return response
