"""The agents' Telegram group: new cases are posted there with a Take button, what a customer
writes to a case someone holds is passed on, and agents answer with commands or by replying.

Only registered agents (`heard agents add … --telegram-id`) may act; anyone else is told so
and nothing changes.
"""

from __future__ import annotations

import logging
import re

from telegram import Update

from dialogs.intents import TICKET_RE
from dialogs.messages import Button, ConversationKey, Reply
from handlers.agent_desk import AgentDesk, Outcome
from handlers.pipeline import CommitEvent, Escalated, Relayed, Reopened
from handlers.telegram.output import TelegramOutput
from storage.agents import Agent, AgentStore
from storage.queue import SlaAlert, TicketView

log = logging.getLogger(__name__)

HELP = ("Commands: /queue · /take <ticket> · /reply <ticket> <text> · /note <ticket> <text> · "
        "/transfer <ticket> <team> · /release <ticket> · /close <ticket> <resolution>. "
        "Replying to a message about a ticket answers its customer.")
COMMANDS = ("/queue", "/take", "/reply", "/note", "/transfer", "/release", "/close", "/help")
REFUSAL = "Only registered agents can do that."
_MARK = {"P1": "🔴", "P2": "🟠", "P3": "🟡", "P4": "⚪"}
_WHY = {"not_solved": "the customer says it is not solved",
        "came_back": "the customer says the problem came back",
        "asked": "the customer asked to reopen it"}


class AgentGroup:
    def __init__(self, chat_id: int, output: TelegramOutput, desk: AgentDesk,
                 agents: AgentStore) -> None:
        self.chat_id = chat_id
        self.key = ConversationKey("telegram", str(chat_id))
        self.output = output
        self.desk = desk
        self.agents = agents

    # --- from the turn pipeline ---------------------------------------------------------------
    async def on_commit(self, events: list[CommitEvent]) -> None:
        for event in events:
            view = await self.desk.queue.view(event.number)
            if view is None:
                continue
            if isinstance(event, Escalated):
                await self._post(self._card(view),
                                 (Button(f"Take {view.number}", f"take:{view.number}"),))
            elif isinstance(event, Relayed):
                await self._post(f"{view.number} · customer:\n{event.text}")
            elif isinstance(event, Reopened):
                text = (f"{view.number} reopened: {_WHY.get(event.why, event.why)} "
                        f"(back with {view.agent or 'the queue'}).")
                if view.agent is None:  # nobody has it: the card, so someone can take it
                    await self._post(f"{text}\n{self._card(view)}",
                                     (Button(f"Take {view.number}", f"take:{view.number}"),))
                else:
                    await self._post(text)

    async def on_sla(self, alerts: list[SlaAlert]) -> None:
        for a in alerts:
            who = a.agent or "the team"
            what = "first response" if a.target == "first_response" else "resolution"
            if a.kind == "warning":
                await self._post(f"⏰ {a.number} ({a.priority}): {what} due at "
                                 f"{a.due:%d %b %H:%M} UTC — {who}.")
            else:
                await self._post(f"❗ {a.number} ({a.priority}): {what} overdue since "
                                 f"{a.due:%d %b %H:%M} UTC — supervisors, please step in "
                                 f"({who}).")

    def _card(self, v: TicketView) -> str:
        reasons = "; ".join(r["reason"] + _evidence(r.get("evidence") or {})
                            for r in v.reasons) or "-"
        story = v.description if len(v.description) <= 400 else v.description[:400] + "…"
        lines = [f"{_MARK.get(v.priority, '')} {v.number} · {v.priority} · {v.team or '-'}",
                 f"Why: {reasons}", f"What happened: {story}",
                 f"Category: {v.category or '-'} · Wants: {v.outcome or '-'}"]
        if v.recent:
            lines.append("Last messages:")
            lines += [f"› {m[:300]}" for m in v.recent]
        return "\n".join(lines)

    async def _post(self, text: str, buttons: tuple[Button, ...] = ()) -> None:
        await self.output.send(self.key, Reply(text, buttons, "agents"))

    # --- from the group -------------------------------------------------------------------
    async def handle(self, update: Update) -> bool:
        """Acts on an update from the agents' group; False when it is not from there."""
        chat = update.effective_chat
        if chat is None or chat.id != self.chat_id:
            return False
        user = update.effective_user
        query = update.callback_query
        if query is not None:
            await self.output.answer_callback(query.id)
            data = query.data or ""
            if not data.startswith("take:"):
                return True
            agent = await self._agent(user.id if user else None)
            if agent is not None:
                await self._say(await self.desk.take(agent, data[5:]))
            return True
        message = update.effective_message
        text = (message.text or "").strip() if message else ""
        if not text:
            return True
        if text.startswith("/"):
            await self._command(text, user.id if user else None)
        elif message and message.reply_to_message and message.reply_to_message.text:
            found = TICKET_RE.search(message.reply_to_message.text)
            if found:
                agent = await self._agent(user.id if user else None)
                if agent is not None:
                    await self._say(await self.desk.reply(agent, found.group(0), text))
        return True

    async def _command(self, text: str, user_id: int | None) -> None:
        word, _, rest = text.partition(" ")
        command = word.split("@")[0].lower()
        if command not in COMMANDS:
            return
        agent = await self._agent(user_id)
        if agent is None:
            return
        if command == "/help":
            await self._post(HELP)
        elif command == "/queue":
            await self._post(await self.desk.waiting_text())
        else:
            number, _, tail = rest.strip().partition(" ")
            if not re.fullmatch(TICKET_RE.pattern, number, re.IGNORECASE):
                await self._post(f"Which ticket? {HELP}")
            elif command == "/take":
                await self._say(await self.desk.take(agent, number))
            elif command == "/reply":
                await self._say(await self.desk.reply(agent, number, tail))
            elif command == "/note":
                await self._say(await self.desk.note(agent, number, tail))
            elif command == "/release":
                await self._say(await self.desk.release(agent, number))
            elif command == "/transfer":
                team = tail.strip().lower()
                if not re.fullmatch(r"[a-z_]{2,32}", team):
                    await self._post("Transfer to which team? /transfer <ticket> <team>")
                else:
                    await self._say(await self.desk.release(agent, number, team=team))
            else:
                await self._say(await self.desk.close(agent, number, tail))

    async def _agent(self, user_id: int | None) -> Agent | None:
        agent = await self.agents.by_telegram_id(user_id) if user_id is not None else None
        if agent is None:
            await self._post(REFUSAL)
        return agent

    async def _say(self, outcome: Outcome) -> None:
        await self._post(outcome.message)


def _evidence(evidence: dict[str, object]) -> str:
    """What matched, for the card: the words, or which VIP chat or phone."""
    words = evidence.get("words")
    if isinstance(words, list) and words:
        return f" ({', '.join(map(str, words))})"
    shown = evidence.get("channel") or evidence.get("phone")
    return f" ({shown})" if shown else ""
