"""Agents: who may take tickets, on which team, with which role, linked to which accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from dialogs.display_name import display_name as checked_display_name
from storage.schema import agents, console_sessions

if TYPE_CHECKING:
    # Not at run time: the `heard` command reads Role to build its parser, and the asyncio
    # extension would load SQLAlchemy's ORM (a third of a second) for every command.
    from sqlalchemy.ext.asyncio import AsyncEngine


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def supervising(self) -> bool:
        """Sees every team's queue and may act on cases other agents hold."""
        return self in _SUPERVISING


_SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})


class AgentExists(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    name: str
    role: Role
    team: str | None
    telegram_id: int | None
    disabled: bool
    has_password: bool
    # What customers see on the agent's messages; None: not set, the login name is shown.
    display_name: str | None = None

    @property
    def shown_name(self) -> str:
        """The agent as customers know them. The login name stays the identity everywhere
        inside (transcript template, audit, reports, the agents' group)."""
        return self.display_name or self.name


# The columns `agent_from_row` reads, also for queries that join agents in.
AGENT_COLUMNS = (agents.c.id, agents.c.name, agents.c.role, agents.c.team, agents.c.telegram_id,
                 agents.c.disabled, agents.c.password_hash.is_not(None).label("has_password"),
                 agents.c.display_name)


def agent_from_row(row: sa.Row[Any]) -> Agent:
    return Agent(row.id, row.name, Role(row.role), row.team, row.telegram_id, bool(row.disabled),
                 bool(row.has_password), row.display_name)


class AgentStore:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def add(self, name: str, role: Role, now: datetime, *, team: str | None = None,
                  telegram_id: int | None = None, password_hash: str | None = None,
                  display_name: str | None = None) -> Agent:
        try:  # the column takes any text: nothing else may reach it
            role = Role(role)
        except ValueError:
            raise ValueError(f"role must be one of {', '.join(Role)}") from None
        if display_name is not None:
            display_name = checked_display_name(display_name)
        try:
            async with self.engine.begin() as conn:
                new_id = (await conn.execute(sa.insert(agents).values(
                    name=name, role=role, team=team, telegram_id=telegram_id,
                    password_hash=password_hash, created_at=now, display_name=display_name,
                ).returning(agents.c.id))).scalar_one()
        except IntegrityError as e:
            raise AgentExists(f"an agent named {name!r} or with that Telegram id exists") from e
        found = await self.by_id(int(new_id))
        assert found is not None
        return found

    async def by_id(self, agent_id: int) -> Agent | None:
        return await self._one(agents.c.id == agent_id)

    async def by_name(self, name: str) -> Agent | None:
        return await self._one(agents.c.name == name)

    async def by_telegram_id(self, telegram_id: int) -> Agent | None:
        """The active agent linked to this Telegram account, if any."""
        return await self._one(agents.c.telegram_id == telegram_id, ~agents.c.disabled)

    async def _one(self, *where: sa.ColumnElement[bool]) -> Agent | None:
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(sa.select(*AGENT_COLUMNS).where(*where))).first()
        return agent_from_row(row) if row else None

    async def all(self) -> list[Agent]:
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(sa.select(*AGENT_COLUMNS).order_by(agents.c.name))).all()
        return [agent_from_row(r) for r in rows]

    async def disable(self, name: str) -> bool:
        return await self._set(name, disabled=True, end_sessions=True)

    async def enable(self, name: str) -> bool:
        return await self._set(name, disabled=False)

    async def set_team(self, name: str, team: str | None) -> bool:
        return await self._set(name, team=team)

    async def set_role(self, name: str, role: Role) -> bool:
        return await self._set(name, role=Role(role), end_sessions=True)

    async def set_display_name(self, name: str, display_name: str | None) -> bool:
        """Set (None: clear) what customers see. BadDisplayName (a ValueError) for a name
        dialogs.display_name refuses."""
        return await self._set(name, display_name=None if display_name is None
                               else checked_display_name(display_name))

    async def set_password(self, name: str, password_hash: str) -> bool:
        return await self._set(name, password_hash=password_hash, end_sessions=True)

    async def _set(self, name: str, *, end_sessions: bool = False, **values: Any) -> bool:
        """Change one agent; False when there is no agent by that name. `end_sessions`: their
        console sessions end with the change (a reset password, a lost role), in one
        transaction, so no request slips between."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(agents).where(agents.c.name == name).values(**values))
            if end_sessions and result.rowcount == 1:
                await conn.execute(sa.delete(console_sessions).where(
                    console_sessions.c.agent_id
                    == sa.select(agents.c.id).where(agents.c.name == name).scalar_subquery()))
        return bool(result.rowcount == 1)

    async def password_hash(self, name: str) -> str | None:
        async with self.read_engine.connect() as conn:
            found = (await conn.execute(
                sa.select(agents.c.password_hash)
                .where(agents.c.name == name, ~agents.c.disabled))).scalar_one_or_none()
        return str(found) if found else None
