"""Which kind of complaint a message describes, by keyword.

The keywords live in data/categories.yaml so a non-programmer can extend them. Each category
also lists the details the complaint record needs, in the order the bot asks for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from dialogs.language import to_simplified

CATEGORIES: tuple[str, ...] = ("delivery", "quality", "billing", "attitude", "repair", "other")

CATEGORY_SLOTS: dict[str, tuple[str, ...]] = {
    "delivery": ("order_no", "when"),
    "quality": ("product", "order_no", "when"),
    "billing": ("amount", "order_no", "when"),
    "attitude": ("where", "when"),
    "repair": ("product", "where", "when"),
    "other": ("when",),
}

# "other" keywords only name a complaint; any specific category beats them.
_GENERIC_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class _Matcher:
    category: str
    english: re.Pattern[str] | None
    chinese: tuple[str, ...]


def _english_pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z])(?:{alternatives})(?![a-z])")


@cache
def _matchers() -> tuple[_Matcher, ...]:
    source = resources.files("dialogs").joinpath("data", "categories.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    matchers = []
    for category in CATEGORIES:
        entry = data.get(category) or {}
        english = [str(w) for w in entry.get("en") or []]
        chinese = tuple(to_simplified(str(w)) for w in entry.get("zh") or [])
        matchers.append(_Matcher(category, _english_pattern(english), chinese))
    return tuple(matchers)


def category_scores(text: str) -> dict[str, float]:
    """Keyword score per category (only those that matched). Longer keywords weigh more:
    "never arrived" says more than "late"."""
    if not text:
        return {}
    lowered = to_simplified(text[:5000]).lower()
    scores: dict[str, float] = {}
    for matcher in _matchers():
        score = 0.0
        if matcher.english is not None:
            score += sum(
                1.0 + 0.25 * m.group().count(" ") for m in matcher.english.finditer(lowered)
            )
        score += sum(1.0 + 0.25 * (len(w) - 2) for w in matcher.chinese if w in lowered)
        if score:
            scores[matcher.category] = score * (
                _GENERIC_WEIGHT if matcher.category == "other" else 1.0
            )
    return scores


def infer_category(text: str) -> str | None:
    """The best-matching category, or None when no keyword matched. Ties go to the category
    listed first in CATEGORIES."""
    scores = category_scores(text)
    if not scores:
        return None
    return max(CATEGORIES, key=lambda c: scores.get(c, 0.0))
