"""Canned replies as stored: each macro's texts by locale, its scope and owner, and what a
macro fills in about a ticket. Every change is written to the audit log in its own
transaction. Who may change which macro is the caller's to decide (handlers/agents/macros.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialogs.macros import Scope
from storage.agents import Agent
from storage.audit import AuditAction, add_entry
from storage.clock import utc, utc_required
from storage.schema import customers, tickets
from storage.schema_desk import macros

# Same name in several scopes an agent sees: their own wins, then their team's, then shared.
_NEAREST = {Scope.PERSONAL: 0, Scope.TEAM: 1, Scope.SHARED: 2}


class MacroExists(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Macro:
    id: int
    name: str
    title: str
    scope: Scope
    owner: str  # "" (shared), the team's name, or the writing agent's id
    bodies: dict[str, str]
    updated_by: str
    updated_at: datetime

    @property
    def team(self) -> str | None:
        return self.owner if self.scope is Scope.TEAM else None

    @property
    def label(self) -> str:
        """Who sees it, for the list: "shared", "team logistics", "personal"."""
        return f"team {self.owner}" if self.scope is Scope.TEAM else str(self.scope)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What a macro may say about a ticket."""

    number: str
    locale: str
    customer_name: str | None
    team: str | None
    callback_due: datetime | None
    first_response_due: datetime | None


def owner_of(scope: Scope, agent: Agent, team: str | None) -> str:
    """The owner a new macro of `scope` gets when `agent` writes it (for `team`)."""
    if scope is Scope.PERSONAL:
        return str(agent.id)
    return (team or "") if scope is Scope.TEAM else ""


def _macro(r: Any) -> Macro:
    return Macro(r.id, r.name, r.title, Scope(r.scope), r.owner, dict(r.bodies or {}),
                 r.updated_by, utc_required(r.updated_at))


def _seen_by(agent: Agent, every_team: bool) -> sa.ColumnElement[bool]:
    c = macros.c
    seen = [c.scope == Scope.SHARED,
            sa.and_(c.scope == Scope.PERSONAL, c.owner == str(agent.id))]
    if every_team:
        seen.append(c.scope == Scope.TEAM)
    elif agent.team:
        seen.append(sa.and_(c.scope == Scope.TEAM, c.owner == agent.team))
    return sa.or_(*seen)


class MacroStore:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def visible(self, agent: Agent, *, every_team: bool = False) -> list[Macro]:
        """The macros `agent` may use: shared, their team's and their own, by name (the
        nearest first where names repeat). `every_team`: every team's, for those who
        manage them."""
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(sa.select(macros).where(_seen_by(agent, every_team))
                                       .order_by(macros.c.name, macros.c.id))).all()
        found = [_macro(r) for r in rows]
        return sorted(found, key=lambda m: (m.name, _NEAREST[m.scope], m.owner))

    async def named(self, agent: Agent, name: str) -> Macro | None:
        """The macro `agent` means by `name`: their own, else their team's, else shared."""
        for m in await self.visible(agent):
            if m.name == name:
                return m
        return None

    async def get(self, macro_id: int) -> Macro | None:
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(sa.select(macros).where(macros.c.id == macro_id))).first()
        return _macro(row) if row else None

    async def create(self, *, name: str, title: str, scope: Scope, owner: str,
                     bodies: dict[str, str], actor: str, now: datetime) -> Macro:
        try:
            async with self.engine.begin() as conn:
                new_id = (await conn.execute(sa.insert(macros).values(
                    name=name, title=title, scope=str(scope), owner=owner, bodies=bodies,
                    created_by=actor, created_at=now, updated_by=actor, updated_at=now,
                ).returning(macros.c.id))).scalar_one()
                await _audit(conn, AuditAction.MACRO_CREATED, actor, scope, owner, name,
                             title, bodies, now)
        except IntegrityError as e:
            raise MacroExists(_taken(name, scope, owner)) from e
        made = await self.get(int(new_id))
        assert made is not None
        return made

    async def update(self, macro: Macro, *, name: str, title: str, bodies: dict[str, str],
                     actor: str, now: datetime) -> bool:
        """False when the macro is gone meanwhile."""
        try:
            async with self.engine.begin() as conn:
                done = await conn.execute(sa.update(macros).where(macros.c.id == macro.id)
                                          .values(name=name, title=title, bodies=bodies,
                                                  updated_by=actor, updated_at=now))
                if done.rowcount != 1:
                    return False
                await _audit(conn, AuditAction.MACRO_CHANGED, actor, macro.scope, macro.owner,
                             name, title, bodies, now, was=macro.name)
        except IntegrityError as e:
            raise MacroExists(_taken(name, macro.scope, macro.owner)) from e
        return True

    async def delete(self, macro: Macro, *, actor: str, now: datetime) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(sa.delete(macros).where(macros.c.id == macro.id))
            if done.rowcount != 1:
                return False
            await _audit(conn, AuditAction.MACRO_DELETED, actor, macro.scope, macro.owner,
                         macro.name, macro.title, macro.bodies, now)
        return True

    async def facts(self, number: str) -> TicketFacts | None:
        t = tickets.c
        async with self.read_engine.connect() as conn:
            r = (await conn.execute(
                sa.select(t.number, t.locale, t.team, t.callback_due, t.first_response_due,
                          customers.c.display_name)
                .join(customers, customers.c.id == t.customer_id)
                .where(t.number == number.upper()))).first()
        if r is None:
            return None
        return TicketFacts(r.number, r.locale, r.display_name, r.team, utc(r.callback_due),
                           utc(r.first_response_due))


def _taken(name: str, scope: Scope, owner: str) -> str:
    if scope is Scope.PERSONAL:
        return f"You already have a macro called {name}."
    where = f"team {owner}'s" if scope is Scope.TEAM else "a shared"
    return f"There is already {where} macro called {name}."


async def _audit(conn: AsyncConnection, action: AuditAction, actor: str, scope: Scope,
                 owner: str, name: str, title: str, bodies: dict[str, str], now: datetime,
                 was: str | None = None) -> None:
    detail: dict[str, Any] = {"scope": str(scope), "owner": owner, "title": title,
                              "bodies": bodies}
    if was is not None and was != name:
        detail["was"] = was
    await add_entry(conn, actor=actor, action=action, subject=f"macro {scope}/{name}",
                    detail=detail, at=now)
