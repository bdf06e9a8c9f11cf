"""Live news: which ticket changed and how, told to every process sharing the database, so a
console page hears of a customer's message whichever process took it.

A row per change, written just after the change committed, by the process it happened in
(`origin`, so that process can skip its own). On PostgreSQL the same transaction sends the row
as a NOTIFY on `storage.news.LIVE` (a few dozen bytes, far below the 8,000 a notice may
carry); every process also reads the rows above the last id it saw, which is all SQLite has
and PostgreSQL's fallback. Rows are pruned after a few minutes: they are news, not history.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.news import LIVE, Notify, no_notify
from storage.schema_desk import live_news

# Read at most this many rows a look; the next look reads on from there.
READ_LIMIT = 500


@dataclass(frozen=True, slots=True)
class LiveItem:
    id: int
    origin: str
    number: str  # the ticket
    kind: str  # what happened to it (handlers.agents.console.live names the kinds)


class LiveNews:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None, *,
                 notify: Notify = no_notify) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        self._notify = notify

    async def add(self, origin: str, changes: Sequence[tuple[str, str]], at: datetime) -> None:
        """(ticket number, kind) pairs, in one transaction."""
        if not changes:
            return
        async with self.engine.begin() as conn:
            for number, kind in changes:
                item = LiveItem(0, origin[:32], number[:32], kind[:48])
                new_id = (await conn.execute(sa.insert(live_news).values(
                    at=at, origin=item.origin, number=item.number, kind=item.kind)
                    .returning(live_news.c.id))).scalar_one()
                await self._notify(conn, LIVE, _payload(replace(item, id=new_id)))

    async def newest(self) -> int:
        """The highest id written so far (0 for none): where a process starts reading."""
        async with self.read_engine.connect() as conn:
            found = (await conn.execute(sa.select(sa.func.max(live_news.c.id)))).scalar()
        return int(found or 0)

    async def after(self, last: int, also: Collection[int] = ()) -> list[LiveItem]:
        """The rows above `last`, and those of `also` (ids skipped over that may yet commit),
        oldest first."""
        wanted = live_news.c.id > last
        if also:
            wanted = sa.or_(wanted, live_news.c.id.in_(list(also)))
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(live_news.c.id, live_news.c.origin, live_news.c.number,
                          live_news.c.kind)
                .where(wanted).order_by(live_news.c.id).limit(READ_LIMIT))).all()
        return [LiveItem(r.id, r.origin, r.number, r.kind) for r in rows]

    async def prune(self, before: datetime) -> int:
        async with self.engine.begin() as conn:
            done = await conn.execute(sa.delete(live_news).where(live_news.c.at < before))
        return int(done.rowcount or 0)


def _payload(item: LiveItem) -> str:
    return json.dumps({"id": item.id, "o": item.origin, "n": item.number, "k": item.kind},
                      separators=(",", ":"))


def parse(payload: str) -> LiveItem | None:
    """A notice's item, or None for one that is not ours to read."""
    try:
        data = json.loads(payload)
        return LiveItem(int(data["id"]), str(data["o"]), str(data["n"]), str(data["k"]))
    except (ValueError, KeyError, TypeError):
        return None
