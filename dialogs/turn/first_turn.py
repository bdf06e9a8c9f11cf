"""The first time a customer tells the story: greeted and acknowledged in one reply (the
acknowledgement first when they are upset), and a customer in a hurry, whose message already
holds the facts, taken straight to the category check and the read-back."""

from __future__ import annotations

import re

from dialogs.categories import clauses
from dialogs.choices import OUTCOMES
from dialogs.turn.answers import advance
from dialogs.turn.context import TurnContext

# Facts a first message must hold to skip "anything else?": the customer is in a hurry.
HURRY_FACTS = 3
_FACTS = ("order_no", "phone", "amount", "when", "where", "product", "outcome")
# A wanted outcome is taken from the story only when a clause says it plainly ("Want a
# refund", "要换货"); the read-back lets the customer correct it.
OUTCOME_IN_STORY = 0.55
# "Reply here is fine" in a story; "我在这里买的" is about a place, not a way to answer.
REPLY_HERE_IN_STORY = 0.7
_IN_STORY = ("reply_here", *(f"out.{o}" for o in OUTCOMES if o != "other"))


# A clause that asks for something ("want a refund", "请退款", "Refund it please"); "under
# warranty it should be repaired for free" argues, and the outcome is still asked.
_WISH = re.compile(r"(?i)\b(?:want|wants|would like|i'd like|please|need|give me|expect)\b"
                   r"|要|请|請|给我|給我|希望|想|麻烦|麻煩|就行|就好|is fine")


def said_in_story(t: TurnContext) -> dict[str, float]:
    """The wanted outcome and the wish to be answered here, by their best clause's score."""
    best: dict[str, float] = {}
    for clause in clauses(t.text):
        if not _WISH.search(clause):
            continue
        found = t.e.meaning.classify(clause, _IN_STORY)
        if found.choice and found.score > best.get(found.choice, 0.0):
            best[found.choice] = found.score
    return best


def outcome_in_story(said: dict[str, float]) -> str | None:
    outcomes = {k: v for k, v in said.items() if k.startswith("out.") and v >= OUTCOME_IN_STORY}
    return max(outcomes, key=outcomes.__getitem__).removeprefix("out.") if outcomes else None


def first_story(t: TurnContext) -> None:
    """Acknowledge the story just told; `greeted` says whether hello was said already."""
    c = t.conv
    greeted = c.context.get("greeted", False)
    c.context["greeted"] = True
    said = said_in_story(t)
    if "outcome" not in c.slots and (outcome := outcome_in_story(said)):
        c.slots["outcome"] = outcome
    if c.identified and said.get("reply_here", 0.0) >= REPLY_HERE_IN_STORY:
        c.context["contact_here"] = True
    t.story_acknowledged()
    name, brand = c.display_name, t.e.settings.brand
    facts = sum(1 for f in _FACTS if c.slots.get(f)) + bool(c.context.get("contact_here"))
    if facts >= HURRY_FACTS:
        t.say("ack.hurry", name=None if greeted else name, brand=None if greeted else brand)
        advance(t)
        return
    if greeted:
        t.say("ack.story", t.buttons())
    else:
        t.say("ack.first", t.buttons(), name=name, brand=brand)
