"""An agent's display name: what a customer sees on the agent's messages instead of the login
name ("Lin" or "客服小林" rather than "lin.w"). Pure: the CLI, the studio and the console all
check a typed name here, so each refuses the same things with the same words."""

from __future__ import annotations

import unicodedata

MAX_CHARS = 40
RULE = f"1 to {MAX_CHARS} characters, no line breaks or control characters"


class BadDisplayName(ValueError):
    pass


def display_name(typed: str) -> str:
    """`typed` trimmed, with runs of spaces made one; BadDisplayName when it cannot be one.

    Normalised to NFC, so a name typed with combining accents counts, compares and is stored
    like the same name typed precomposed. Control and format characters (C*: line breaks,
    bidi overrides, zero-width joiners…) are refused rather than dropped: a name that would
    look different from what was typed, or reorder the text around it, must not reach a
    customer unnoticed."""
    normal = unicodedata.normalize("NFC", typed)
    if any(unicodedata.category(ch).startswith("C") for ch in normal):
        raise BadDisplayName(f"A display name is {RULE}.")
    name = " ".join(normal.split())
    if not name:
        raise BadDisplayName(f"A display name is {RULE}; this one is empty.")
    if len(name) > MAX_CHARS:
        raise BadDisplayName(f"A display name is {RULE}; this one has {len(name)}.")
    return name
