"""The statements on the hot path use indexes, so a turn costs the same with 1,000 or 100,000
stored conversations (SQLite scans a table for some innocent-looking forms)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from dialogs.messages import ConversationKey
from storage.batch_postgres import _select_by_keys
from storage.migrate import upgrade
from storage.store import Store


async def plan(store: Store, stmt: sa.Executable) -> str:
    sql = str(stmt.compile(dialect=sqlite.dialect(),  # type: ignore[attr-defined]
                           compile_kwargs={"literal_binds": True}))
    async with store.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")).all()
    return "\n".join(str(r[-1]) for r in rows)


async def test_loading_a_batch_searches_the_conversation_index(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    await upgrade(store.engine)
    keys = [ConversationKey("web", "a"), ConversationKey("web", "b"),
            ConversationKey("telegram", "1")]
    text = await plan(store, _select_by_keys(keys))
    await store.close()
    assert "SCAN conversations" not in text, text
    assert "SEARCH conversations USING INDEX" in text, text
