"""Taking the customer's answer: the story, a detail checked against what it should look like,
a hint when it does not fit, and moving on to what is still missing."""

from __future__ import annotations

from typing import Any

from dialogs.categories import infer_category
from dialogs.slots import parse_amount, parse_order_no, parse_phone, parse_when
from dialogs.turn.context import TurnContext

# Description lines are kept in the record up to this size; the transcript keeps everything.
MAX_STORY_LINE = 2_000
MAX_STORY_LINES = 20


def advance(t: TurnContext) -> None:
    c = t.conv
    c.context["invalid_streak"] = 0  # any progress ends a run of misunderstandings
    if not c.has_category():
        c.context["category_guess"] = infer_category(c.description())
    c.advance()
    t.acknowledge()
    t.prompt()


def add_story(t: TurnContext) -> None:
    lines: list[str] = t.conv.slots.setdefault("description", [])
    if len(lines) < MAX_STORY_LINES and t.words:
        lines.append(t.words[:MAX_STORY_LINE])


def invalid(t: TurnContext, slot: str, **data: Any) -> None:
    c = t.conv
    c.context["invalid_streak"] = c.context.get("invalid_streak", 0) + 1
    t.acknowledge()
    t.say(f"invalid.{slot}", t.buttons(), can_reply_here=c.identified, **data)


def fill(t: TurnContext, slot: str) -> bool:
    """Validate the answer for `slot`; re-ask with a hint when it does not fit."""
    c = t.conv
    value: Any = None
    if slot == "phone":
        value = parse_phone(t.text, t.e.extractor.phone_region)
    elif slot == "order_no":
        value = parse_order_no(t.text, lenient=True)
    elif slot == "when":
        d = parse_when(t.text, t.now, lenient=True)
        value = d.isoformat() if d else None
    elif slot == "amount":
        parsed = parse_amount(t.text, lenient=True)
        if parsed:
            value = str(parsed[0])
            c.slots["currency"] = parsed[1]
    elif slot in ("product", "where") and len(t.words) >= 2:
        value = t.words[:200]
    if value is None:
        invalid(t, slot)
        return False
    c.slots[slot] = value
    c.context["invalid_streak"] = 0
    return True
