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
    if intents.is_("human", text):
        await escalate(t, await escalation_hits(t, asked=True))
        return True
    lang = intents.language_choice(text)
    if lang:
        c.locale = lang
        c.context["locale_locked"] = True
        t.say("language.switched")
        t.prompt()
        return True
    if intents.is_("help", text):
        t.say("help")
        t.prompt()
        return True
    if intents.is_("restart", text):
        c.reset()
        c.restart()
        t.say("restarted")
        return True
    if intents.is_("cancel", text):
        if c.state in DRAFT_STATES and c.state != "new":
            c.cancel()
            t.prompt()
        else:
            t.say("nothing_to_cancel")
            t.prompt()
        return True
    reopen = intents.is_("reopen", text)
    if reopen and may_reopen(t):
        await reopen_asked(t)
        return True
    # "reopen C-…" is never a status query, even where it cannot reopen anything.
    query = None if reopen else intents.status_query(text)
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
