"""What happened, once it is committed: the events a turn, an agent's action or a promise
watch produce, for whoever listens (the agents' group, the console's live pages, the
operator's log). Produced where the thing happens — the dialog says it escalated; nobody
guesses it from rows afterwards — and published by the pipeline's outbox after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dialogs.messages import ConversationKey


@dataclass(frozen=True, slots=True)
class Relayed:
    """A customer wrote about a ticket: while an agent holds it (the bot stayed quiet), or,
    `waiting`, while it waits in the queue (the bot answered and the agents see it too)."""

    key: ConversationKey
    number: str
    text: str
    waiting: bool = False


@dataclass(frozen=True, slots=True)
class Escalated:
    """A ticket was filed for a person to take."""

    number: str


class ReopenWhy(StrEnum):
    NOT_SOLVED = "not_solved"  # answering "is it solved?"
    CAME_BACK = "came_back"  # the follow-up days later
    ASKED = "asked"  # the customer reopened it within REOPEN_DAYS


@dataclass(frozen=True, slots=True)
class Reopened:
    """A closed ticket is back with its agent (or the queue, when that agent is disabled)."""

    number: str
    why: ReopenWhy = ReopenWhy.NOT_SOLVED


class Change(StrEnum):
    """What an agent did to a ticket (handlers.agents.desk)."""

    TAKEN = "taken"
    REPLY = "reply"
    NOTE = "note"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    CLOSED = "closed"
    CALLBACK_PROMISED = "callback_promised"
    CALLED_BACK = "called_back"


@dataclass(frozen=True, slots=True)
class TicketChanged:
    number: str
    change: Change


class AlertKind(StrEnum):
    WARNING = "warning"  # due soon
    BREACH = "breach"  # overdue


class Promise(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    CALLBACK = "callback"


@dataclass(frozen=True, slots=True)
class SlaAlert:
    """A promise to a customer is about to be, or was, missed (claimed once in storage)."""

    number: str
    kind: AlertKind
    due: datetime
    priority: str
    agent: str | None
    key: ConversationKey
    target: Promise = Promise.FIRST_RESPONSE


TurnEvent = Relayed | Escalated | Reopened
Event = Relayed | Escalated | Reopened | TicketChanged | SlaAlert
