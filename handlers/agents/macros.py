"""Canned replies for every surface (the console, the agents' group): which macros an agent
may use and change, and a macro filled in for one ticket's customer, in their locale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dialogs.formatting import customer_when
from dialogs.macros import CHECK_STAND_IN, Scope, Variable, choose, fill, used
from storage.agents import Agent, Role
from storage.macros import Macro, MacroStore, TicketFacts


def shown_name(agent: Agent) -> str:
    """The agent's name as a customer reads it in a macro: their display name if set."""
    return agent.shown_name


@dataclass(frozen=True, slots=True)
class Filled:
    macro: Macro
    text: str
    locale: str  # the text's
    wanted: str  # the customer's
    # Variables the text uses that the ticket has no value for, whose stand-in words the
    # agent should check (dialogs.macros.CHECK_STAND_IN).
    missing: tuple[Variable, ...] = ()

    @property
    def note(self) -> str:
        """Said to the agent when the customer's locale had no text, or a variable no value."""
        said = []
        if self.locale != self.wanted:
            said.append(f"{self.macro.name} has no {self.wanted} text: the {self.locale} one "
                        f"is inserted.")
        if self.missing:
            names = ", ".join("{" + v + "}" for v in self.missing)
            said.append(f"No value for {names} on this ticket: check the wording.")
        return " ".join(said)


def may_write(agent: Agent, scope: Scope) -> bool:
    """Anyone writes their own; supervisors and admins their teams'; admins the shared ones."""
    if scope is Scope.PERSONAL:
        return True
    if scope is Scope.TEAM:
        return agent.role.supervising
    return agent.role is Role.ADMIN


def may_change(agent: Agent, macro: Macro) -> bool:
    if macro.scope is Scope.PERSONAL:
        return macro.owner == str(agent.id)  # nobody edits another agent's own
    return may_write(agent, macro.scope)


class Macros:
    def __init__(self, store: MacroStore, timezone: str,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.timezone = timezone
        self.clock = clock

    async def usable(self, agent: Agent) -> list[Macro]:
        """One per name: the nearest where an agent's own shadows a shared one."""
        seen: dict[str, Macro] = {}
        for m in await self.store.visible(agent):
            seen.setdefault(m.name, m)
        return list(seen.values())

    async def fill(self, agent: Agent, number: str, name: str) -> Filled | str:
        """Macro `name` filled for ticket `number`'s customer; what went wrong otherwise."""
        facts = await self.store.facts(number)
        if facts is None:
            return f"There is no ticket {number.upper()}."
        macro = await self.store.named(agent, name.strip().lower())
        if macro is None:
            return f"You have no macro called {name[:40]!r}. /macro lists yours."
        chosen = choose(macro.bodies, facts.locale)
        if chosen is None:
            return f"{macro.name} has no text yet."
        # Everything in the text's own language, also where it is not the customer's.
        values = self.values(agent, facts, chosen.locale)
        text = fill(chosen.body, values, chosen.locale)
        missing = tuple(v for v in used(chosen.body)
                        if v in CHECK_STAND_IN and not values.get(v))
        return Filled(macro, text, chosen.locale, facts.locale, missing)

    def values(self, agent: Agent, facts: TicketFacts,
               locale: str) -> dict[Variable, str | None]:
        # A promise already past is not made again: the stand-in words say "soon" instead.
        now = self.clock()
        promised = next((d for d in (facts.callback_due, facts.first_response_due)
                         if d is not None and d > now), None)
        return {
            Variable.CUSTOMER_NAME: (facts.customer_name or "").strip() or None,
            Variable.TICKET_NUMBER: facts.number,
            Variable.AGENT_NAME: shown_name(agent),
            Variable.PROMISED_TIME: customer_when(promised, locale, self.timezone)
            or None,
        }
