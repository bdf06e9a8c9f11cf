"""Taking the customer's answer: the story, a detail checked against what it should look like,
a hint when it does not fit, another approach when it still does not, and moving on to what is
still missing."""

from __future__ import annotations

import re
from typing import Any

from dialogs.categories import infer_category
from dialogs.choices import choices_for
from dialogs.slots import parse_amount, parse_order_no, parse_phone, parse_when, phone_example
from dialogs.turn.context import TurnContext
from dialogs.turn.recall import recalled

# Description lines are kept in the record up to this size; the transcript keeps everything.
MAX_STORY_LINE = 2_000
MAX_STORY_LINES = 20
# Details the record can do without: after a second miss the bot moves on with "not given".
OPTIONAL_DETAILS = frozenset({"product", "order_no", "when", "where", "amount"})


def advance(t: TurnContext) -> None:
    c = t.conv
    c.context["invalid_streak"] = 0  # any progress ends a run of misunderstandings
    c.context.pop("missed", None)
    c.context.pop("acks_in_a_row", None)
    if not c.has_category():
        c.context["category_guess"] = infer_category(t.e.meaning, c.description())
    c.advance()
    t.acknowledge()
    t.prompt()


def add_story(t: TurnContext) -> None:
    lines: list[str] = t.conv.slots.setdefault("description", [])
    if len(lines) < MAX_STORY_LINES and t.words:
        lines.append(t.words[:MAX_STORY_LINE])


def did_you_mean(t: TurnContext, value: str) -> None:
    """Not sure enough to act: ask, with the likely button first and the others after it."""
    t.conv.context["suggested"] = value
    buttons = t.buttons()
    first = [b for b in buttons if b.payload.endswith(f":{value}")]
    rest = [b for b in buttons if not b.payload.endswith(f":{value}")]
    label = first[0].label if first else value
    t.acknowledge()
    t.say("did_you_mean", (*first, *rest), choice=label)


def invalid(t: TurnContext, slot: str, **data: Any) -> None:
    """The answer does not fit. The first miss gets a hint; the second a different approach
    (the options spelt out with numbers, or moving on without an optional detail); only then
    do misses count towards handing the customer to a person."""
    c = t.conv
    if t.reading is not None and t.reading.suggest is not None:
        did_you_mean(t, t.reading.suggest)
        return
    missed = c.context.get("missed", 0) + 1
    c.context["missed"] = missed
    if missed >= 2 and c.state == "collecting" and slot in OPTIONAL_DETAILS:
        c.give_up(slot)
        t.say("moving_on", field=t.label(f"field.{slot}"))
        advance(t)
        return
    c.context["invalid_streak"] = c.context.get("invalid_streak", 0) + 1
    t.acknowledge()
    options = choices_for(c)
    if missed >= 2 and len(options) > 1:
        t.say("ask.numbered", t.buttons(), options=[t.label(o.label_template) for o in options])
        return
    t.say(f"invalid.{slot}", t.buttons(), can_reply_here=c.identified,
          example=phone_example(t.region) if slot == "phone" else None, **data)


def fill(t: TurnContext, slot: str) -> bool:
    """Validate the answer for `slot`; re-ask with a hint when it does not fit."""
    c = t.conv
    value = parse_slot(t, slot, t.words if slot in ('product', 'where') else t.text) \
        or recalled(t, slot)
    if value is None:
        invalid(t, slot)
        return False
    c.take(slot, value)
    c.context["invalid_streak"] = 0
    return True


# An answer that corrects itself: "11月20号，哦不对，是11月21号", "0791… sorry, 07911 …".
_SELF_CORRECTION = re.compile(
    r"(?i)\b(?:no wait|i mean|sorry|actually|correction)\b"
    r"|哦不|不对|不對|应该是|應該是|其实是|其實是|更正")


def corrected_tail(text: str) -> str | None:
    """What follows the last "no wait" / "不对" of an answer that corrects itself."""
    cues = list(_SELF_CORRECTION.finditer(text))
    return text[cues[-1].end():].strip(" ,，:：、") or None if cues else None


def parse_slot(t: TurnContext, slot: str, text: str) -> Any:
    """The value `text` gives for `slot`, or None; the corrected one when the answer
    corrects itself."""
    if tail := corrected_tail(text):
        value = _parse_slot(t, slot, tail)
        if value is not None:
            return value
    return _parse_slot(t, slot, text)


def _parse_slot(t: TurnContext, slot: str, text: str) -> Any:
    c = t.conv
    if slot == "phone":
        return parse_phone(text, t.region)
    if slot == "order_no":
        return parse_order_no(text, lenient=True)
    if slot == "when":
        d = parse_when(text, t.now, lenient=True, locale=c.locale, tz=t.e.extractor.timezone)
        return d.isoformat() if d else None
    if slot == "amount":
        parsed = parse_amount(text, lenient=True, locale=c.locale,
                              default_currency=t.e.extractor.default_currency)
        if parsed:
            c.slots["currency"] = parsed[1]
            return str(parsed[0])
        return None
    if slot in ("product", "where"):
        words = t.e.meaning.without_within(text, "already_said")
        return words[:200] if len(words) >= 2 else None
    return None
