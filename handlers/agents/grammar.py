"""What agents type and press to act on cases, for every surface: the agents' group's commands
(their names, what each takes, the help), the console's actions and transfer targets, the
Take button under a case card, and what an agent's name may be.

What the actions do is AgentDesk's; this is only how they are asked for.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from dialogs.ticket_number import TicketNumber

# Enforced when an agent is registered (`heard agents add`), so a name to transfer to that
# breaks it cannot be anyone's.
AGENT_NAME = re.compile(r"[A-Za-z0-9._-]{2,64}")
AGENT_NAME_RULE = "2-64 of letters, digits, . _ -"
# Said instead of a team for every team's queue: "/queue all", the console's team filter.
EVERY_TEAM = "all"


class Verb(StrEnum):
    """An action on the desk: a group command without its slash, a console form's action."""

    QUEUE = "queue"
    NEXT = "next"
    TAKE = "take"
    REPLY = "reply"
    MACRO = "macro"
    NOTE = "note"
    TRANSFER = "transfer"
    RELEASE = "release"
    CALLBACK = "callback"
    CALLED = "called"
    CLOSE = "close"
    HELP = "help"

    @classmethod
    def named(cls, name: str) -> Verb | None:
        """The verb called `name` exactly, if there is one."""
        try:
            return cls(name)
        except ValueError:
            return None


class Arg(StrEnum):
    """What a command takes, as the help writes it."""

    EVERY_TEAM = f"[{EVERY_TEAM}]"
    TICKET = "<ticket>"
    TEXT = "<text>"
    TARGET = "<team|agent>"
    WHEN = "<when>"
    RESOLUTION = "<resolution>"
    MACRO = "[<macro> <ticket>]"


# The agents' group's commands, in the order the help lists them, with what each takes.
GRAMMAR: dict[Verb, tuple[Arg, ...]] = {
    Verb.QUEUE: (Arg.EVERY_TEAM,),
    Verb.NEXT: (Arg.EVERY_TEAM,),
    Verb.TAKE: (Arg.TICKET,),
    Verb.REPLY: (Arg.TICKET, Arg.TEXT),
    Verb.MACRO: (Arg.MACRO,),
    Verb.NOTE: (Arg.TICKET, Arg.TEXT),
    Verb.TRANSFER: (Arg.TICKET, Arg.TARGET),
    Verb.RELEASE: (Arg.TICKET,),
    Verb.CALLBACK: (Arg.TICKET, Arg.WHEN),
    Verb.CALLED: (Arg.TICKET,),
    Verb.CLOSE: (Arg.TICKET, Arg.RESOLUTION),
    Verb.HELP: (),
}


def usage(verb: Verb) -> str:
    """How the command is written, e.g. "/close <ticket> <resolution>"."""
    return " ".join([f"/{verb}", *GRAMMAR[verb]])


HELP = ("Commands: " + " · ".join(usage(v) for v in GRAMMAR if v is not Verb.HELP) + ". "
        "Replying to a message about a ticket answers its customer. In a ticket's topic, "
        "write to answer its customer; commands there need no ticket number. /macro alone "
        "lists your canned replies; /macro <name> <ticket> sends one, filled in the "
        "customer's language.")


@dataclass(frozen=True, slots=True)
class TypedCommand:
    """A command written in the agents' group: its verb and what follows it."""

    verb: Verb
    rest: str  # after the command word and the space that ends it, as typed

    @classmethod
    def parse(cls, text: str) -> TypedCommand | None:
        """`text` as one of the commands (Telegram may append @BotName to the word), or None."""
        word, _, rest = text.partition(" ")
        name = word.split("@")[0].lower()
        if not name.startswith("/"):
            return None
        verb = Verb.named(name.removeprefix("/"))
        return cls(verb, rest) if verb is not None else None

    @property
    def every_team(self) -> bool:
        """"/queue all", "/next all": every team's cases, not only the agent's team's."""
        return self.rest.strip().lower() == EVERY_TEAM

    def ticket(self, default: str | None = None) -> tuple[str, str] | None:
        """The ticket the command names, and what follows it. Without a number: `default`
        (the case whose topic it was written in) and all the rest; None when there is none."""
        rest = self.rest.strip()
        first, _, tail = rest.partition(" ")
        number = TicketNumber.parse(first)
        if number is not None:
            return number, tail
        return None if default is None else (default, rest)


class TargetKind(StrEnum):
    TEAM = "team"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class TransferTarget:
    """Whom a case is transferred to: a team's queue, or an agent who holds it at once."""

    kind: TargetKind
    name: str

    @classmethod
    def typed(cls, text: str, teams: Collection[str]) -> TransferTarget | None:
        """What an agent wrote after "/transfer <ticket>": a team by its name in any case,
        else an agent by theirs."""
        if text.lower() in teams:
            return cls(TargetKind.TEAM, text.lower())
        if AGENT_NAME.fullmatch(text):
            return cls(TargetKind.AGENT, text)
        return None

    @classmethod
    def from_form(cls, value: str) -> TransferTarget | None:
        """The console's choice, "team:NAME" or "agent:NAME" (see `form_value`)."""
        kind, _, name = value.partition(":")
        if kind == TargetKind.TEAM and name:
            return cls(TargetKind.TEAM, name)
        if kind == TargetKind.AGENT and AGENT_NAME.fullmatch(name):
            return cls(TargetKind.AGENT, name)
        return None

    @property
    def form_value(self) -> str:
        return f"{self.kind}:{self.name}"


# The data of the Take button under a case card.
_TAKE_BUTTON = f"{Verb.TAKE}:"


def take_button(number: str) -> str:
    return _TAKE_BUTTON + number


def take_pressed(data: str) -> str | None:
    """The ticket a pressed button asks to take; None when it is no Take button."""
    return data.removeprefix(_TAKE_BUTTON) if data.startswith(_TAKE_BUTTON) else None
