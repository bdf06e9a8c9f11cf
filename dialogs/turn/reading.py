"""How a typed answer is read: a button's number or label, "yes"/"no" where they mean a button,
a rating, a request that applies anywhere, or what the classifier makes of the words.

A reading is sure (`choice` or `intent`), unsure (`suggest`: "Did you mean …?") or none of
the offered choices (free text: more of the story, a detail, the customer's own words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import cn2an

from dialogs.choices import Choice, choices_for
from dialogs.conversation import Conversation
from dialogs.intents import canon, status_query, ticket_number
from dialogs.meaning import Classifier, Meaning
from dialogs.meaning.classifier import features_text
from dialogs.turn.context import TurnContext

# Requests a customer may make at any step, recognised from whole messages; "human" also
# inside a longer one.
GLOBALS = ("human", "cancel", "restart", "help", "status", "reopen",
           "lang.en", "lang.zh-CN", "lang.zh-TW")
# Steps where words that are none of the buttons are still an answer, so only a clear match
# is taken as a button and only a short message is asked "Did you mean …?".
FREE_TEXT_STATES = frozenset({"new", "listening", "collecting", "choosing_outcome",
                              "asking_contact", "editing", "cancelled", "filed", "handed_off"})
# Where an answer turns to something else: its first clauses are tried one by one.
_CLAUSE = re.compile(r"[,.;!?，。；！？、\n]+|\s(?:but|which|because|and)\s")
MAX_CLAUSES = 4
# Where only a button can answer (the category, the read-back, which field, the feedback), a
# weaker match is taken when it is well ahead of the next one.
CLOSED_ACCEPT = 0.35
CLOSED_MARGIN = 0.1
GLOBAL_ACCEPT = 0.55
SHORT_ACCEPT = 0.4
SHORT_MARGIN = 0.2
# While the story is told, what sounds a little like asking for a person ("客服都没人接") is
# more of the story.
STORY_GLOBAL_ACCEPT = 0.75
SHORT_WORDS = 4
SHORT_HAN = 8
# A message this long, while the story is being told, is more of the story.
STORY_WORDS = 10
STORY_HAN = 14

_RATING = re.compile(r"(?<![\d.])([1-5])(?:\s*(?:分|星|颗星|stars?|/\s*5|out of 5))?(?![\d.])")
_ZH_RATING = re.compile(r"([一二两三四五])\s*(?:分|星|颗星)")
_FULL_MARKS = re.compile(r"满分|滿分|\bfull marks\b|\btop marks\b|10\s*/\s*10")
_EN_RATING = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


@dataclass(frozen=True, slots=True)
class Reading:
    choice: str | None = None  # a button's value
    intent: str | None = None  # a request from GLOBALS
    suggest: str | None = None  # a button the customer likely meant
    negated: frozenset[str] = field(default_factory=frozenset)
    score: float = 0.0
    said_no: bool = False  # a bare "no" (or "wrong"), taken as the button it means here


def yes_no(conv: Conversation) -> dict[str, str]:
    """What "yes" and "no" mean at the current step, where they mean a button."""
    state, ctx = conv.state, conv.context
    if state == "confirming":
        return {"yes": "confirm", "no": "edit"}
    if state == "listening" and conv.has_story():
        return {"no": "done"}
    if state == "categorizing" and ctx.get("category_guess"):
        return {"yes": f"cat.{ctx['category_guess']}"}
    if state == "feedback" and ctx.get("feedback_step") != "score":
        return {"yes": "solved.yes", "no": "solved.no"}
    if state == "collecting":
        return {"no": "dont_know"}
    if state == "choosing_edit":
        return {"no": "back"}
    return {}


def is_short(text: str) -> bool:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return han <= SHORT_HAN if han else len(text.split()) <= SHORT_WORDS


def story_length(text: str) -> bool:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return han > STORY_HAN if han else len(text.split()) > STORY_WORDS


def rating(text: str) -> int | None:
    """The one score 1–5 a message gives ("4分", "给4分吧", "four stars", "四星"), if any."""
    c = canon(text)
    found = {int(m.group(1)) for m in _RATING.finditer(c)}
    found |= {int(cn2an.cn2an(m.group(1).replace("两", "二"), "normal"))
              for m in _ZH_RATING.finditer(c)}
    found |= {n for word, n in _EN_RATING.items() if re.search(rf"\b{word}\b", c)}
    if _FULL_MARKS.search(c):
        found.add(5)
    return found.pop() if len(found) == 1 else None


def read(t: TurnContext) -> Reading:
    """What the customer's typed text means at this step."""
    c, text = t.conv, t.text
    options = choices_for(c)
    values = [o.value for o in options]
    stripped = text.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return Reading(options[int(stripped) - 1].value, score=1.0)
    typed = canon(text)
    for o in options:
        if any(typed == canon(label) for label in t.e.labels(o.label_template)):
            return Reading(o.value, score=1.0)
    meaning = t.e.meaning
    suggested = c.context.get("suggested")
    if suggested in values:
        answer = meaning.classify(text, ("yes", "no"))
        if answer.choice == "yes":
            return Reading(str(suggested), score=answer.score)
    if any(v.startswith("score.") for v in values) and (n := rating(text)) is not None:
        return Reading(f"score.{n}", score=1.0)
    if meaning.said_within(text, "human"):
        return Reading(intent="human", score=1.0)
    if ticket_number(text) and status_query(text, False) is not None:
        return Reading(intent="status", score=1.0)
    if c.state == "new" and story_length(text):
        # The opening story: no button to press yet, and a request for anything but a
        # person (found above) is not said in a story this long.
        return Reading()
    mapped = yes_no(c)
    offered = (*values, *mapped, *GLOBALS, "yes", "no")
    if (word_for_word := meaning.exact(text, offered)) is not None:
        return _interpret(c, text, Meaning(word_for_word, 1.0, margin=1.0), mapped, values)
    found = meaning.classify(text, offered, same=mapped)
    if found.choice is None:
        # "退款，以后别再乱扣了", "A replacement, which you owe me": the answer is one clause.
        found = _best_clause(meaning, text, (*values, *mapped)) or found
    if found.choice in ("no", None) and (field := _field_named(t, text, options)):
        # "电话号码错了", "the date is wrong": which field, not "no, nothing to change".
        return Reading(field, score=found.score)
    return _interpret(c, text, found, mapped, values)


