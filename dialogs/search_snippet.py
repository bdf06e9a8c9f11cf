"""A short piece of a found text with the query's words marked, as plain pieces: the page
escapes each and wraps the marked ones, so no text is ever trusted as markup."""

from __future__ import annotations

import unicodedata

from dialogs.language import to_simplified
from dialogs.search_text import needles

Piece = tuple[str, bool]  # (text, marked)


def _folded(text: str) -> tuple[str, list[int]]:
    """The text as the index saw it, and for each of its characters the original's index
    (NFKC may make one character several, e.g. ㎏ → kg)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded)
        origin.extend([i] * len(folded))
    joined = "".join(out)
    simplified = to_simplified(joined)
    # t2s maps character to character; a phrase conversion that changed the length would
    # shift the marks, so then only case and width are folded.
    return (simplified if len(simplified) == len(joined) else joined), origin


def _marks(text: str, query: str) -> list[tuple[int, int]]:
    folded, origin = _folded(text)
    spans: list[tuple[int, int]] = []
    for needle in needles(query):
        start = folded.find(needle)
        while start >= 0:
            end = start + len(needle)
            a, b = origin[start], origin[end - 1] + 1
            if not any(a < y and x < b for x, y in spans):
                spans.append((a, b))
            start = folded.find(needle, end)
    return sorted(spans)


def snippet(text: str, query: str, width: int = 160) -> list[Piece]:
    """About `width` characters of `text` around its first match, matches marked; the
    start of the text when nothing in it matches (the ticket was found by another field)."""
    text = " ".join(text.split())
    spans = _marks(text, query)
    lo = 0
    if spans and spans[0][0] > width // 3:
        lo = spans[0][0] - width // 3
    hi = min(len(text), lo + width)
    pieces: list[Piece] = [("…", False)] if lo else []
    at = lo
    for a, b in spans:
        if b <= lo or a >= hi:
            continue
        a, b = max(a, lo), min(b, hi)
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < hi:
        pieces.append((text[at:hi], False))
    if hi < len(text):
        pieces.append(("…", False))
    return pieces
