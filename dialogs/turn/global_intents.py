"""What a customer may ask in any state, ahead of the state's own question: a person, another
language, help, starting over, cancelling, reopening a case, a ticket's status, a /command."""

from __future__ import annotations

from dialogs import intents
from dialogs.machine import DRAFT_STATES
from dialogs.turn.context import TurnContext
from dialogs.turn.escalate import escalate, escalation_hits
from dialogs.turn.tickets import may_reopen, reopen_asked, status


async def global_intent(t: TurnContext) -> bool:
    """Answer such a request if the text is one; False leaves the turn to the state."""
    c = t.conv
    text = t.text
    asked = t.reading.intent if t.reading else None
    if asked == "human":
        await escalate(t, await escalation_hits(t, asked=True))
        return True
    if asked is not None and asked.startswith("lang."):
        c.locale = asked.removeprefix("lang.")
        c.context["locale_locked"] = True
        t.say("language.switched")
        t.prompt()
        return True
    if asked == "help":
        t.say("help")
        t.prompt()
        return True
    if asked == "restart":
        c.reset()
        c.restart()
        t.say("restarted")
        return True
    if asked == "cancel":
        if c.state in DRAFT_STATES and c.state != "new":
            c.cancel()
            t.prompt()
        else:
            t.say("nothing_to_cancel")
            t.prompt()
        return True
    reopen = asked == "reopen" or t.e.meaning.said_within(text, "reopen")
    if reopen and may_reopen(t):
        await reopen_asked(t)
        return True
    # "reopen C-…" is never a status query, even where it cannot reopen anything.
    query = None if reopen else intents.status_query(text, asked == "status")
    if query is not None and query.number is None and c.state == "handed_off":
        query = None  # waiting for a person: their place in line answers "any news?"
    if query is not None:
        await status(t, query.number)
        t.prompt()
        return True
    cmd = intents.command_word(text)
    if cmd is not None and not (cmd == "/start" and c.state == "new"):
        t.say("unknown_command", command=cmd)
        t.prompt()
        return True
    return False
