"""The check before a reply: the reply form carries where the ticket stood when the agent
loaded the page (storage/ticket_marks.py); if another agent replied since, or the customer
wrote, or the ticket changed hands, the reply is held back (409) and the page shows what
happened, with the draft kept and a "Send anyway". No script needed. A live page shows what
happens as it happens, so its script moves the form's mark on with each update it shows and
puts a warning above a reply being written (presence.js): the server then holds back only
what the page could not have shown yet. A form without a mark (an old page, the Telegram
group) is not checked."""

from __future__ import annotations

from aiohttp import web

from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.security import SESSION
from storage.ticket_marks import Happened, Since, parse_mark


async def crossed_since(request: web.Request, number: str, seen: str) -> list[Happened]:
    mark = parse_mark(seen)
    if mark is None:
        return []
    return await request.app[CONSOLE].marks.since(number, mark, request[SESSION].agent.name)


def crossed_message(crossed: list[Happened]) -> str:
    """One sentence: what happened since the page was loaded, oldest first, repeats folded."""
    said: list[str] = []
    for h in crossed:
        if h.what is Since.CUSTOMER:
            part = "the customer wrote"
        elif h.what is Since.REPLY:
            part = f"{h.who} replied"
        else:
            part = f"{h.who or 'someone'} {_DONE.get(h.kind, h.kind + ' it')}"
        if part not in said:
            said.append(part)
    return ("Not sent yet: since you opened this ticket, " + "; ".join(said)
            + ". Read what is new below, then send anyway or change your reply.")


_DONE = {"taken": "took it", "released": "put it back in the queue",
         "transferred": "transferred it", "closed": "closed it", "reopened": "reopened it"}
