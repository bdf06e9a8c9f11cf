"""News of a published bundle version between processes. On PostgreSQL a publish sends
NOTIFY in its transaction (delivered when it commits) and every process LISTENs on its own
connection; SQLite has no such thing, and there every process relies on looking at the
newest version number (handlers/config/watch.py does both)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

CHANNEL = "heard_bundle"
# After a lost listening connection: wait this long, doubling, up to the cap.
RECONNECT_FIRST = 0.5
RECONNECT_MAX = 30.0

Heard = Callable[[int], None]


async def pg_notify(conn: AsyncConnection, number: int) -> None:
    await conn.execute(sa.text("SELECT pg_notify(:channel, :number)"),
                       {"channel": CHANNEL, "number": str(number)})


async def no_notify(conn: AsyncConnection, number: int) -> None:
    return None


class NoListener:
    """SQLite: nothing to listen to."""

    async def run(self, heard: Heard, connected: Callable[[], None] = lambda: None) -> None:
        return None


class PgListener:
    """LISTEN on a connection of its own (not the pool's), reconnecting when it is lost."""

    def __init__(self, url: str) -> None:
        u = sa.make_url(url)
        self._connect = dict(user=u.username, password=u.password, host=u.host or "localhost",
                             port=u.port or 5432, database=u.database)

    async def run(self, heard: Heard, connected: Callable[[], None] = lambda: None) -> None:
        """Call `heard(number)` for each version published, until cancelled; `connected`
        after each (re)connection, when a publish might have been missed meanwhile."""
        wait = RECONNECT_FIRST
        while True:
            try:
                conn = await asyncpg.connect(**self._connect)
            except (OSError, asyncpg.PostgresError) as e:
                log.warning("cannot listen for bundle versions (%s); retrying in %.0f s",
                            type(e).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECONNECT_MAX)
                continue
            wait = RECONNECT_FIRST
            lost = asyncio.Event()
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, payload:
                                        _deliver(heard, payload))
                connected()
                await lost.wait()
                log.warning("lost the connection listening for bundle versions; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))


def _deliver(heard: Heard, payload: object) -> None:
    try:
        heard(int(str(payload)))
    except ValueError:
        log.warning("ignored a bundle notice that is no version number")
