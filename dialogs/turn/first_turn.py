"""The first time a customer tells the story: greeted and acknowledged in one reply (the
acknowledgement first when they are upset), and a customer in a hurry, whose message already
holds the facts, taken straight to the category check and the read-back."""

from __future__ import annotations

from dialogs.categories import clauses
from dialogs.choices import OUTCOMES
from dialogs.turn.answers import advance
from dialogs.turn.context import TurnContext

# Facts a first message must hold to skip "anything else?": the customer is in a hurry.
HURRY_FACTS = 3
_FACTS = ("order_no", "phone", "amount", "when", "where", "product", "outcome")
# A wanted outcome is taken from the story only when a clause says it plainly.
OUTCOME_IN_STORY = 0.75


def outcome_in_story(t: TurnContext) -> str | None:
    options = [f"out.{o}" for o in OUTCOMES if o != "other"]
    best, best_score = None, 0.0
    for clause in clauses(t.text):
        found = t.e.meaning.classify(clause, options)
        if found.choice and found.score > best_score:
            best, best_score = found.choice, found.score
    return best.removeprefix("out.") if best and best_score >= OUTCOME_IN_STORY else None


def first_story(t: TurnContext) -> None:
    """Acknowledge the story just told; `greeted` says whether hello was said already."""
    c = t.conv
    greeted = c.context.get("greeted", False)
    c.context["greeted"] = True
    if "outcome" not in c.slots and (outcome := outcome_in_story(t)):
        c.slots["outcome"] = outcome
    t.story_acknowledged()
    name, brand = c.display_name, t.e.settings.brand
    if sum(1 for f in _FACTS if c.slots.get(f)) >= HURRY_FACTS:
        t.say("ack.hurry", name=None if greeted else name, brand=None if greeted else brand)
        advance(t)
        return
    if greeted:
        t.say("ack.story", t.buttons())
    else:
        t.say("ack.first", t.buttons(), name=name, brand=brand)
