"""The labelled understanding set (tests/data/understanding/) is well formed: every item names a
step, a text and a choice that step offers, texts are short and not repeated, and there are enough
of them per locale and per choice for `make bench` to measure the classifier."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).parent / "data" / "understanding"
LOCALES = ("en", "zh-CN", "zh-TW")
CATEGORIES = ("delivery", "quality", "billing", "attitude", "repair", "other")

GLOBAL = {
    "human",
    "cancel",
    "restart",
    "help",
    "lang.en",
    "lang.zh-CN",
    "lang.zh-TW",
    "status",
}
STEPS: dict[str, set[str | None]] = {
    "listening": {"done", None},
    "categorizing": {f"cat.{c}" for c in CATEGORIES},
    "collecting": {"dont_know", None},
    "choosing_outcome": {
        "out.refund",
        "out.replacement",
        "out.repair",
        "out.apology",
        "out.compensation",
        "out.other",
        None,
    },
    "asking_contact": {"reply_here", None},
    "confirming": {"confirm", "edit", "cancel"},
    "choosing_edit": {
        "field.description",
        "field.category",
        "field.product",
        "field.order_no",
        "field.when",
        "field.where",
        "field.amount",
        "field.outcome",
        "field.phone",
        "back",
    },
    "cancelled": {"undo", None},
    "feedback_solved": {"solved.yes", "solved.no"},
    "feedback_score": {f"score.{n}" for n in range(1, 6)},
    "feedback_still_fixed": {"solved.yes", "solved.no"},
    "filed": {"new_complaint", None},
}
MIN_PER_LOCALE = 230
MIN_PER_CHOICE = 5
MAX_CHARS = 80


def load(name: str) -> list[dict]:
    items = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    assert isinstance(items, list)
    return items


@pytest.mark.parametrize("locale", LOCALES)
def test_answers_are_well_formed(locale: str) -> None:
    items = load(f"{locale}.yaml")
    assert len(items) >= MIN_PER_LOCALE
    for item in items:
        assert set(item) <= {"step", "guess", "text", "choice"}, item
        assert {"step", "text", "choice"} <= set(item), item
        assert item["step"] in STEPS, item
        assert item["choice"] in STEPS[item["step"]] | GLOBAL, item
        assert isinstance(item["text"], str) and item["text"].strip(), item
        assert len(item["text"]) <= MAX_CHARS, item
        if "guess" in item:
            assert item["step"] == "categorizing" and item["guess"] in CATEGORIES, item
    texts = Counter(item["text"] for item in items)
    assert [t for t, n in texts.items() if n > 1] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_choice_has_enough_answers(locale: str) -> None:
    counts = Counter(item["choice"] for item in load(f"{locale}.yaml"))
    choices = set().union(*STEPS.values(), GLOBAL) - {None}
    assert {c: counts[c] for c in choices if counts[c] < MIN_PER_CHOICE} == {}


def test_stories_are_well_formed() -> None:
    stories = load("stories.yaml")
    for story in stories:
        assert set(story) == {"locale", "text", "category"}, story
        assert story["locale"] in LOCALES and story["category"] in CATEGORIES, story
        assert story["text"].strip(), story
    per_locale = Counter(story["locale"] for story in stories)
    assert all(per_locale[locale] >= 30 for locale in LOCALES), per_locale
    assert len({(s["locale"], s["text"]) for s in stories}) == len(stories)


def test_no_example_is_a_measured_answer() -> None:
    """The classifier learns only from dialogs/data/examples.yaml; an example that is (after the
    classifier's own normalisation) one of the labelled or held-out answers would let the bench
    measure memory, not understanding."""
    from dialogs.meaning import load_default_examples
    from dialogs.meaning.classifier import answer_text, features_text

    answers: dict[str, str] = {}
    for path in sorted(DATA.glob("*.yaml")) + sorted((DATA / "holdout").glob("*.yaml")):
        for item in load(str(path.relative_to(DATA))):
            for norm in (features_text, answer_text):  # as matched, and as scored
                answers.setdefault(norm(str(item["text"])), f"{path.name}: {item['text']}")
    leaked = [(e.meaning, e.locale, e.text, answers.get(features_text(e.text)
                                                        ) or answers[answer_text(e.text)])
              for e in load_default_examples()
              if features_text(e.text) in answers or answer_text(e.text) in answers]
    assert leaked == []
