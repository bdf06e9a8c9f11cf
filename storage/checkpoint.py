"""SQLite's write-ahead log folded back into the database off the write path.

A PASSIVE checkpoint copies what it can without waiting for, or blocking, the writer; run on a
connection of its own every few seconds (bot.core schedules it), its I/O happens beside the
batches instead of inside the commit that crosses SQLite's threshold.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

INTERVAL_SECONDS = 5.0


async def checkpoint(engine: AsyncEngine) -> tuple[int, int, int]:
    """(busy, log pages, pages checkpointed), as SQLite reports them."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        rows = list(await driver.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
    busy, pages, done = rows[0]
    return int(busy), int(pages), int(done)
