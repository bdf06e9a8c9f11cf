"""Cutting a long reply into messages Telegram accepts."""

from __future__ import annotations

# Telegram's limit for one text message, counted in UTF-16 code units (an emoji counts 2).
MAX_MESSAGE_LENGTH = 4096


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Parts of at most `limit` units, cut at a paragraph, else a line, else a space."""
    parts: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        head = _fitting_prefix(rest, limit)
        cut = _best_cut(head)
        part = rest[:cut].rstrip()
        if not part:
            # The text starts with whitespace up to the limit; cutting it hard keeps progress.
            part, cut = head, len(head)
        parts.append(part)
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def _fitting_prefix(text: str, limit: int) -> str:
    # Code points outside the BMP take two units, so the prefix can be shorter than `limit`.
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


def _best_cut(head: str) -> int:
    # A boundary in the first half would leave a stub message; a hard cut reads better then.
    floor = len(head) // 2
    for sep in ("\n\n", "\n", " "):
        at = head.rfind(sep)
        if at > floor:
            return at + len(sep)
    return len(head)
