"""Typed words as the dialog compares them (canonical form), ticket numbers and /commands.

What words mean is the classifier's job (dialogs/meaning/)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from dialogs.language import to_simplified
from dialogs.text_cache import text_cache
from dialogs.ticket_number import TicketNumber

_PUNCT = set(string.punctuation) - {"/", "?", "'"} | set("，。！？、；：“”‘’（）《》【】…～·「」")


@text_cache(max_bytes=4 * 1024 * 1024)
def canon(text: str) -> str:
    """Lower-case, Simplified, trimmed of surrounding punctuation and inner runs of spaces."""
    t = to_simplified(text.strip().lower())
    t = t.strip("".join(_PUNCT) + " \t\n")
    return " ".join(t.split())


@dataclass(frozen=True, slots=True)
class StatusQuery:
    number: str | None


def ticket_number(text: str) -> TicketNumber | None:
    """The first ticket number in `text`, as the desk writes it (upper-case prefix)."""
    return TicketNumber.first_in(text)


def status_query(text: str, asks_status: bool) -> StatusQuery | None:
    """"status C-20261124-0042", "查询 C-…", a bare ticket number, or "/status"; `asks_status`
    says whether the words ask for a status (the classifier's call)."""
    number = ticket_number(text)
    if number:
        rest = canon(TicketNumber.blank_out(text))
        if not rest or asks_status or len(rest) <= 12:
            return StatusQuery(number)
        return None
    return StatusQuery(None) if asks_status or canon(text) == "/status" else None


def command_word(text: str) -> str | None:
    """The /command a message starts with, if any (Telegram may append @BotName)."""
    t = text.strip()
    if not t.startswith("/") or len(t) < 2:
        return None
    return t.split()[0].split("@")[0].lower()
