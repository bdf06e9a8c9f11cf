"""Opening the database: engines, SQLite pragmas, transactions that take the write lock first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

AUTOCHECKPOINT_PAGES = 20_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to us (pysqlite's own BEGIN handling breaks SAVEPOINT and
    # would start deferred transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Checkpoints run in the background (storage.checkpoint); left to the commit that crosses
    # the default 1,000 pages, one would stall that batch for milliseconds. This higher mark
    # only bounds the log should the background task not run.
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.close()


def create_engine(url: str, *, immediate: bool = True, echo: bool = False) -> AsyncEngine:
    """An engine for `url`. On SQLite every transaction begins with BEGIN IMMEDIATE when
    `immediate`: a deferred transaction that reads and then writes fails at once with
    "database is locked" when another connection wrote meanwhile, whatever the busy timeout.
    Statement parameters are what customers wrote, so they never appear in an error's text
    (nor in SQL logging)."""
    if is_sqlite(url):
        # Every use ends in an explicit COMMIT or ROLLBACK, so the pool's own rollback on
        # return would be one more round trip to the driver's thread per batch for nothing.
        # SQLite lets one connection write at a time. With one connection in the write pool,
        # this process's writers queue for it in FIFO order on the event loop, instead of
        # sleeping in SQLite's busy handler (up to 100 ms a try) when they collide. Readers
        # use a separate engine (immediate=False), which keeps the default pool.
        pool = {"pool_size": 1, "max_overflow": 0} if immediate else {}
        engine = create_async_engine(url, echo=echo, pool_reset_on_return=None,
                                     hide_parameters=True, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        begin_sql = "BEGIN IMMEDIATE" if immediate else "BEGIN"

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn: Any) -> None:
            # Straight to the aiosqlite driver: one round trip to its thread instead of the
            # three a statement through SQLAlchemy's cursor adapter takes, once per batch.
            driver = conn.connection.dbapi_connection.driver_connection
            await_only(driver.execute_fetchall(begin_sql))

        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True,
                               hide_parameters=True)
