"""SQLite's write-ahead log folded back into the database off the write path.

A PASSIVE checkpoint copies what it can without waiting for, or blocking, the writer; it runs
on a connection of its own, so its I/O happens beside the batches instead of inside one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, engine: AsyncEngine, interval: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def checkpoint(self) -> tuple[int, int, int]:
        """(busy, log pages, pages checkpointed), as SQLite reports them."""
        async with self.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            rows = list(await driver.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        busy, pages, done = rows[0]
        return int(busy), int(pages), int(done)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.checkpoint()
            except Exception:
                log.exception("WAL checkpoint failed; SQLite's own will run instead")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="wal-checkpoint")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
