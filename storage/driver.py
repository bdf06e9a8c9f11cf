"""The hot path's statements on SQLite, sent to the aiosqlite driver in one round trip each.

Through SQLAlchemy's async adapter every statement is three or four round trips to the
driver's thread (cursor, execute, fetch, close) and costs about 0.5 ms of CPU; a batch sends
about eight. The statements here are the batch's claim, load and writes, run on the same
connection inside the same transaction SQLAlchemy opened, with SQLAlchemy's own type
processors, so what they store reads back through SQLAlchemy unchanged. PostgreSQL keeps the
SQLAlchemy path (asyncpg pays no such toll).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

Processor = Callable[[Any], Any] | None


class DriverSql:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self._driver: Any = None

    async def driver(self) -> Any:
        if self._driver is None:
            raw = await self.conn.get_raw_connection()
            self._driver = raw.driver_connection
        return self._driver

    def binders(self, columns: Sequence[sa.Column[Any]]) -> list[Processor]:
        return [c.type.dialect_impl(self.dialect).bind_processor(self.dialect) for c in columns]

    def readers(self, columns: Sequence[sa.Column[Any]]) -> list[Processor]:
        return [c.type.dialect_impl(self.dialect).result_processor(self.dialect, None)
                for c in columns]

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(await (await self.driver()).execute_fetchall(sql, params))

    async def many(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """executemany; returns the rows changed."""
        cursor = await (await self.driver()).executemany(sql, rows)
        try:
            return int(cursor.rowcount)
        finally:
            await cursor.close()


class RowBinder:
    """Applies SQLAlchemy's bind processors to rows of values in column order; only the
    columns that have a processor are touched (most are plain text and numbers)."""

    def __init__(self, binders: Sequence[Processor]) -> None:
        self.width = len(binders)
        self.processed = [(i, p) for i, p in enumerate(binders) if p is not None]

    def __call__(self, values: Sequence[Any]) -> tuple[Any, ...]:
        row = list(values)
        # SQLAlchemy's processors take None themselves (JSON stores it as 'null', as it would).
        for i, p in self.processed:
            row[i] = p(row[i])
        return tuple(row)



def read_row(row: Sequence[Any], readers: Sequence[Processor]) -> list[Any]:
    return [v if p is None else p(v) for v, p in zip(row, readers, strict=True)]
