"""Wording a customer must not read: phrases the playbook forbids (the bundle's
`banned_phrases`, shipped in dialogs/data/banned_phrases.yaml), mainland-only or
machine-converted terms in Taiwan's Chinese (dialogs/data/zh_tw_glossary.yaml), and characters
of the other Chinese script. Found with where they are, so an admin is pointed at the line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from dialogs.language import script_characters

# A language is offered under its own name: "繁體中文" in the zh-CN help, "简体中文" in zh-TW.
LANGUAGE_NAMES = ("繁體中文", "简体中文")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "＇": "'"})


@dataclass(frozen=True)
class GlossaryEntry:
    mainland: str
    taiwan: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Hit:
    found: str  # the phrase, term or characters, as listed
    line: int  # 1-based, in the text searched


def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("dialogs").joinpath(f"data/{name}").read_text(
        encoding="utf-8"))


@cache
def glossary() -> tuple[GlossaryEntry, ...]:
    return tuple(GlossaryEntry(str(e["mainland"]), tuple(str(t) for t in e["taiwan"]),
                               str(e["why"])) for e in _data("zh_tw_glossary.yaml"))


@cache
def shipped_banned_phrases() -> dict[str, tuple[str, ...]]:
    """locale → phrases, as shipped."""
    return {str(loc): tuple(str(p) for p in phrases)
            for loc, phrases in _data("banned_phrases.yaml").items()}


def mainland_terms(text: str) -> list[Hit]:
    """Glossary terms in `text`, except inside one of their Taiwan forms ("手機號" within
    "手機號碼" is the Taiwan form itself)."""
    hits = []
    for entry in glossary():
        rest = text
        for good in sorted(entry.taiwan, key=len, reverse=True):
            # Same length, so positions (and lines) stay where they were.
            rest = rest.replace(good, "□" * len(good))
        at = rest.find(entry.mainland)
        if at >= 0:
            hits.append(Hit(entry.mainland, _line(text, at)))
    return hits


def banned_phrases_in(text: str, phrases: tuple[str, ...] | list[str]) -> list[Hit]:
    """The listed phrases said in `text`: case, curly apostrophes and spacing aside; a phrase
    that starts or ends with a letter or digit only as whole words ("you must" not in
    "you mustard")."""
    folded = text.translate(_APOSTROPHES).casefold()
    hits = []
    for phrase in phrases:
        words = phrase.translate(_APOSTROPHES).casefold().split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        if words[0][0].isascii() and words[0][0].isalnum():
            pattern = r"(?<![\w'])" + pattern
        if words[-1][-1].isascii() and words[-1][-1].isalnum():
            pattern += r"(?![\w'])"
        m = re.search(pattern, folded)
        if m is not None:
            hits.append(Hit(phrase, _line(text, m.start())))
    # "不是我们的责任" said inside "这不是我们的责任" is one thing said, not two.
    return [h for h in hits if not any(
        h.found != o.found and h.found.casefold() in o.found.casefold() for o in hits)]


def other_script(text: str, locale: str) -> list[Hit]:
    """Characters of the other Chinese script in a zh-CN or zh-TW text, line by line
    (language names such as "繁體中文" offered in the other script aside)."""
    for name in LANGUAGE_NAMES:
        text = text.replace(name, "□" * len(name))
    hits = []
    for number, line in enumerate(text.split("\n"), start=1):
        traditional, simplified = script_characters(line)
        wrong = simplified if locale == "zh-TW" else traditional if locale == "zh-CN" else ""
        if wrong:
            hits.append(Hit(wrong, number))
    return hits


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
