"""Where a number leads: the tickets list of its drill-down, as a link the reports' app
reads back. The query string uses the filters' own names (period=2026-03&category=quality)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from dialogs.reports.model import Drill, Filter

MAX_VALUE = 120


def drill_query(drill: Drill) -> str:
    return urlencode(sorted((f.value, v) for f, v in drill.items()))


def drill_from(query: Mapping[str, str]) -> dict[Filter, str]:
    """The drill-down a tickets link names; unknown names are ignored."""
    known = {f.value: f for f in Filter}
    return {known[k]: v[:MAX_VALUE] for k, v in query.items() if k in known and v}


def tickets_link(base: str, drill: Drill) -> str:
    return f"{base}/tickets?{drill_query(drill)}"
