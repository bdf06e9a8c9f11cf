"""Which kind of complaint a story describes, and the details each kind needs.

The kind is read from the story's clauses by the same classifier that reads typed answers
(dialogs/meaning/, examples under cat.* in data/examples.yaml): the clause that says most
plainly what went wrong decides, so "paid 300 for this kettle and it's dead" is about quality
though it mentions money.
"""

from __future__ import annotations

import re

from dialogs.meaning import Classifier
from dialogs.meaning.classifier import ACCEPT

CATEGORIES: tuple[str, ...] = ("delivery", "quality", "billing", "attitude", "repair", "other")

CATEGORY_SLOTS: dict[str, tuple[str, ...]] = {
    "delivery": ("order_no", "when"),
    "quality": ("product", "order_no", "when"),
    "billing": ("amount", "order_no", "when"),
    "attitude": ("where", "when"),
    "repair": ("product", "where", "when"),
    "other": ("when",),
}

_OPTIONS = tuple(f"cat.{c}" for c in CATEGORIES)
# Where a story turns from one fact to the next.
# A point or comma between digits is part of a number ("£59.90", "NT$10,900").
_CLAUSES = re.compile(r"(?:(?<!\d)[,.]|[,.](?!\d)|[;!?，。；！？、\n])+"
                      r"|\s(?:and|but|then|so|because|after|when)\s"
                      r"|而且|但是|可是|结果|然后|因为|結果|然後|因為")
# Stories are read up to here: the kind is told early, and the cost stays bounded.
MAX_STORY = 2000
# A story's clause must be this close to a kind's example for the kind to be guessed: a wrong
# guess costs the customer a correction, no guess only a choice among the buttons.
GUESS = 0.55
# Two kinds this close in one story (a phrase of each, as long) are not told apart: no guess.
MARGIN = 0.02


def clauses(text: str) -> list[str]:
    return [p.strip() for p in _CLAUSES.split(text[:MAX_STORY]) if p and p.strip()]


def category_scores(meaning: Classifier, text: str) -> dict[str, float]:
    """Each category's best clause score. A clause scoring as "something else" only names a
    complaint ("I have a complaint"); any specific kind beats it."""
    best: dict[str, float] = {}
    for clause in clauses(text):
        # One Latin word alone is matched as a word, never by its letters ("<script>" shares
        # most of its trigrams with "receipt").
        one_word = clause.isascii() and len(clause.split()) < 2
        scores = meaning.contained(clause, _OPTIONS) if one_word \
            else meaning.sentence_scores(clause, _OPTIONS)
        for option, score in scores.items():
            cat = option.removeprefix("cat.")
            best[cat] = max(best.get(cat, 0.0), score * (0.8 if cat == "other" else 1.0))
    return best


def infer_category(meaning: Classifier, text: str) -> str | None:
    """The category the story's plainest clause names, or None when none is close enough or
    another kind is named as plainly."""
    found = category_scores(meaning, text)
    scores = {c: s for c, s in found.items() if s >= GUESS}
    if not scores:
        return None
    top = max(CATEGORIES, key=lambda c: scores.get(c, 0.0))
    # "Something else" never stands level with a specific kind (see category_scores).
    second = max((s for c, s in found.items() if c not in (top, "other")), default=0.0)
    return top if scores[top] - second >= MARGIN else None


def answered_category(meaning: Classifier, text: str) -> str | None:
    """The category a typed answer to "which kind is it?" names, when it is clear."""
    found = meaning.classify(text, _OPTIONS)
    return found.choice.removeprefix("cat.") if found.choice and found.score >= ACCEPT else None
