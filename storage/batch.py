"""A batch of turns in one write transaction, with a few statements per batch, not per turn.

Each statement through aiosqlite costs a thread round trip, so the batch claims its updates,
locks and loads its conversations, and writes transcripts and states in bulk. The dialog runs
in memory in between; what it files through the ticket desk is written with the batch too,
and a turn that raises leaves nothing: its state is restored and its filings dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.conversation import Conversation
from dialogs.machine import DRAFT_STATES
from dialogs.messages import Attachment, ConversationKey, Inbound, Reply
from storage.desk import SqlDesk, TicketLedger, TurnWrites
from storage.driver import DriverSql, RowBinder, read_row
from storage.schema import attachments, conversations, customers, inbound_updates, messages
from storage.upsert import insert_for


class ConcurrentUpdate(Exception):
    """A conversation changed under us: the batch is rolled back, never half-applied."""


def lock_key(key: ConversationKey) -> int:
    digest = hashlib.blake2b(str(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class Loaded:
    conv: Conversation
    conversation_id: int
    customer_id: int
    idle_since: datetime | None = None
    reminded: bool = False
    # The version read from the database; the save checks nobody moved it meanwhile.
    stored_version: int = 0
    dirty: bool = False


@dataclass
class TurnRecord:
    """What one successful turn writes: its inbound message, the replies, the attachments."""

    loaded: Loaded
    inbound: Inbound
    state_before: str
    emotion: dict[str, Any] | None
    replies: list[Reply]
    state_after: str
    kept: tuple[Attachment, ...] = ()
    now: datetime | None = None


class BatchTx:
    def __init__(self, conn: AsyncConnection, *, prefix: str, tz: ZoneInfo,
                 default_locale: str) -> None:
        self.conn = conn
        self.prefix = prefix
        self.tz = tz
        self.default_locale = default_locale
        self.driver = DriverSql(conn) if conn.dialect.name == "sqlite" else None
        self.ledger = TicketLedger(conn, prefix, tz, self.driver)

    # --- before the turns ------------------------------------------------------------------
    async def lock(self, keys: list[ConversationKey]) -> None:
        """Serialise turns of a conversation across processes before anything is read, in
        one global order so two processes never deadlock. SQLite needs nothing: BEGIN
        IMMEDIATE already holds its only write lock."""
        if self.conn.dialect.name != "postgresql" or not keys:
            return
        ids = sorted({lock_key(k) for k in keys})
        await self.conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": ids})

    async def claim(self, ids: list[tuple[str, str]], now: datetime) -> set[tuple[str, str]]:
        """Mark updates processed; returns those that were not already (first deliveries)."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return set()
        if self.driver is not None:
            stamp = self.driver.binders([inbound_updates.c.received_at])[0]
            at = stamp(now) if stamp else now
            sql = _CLAIM_SQL.format(values=", ".join(["(?, ?, ?, ?)"] * len(unique)))
            params = [v for c, u in unique for v in (c, u, at, at)]
            return {(r[0], r[1]) for r in await self.driver.fetch(sql, params)}
        stmt = insert_for(self.conn, inbound_updates)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "update_id"],
            set_={"processed_at": stmt.excluded.processed_at},
            where=inbound_updates.c.processed_at.is_(None),
        ).returning(inbound_updates.c.channel, inbound_updates.c.update_id)
        rows = await self.conn.execute(stmt, [
            {"channel": c, "update_id": u, "received_at": now, "processed_at": now}
            for c, u in unique])
        return {(r.channel, r.update_id) for r in rows}

    async def unclaim(self, channel: str, update_id: str) -> None:
        """A turn that failed gives its update back, to be processed when delivered again."""
        await self.conn.execute(
            sa.update(inbound_updates)
            .where(inbound_updates.c.channel == channel,
                   inbound_updates.c.update_id == update_id)
            .values(processed_at=None))

    async def load(self, keys: list[ConversationKey],
                   creating: dict[ConversationKey, Inbound] | None = None,
                   now: datetime | None = None) -> dict[ConversationKey, Loaded]:
        """The conversations of `keys`; those missing are created from `creating`."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        if self.driver is not None:
            found = await self._load_sqlite(wanted)
        else:
            rows = await self.conn.execute(_select_by_keys(wanted))
            found = {ConversationKey(r.channel, r.chat_id): _loaded(r) for r in rows}
        missing = [k for k in wanted if k not in found and creating and k in creating]
        if missing:
            assert creating is not None and now is not None
            found.update(await self._create([creating[k] for k in missing], now))
        await self.ledger.prefetch_orders({
            str(ld.conv.slots["order_no"]) for ld in found.values()
            if ld.conv.slots.get("order_no")
            and ld.conv.context.get("order_checked") != ld.conv.slots["order_no"]})
        return found

    async def _load_sqlite(self, keys: list[ConversationKey]) -> dict[
            ConversationKey, Loaded]:
        assert self.driver is not None
        by_channel: dict[str, list[str]] = {}
        for k in keys:
            by_channel.setdefault(k.channel, []).append(k.chat_id)
        where = " OR ".join(
            f"(channel = ? AND chat_id IN ({', '.join('?' * len(ids))}))"
            for ids in by_channel.values())
        params = [v for ch, ids in by_channel.items() for v in (ch, *ids)]
        cols = [conversations.c[name] for name in _LOAD_COLUMNS]
        readers = self.driver.readers(cols)
        rows = await self.driver.fetch(
            f"SELECT {', '.join(_LOAD_COLUMNS)} FROM conversations WHERE {where}", params)
        found: dict[ConversationKey, Loaded] = {}
        for raw in rows:
            r = dict(zip(_LOAD_COLUMNS, read_row(raw, readers), strict=True))
            key = ConversationKey(r["channel"], r["chat_id"])
            conv = Conversation(key=key, state=r["state"], slots=r["slots"],
                                context=r["context"], locale=r["locale"], version=r["version"])
            found[key] = Loaded(conv, r["id"], r["customer_id"], r["idle_since"],
                                r["reminded_at"] is not None, stored_version=r["version"])
        return found

    async def _create(self, inbounds: list[Inbound], now: datetime) -> dict[
            ConversationKey, Loaded]:
        people = {(i.key.channel, i.user_id or i.key.chat_id): i for i in inbounds}
        if self.driver is not None:
            return await self._create_sqlite(inbounds, people, now)
        ins = insert_for(self.conn, customers)
        stmt = ins.values([
            {"channel": ch, "external_id": ext, "display_name": i.display_name,
             "created_at": now} for (ch, ext), i in people.items()])
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={"display_name": stmt.excluded.display_name},
        ).returning(customers.c.id, customers.c.channel, customers.c.external_id)
        ids = {(r.channel, r.external_id): r.id for r in await self.conn.execute(stmt)}
        rows = await self.conn.execute(
            sa.insert(conversations).values([
                {"channel": i.key.channel, "chat_id": i.key.chat_id,
                 "customer_id": ids[(i.key.channel, i.user_id or i.key.chat_id)],
                 "state": "new", "slots": {}, "context": {}, "locale": self.default_locale,
                 "version": 0, "created_at": now, "updated_at": now} for i in inbounds])
            .returning(conversations.c.id, conversations.c.channel, conversations.c.chat_id,
                       conversations.c.customer_id))
        return {ConversationKey(r.channel, r.chat_id): Loaded(
                    Conversation(key=ConversationKey(r.channel, r.chat_id),
                                 locale=self.default_locale), r.id, r.customer_id)
                for r in rows}

    async def _create_sqlite(self, inbounds: list[Inbound],
                             people: dict[tuple[str, str], Inbound],
                             now: datetime) -> dict[ConversationKey, Loaded]:
        assert self.driver is not None
        stamp = self.driver.binders([customers.c.created_at])[0]
        at = stamp(now) if stamp else now
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

    # --- during a turn ----------------------------------------------------------------------
    def desk(self, loaded: Loaded) -> SqlDesk:
        """The ticket desk for one turn; `commit_turn` or `abandon_turn` it afterwards."""
        return SqlDesk(self.ledger, TurnWrites(), conversation_id=loaded.conversation_id,
                       customer_id=loaded.customer_id)

    def commit_turn(self, desk: SqlDesk) -> None:
        self.ledger.commit_turn(desk.turn)

    def abandon_turn(self, desk: SqlDesk) -> None:
        self.ledger.abandon_turn(desk.turn)

    async def claim_reminder(self, loaded: Loaded, now: datetime) -> bool:
        result = await self.conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == loaded.conversation_id,
                   conversations.c.reminded_at.is_(None))
            .values(reminded_at=now))
        return bool(result.rowcount == 1)

    # --- after the turns --------------------------------------------------------------------
    async def write(self, records: list[TurnRecord], extra_out: list[TurnRecord],
                    touched: list[Loaded], now: datetime) -> None:
        """The transcript of every turn (in order) and the new state of every conversation."""
        rows: list[dict[str, Any]] = []
        inbound_at: dict[int, TurnRecord] = {}
        for rec in records:
            inbound_at[len(rows)] = rec
            rows.append(_inbound_row(rec, now))
            rows.extend(_outbound_rows(rec, now))
        for rec in extra_out:
            rows.extend(_outbound_rows(rec, now))
        if rows:
            need_ids = any(rec.kept for rec in records)
            if self.driver is not None and not need_ids:
                bind = RowBinder(self.driver.binders(
                    [messages.c[name] for name in _MESSAGE_COLUMNS]))
                await self.driver.many(_insert_sql("messages", _MESSAGE_COLUMNS), [
                    bind([row[name] for name in _MESSAGE_COLUMNS]) for row in rows])
            elif need_ids:
                result = await self.conn.execute(
                    sa.insert(messages).returning(messages.c.id, sort_by_parameter_order=True),
                    rows)
                ids = [r.id for r in result]
                files = [
                    {"conversation_id": rec.loaded.conversation_id, "message_id": ids[i],
                     "kind": a.kind, "file_id": a.file_id, "file_name": a.file_name,
                     "mime_type": a.mime_type, "size": a.size, "created_at": now}
                    for i, rec in inbound_at.items() for a in rec.kept]
                await self.conn.execute(sa.insert(attachments), files)
            else:
                await self.conn.execute(sa.insert(messages), rows)
        await self._save([ld for ld in touched if ld.dirty], now)
        await self.ledger.write()

    async def _save_sqlite(self, touched: list[Loaded], now: datetime) -> None:
        assert self.driver is not None
        bind = RowBinder(self.driver.binders([conversations.c[name] for name in _SAVE_SET]))
        rows = []
        for ld in touched:
            conv = ld.conv
            open_draft = conv.state in DRAFT_STATES and conv.state != "new"
            values = (conv.state, conv.slots, conv.context, conv.locale, conv.version, now,
                      ld.idle_since if open_draft else None, now if ld.reminded else None)
            rows.append((*bind(values), ld.conversation_id, ld.stored_version))
        changed = await self.driver.many(_SAVE_SQL, rows)
        if changed != len(rows):
            raise ConcurrentUpdate(f"{len(rows) - changed} conversations moved")
        for ld in touched:
            ld.stored_version = ld.conv.version
            ld.dirty = False

    async def _save(self, touched: list[Loaded], now: datetime) -> None:
        if not touched:
            return
        c = conversations.c
        stmt = (sa.update(conversations)
                .where(c.id == sa.bindparam("b_id"), c.version == sa.bindparam("b_version"))
                .values(state=sa.bindparam("b_state"), slots=sa.bindparam("b_slots"),
                        context=sa.bindparam("b_context"), locale=sa.bindparam("b_locale"),
                        version=sa.bindparam("b_new_version"), updated_at=now,
                        idle_since=sa.bindparam("b_idle_since"), reminded_at=sa.bindparam(
                            "b_reminded_at")))
        if self.driver is not None:
            await self._save_sqlite(touched, now)
            return
        params = []
        for ld in touched:
            conv = ld.conv
            open_draft = conv.state in DRAFT_STATES and conv.state != "new"
            params.append({
                "b_id": ld.conversation_id, "b_version": ld.stored_version,
                "b_state": conv.state, "b_slots": conv.slots, "b_context": conv.context,
                "b_locale": conv.locale, "b_new_version": conv.version,
                "b_idle_since": ld.idle_since if open_draft else None,
                "b_reminded_at": now if ld.reminded else None})
        result = await self.conn.execute(stmt, params)
        if result.rowcount not in (len(params), -1):
            raise ConcurrentUpdate(f"{len(params) - result.rowcount} conversations moved")
        for ld in touched:
            ld.stored_version = ld.conv.version
            ld.dirty = False


def _select_by_keys(keys: list[ConversationKey]) -> sa.Select[Any]:
    # Grouped by channel, not a row-value IN: SQLite scans the whole table for
    # (channel, chat_id) IN (...), but searches the unique index for this form.
    by_channel: dict[str, list[str]] = {}
    for k in keys:
        by_channel.setdefault(k.channel, []).append(k.chat_id)
    c = conversations.c
    return sa.select(conversations).where(sa.or_(*(
        sa.and_(c.channel == channel, c.chat_id.in_(ids))
        for channel, ids in sorted(by_channel.items()))))


_CLAIM_SQL = (
    "INSERT INTO inbound_updates (channel, update_id, received_at, processed_at) "
    "VALUES {values} ON CONFLICT (channel, update_id) DO UPDATE "
    "SET processed_at = excluded.processed_at WHERE inbound_updates.processed_at IS NULL "
    "RETURNING channel, update_id")
_LOAD_COLUMNS = ("id", "channel", "chat_id", "customer_id", "state", "slots", "context",
                 "locale", "version", "idle_since", "reminded_at")
_MESSAGE_COLUMNS = ("conversation_id", "direction", "channel", "chat_id", "channel_message_id",
                    "update_id", "text", "buttons", "callback_data", "template", "locale",
                    "tone", "template_version", "state", "emotion", "created_at")
_SAVE_SET = ("state", "slots", "context", "locale", "version", "updated_at", "idle_since",
             "reminded_at")
_SAVE_SQL = (f"UPDATE conversations SET {', '.join(f'{c} = ?' for c in _SAVE_SET)} "
             "WHERE id = ? AND version = ?")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


def _loaded(row: Any) -> Loaded:
    key = ConversationKey(row.channel, row.chat_id)
    conv = Conversation(key=key, state=row.state, slots=dict(row.slots),
                        context=dict(row.context), locale=row.locale, version=row.version)
    return Loaded(conv, row.id, row.customer_id, row.idle_since, row.reminded_at is not None,
                  stored_version=row.version)


def _inbound_row(rec: TurnRecord, now: datetime) -> dict[str, Any]:
    i = rec.inbound
    text = i.text
    if not text and i.attachments:
        text = "[" + ", ".join(a.kind for a in i.attachments) + "]"
    return {"conversation_id": rec.loaded.conversation_id, "direction": "in",
            "channel": i.key.channel, "chat_id": i.key.chat_id,
            "channel_message_id": i.message_id, "update_id": i.update_id, "text": text,
            "buttons": None, "callback_data": i.callback_data, "template": None,
            "locale": None, "tone": None, "template_version": None,
            "state": rec.state_before, "emotion": rec.emotion, "created_at": rec.now or now}


def _outbound_rows(rec: TurnRecord, now: datetime) -> list[dict[str, Any]]:
    key = rec.loaded.conv.key
    return [{"conversation_id": rec.loaded.conversation_id, "direction": "out",
             "channel": key.channel, "chat_id": key.chat_id, "channel_message_id": None,
             "update_id": None, "text": r.text,
             "buttons": [{"label": b.label, "payload": b.payload} for b in r.buttons] or None,
             "callback_data": None, "template": r.template, "locale": r.locale,
             "tone": r.tone, "template_version": r.template_version,
             "state": rec.state_after, "emotion": None, "created_at": rec.now or now}
            for r in rec.replies]
