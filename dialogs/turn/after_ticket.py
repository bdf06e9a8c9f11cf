"""The states after a ticket was filed: words for the case (or a new complaint) while it is
filed or with a person, and the feedback on a fix (solved? a rating; did it hold?)."""

from __future__ import annotations

from datetime import timedelta

from dialogs.events import Relayed
from dialogs.turn.context import TurnContext
from dialogs.turn.tickets import after_hours, reopen


async def on_filed_or_handed_off(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    if pressed == "new_complaint":
        c.reset()
        c.begin_again()
        t.say("restarted")
        return
    number = c.context.get("last_ticket")
    if number:
        await t.desk.add_event(number, "customer_message", {"text": t.words}, t.now)
    if c.state == "handed_off" and c.context.get("agent") and number:
        # A person has the case: the bot stays quiet and passes the words on.
        t.out.events.append(Relayed(c.key, str(number), t.words))
        return
    if c.state == "handed_off" and number:
        # Waiting for a person: the bot answers, and the agents see it develop too.
        t.out.events.append(Relayed(c.key, str(number), t.words, waiting=True))
    t.acknowledge()
    if c.state == "handed_off" and number:
        position = await t.desk.queue_position(str(number))
        info = await t.desk.ticket(str(number), c.key)
        if position is not None and info is not None:
            t.say("queue.waiting", t.buttons(), number=number, position=position,
                  due=t.e.fmt.when(info.first_response_due, c.locale))
            return
    t.prompt()


async def on_feedback(t: TurnContext, pressed: str | None) -> None:
    c = t.conv
    number = str(c.context.get("last_ticket", ""))
    step = c.context.get("feedback_step")
    if step == "still_fixed" and pressed == "solved.yes":
        await t.desk.add_event(number, "follow_up", {"stayed_fixed": True}, t.now)
        c.context.pop("feedback_step", None)
        c.rated()
        t.say("follow_up.thanks", t.buttons())
        return
    if step != "score" and pressed == "solved.no":
        came_back = step == "still_fixed"
        await t.desk.add_event(
            number, "follow_up" if came_back else "not_solved",
            {"stayed_fixed": False, "text": t.words} if came_back
            else {"text": t.words}, t.now)
        # Turning down the fix is turning down the outcome: the agent sees that reason.
        hit = None if came_back else t.e.rules.rule_hit(
            "outcome_rejected", after="closed", text=t.words[:200])
        info = await t.desk.ticket(number, c.key)
        back = await reopen(t, number, "came_back" if came_back else "not_solved",
                            [hit] if hit else [], info)
        if back is None:  # reopened meanwhile: nothing to undo, just carry on
            c.context.pop("feedback_step", None)
            c.rated()
            t.say("reopen.still_open", t.buttons(), number=number)
            return
        t.say("feedback.reopened", t.buttons(), agent=back.agent or "")
        after_hours(t)
        return
    if step != "score" and pressed == "solved.yes":
        await t.desk.add_event(number, "solved", {}, t.now)
        if t.e.settings.follow_up_days:
            await t.desk.schedule_follow_up(
                number, t.now + timedelta(days=t.e.settings.follow_up_days))
        c.context["feedback_step"] = "score"
        t.prompt()
        return
    score = pressed.removeprefix("score.") if pressed and pressed.startswith("score.") else None
    if step == "score" and score is None and t.text.strip() in ("1", "2", "3", "4", "5"):
        score = t.text.strip()
    if step == "score" and score is not None:
        await t.desk.add_event(number, "rating", {"score": int(score)}, t.now)
        c.context.pop("feedback_step", None)
        c.rated()
        t.say("feedback.thanks", t.buttons())
        return
    t.prompt()
