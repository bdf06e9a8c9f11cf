"""The agents' Telegram group: new cases are posted there with a Take button, what a customer
writes about a case is passed on, and agents answer with commands or by replying.

In a forum supergroup each ticket has its own topic (see `topics`): its card, what the
customer writes and the alerts about it go there, and what an agent writes there goes to the
customer without a command; commands there need no ticket number.

Only registered agents (`heard agents add … --telegram-id`) may act; anyone else is told so
and nothing changes.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.error import TelegramError

from dialogs.events import AlertKind, Escalated, Event, Relayed, Reopened, SlaAlert, TurnEvent
from dialogs.messages import Button, ConversationKey, Reply
from dialogs.text_clean import clean
from dialogs.ticket_number import TicketNumber
from handlers.agents.desk import AgentDesk, Outcome
from handlers.agents.grammar import (
    HELP,
    TargetKind,
    TransferTarget,
    TypedCommand,
    Verb,
    take_button,
    take_pressed,
    usage,
)
from handlers.agents.macros import Macros
from handlers.agents.topics import TicketTopics
from handlers.channels.telegram.output import TelegramOutput, thread_gone
from storage.agents import Agent, AgentStore
from storage.queue import TicketView

log = logging.getLogger(__name__)

REFUSAL = "Only registered agents can do that."
_PROMISE = {"first_response": "first response", "resolution": "resolution",
            "callback": "promised call-back"}
_MARK = {"P1": "🔴", "P2": "🟠", "P3": "🟡", "P4": "⚪"}
_WHY = {"not_solved": "the customer says it is not solved",
        "came_back": "the customer says the problem came back",
        "asked": "the customer asked to reopen it"}


class AgentGroup:
    def __init__(self, chat_id: int, output: TelegramOutput, desk: AgentDesk,
                 agents: AgentStore, macros: Macros | None = None) -> None:
        self.chat_id = chat_id
        self.macros = macros
        self.key = ConversationKey("telegram", str(chat_id))
        self.output = output
        self.desk = desk
        self.agents = agents
        self.topics = TicketTopics(chat_id, output, desk.queue)

    # --- from the outbox ---------------------------------------------------------------------
    async def on_events(self, events: list[Event]) -> None:
        """What the agents hear of: new cases, what customers write, reopenings, promises
        about to be missed. What agents themselves did (TicketChanged) they already know."""
        alerts = [e for e in events if isinstance(e, SlaAlert)]
        if alerts:
            await self._on_alerts(alerts)
        for event in events:
            if isinstance(event, Relayed | Escalated | Reopened):
                await self._on_turn(event)

    async def _on_turn(self, event: TurnEvent) -> None:
        if isinstance(event, Relayed) and not await self.topics.enabled():
            # The event carries all a plain group needs: no lookup on the hot path.
            await self._post(_relayed(event.number, event))
            return
        view = await self.desk.queue.view(event.number)
        if view is None:
            return
        if isinstance(event, Escalated):
            await self._about(view, self._card(view), self._take(view), card=True)
        elif isinstance(event, Relayed):
            await self._about(view, _relayed(view.number, event))
        elif isinstance(event, Reopened):
            text = (f"{view.number} reopened: {_WHY.get(event.why, event.why)} "
                    f"(back with {view.agent or 'the queue'}).")
            if view.agent is None:  # nobody has it: the card, so someone can take it
                await self._about(view, f"{text}\n{self._card(view)}", self._take(view))
            else:
                await self._about(view, text)

    async def _on_alerts(self, alerts: list[SlaAlert]) -> None:
        for a in alerts:
            who = a.agent or "the team"
            what = _PROMISE.get(a.target, a.target)
            # In the service's time zone, as agents read every other time.
            zone = self.desk.timezone
            when = f"{a.due.astimezone(ZoneInfo(zone)):%d %b %H:%M} {zone}"
            if a.kind is AlertKind.WARNING:
                text = f"⏰ {a.number} ({a.priority}): {what} due at {when} — {who}."
            else:
                text = (f"❗ {a.number} ({a.priority}): {what} overdue since "
                        f"{when} — supervisors, please step in ({who}).")
            view = await self.desk.queue.view(a.number)
            if view is None:
                await self._post(text)
            else:
                await self._about(view, text)

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

    @staticmethod
    def _take(v: TicketView) -> tuple[Button, ...]:
        return () if v.agent else (Button(f"Take {v.number}", take_button(v.number)),)

    async def _about(self, view: TicketView, text: str, buttons: tuple[Button, ...] = (),
                     *, card: bool = False) -> None:
        """Post about a ticket: into its topic in a forum (made, or made again, as needed),
        else to the group."""
        topic = await self.topics.topic(view)
        if topic is None:
            await self._post(text, buttons)
            return
        thread = topic.thread_id
        try:
            if topic.made and not card:
                # A topic made for a later message (the first one was deleted, or the ticket
                # is older than the forum): it starts with the case, as every topic does.
                await self._in_topic(self._card(view), self._take(view), thread)
            await self._in_topic(text, buttons, thread)
            return
        except TelegramError as e:
            if not thread_gone(e):
                raise
            log.info("topic %s of %s is gone; making it again", thread, view.number)
        again = await self.topics.topic(view, gone=thread)
        if again is None:
            await self._post(text, buttons)
            return
        if again.made and not card:
            fresh = await self.desk.queue.view(view.number) or view
            await self._in_topic(self._card(fresh), self._take(fresh), again.thread_id)
        await self._in_topic(text, buttons, again.thread_id)

    async def _in_topic(self, text: str, buttons: tuple[Button, ...], thread: int) -> None:
        await self.output.send(self.key, Reply(text, buttons, "agents"), thread_id=thread)

    async def _post(self, text: str, buttons: tuple[Button, ...] = (),
                    thread: int | None = None) -> None:
        """To the group, or to the topic `thread` an agent wrote in (the group if it is gone)."""
        reply = Reply(text, buttons, "agents")
        if thread is not None:
            try:
                await self.output.send(self.key, reply, thread_id=thread)
                return
            except TelegramError as e:
                if not thread_gone(e):
                    raise
        await self.output.send(self.key, reply)

    # --- from the group -------------------------------------------------------------------
    async def handle(self, update: Update) -> bool:
        """Acts on an update from the agents' group; False when it is not from there."""
        chat = update.effective_chat
        if chat is None or chat.id != self.chat_id:
            return False
        user = update.effective_user
        user_id = user.id if user else None
        query = update.callback_query
        message = update.effective_message  # for a button: the message it hangs on
        thread = _topic_thread(message)
        if query is not None:
            await self.output.answer_callback(query.id)
            pressed = take_pressed(query.data or "")
            if pressed is None:
                return True
            agent = await self._agent(user_id, thread)
            if agent is not None:
                await self._say(await self.desk.take(agent, pressed), thread)
            return True
        # What the database cannot hold (NUL, lone surrogates) never reaches a ticket.
        text = clean(message.text or "").strip() if message else ""
        if not text:
            return True  # service messages (a topic opened, closed…), photos, stickers
        # Written in a ticket's topic: that ticket, without anyone naming it.
        ticket = await self.topics.ticket_of(thread) if thread is not None else None
        if text.startswith("/"):
            await self._command(text, user_id, thread, ticket)
        elif ticket is not None:
            agent = await self._agent(user_id, thread)
            if agent is not None:
                outcome = await self.desk.reply(agent, ticket, text)
                if not outcome.ok:
                    # Success stays quiet: the topic is the conversation itself.
                    await self._say(outcome, thread)
        elif message and message.reply_to_message and message.reply_to_message.text:
            found = TicketNumber.first_in(message.reply_to_message.text)
            if found:
                agent = await self._agent(user_id, thread)
                if agent is not None:
                    await self._say(await self.desk.reply(agent, found, text), thread)
        return True

    async def _command(self, text: str, user_id: int | None, thread: int | None = None,
                       ticket: str | None = None) -> None:
        command = TypedCommand.parse(text)
        if command is None:
            return
        agent = await self._agent(user_id, thread)
        if agent is None:
            return
        verb = command.verb
        if verb is Verb.HELP:
            await self._post(HELP, thread=thread)
        elif verb is Verb.NEXT:
            everyone = command.every_team
            await self._say(await self.desk.take_next(agent, None if everyone else agent.team),
                            thread)
        elif verb is Verb.MACRO:
            await self._post(await self._macro(agent, command.rest, ticket), thread=thread)
        elif verb is Verb.QUEUE:
            # An agent sees their team's queue; "/queue all" (and supervisors) every team.
            everyone = command.every_team or agent.role.supervising
            await self._post(await self.desk.waiting_text(None if everyone else agent.team),
                             thread=thread)
        else:
            named = command.ticket(default=ticket)
            if named is None:
                await self._post(f"Which ticket? {HELP}", thread=thread)
                return
            number, tail = named
            if verb is Verb.TAKE:
                await self._say(await self.desk.take(agent, number), thread)
            elif verb is Verb.REPLY:
                await self._say(await self.desk.reply(agent, number, tail), thread)
            elif verb is Verb.NOTE:
                await self._say(await self.desk.note(agent, number, tail), thread)
            elif verb is Verb.RELEASE:
                await self._say(await self.desk.release(agent, number), thread)
            elif verb is Verb.TRANSFER:
                await self._say(await self._transfer(agent, number, tail.strip()), thread)
            elif verb is Verb.CALLBACK:
                await self._say(await self.desk.promise_callback(agent, number, tail), thread)
            elif verb is Verb.CALLED:
                await self._say(await self.desk.called_back(agent, number), thread)
            else:
                await self._say(await self.desk.close(agent, number, tail), thread)

    async def _macro(self, agent: Agent, rest: str, ticket: str | None) -> str:
        """"/macro": the agent's canned replies; "/macro NAME TICKET" (either order; no
        ticket in its topic) sends one, filled in the customer's locale, as their reply."""
        if self.macros is None:
            return "Canned replies are not set up here."
        words = rest.split()
        if not words:
            usable = await self.macros.usable(agent)
            if not usable:
                return "You have no canned replies yet: add them on the console's page."
            return "Your canned replies:\n" + "\n".join(
                f"{m.name} · {m.title} ({m.label})" for m in usable)
        numbers = [n for n in map(TicketNumber.parse, words) if n is not None]
        names = [w for w in words if TicketNumber.parse(w) is None]
        number = numbers[0] if numbers else ticket
        if number is None or len(numbers) > 1 or len(names) != 1:
            return f"Which canned reply, for which ticket? {usage(Verb.MACRO)}"
        filled = await self.macros.fill(agent, number, names[0])
        if isinstance(filled, str):
            return filled
        outcome = await self.desk.reply(agent, number, filled.text)
        if not outcome.ok:
            return outcome.message
        # The agent did not see the text before it went: they see it now.
        said = f"{outcome.message} ({filled.macro.name}, {filled.locale})"
        return "\n".join(x for x in (said, filled.note, filled.text) if x)

    async def _transfer(self, agent: Agent, number: str, to: str) -> Outcome:
        """To a team by its name, else to an agent by theirs."""
        target = TransferTarget.typed(to, self.desk.teams)
        if target is None:
            teams = ", ".join(sorted(self.desk.teams))
            return Outcome(False, f"Transfer to which team ({teams}) or agent? "
                                  f"{usage(Verb.TRANSFER)}")
        if target.kind is TargetKind.TEAM:
            return await self.desk.release(agent, number, team=target.name)
        return await self.desk.transfer_to(agent, number, target.name)

    async def _agent(self, user_id: int | None, thread: int | None = None) -> Agent | None:
        agent = await self.agents.by_telegram_id(user_id) if user_id is not None else None
        if agent is None:
            await self._post(REFUSAL, thread=thread)
        return agent

    async def _say(self, outcome: Outcome, thread: int | None = None) -> None:
        await self._post(outcome.message, thread=thread)


def _relayed(number: str, event: Relayed) -> str:
    who = "customer (waiting, not taken yet)" if event.waiting else "customer"
    return f"{number} · {who}:\n{event.text}"


def _topic_thread(message: Message | None) -> int | None:
    """The forum topic a message is in. A reply in the General topic or a plain group also
    carries a message_thread_id (the replied-to message's), but is no topic message."""
    # getattr: a button under a message too old to read comes with an InaccessibleMessage.
    if message is None or not getattr(message, "is_topic_message", False):
        return None
    return getattr(message, "message_thread_id", None)


def _evidence(evidence: dict[str, object]) -> str:
    """What matched, for the card: the words, or which VIP chat or phone."""
    words = evidence.get("words")
    if isinstance(words, list) and words:
        return f" ({', '.join(map(str, words))})"
    shown = evidence.get("channel") or evidence.get("phone")
    return f" ({shown})" if shown else ""
