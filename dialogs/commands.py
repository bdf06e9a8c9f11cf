"""What can happen to a conversation other than a customer's message: one frozen type each.

Agents, timers and watches ask the pipeline to `act(key, command)`; the engine applies the
command to the conversation (`DialogEngine.apply`) under the conversation's lock, in the same
transaction discipline as a customer's turn. Adding an action is a type here and a case in
the engine's `apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class _ByAgent:
    """What every agent's command carries: `agent`, the login name, is who did it (kept in the
    transcript's template); `shown`, their display name, is what the customer reads."""

    __slots__ = ()
    agent: str
    shown: str

    @property
    def name(self) -> str:
        """The agent as the customer knows them."""
        return self.shown or self.agent


@dataclass(frozen=True, slots=True)
class AgentJoined(_ByAgent):
    """An agent took the case (or it was handed to them): the customer talks to them now."""

    agent: str
    shown: str = ""


@dataclass(frozen=True, slots=True)
class AgentSays(_ByAgent):
    """The agent's own words, passed on verbatim."""

    agent: str
    text: str
    shown: str = ""


@dataclass(frozen=True, slots=True)
class AgentLeft(_ByAgent):
    """The case went back to a queue."""

    agent: str
    shown: str = ""


@dataclass(frozen=True, slots=True)
class AgentClosed(_ByAgent):
    agent: str
    resolution: str
    shown: str = ""


@dataclass(frozen=True, slots=True)
class CallbackPromised(_ByAgent):
    """An agent promised to get back by `due`; the customer hears when, in their zone."""

    agent: str
    due: datetime
    shown: str = ""


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
