"""News between processes that share one database: a published bundle version, a ticket that
changed. On PostgreSQL the writer sends NOTIFY in its transaction (delivered when it commits)
and every process LISTENs on one connection of its own, for every channel at once; SQLite has
no such thing, and there every process relies on looking at the database every fraction of a
second (handlers/config/watch.py, handlers/live/reader.py), which on PostgreSQL is also the
fallback should a notice be lost with the listening connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

BUNDLE = "heard_bundle"  # payload: the version number
LIVE = "heard_live"  # payload: storage.live_news's JSON of one item
# After a lost listening connection: wait this long, doubling, up to the cap.
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 30.0

Heard = Callable[[str], None]
Connected = Callable[[], None]
# Sends a notice in the transaction of `conn`: (conn, channel, payload).
Notify = Callable[[AsyncConnection, str, str], Awaitable[None]]


async def pg_notify(conn: AsyncConnection, channel: str, payload: str) -> None:
    await conn.execute(sa.text("SELECT pg_notify(:channel, :payload)"),
                       {"channel": channel, "payload": payload})


async def no_notify(conn: AsyncConnection, channel: str, payload: str) -> None:
    return None


class NoListener:
    """SQLite: nothing to listen to."""

    def listen(self, channel: str, heard: Heard, connected: Connected = lambda: None) -> None:
        return None

    async def run(self) -> None:
        return None


class PgListener:
    """LISTEN on a connection of its own (not the pool's), for every channel registered
    before `run`, reconnecting when it is lost."""

    def __init__(self, url: str) -> None:
        u = sa.make_url(url)
        self._connect = dict(user=u.username, password=u.password, host=u.host or "localhost",
                             port=u.port or 5432, database=u.database)
        self._channels: dict[str, list[tuple[Heard, Connected]]] = {}

    def listen(self, channel: str, heard: Heard, connected: Connected = lambda: None) -> None:
        """`heard(payload)` for each notice on `channel`; `connected()` after each
        (re)connection, when a notice might have been missed meanwhile."""
        self._channels.setdefault(channel, []).append((heard, connected))

    async def run(self) -> None:
        """Listen until cancelled."""
        wait = RECONNECT_FIRST
        while self._channels:
            try:
                conn = await asyncpg.connect(**self._connect)
            except (OSError, asyncpg.PostgresError) as e:
                log.warning("cannot listen for news from other processes (%s); retrying in "
                            "%.0f s", type(e).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECONNECT_MAX)
                continue
            wait = RECONNECT_FIRST
            lost = asyncio.Event()
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                for channel, hearers in self._channels.items():
                    await conn.add_listener(channel, lambda _c, _pid, _ch, payload, h=hearers:
                                            _deliver(h, payload))
                for _, connected in (h for hs in self._channels.values() for h in hs):
                    connected()
                await lost.wait()
                log.warning("lost the connection listening for news from other processes; "
                            "reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))


def _deliver(hearers: list[tuple[Heard, Connected]], payload: object) -> None:
    for heard, _ in hearers:
        try:
            heard(str(payload))
        except Exception:  # one hearer's bug must not silence the others, nor the listener
            log.exception("a notice could not be handled")