def _field_named(t: TurnContext, text: str, options: Sequence[Choice]) -> str | None:
    """The one field a message names, by an example ("电话号码错了") or by its button's label
    said inside it ("金额写错了", "amount's wrong")."""
    fields = [o for o in options if o.value.startswith("field.")]
    if not fields:
        return None
    named = t.e.meaning.contained(text, [o.value for o in fields])
    padded = f" {features_text(text)} "
    for o in fields:
        for label in t.e.labels(o.label_template):
            words = features_text(label)
            if words and (f" {words} " in padded if words.isascii() else words in padded):
                named[o.value] = max(named.get(o.value, 0.0), min(0.5 + 0.04 * len(words), 0.8))
    if not named:
        return None
    ranked = sorted(named.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < CLOSED_MARGIN:
        return None
    return ranked[0][0]


def _best_clause(meaning: Classifier, text: str, options: tuple[str, ...]) -> Meaning | None:
    if not options:
        return None  # no button here: nothing a clause could answer
    parts = [p for p in _CLAUSE.split(text) if p.strip()]
    if len(parts) < 2:
        return None
    sure = [m for m in (meaning.classify(p, options) for p in parts[:MAX_CLAUSES])
            if m.choice is not None and m.choice not in ("yes", "no")]
    return max(sure, key=lambda m: m.score) if sure else None


def _interpret(c: Conversation, text: str, found: Meaning, mapped: dict[str, str],
               values: list[str]) -> Reading:
    def as_button(meaning: str | None) -> str | None:
        if meaning is None or meaning in ("yes", "no"):
            return mapped.get(meaning) if meaning else None
        return meaning

    if found.choice is not None:
        if found.choice in GLOBALS and found.choice not in values:
            # Leaving the question for a request needs a clearer match than answering it (a
            # button that is also a request, Cancel at the read-back, is an answer).
            if found.score < GLOBAL_ACCEPT:
                return Reading(score=found.score)
            if c.state in ("new", "listening") and (story_length(text) or (
                    found.choice == "human" and not is_short(text)
                    and found.score < STORY_GLOBAL_ACCEPT)):
                # "打客服电话没人接，在线客服一直让我等", "而且打客服都没人接" tell the story;
                # a request for a person said inside it is found by `said_within` above.
                return Reading(score=found.score)
            return Reading(intent=found.choice, score=found.score)
        return Reading(as_button(found.choice), negated=found.negated, score=found.score,
                       said_no=found.choice == "no")
    guess = as_button(found.guess) if found.guess not in GLOBALS or found.guess in values \
        else None
    if guess is not None and c.state not in FREE_TEXT_STATES and found.score >= CLOSED_ACCEPT \
            and found.margin >= CLOSED_MARGIN:
        # Only the buttons can answer this question: a clear favourite among them is it.
        return Reading(guess, negated=found.negated, score=found.score)
    if guess is not None and guess in values and is_short(text) and found.score >= SHORT_ACCEPT \
            and found.margin >= SHORT_MARGIN:
        # A few words plainly nearer one button than any other ("要维修", "something else"),
        # even where free text is an answer too.
        return Reading(guess, negated=found.negated, score=found.score)
    if guess is not None and (c.state not in FREE_TEXT_STATES or is_short(text)):
        return Reading(suggest=guess, negated=found.negated, score=found.score)
    return Reading(negated=found.negated, score=found.score)
