"""How well typed answers are understood: the labelled sets in tests/data/understanding/ (written
from how customers answer, not from the example lists the classifier learns from) read at the
step each answer was given, as a turn reads it.

    python bench/understanding.py [--misses]

Two sets, each under its own heading: the labelled set (tests/data/understanding/; the example
lists were extended while looking at its misses, so its figure flatters) and the held-out set
(tests/data/understanding/holdout/, written without seeing the example lists or the labelled
set: the unbiased estimate). For each: the confusion between choices, then the accuracy
overall and per locale, how many answers were wrongly taken as something else (rather than
asked about with "Did you mean …?") and the cost of reading one answer, after the same warm-up
`heard run` does at start:
    understanding_accuracy=<n> per_locale=<…> answers=<n> confident_wrong=<n> did_you_mean=<n>
        ms_per_answer=<n> cpu_ms_per_answer=<n>
    heldout_accuracy=<n> heldout_per_locale=<…> heldout_answers=<n> … (the same, heldout_)
and between them the stories' category guesses.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs.categories import infer_category
from dialogs.conversation import Conversation
from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine
from dialogs.messages import ConversationKey, Inbound
from dialogs.slots import SlotExtractor, warm_up
from dialogs.templates import TemplateRepository, load_defaults
from dialogs.turn.context import TurnContext
from dialogs.turn.reading import Reading, read

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "understanding"
LOCALES = ("en", "zh-CN", "zh-TW")
_FULL_RECORD = {"description": ["It broke."], "category": "quality", "product": "kettle",
                "order_no": "A1234", "when": "2026-11-20", "where": "Oxford St",
                "amount": "59.90", "currency": "GBP", "outcome": "refund", "phone": "+447700900123"}


@dataclass(frozen=True, slots=True)
class Result:
    locale: str
    step: str
    text: str
    expected: str | None
    got: str | None  # the choice or request taken; "?x" for "Did you mean x?"


def engine() -> DialogEngine:
    defaults = load_defaults()
    return DialogEngine(TemplateRepository(defaults, defaults), EmotionScorer(),
                        SlotExtractor("CN"))


def conversation(item: dict[str, Any], locale: str) -> Conversation:
    step = str(item["step"])
    c = Conversation(ConversationKey("web", "bench"), locale=locale, identified=True)
    c.slots = {"description": ["My kettle stopped working."]}
    state = {"feedback_solved": "feedback", "feedback_score": "feedback",
             "feedback_still_fixed": "feedback"}.get(step, step)
    c.state = state
    if step == "categorizing" and item.get("guess"):
        c.context["category_guess"] = item["guess"]
    if step == "collecting":
        c.slots["category"] = "quality"
    if step in ("confirming", "choosing_edit", "filed"):
        c.slots = dict(_FULL_RECORD)
    if step == "feedback_score":
        c.context["feedback_step"] = "score"
    if step == "feedback_still_fixed":
        c.context["feedback_step"] = "still_fixed"
    return c


def reading_of(r: Reading) -> str | None:
    if r.choice is not None:
        return r.choice
    if r.intent is not None:
        return r.intent
    return f"?{r.suggest}" if r.suggest else None


def evaluate(e: DialogEngine, folder: Path = DATA) -> list[Result]:
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    results = []
    for locale in LOCALES:
        items = yaml.safe_load((folder / f"{locale}.yaml").read_text(encoding="utf-8"))
        for item in items:
            conv = conversation(item, locale)
            t = TurnContext(e, conv, Inbound(conv.key, text=str(item["text"])), None, now)  # type: ignore[arg-type]
            results.append(Result(locale, str(item["step"]), str(item["text"]),
                                  item["choice"], reading_of(read(t))))
    return results


def stories(e: DialogEngine) -> tuple[int, int, int]:
    items = yaml.safe_load((DATA / "stories.yaml").read_text(encoding="utf-8"))
    right = sum(infer_category(e.meaning, s["text"]) == s["category"] for s in items)
    unguessed = sum(infer_category(e.meaning, s["text"]) is None for s in items)
    return right, unguessed, len(items)


def summary(results: list[Result], prefix: str, ms: float, cpu_ms: float,
            misses: bool) -> None:
    """The confusion (and with `misses` every miss) of one set, then its figures in one line."""
    wrong = [r for r in results if r.got != r.expected]
    confident = [r for r in wrong if r.got is not None and not r.got.startswith("?")]
    asked = [r for r in wrong if r.got is not None and r.got.startswith("?")]
    per = {loc: sum(r.got == r.expected for r in results if r.locale == loc)
           / sum(r.locale == loc for r in results) for loc in LOCALES}
    print("  confusion (expected -> read as: count):")
    for (exp, got), n in Counter((r.expected, r.got) for r in wrong).most_common(25):
        print(f"    {exp} -> {got}: {n}")
    if misses:
        for r in wrong:
            print(f"    [{r.locale} {r.step}] {r.text!r}: expected {r.expected}, read {r.got}")
    accuracy = (len(results) - len(wrong)) / len(results)
    # The labelled set's line is the one the issue names (understanding_accuracy=, per_locale=);
    # the held-out set's keys all start with heldout_.
    first = prefix or "understanding_"
    print(f"{first}accuracy={accuracy:.3f} "
          f"{prefix}per_locale={','.join(f'{k}:{v:.3f}' for k, v in per.items())} "
          f"{prefix}answers={len(results)} {prefix}confident_wrong={len(confident)} "
          f"{prefix}did_you_mean={len(asked)} {prefix}ms_per_answer={ms:.3f} "
          f"{prefix}cpu_ms_per_answer={cpu_ms:.3f}")


def timed(e: DialogEngine, folder: Path) -> tuple[list[Result], float, float]:
    """The set's readings, and the wall-clock and CPU milliseconds per answer (on a machine
    shared with other work the first swings with the load, the second much less)."""
    start, cpu = time.perf_counter(), time.process_time()
    results = evaluate(e, folder)
    return (results, (time.perf_counter() - start) * 1000 / len(results),
            (time.process_time() - cpu) * 1000 / len(results))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Only the labelled set's: the held-out set's texts stay unseen, or it stops being one.
    p.add_argument("--misses", action="store_true", help="list every miss of the labelled set")
    args = p.parse_args()
    e = engine()
    warm_up()
    e.warm_up()
    labelled, ms, cpu_ms = timed(e, DATA)
    print(f"== labelled set ({DATA.relative_to(DATA.parents[2])}/, {len(labelled)} answers; "
          f"the example lists were extended while looking at its misses)")
    summary(labelled, "", ms, cpu_ms, args.misses)
    s_right, s_none, s_total = stories(e)
    print(f"stories: category right {s_right}/{s_total}, not guessed {s_none}, "
          f"wrong {s_total - s_right - s_none}")
    held, held_ms, held_cpu_ms = timed(e, DATA / "holdout")
    print(f"== held-out set ({(DATA / 'holdout').relative_to(DATA.parents[2])}/, {len(held)} "
          f"answers; never seen while writing the examples: the unbiased estimate)")
    summary(held, "heldout_", held_ms, held_cpu_ms, misses=False)


if __name__ == "__main__":
    main()
