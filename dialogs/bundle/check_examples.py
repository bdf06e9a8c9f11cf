"""Checks of the example phrases: every meaning the dialog reads is there, none is empty in a
locale, no phrase is blank or too long to be an answer. (One phrase may stand for two
meanings: each step offers only some, "fix" is an outcome when asked for one and a
category when asked for that.)"""

from __future__ import annotations

from functools import cache

from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle, Locale, Phrases
from dialogs.bundle.shipped import CATEGORY_PREFIX
from dialogs.meaning.examples import load_default_examples

# Longer than any answer the classifier is meant to recognise whole.
MAX_PHRASE_CHARS = 200


@cache
def used_meanings() -> frozenset[str]:
    return frozenset(e.meaning for e in load_default_examples()
                     if not e.meaning.startswith(CATEGORY_PREFIX))


def check_examples(bundle: Bundle, report: Report) -> None:
    for meaning in sorted(used_meanings() - set(bundle.examples)):
        report.refuse(f"examples/{meaning}", "the dialog reads answers by this meaning; it "
                                             "cannot be removed")
    for meaning, ps in sorted(bundle.examples.items()):
        if meaning not in used_meanings():
            report.warn(f"examples/{meaning}", "the dialog never asks for this meaning")
        check_phrases(f"examples/{meaning}", ps.phrases, report)
    for name, cat in sorted(bundle.categories.items()):
        check_phrases(f"categories/{name}/examples", cat.examples, report)


def check_phrases(item: str, phrases: Phrases, report: Report) -> None:
    for locale in Locale:
        texts = phrases.get(locale, ())
        if not texts:
            report.warn(f"{item}/{locale}", f"no {locale} examples: {locale} answers are "
                                            "recognised by the other languages' only")
        for text in texts:
            if not text.strip():
                report.refuse(f"{item}/{locale}", "an empty phrase")
            elif len(text) > MAX_PHRASE_CHARS:
                report.refuse(f"{item}/{locale}", f"a phrase of {len(text)} characters; at "
                                                  f"most {MAX_PHRASE_CHARS}")
