"""The states of a complaint being written: hearing the story, asking for the category, the
details, the outcome and a way to reach the customer, reading it back and editing it."""

from __future__ import annotations

from dialogs import intents
from dialogs.categories import infer_category
from dialogs.choices import DETAIL_SLOTS, choices_for
from dialogs.turn.answers import MAX_STORY_LINE, add_story, advance, fill, invalid
from dialogs.turn.context import TurnContext
from dialogs.turn.tickets import file
from dialogs.turn.understanding import is_greeting


async def on_new(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    c.greet()
    t.say("greet", name=c.display_name, brand=t.e.settings.brand)
    if not is_greeting(t) and t.text:
        add_story(t)
        t.story_acknowledged()
        t.say("ack.story", t.buttons())


async def on_listening(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "done":
        if not c.has_story():
            t.say("need.story")
            return
        advance(t)
        return
    if is_greeting(t) and not c.has_story():
        t.say("restarted")
        return
    first = not c.has_story()
    add_story(t)
    t.story_acknowledged()
    t.say("ack.story" if first else "ack.more", t.buttons())


async def on_categorizing(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    guess = c.context.get("category_guess")
    if pressed and pressed.startswith("cat."):
        c.slots["category"] = pressed.removeprefix("cat.")
    elif guess and intents.is_("yes", t.text):
        c.slots["category"] = guess
    elif cat := infer_category(t.text):
        c.slots["category"] = cat
    else:
        invalid(t, "category", count=len(choices_for(c)))
        return
    advance(t)


async def on_collecting(t: TurnContext, pressed: str | None) -> None:
    slot = t.asked
    assert slot is not None
    if pressed == "dont_know":
        t.conv.slots[slot] = None
    elif slot not in t.conv.slots and not fill(t, slot):
        return
    advance(t)


def refuses_outcome(t: TurnContext, pressed: str | None) -> bool:
    """Every outcome offered is turned down: a person takes it (the outcome_rejected
    rule) rather than the bot asking the same question again."""
    if pressed is None:
        t.refused = t.e.rules.refusal(t.text)
    return bool(t.refused)


async def on_choosing_outcome(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if refuses_outcome(t, pressed):
        return
    if pressed and pressed.startswith("out."):
        c.slots["outcome"] = pressed.removeprefix("out.")
    elif len(t.text) >= 2:
        # The customer's own words are a fine answer; keep them as the outcome.
        c.slots["outcome"] = "other"
        c.slots["outcome_note"] = t.words[:MAX_STORY_LINE]
    else:
        invalid(t, "outcome")
        return
    advance(t)


async def on_asking_contact(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "reply_here":
        c.context["contact_here"] = True
    elif not c.slots.get("phone") and not fill(t, "phone"):
        return
    advance(t)


async def on_confirming(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "confirm":
        await file(t, "open")
    elif pressed == "edit":
        c.context["readback_rejected"] = c.context.get("readback_rejected", 0) + 1
        c.edit()
        t.acknowledge()
        t.prompt()
    elif pressed == "cancel":
        c.cancel()
        t.prompt()
    else:
        t.acknowledge()
        t.prompt()


async def on_choosing_edit(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "back":
        c.back_to_summary()
    elif pressed and pressed.startswith("field."):
        c.context["edit_field"] = pressed.removeprefix("field.")
        c.pick_field()
    else:
        t.acknowledge()
    t.prompt()


async def on_editing(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    f = str(c.context.get("edit_field"))
    if f == "outcome" and refuses_outcome(t, pressed):
        return
    if f == "category" and pressed and pressed.startswith("cat."):
        c.slots["category"] = pressed.removeprefix("cat.")
    elif f == "outcome" and pressed and pressed.startswith("out."):
        c.slots["outcome"] = pressed.removeprefix("out.")
        c.slots.pop("outcome_note", None)
    elif f == "outcome" and len(t.text) >= 2:
        c.slots["outcome"] = "other"
        c.slots["outcome_note"] = t.words[:MAX_STORY_LINE]
    elif f == "category" and (cat := infer_category(t.text)):
        c.slots["category"] = cat
    elif f == "description" and len(t.text) >= 2:
        c.slots["description"] = []
        add_story(t)
    elif f == "phone" and pressed == "reply_here":
        c.slots.pop("phone", None)
        c.context["contact_here"] = True
    elif f in DETAIL_SLOTS and pressed == "dont_know":
        c.slots[f] = None
    elif f in DETAIL_SLOTS or f == "phone":
        if not fill(t, f):
            return
    else:
        invalid(t, {"category": "category", "outcome": "outcome"}.get(f, "description"),
                count=len(choices_for(c)))
        return
    c.context.pop("edit_field", None)
    advance(t)


async def on_cancelled(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "undo":
        advance(t)
        return
    if is_greeting(t):
        t.prompt()
        return
    # Anything else written after cancelling is taken as a new complaint.
    c.reset()
    c.begin_again()
    add_story(t)
    t.story_acknowledged()
    t.say("ack.story", t.buttons())
