"""The example phrases a meaning is recognised by, as shipped and as stored."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml

# Meanings a customer may ask for inside a longer sentence; the rest must be the whole message.
WITHIN = "within"


@dataclass(frozen=True, slots=True)
class Example:
    meaning: str
    locale: str
    text: str
    within: bool = False


def load_default_examples() -> list[Example]:
    """The shipped examples (dialogs/data/examples.yaml)."""
    raw = yaml.safe_load(
        resources.files("dialogs").joinpath("data/examples.yaml").read_text(encoding="utf-8"))
    out: list[Example] = []
    for meaning, body in raw.items():
        within = body.get("match") == WITHIN
        for locale, phrases in body.items():
            if locale == "match":
                continue
            out.extend(Example(str(meaning), str(locale), str(p), within) for p in phrases)
    return out
