"""The escalation rules on a turn, and handing the conversation to a person when they fire."""

from __future__ import annotations

from datetime import timedelta

from dialogs.escalation import Hit, more_urgent, signals_for, top_priority
from dialogs.turn.answers import MAX_STORY_LINE, add_story
from dialogs.turn.context import TurnContext
from dialogs.turn.tickets import after_hours, due, file


async def escalation_hits(t: TurnContext, *, asked: bool) -> list[Hit]:
    """The escalation rules on this turn, in any state but those a person already has."""
    c = t.conv
    if c.state in ("cancelled", "expired") and not asked:
        return []
    ctx = c.context
    rules = t.e.rules
    if "earlier_tickets" not in ctx:  # once per complaint: the customer's history
        since = t.now - timedelta(days=rules.window_days())
        # A conversation on its first turn is a customer we have never heard from.
        ctx["earlier_tickets"] = (0 if c.version == 0 else
                                  await t.desk.tickets_since(c.key, since))
    order = c.slots.get("order_no")
    # Checked from the turn after it was given: storage looks up every order of a batch
    # in one go before the dialog runs, rather than once per turn inside it.
    if order and order == t.order_at_start and ctx.get("order_checked") != order:
        ctx["order_checked"] = order
        ctx["order_seen_before"] = await t.desk.ticket_for_order(str(order))
    emotion = t.out.emotion
    t.out.checks = rules.checks(signals_for(c, t.text, asked=asked,
                                            anger=emotion.anger if emotion else 0.0,
                                            refused=t.refused))
    hits = [Hit(k.rule, k.priority, k.evidence) for k in t.out.checks if k.fired]
    if c.state == "handed_off" and not asked:
        # Already with a person: only something more urgent than before is news.
        hits = more_urgent(hits, str(ctx.get("priority", "P4")))
    return hits


async def escalate(t: TurnContext, hits: list[Hit]) -> None:
    """Hand the conversation to a person, filing what was gathered so nothing is lost."""
    c = t.conv
    t.acknowledge()
    lines = c.slots.get("description", [])
    if t.words and (not lines or lines[-1] != t.words[:MAX_STORY_LINE]):
        add_story(t)
    for reason in dict.fromkeys(h.reason for h in hits):
        if t.e.templates.has(f"escalation.{reason}"):
            t.say(f"escalation.{reason}")
    number = c.context.get("last_ticket")
    if c.state in ("filed", "handed_off", "feedback") and number:
        priority = top_priority([*hits, Hit("held", str(c.context.get("priority", "P4")),
                                            {})])
        c.context["priority"] = priority
        await t.desk.add_event(number, "escalated", {
            "priority": priority, "reasons": [h.record() for h in hits],
            "text": t.words}, t.now)
        info = await t.desk.ticket(number, c.key)
        first = info.first_response_due if info and info.first_response_due else None
        promised = min(d for d in (first, due(t, priority)) if d is not None)
        if c.state in ("filed", "feedback"):
            c.hand_off()
        t.say("handoff.already", t.buttons(), number=number,
              due=t.e.fmt.when(promised, c.locale))
        after_hours(t)
        return
    if c.state == "new":
        c.greet()
    await file(t, "escalated", hits)
