"""What typed words mean: global intents, yes/no, and the typed form of every button."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from dialogs.language import to_simplified
from dialogs.text_cache import text_cache
from dialogs.ticket_number import TicketNumber

_PUNCT = set(string.punctuation) - {"/", "?", "'"} | set("，。！？、；：“”‘’（）《》【】…～·「」")


@cache
def _data() -> dict[str, Any]:
    text = resources.files("dialogs").joinpath("data/intents.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    data: dict[str, Any] = {}
    for name, body in raw.items():
        entry = {k: frozenset(canon(w) for w in v) if isinstance(v, list) else v
                 for k, v in body.items()}
        if "contains" in body:
            entry["contains_re"] = _phrases_re([canon(w) for w in body["contains"]])
        data[name] = entry
    return data


def _phrases_re(phrases: list[str]) -> re.Pattern[str]:
    """One pattern for a list of phrases: Latin ones as whole words, Chinese ones anywhere."""
    parts = [rf"(?<![a-z]){re.escape(p)}(?![a-z])" if p.isascii() else re.escape(p)
             for p in sorted(phrases, key=len, reverse=True)]
    return re.compile("|".join(parts))


@text_cache(max_bytes=4 * 1024 * 1024)
def canon(text: str) -> str:
    """Lower-case, Simplified, trimmed of surrounding punctuation and inner runs of spaces."""
    t = to_simplified(text.strip().lower())
    t = t.strip("".join(_PUNCT) + " \t\n")
    return " ".join(t.split())


def is_(intent: str, text: str) -> bool:
    """True when `text` says `intent` (e.g. "yes", "cancel", "human")."""
    body = _data().get(intent, {})
    c = canon(text)
    if not c:
        return False
    if c in body.get("exact", ()):
        return True
    pattern = body.get("contains_re")
    return pattern is not None and pattern.search(c) is not None


def language_choice(text: str) -> str | None:
    c = canon(text)
    for locale, words in _data()["language"].items():
        if c in words:
            return str(locale)
    return None


def outcome_choice(text: str) -> str | None:
    c = canon(text)
    for outcome, words in _data()["outcome"].items():
        if c in words or any(len(w) > 1 and w in c for w in words if not w.isascii()):
            return str(outcome)
    return None


@dataclass(frozen=True, slots=True)
class StatusQuery:
    number: str | None


def ticket_number(text: str) -> TicketNumber | None:
    """The first ticket number in `text`, as the desk writes it (upper-case prefix)."""
    return TicketNumber.first_in(text)


def status_query(text: str) -> StatusQuery | None:
    """"status C-20261124-0042", "查询 C-…", a bare ticket number, or "/status"."""
    number = ticket_number(text)
    if number:
        rest = canon(TicketNumber.blank_out(text))
        if not rest or is_("status", rest) or len(rest) <= 12:
            return StatusQuery(number)
        return None
    return StatusQuery(None) if canon(text) in _data()["status"]["exact"] else None


def command_word(text: str) -> str | None:
    """The /command a message starts with, if any (Telegram may append @BotName)."""
    t = text.strip()
    if not t.startswith("/") or len(t) < 2:
        return None
    return t.split()[0].split("@")[0].lower()
