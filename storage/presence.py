"""Who has which ticket open in the console, in the database so every process agrees.

Why rows and not the live news alone: a page that opens must see at once who is already
there, whichever process serves them, and a process that dies must stop counting its pages
without anyone announcing it. A row per open page with a `seen_at` that its process refreshes
gives both: readers ask for rows seen within `PRESENCE_TTL`, so a dead process's pages drop
out by themselves; a clean close deletes the row at once. The live news only says "look
again" (handlers/agents/console/presence.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import agents
from storage.schema_desk import presence
from storage.upsert import insert_for

# A page's process refreshes its rows every HEARTBEAT; a row not refreshed for TTL is gone
# (two missed beats and some slack for a slow database).
HEARTBEAT = timedelta(seconds=10)
PRESENCE_TTL = timedelta(seconds=25)


@dataclass(frozen=True, slots=True)
class Here:
    """One agent on one ticket (several tabs of theirs count once; typing in any counts)."""

    agent_id: int
    name: str  # the login name: inside the desk, people know each other by it
    number: str
    typing: bool


class PresenceStore:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def viewing(self, page: str, agent_id: int, number: str, now: datetime) -> None:
        """The page `page` of `agent_id` shows ticket `number` (again: a reconnect)."""
        async with self.engine.begin() as conn:
            stmt = insert_for(conn, presence).values(page=page, agent_id=agent_id,
                                                     number=number, typing=False, seen_at=now)
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=[presence.c.page],
                set_={"number": number, "typing": False, "seen_at": now}))

    async def typing(self, page: str, typing: bool, now: datetime) -> str | None:
        """The ticket whose page started or stopped typing; None when the page is unknown
        (it never said what it views, or its row expired)."""
        async with self.engine.begin() as conn:
            found = (await conn.execute(
                sa.update(presence).where(presence.c.page == page)
                .values(typing=typing, seen_at=now).returning(presence.c.number))).first()
        return None if found is None else str(found.number)

    async def refresh(self, pages: Collection[str], now: datetime) -> None:
        """The heartbeat: these pages are still open."""
        if not pages:
            return
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(presence).where(presence.c.page.in_(list(pages)))
                               .values(seen_at=now))

    async def gone(self, page: str) -> str | None:
        """The page closed: the ticket it showed, or None."""
        async with self.engine.begin() as conn:
            found = (await conn.execute(sa.delete(presence).where(presence.c.page == page)
                                        .returning(presence.c.number))).first()
        return None if found is None else str(found.number)

    async def on(self, number: str, now: datetime) -> list[Here]:
        """Who has `number` open now, by login name."""
        return await self._here(now, presence.c.number == number)

    async def everywhere(self, now: datetime) -> list[Here]:
        """Every agent on every ticket now (the supervisors' view), by agent then ticket."""
        return await self._here(now)

    async def _here(self, now: datetime, *where: sa.ColumnElement[bool]) -> list[Here]:
        p = presence.c
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(p.agent_id, agents.c.name, p.number,
                          sa.func.max(sa.case((p.typing, 1), else_=0)).label("typing"))
                .join(agents, agents.c.id == p.agent_id)
                .where(p.seen_at > now - PRESENCE_TTL, ~agents.c.disabled, *where)
                .group_by(p.agent_id, agents.c.name, p.number)
                .order_by(agents.c.name, p.number))).all()
        return [Here(r.agent_id, r.name, r.number, bool(r.typing)) for r in rows]

    async def prune(self, now: datetime) -> set[str]:
        """Forget the rows of pages whose process stopped refreshing them: the tickets they
        were on, whose pages should look again."""
        async with self.engine.begin() as conn:
            done = (await conn.execute(
                sa.delete(presence).where(presence.c.seen_at <= now - PRESENCE_TTL)
                .returning(presence.c.number))).all()
        return {str(r.number) for r in done}
