"""What can happen to a conversation other than a customer's message: one frozen type each.

Agents, timers and watches ask the pipeline to `act(key, command)`; the engine applies the
command to the conversation (`DialogEngine.apply`) under the conversation's lock, in the same
transaction discipline as a customer's turn. Adding an action is a type here and a case in
the engine's `apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AgentJoined:
    """An agent took the case (or it was handed to them): the customer talks to them now."""

    agent: str


@dataclass(frozen=True, slots=True)
class AgentSays:
    """The agent's own words, passed on verbatim."""

    agent: str
    text: str


@dataclass(frozen=True, slots=True)
class AgentLeft:
    """The case went back to a queue."""

    agent: str


@dataclass(frozen=True, slots=True)
class AgentClosed:
    agent: str
    resolution: str


@dataclass(frozen=True, slots=True)
class CallbackPromised:
    """An agent promised to get back by `due`; the customer hears when, in their zone."""

    agent: str
    due: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """A promise was missed: the customer hears where things stand instead of silence."""

    number: str


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Days after a fix: did it hold?"""

    number: str


@dataclass(frozen=True, slots=True)
class Remind:
    """A draft left idle gets one nudge."""


@dataclass(frozen=True, slots=True)
class Expire:
    """A draft left too long is closed; the customer is told on their next message."""


Command = (AgentJoined | AgentSays | AgentLeft | AgentClosed | CallbackPromised | Progress
           | FollowUp | Remind | Expire)
# Commands that only make sense while the customer is still writing a complaint: skipped
# when the draft was finished or closed meanwhile.
DRAFT_COMMANDS = (Remind, Expire)
