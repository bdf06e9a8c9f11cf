"""The batch's statements on SQLite, each one round trip to the aiosqlite driver's thread.

See storage.driver for why; storage.batch_postgres says the same through SQLAlchemy. Both are
held to one contract by tests/test_storage_contract.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.conversation import Conversation
from dialogs.messages import ConversationKey, Inbound
from storage.batch import BatchTx, People
from storage.batch_records import ConcurrentUpdate, Loaded
from storage.driver import DriverSql, RowBinder, read_row
from storage.ledger_sqlite import SqliteLedger
from storage.schema import conversations, inbound_updates, messages

_CLAIM_SQL = (
    "INSERT INTO inbound_updates (channel, update_id, received_at, processed_at) "
    "VALUES {values} ON CONFLICT (channel, update_id) DO UPDATE "
    "SET processed_at = excluded.processed_at WHERE inbound_updates.processed_at IS NULL "
    "RETURNING channel, update_id")
_LOAD_COLUMNS = ("id", "channel", "chat_id", "customer_id", "state", "slots", "context",
                 "locale", "version", "idle_since", "reminded_at", "text_day", "text_chars")
MESSAGE_COLUMNS = ("conversation_id", "direction", "channel", "chat_id", "channel_message_id",
                   "update_id", "text", "buttons", "callback_data", "template", "locale",
                   "tone", "template_version", "state", "emotion", "cleaned", "created_at",
                   "shown_name")
_SAVE_SET = ("state", "slots", "context", "locale", "version", "updated_at", "idle_since",
             "reminded_at", "text_day", "text_chars")
_SAVE_SQL = (f"UPDATE conversations SET {', '.join(f'{c} = ?' for c in _SAVE_SET)} "
             "WHERE id = ? AND version = ?")
_MESSAGES_SQL = f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES "
_ROW = f"({', '.join('?' * len(MESSAGE_COLUMNS))})"
# Rows per INSERT: well under SQLite's 32,766 parameters.
_CHUNK = 500


class SqliteBatchTx(BatchTx):
    def __init__(self, conn: AsyncConnection, *, prefix: str, tz: ZoneInfo,
                 default_locale: str) -> None:
        self.driver = DriverSql(conn)
        super().__init__(conn, prefix=prefix, tz=tz, default_locale=default_locale)

    def _ledger(self, prefix: str, tz: ZoneInfo) -> SqliteLedger:
        return SqliteLedger(self.conn, prefix, tz, self.driver)

    async def lock(self, keys: list[ConversationKey]) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds SQLite's only write lock."""

    def _stamp(self, now: datetime) -> Any:
        stamp = self.driver.binders([inbound_updates.c.received_at])[0]
        return stamp(now) if stamp else now

    async def _claim(self, unique: list[tuple[str, str]],
                     now: datetime) -> set[tuple[str, str]]:
        at = self._stamp(now)
        sql = _CLAIM_SQL.format(values=", ".join(["(?, ?, ?, ?)"] * len(unique)))
        params = [v for c, u in unique for v in (c, u, at, at)]
        return {(r[0], r[1]) for r in await self.driver.fetch(sql, params)}

    async def _find(self, keys: list[ConversationKey]) -> dict[ConversationKey, Loaded]:
        # Grouped by channel: SQLite scans the table for a row-value IN, not for this form.
        by_channel: dict[str, list[str]] = {}
        for k in keys:
            by_channel.setdefault(k.channel, []).append(k.chat_id)
        where = " OR ".join(
            f"(channel = ? AND chat_id IN ({', '.join('?' * len(ids))}))"
            for ids in by_channel.values())
        params = [v for ch, ids in by_channel.items() for v in (ch, *ids)]
        readers = self.driver.readers([conversations.c[name] for name in _LOAD_COLUMNS])
        rows = await self.driver.fetch(
            f"SELECT {', '.join(_LOAD_COLUMNS)} FROM conversations WHERE {where}", params)
        found = [Loaded.from_row(dict(zip(_LOAD_COLUMNS, read_row(raw, readers), strict=True)))
                 for raw in rows]
        return {ld.conv.key: ld for ld in found}

    async def _create(self, inbounds: list[Inbound], people: People,
                      now: datetime) -> dict[ConversationKey, Loaded]:
        at = self._stamp(now)
        rows = await self.driver.fetch(
            "INSERT INTO customers (channel, external_id, display_name, created_at) VALUES "
            + ", ".join(["(?, ?, ?, ?)"] * len(people))
            + " ON CONFLICT (channel, external_id) DO UPDATE "
              "SET display_name = excluded.display_name RETURNING id, channel, external_id",
            [v for (ch, ext), i in people.items() for v in (ch, ext, i.display_name, at)])
        ids = {(r[1], r[2]): r[0] for r in rows}
        rows = await self.driver.fetch(
            "INSERT INTO conversations (channel, chat_id, customer_id, kind, state, slots, "
            "context, locale, version, created_at, updated_at) VALUES "
            + ", ".join(["(?, ?, ?, 'complaint', 'new', '{}', '{}', ?, 0, ?, ?)"] * len(inbounds))
            + " RETURNING id, channel, chat_id, customer_id",
            [v for i in inbounds for v in (
                i.key.channel, i.key.chat_id, ids[(i.key.channel, i.user_id or i.key.chat_id)],
                self.default_locale, at, at)])
        return {ConversationKey(r[1], r[2]): Loaded(
                    Conversation(key=ConversationKey(r[1], r[2]), locale=self.default_locale),
                    r[0], r[3]) for r in rows}

    async def _insert_messages(self, rows: list[dict[str, Any]]) -> list[int]:
        bind = RowBinder(self.driver.binders([messages.c[name] for name in MESSAGE_COLUMNS]))
        ids: list[int] = []
        # One multi-row INSERT … RETURNING per chunk (executemany cannot return ids); SQLite
        # numbers the rows of one statement in order, and the ids are sorted to be sure.
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            values = [v for row in chunk for v in bind([row[name] for name in MESSAGE_COLUMNS])]
            got = await self.driver.fetch(
                _MESSAGES_SQL + ", ".join([_ROW] * len(chunk)) + " RETURNING id", values)
            ids.extend(sorted(int(r[0]) for r in got))
        return ids

    async def _save(self, dirty: list[Loaded], now: datetime) -> None:
        bind = RowBinder(self.driver.binders([conversations.c[name] for name in _SAVE_SET]))
        rows = []
        for ld in dirty:
            values = ld.saved_state(now)
            rows.append((*bind([values[name] for name in _SAVE_SET]), ld.conversation_id,
                         ld.stored_version))
        updated = await self.driver.many(_SAVE_SQL, rows)
        if updated != len(rows):
            raise ConcurrentUpdate(f"{len(rows) - updated} conversations moved")
        for ld in dirty:
            ld.saved()
