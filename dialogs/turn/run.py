"""The turn from start to finish: the customer's mood and language, a stale button, an expired
or long-idle draft, requests that apply in any state, attachments, the state's handler, and
last the escalation rules, whose hand-over replaces what the handler said."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dialogs.conversation import Conversation
from dialogs.machine import DRAFT_STATES
from dialogs.messages import Inbound
from dialogs.ports import Desk
from dialogs.turn.context import TurnContext
from dialogs.turn.drafting import on_opened
from dialogs.turn.escalate import escalate, escalation_hits
from dialogs.turn.global_intents import global_intent
from dialogs.turn.outcome import TurnOutcome
from dialogs.turn.states import HANDLERS
from dialogs.turn.understanding import (
    attachments_only,
    extract_slots,
    is_greeting,
    pressed,
    settle_locale,
)

if TYPE_CHECKING:
    from dialogs.engine import DialogEngine

LONG_MESSAGE = 4_000


async def run_turn(engine: DialogEngine, conv: Conversation, inbound: Inbound, desk: Desk,
                   now: datetime) -> TurnOutcome:
    t = TurnContext(engine, conv, inbound, desk, now)
    c = conv
    if inbound.opened:
        # Nothing was said: no mood, no intent, and not "seen" for a welcome back.
        on_opened(t)
        return t.out
    settle_locale(t)
    if t.text:
        emotion = engine.scorer.score(t.text, c.locale)
        t.out.emotion = emotion
        t.tone = emotion.tone
        c.context["upset_streak"] = (c.context.get("upset_streak", 0) + 1
                                     if emotion.tone != "neutral" else 0)
    choice = pressed(t)
    if choice == "stale":
        t.say("stale_button")
        t.prompt()
        return finish(t)

    if c.state == "expired":
        t.say("expired", hours=engine.settings.draft_expiry_hours)
        c.reset()
        c.begin_again()
        if not t.text or is_greeting(t):
            t.say("restarted")
            return finish(t)
    elif (c.state in DRAFT_STATES and c.state != "new"
          and c.context.get("last_seen")
          and now - datetime.fromisoformat(c.context["last_seen"])
          > timedelta(minutes=engine.settings.welcome_back_minutes)):
        t.say("welcome_back", name=c.display_name)

    if not choice and t.text and await global_intent(t):
        return finish(t)
    if attachments_only(t):
        return finish(t)
    if not choice and not t.text:
        t.say("empty")
        t.prompt()
        return finish(t)
    if len(inbound.text) > LONG_MESSAGE:
        t.say("long_message")

    # What was asked is fixed before extraction fills slots from this very answer.
    t.asked = c.missing_detail() if c.state == "collecting" else None
    if c.state in DRAFT_STATES and not choice:
        extract_slots(t)
    handler = HANDLERS[c.state]
    mark = len(t.out.replies)
    before = (t.acknowledged, c.context.get("turns_since_empathy"))
    await handler(t, choice)
    hits = await escalation_hits(t, asked=False)
    if hits:
        # A person takes over: what this turn would have said and asked is dropped, and
        # the acknowledgement is said afresh, ahead of the hand-over.
        del t.out.replies[mark:]
        t.acknowledged = before[0]
        if before[1] is None:
            c.context.pop("turns_since_empathy", None)
        else:
            c.context["turns_since_empathy"] = before[1]
        await escalate(t, hits)
    return finish(t)


def finish(t: TurnContext) -> TurnOutcome:
    ctx = t.conv.context
    ctx["last_seen"] = t.now.isoformat()
    if t.text:
        ctx["tone"] = t.tone
        ctx["turns_since_empathy"] = ctx.get("turns_since_empathy", 99) + (
            0 if t.acknowledged else 1)
    return t.out
