"""Text every edge hands on: without the characters storage cannot hold.

A lone UTF-16 surrogate (valid in JSON, `"\\ud800"`) cannot be encoded as UTF-8, so SQLite and
PostgreSQL both refuse the statement that carries it; PostgreSQL also refuses NUL. Either used
to fail the whole write batch, and with it every other customer's turn in that batch. Other
C0 control characters are invisible, break rendering on some clients and mean nothing in a
complaint. A lone surrogate becomes U+FFFD (something was there); control characters go.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

REPLACEMENT = "\ufffd"
# Tab, line feed and carriage return are text; every other C0 control is not.
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Cleaned:
    text: str
    # What was done, by kind: {"nul": 1, "control": 2, "lone_surrogate": 1}; empty if nothing.
    removed: dict[str, int]


def _kind(ch: str) -> str:
    if ch == "\x00":
        return "nul"
    return "lone_surrogate" if "\ud800" <= ch <= "\udfff" else "control"


def clean_text(text: str) -> Cleaned:
    if _BAD.search(text) is None:  # the usual case costs one scan
        return Cleaned(text, {})
    counts: Counter[str] = Counter(_kind(m.group()) for m in _BAD.finditer(text))

    def replace(m: re.Match[str]) -> str:
        return REPLACEMENT if _kind(m.group()) == "lone_surrogate" else ""

    return Cleaned(_BAD.sub(replace, text), dict(counts))


def clean(text: str) -> str:
    """Just the cleaned text, where nobody records what was removed (agents' input)."""
    return clean_text(text).text


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean(text)
