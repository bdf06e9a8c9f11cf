"""What an agent can do to a ticket, whatever surface they use (the Telegram agents' group,
the web console). Customer-facing effects are commands to the turn pipeline, so they take the
conversation's lock, land in the transcript and reach the customer's own channel; each change
is published as a `TicketChanged` event."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from dialogs.agent_time import HELP as TIME_HELP
from dialogs.agent_time import parse_agent_time
from dialogs.commands import AgentClosed, AgentJoined, AgentLeft, AgentSays, CallbackPromised
from dialogs.events import Change, TicketChanged
from handlers.agents.grammar import Verb, usage
from handlers.turns.pipeline import Clock, TurnPipeline
from storage.agents import Agent, AgentStore
from storage.queue import Claim, TicketQueue

MAX_CALLBACK_AHEAD = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str  # for the agent
    number: str | None = None  # the ticket acted on, when it went through


class AgentDesk:
    def __init__(self, queue: TicketQueue, pipeline: TurnPipeline, clock: Clock,
                 teams: Collection[str] = (), agents: AgentStore | None = None,
                 timezone: str = "UTC") -> None:
        self.queue = queue
        # Not copied: the teams follow the configuration bundle in force.
        self.teams = teams
        self.pipeline = pipeline
        self.clock = clock
        self.agents = agents
        self.timezone = timezone

    async def take(self, agent: Agent, number: str) -> Outcome:
        number = number.upper()
        view = await self.queue.view(number, recent=0)
        if view is None:
            return Outcome(False, f"There is no ticket {number}.")
        claims: list[Claim] = []

        async def claim() -> bool:
            # Inside the customer's conversation lock: no turn of theirs can fall between
            # the claim and "an agent joined", so nothing they write goes unrelayed.
            claims.append(await self.queue.claim(number, agent.id, self.clock(),
                                                 actor=_actor(agent)))
            return claims[-1].taken

        await self.pipeline.act(view.key, AgentJoined(agent.name, agent.shown_name), guard=claim)
        if not claims or not claims[-1].found:
            return Outcome(False, f"There is no ticket {number}.")
        if not claims[-1].taken:
            return Outcome(False, f"{number} is already taken by {claims[-1].holder}.")
        await self._changed(number, Change.TAKEN)
        return Outcome(True, f"{agent.name} took {number}.", number)

    async def take_next(self, agent: Agent, team: str | None) -> Outcome:
        """Take the most urgent waiting case of `team` (None: of any team). A case someone
        else takes first is skipped."""
        tried: set[str] = set()
        while True:  # others may take what we saw; look again until we win or none is left
            fresh = [q for q in await self.queue.waiting(team=team, limit=10)
                     if q.number not in tried]
            if not fresh:
                break
            for queued in fresh:
                tried.add(queued.number)
                outcome = await self.take(agent, queued.number)
                if outcome.ok:
                    return outcome
        return Outcome(False, f"Nothing is waiting{' for ' + team if team else ''}.")

    async def reply(self, agent: Agent, number: str, text: str) -> Outcome:
        view = await self.queue.view(number.upper(), recent=0)
        if view is None:
            return Outcome(False, f"There is no ticket {number.upper()}.")
        if view.status == "closed":
            return Outcome(False, f"{view.number} is closed; the customer can reopen it.")
        # The view names its holder, and agent names are unique.
        if _holding(agent) is not None and view.agent != agent.name:
            holder = view.agent or "nobody"
            return Outcome(False, f"{view.number} is held by {holder}; take it first.")
        if not text.strip():
            return Outcome(False, "Nothing to send: write the reply after the ticket number.")
        await self.pipeline.act(view.key, AgentSays(agent.name, text, agent.shown_name))
        now = self.clock()
        if not view.responded:
            await self.queue.mark_first_response(view.number, now)
        await self.queue.replied(view.number, now)
        await self._changed(view.number, Change.REPLY)
        return Outcome(True, f"Sent to the customer of {view.number}.")

    async def close(self, agent: Agent, number: str, resolution: str) -> Outcome:
        number = number.upper()
        if not resolution.strip():
            return Outcome(False, f"Say how it was resolved: {usage(Verb.CLOSE)}")
        if not await self.queue.close(number, agent.id, resolution, self.clock(),
                                      actor=_actor(agent)):
            return Outcome(False, f"You do not hold {number}, or it is closed already.")
        view = await self.queue.view(number, recent=0)
        assert view is not None
        await self.pipeline.act(view.key, AgentClosed(agent.name, resolution, agent.shown_name))
        await self._changed(number, Change.CLOSED)
        return Outcome(True, f"{number} closed.")

    async def note(self, agent: Agent, number: str, text: str) -> Outcome:
        """An internal note on the ticket: never shown to the customer."""
        number = number.upper()
        if await self.queue.view(number, recent=0) is None:
            return Outcome(False, f"There is no ticket {number}.")
        if not text.strip():
            return Outcome(False, "Write the note after the ticket number.")
        await self.queue.add_event(number, "note", _actor(agent), {"text": text},
                                   self.clock())
        await self._changed(number, Change.NOTE)
        return Outcome(True, f"Noted on {number}.")

    async def release(self, agent: Agent, number: str, team: str | None = None) -> Outcome:
        """Back to the queue (of another team, for a transfer); the customer is told."""
        number = number.upper()
        if team is not None and self.teams and team not in self.teams:
            return Outcome(False, f"No team {team!r}; teams: {', '.join(sorted(self.teams))}.")
        holder = _holding(agent)
        if not await self.queue.release(number, holder, self.clock(), team=team,
                                        actor=_actor(agent)):
            return Outcome(False, f"You do not hold {number}, or it is closed.")
        view = await self.queue.view(number, recent=0)
        assert view is not None
        await self.pipeline.act(view.key, AgentLeft(agent.name, agent.shown_name))
        await self._changed(number, Change.TRANSFERRED if team else Change.RELEASED)
        return Outcome(True, f"{number} is back in the {team + ' ' if team else ''}queue.")

    async def transfer_to(self, agent: Agent, number: str, name: str) -> Outcome:
        """Hand the ticket to a named agent, who holds it at once; the customer is told."""
        number = number.upper()
        target = await self.agents.by_name(name) if self.agents else None
        if target is None or target.disabled:
            return Outcome(False, f"There is no active agent called {name!r}.")
        if target.id == agent.id:
            return Outcome(False, "That is you: transfer it to someone else.")
        holder = _holding(agent)
        if not await self.queue.assign(number, target.id, holder, self.clock(),
                                       _actor(agent), target.name):
            return Outcome(False, f"You do not hold {number}, or it is closed.")
        view = await self.queue.view(number, recent=0)
        assert view is not None
        await self.pipeline.act(view.key, AgentJoined(target.name, target.shown_name))
        await self._changed(number, Change.TRANSFERRED)
        return Outcome(True, f"{number} is now with {target.name}.")

    async def promise_callback(self, agent: Agent, number: str, when: str) -> Outcome:
        """Promise the customer a call-back by `when` (see dialogs.agent_time); it is then
        watched like the other promises, and the customer is told the time."""
        number = number.upper()
        now = self.clock()
        due = parse_agent_time(when, now, self.timezone)
        if due is None:
            return Outcome(False, f"When? Give {TIME_HELP} ({self.timezone}).")
        if due <= now or due > now + MAX_CALLBACK_AHEAD:
            return Outcome(False, "A call-back must be promised for later, within 30 days.")
        holder = _holding(agent)
        if not await self.queue.promise_callback(number, due, holder, now, _actor(agent)):
            return Outcome(False, f"You do not hold {number}, or it is closed.")
        view = await self.queue.view(number, recent=0)
        assert view is not None
        await self.pipeline.act(view.key, CallbackPromised(agent.name, due, agent.shown_name))
        await self._changed(number, Change.CALLBACK_PROMISED)
        local = due.astimezone(ZoneInfo(self.timezone))
        return Outcome(True, f"Call-back for {number} promised by {local:%d %b %H:%M} "
                             f"({self.timezone}); the customer is told.")

    async def called_back(self, agent: Agent, number: str) -> Outcome:
        number = number.upper()
        holder = _holding(agent)
        if not await self.queue.callback_done(number, holder, self.clock(), _actor(agent)):
            return Outcome(False, f"No call-back of yours is pending on {number}.")
        await self._changed(number, Change.CALLED_BACK)
        return Outcome(True, f"Call-back on {number} marked done.")

    async def waiting_text(self, team: str | None = None) -> str:
        waiting = await self.queue.waiting(team=team, limit=20)
        if not waiting:
            return (f"The {team} queue is empty (/queue all for every team)." if team
                    else "The queue is empty.")
        return "\n".join(f"{t.number}  {t.priority}  {t.team or '-'}  {t.category or '-'}"
                         + ("  (incomplete)" if t.incomplete else "") for t in waiting)

    async def _changed(self, number: str, change: Change) -> None:
        await self.pipeline.outbox.publish([TicketChanged(number, change)])


def _actor(agent: Agent) -> str:
    return f"agent:{agent.name}"


def _holding(agent: Agent) -> int | None:
    """Whose tickets the agent may change: their own; supervisors and admins any (None)."""
    return None if agent.role.supervising else agent.id
