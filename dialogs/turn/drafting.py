"""The states of a complaint being written: hearing the story, asking for the category, the
details, the outcome and a way to reach the customer, reading it back and editing it."""

from __future__ import annotations

from dialogs.categories import answered_category
from dialogs.choices import DETAIL_SLOTS, OUTCOMES, choices_for
from dialogs.turn import corrections
from dialogs.turn.answers import MAX_STORY_LINE, add_story, advance, did_you_mean, fill, invalid
from dialogs.turn.context import TurnContext
from dialogs.turn.first_turn import first_story
from dialogs.turn.tickets import file
from dialogs.turn.understanding import is_greeting, open_locale


def say_hello(t: TurnContext) -> None:
    """The playbook's first step: greet, name the service, ask what happened. Remembered, so
    the story that follows is acknowledged without a second hello (first_turn.first_story)."""
    c = t.conv
    c.context["greeted"] = True
    t.say("greet", name=c.display_name, brand=t.e.settings.brand)


async def on_new(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    c.greet()
    if not t.text or is_greeting(t):
        say_hello(t)
        return
    add_story(t)
    first_story(t)


def on_opened(t: TurnContext) -> None:
    """The customer opened the chat: received at once if the conversation has not started.
    Anything else (a reload, a second tab, a reconnect) says nothing: the page shows the
    history, and a second hello mid-conversation would only confuse."""
    c = t.conv
    if c.state != "new":
        return
    open_locale(t)
    c.greet()
    say_hello(t)


async def on_listening(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "done":
        if not c.has_story():
            t.say("need.story")
            return
        advance(t)
        return
    if is_greeting(t) and not c.has_story():
        # Greeted already (on open, /start, "hi"): a hello back is manners, not a request
        # to start over, which nothing here has begun.
        t.say("greet.again")
        return
    if t.reading is not None and t.reading.suggest == "done" and c.has_story():
        did_you_mean(t, "done")
        return
    if c.has_story() and t.reading is not None \
            and (changed := corrections.corrections(t, at_read_back=False)):
        # "sorry, the order number is actually 88321": the record changes, the story does not
        # gain a line about it.
        t.say("correction.done", fields=corrections.apply(t, changed))
        t.prompt()
        return
    first = not c.has_story()
    add_story(t)
    t.story_acknowledged()
    if first:
        first_story(t)
        return
    acks = c.context.get("acks_in_a_row", 0) + 1
    c.context["acks_in_a_row"] = acks
    # A customer who keeps talking is heard, not answered with the same sentence twice running.
    t.say("ack.more" if acks % 2 else "ack.more.again", t.buttons())


async def on_categorizing(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed and pressed.startswith("cat."):
        c.slots["category"] = pressed.removeprefix("cat.")
    elif cat := answered_category(t.e.meaning, t.text):
        c.slots["category"] = cat
    else:
        invalid(t, "category", count=len(choices_for(c)))
        return
    advance(t)


async def on_collecting(t: TurnContext, pressed: str | None) -> None:
    slot = t.asked
    assert slot is not None
    if pressed == "dont_know":
        t.conv.give_up(slot)
    elif (slot not in t.conv.slots or t.conv.is_vague(slot)) and not fill(t, slot):
        return
    advance(t)


def refuses_outcome(t: TurnContext, pressed: str | None) -> bool:
    """Every outcome offered is turned down: a person takes it (the outcome_rejected
    rule) rather than the bot asking the same question again."""
    if pressed is None or t.reading is not None:  # typed, even if it read as a button
        t.refused = t.e.rules.refusal(t.text)
    return bool(t.refused)


def unsure_of_outcome(t: TurnContext) -> bool:
    options = ("dont_know", *(f"out.{o}" for o in OUTCOMES))
    return t.e.meaning.classify(t.text, options).choice == "dont_know"


def take_outcome(t: TurnContext, pressed: str | None) -> bool:
    c = t.conv
    if pressed == "out.other" and not c.context.get("outcome_other"):
        # "Something else" says nothing of what would help: ask, once, in their words.
        c.context["outcome_other"] = True
        t.say("ask.outcome.other")
        return False
    if pressed and pressed.startswith("out."):
        c.slots["outcome"] = pressed.removeprefix("out.")
        c.slots.pop("outcome_note", None)
    elif t.reading is not None and t.reading.suggest and t.reading.suggest.startswith("out."):
        did_you_mean(t, t.reading.suggest)
        return False
    elif not c.context.get("outcome_unsure") and unsure_of_outcome(t):
        # A customer who only wanted to be heard is asked plainly what would help (the
        # playbook's grumbler), once; a second "I don't know" is kept in their words.
        c.context["outcome_unsure"] = True
        t.acknowledge()
        t.say("ask.outcome.unsure", t.buttons())
        return False
    elif len(t.text) >= 2:
        # The customer's own words are a fine answer; keep them as the outcome.
        c.slots["outcome"] = "other"
        c.slots["outcome_note"] = t.words[:MAX_STORY_LINE]
    else:
        invalid(t, "outcome")
        return False
    return True


async def on_choosing_outcome(t: TurnContext, pressed: str | None) -> None:
    if refuses_outcome(t, pressed):
        return
    if take_outcome(t, pressed):
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
    if t.reading is not None and pressed != "confirm" and pressed != "cancel":
        # Typed: a correction is taken before any reading of "no" or "edit".
        changed = corrections.corrections(t, at_read_back=True)
        if changed:
            fields = corrections.apply(t, changed)
            t.say("correction.done", fields=fields)
            advance(t)
            return
        named = corrections.named_fields(t, t.text)
        if len(named) == 1 and named[0] in _editable(t):
            c.edit()
            c.context["edit_field"] = named[0]
            c.pick_field()
            t.acknowledge()
            t.prompt()
            return
    if pressed == "confirm":
        await file(t, "open")
    elif pressed == "edit":
        if t.reading is not None and t.reading.said_no:
            # "No" with nothing to go on: that, twice, is the read-back rejected.
            c.context["readback_rejected"] = c.context.get("readback_rejected", 0) + 1
        c.edit()
        t.acknowledge()
        t.prompt()
    elif pressed == "cancel":
        c.cancel()
        t.prompt()
    elif t.reading is not None and t.reading.suggest:
        did_you_mean(t, t.reading.suggest)
    else:
        invalid(t, "confirm")


def _editable(t: TurnContext) -> set[str]:
    return {ch.value.removeprefix("field.") for ch in choices_for(t.conv)
            if ch.value.startswith("field.")} | {"phone", "outcome", "category"}


async def on_choosing_edit(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "back":
        c.back_to_summary()
    elif pressed and pressed.startswith("field."):
        c.context["edit_field"] = pressed.removeprefix("field.")
        c.pick_field()
    elif t.reading is not None and (changed := corrections.corrections(t, at_read_back=True)):
        t.say("correction.done", fields=corrections.apply(t, changed))
        advance(t)
        return
    else:
        invalid(t, "edit_field")
        return
    t.prompt()


async def on_editing(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    f = str(c.context.get("edit_field"))
    if f == "outcome" and refuses_outcome(t, pressed):
        return
    if f == "category" and pressed and pressed.startswith("cat."):
        c.slots["category"] = pressed.removeprefix("cat.")
    elif f == "outcome":
        if not take_outcome(t, pressed):
            return
    elif f == "category" and (cat := answered_category(t.e.meaning, t.text)):
        c.slots["category"] = cat
    elif f == "description" and len(t.text) >= 2:
        c.slots["description"] = []
        add_story(t)
    elif f == "phone" and pressed == "reply_here":
        c.slots.pop("phone", None)
        c.context["contact_here"] = True
    elif f in DETAIL_SLOTS and pressed == "dont_know":
        c.give_up(f)
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
    if t.reading is not None and t.reading.suggest == "undo":
        did_you_mean(t, "undo")
        return
    # Anything else written after cancelling is taken as a new complaint.
    c.reset()
    c.begin_again()
    add_story(t)
    t.story_acknowledged()
    first_story(t)
