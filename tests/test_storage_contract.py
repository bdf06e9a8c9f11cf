"""One contract for the storage layer, run against every backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from dialogs.messages import ConversationKey, Inbound
from dialogs.ports import TicketDraft
from dialogs.templates import TemplateRecord
from storage.migrate import upgrade
from storage.store import Store

NOW = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = Store(database_url, ticket_prefix="C", timezone="Asia/Shanghai")
    await upgrade(s.engine)
    yield s
    await s.close()


def draft(key: ConversationKey) -> TicketDraft:
    return TicketDraft(key=key, status="open", incomplete=False, category="delivery",
                       description="parcel lost", outcome="refund", phone=None,
                       slots={"order_no": "JD1"}, locale="en",
                       first_response_due=NOW + timedelta(hours=24))


async def file_one(store: Store, chat_id: str, now: datetime = NOW) -> str:
    key = ConversationKey("web", chat_id)
    async with store.batch() as batch, batch.turn() as tx:
        loaded = await tx.load(Inbound(key=key, text="x"), now)
        info = await tx.desk(loaded).file_ticket(draft(key), now)
        await tx.save(loaded, now)
    return info.number


class TestStorageContract:
    async def test_upgrade_is_idempotent(self, store: Store) -> None:
        await upgrade(store.engine)

    async def test_conversation_round_trip_and_version(self, store: Store) -> None:
        key = ConversationKey("telegram", "42")
        async with store.batch() as batch, batch.turn() as tx:
            loaded = await tx.load(Inbound(key=key, text="hi", user_id="42"), NOW)
            assert loaded.conv.state == "new" and loaded.conv.version == 0
            loaded.conv.state = "listening"
            loaded.conv.slots["description"] = ["我的订单 {{ 7*7 }} 🙂"]
            await tx.save(loaded, NOW)
        conv = await store.conversation(key)
        assert conv is not None
        assert conv.state == "listening" and conv.version == 1
        assert conv.slots["description"] == ["我的订单 {{ 7*7 }} 🙂"]

    async def test_a_failed_turn_leaves_nothing_behind(self, store: Store) -> None:
        key = ConversationKey("web", "rollback")
        async with store.batch() as batch:
            with pytest.raises(RuntimeError):
                async with batch.turn() as tx:
                    loaded = await tx.load(Inbound(key=key, text="x"), NOW)
                    await tx.save(loaded, NOW)
                    raise RuntimeError("boom")
            async with batch.turn() as tx:  # the batch goes on for the other turns
                other = await tx.load(Inbound(key=ConversationKey("web", "ok"), text="x"), NOW)
                await tx.save(other, NOW)
        assert await store.conversation(key) is None
        assert await store.conversation(ConversationKey("web", "ok")) is not None

    async def test_update_is_claimed_once(self, store: Store) -> None:
        async with store.batch() as batch, batch.turn() as tx:
            assert await tx.claim_update("telegram", "77", NOW)
            assert not await tx.claim_update("telegram", "77", NOW)
            assert await tx.claim_update("web", "77", NOW)  # ids are per channel

    async def test_inbox_keeps_unprocessed_updates_in_order(self, store: Store) -> None:
        assert await store.store("telegram", "9", {"update_id": 9})
        assert await store.store("telegram", "10", {"update_id": 10})
        assert not await store.store("telegram", "9", {"update_id": 9})
        assert [u for u, _ in await store.unprocessed("telegram")] == ["9", "10"]
        async with store.batch() as batch, batch.turn() as tx:
            assert await tx.claim_update("telegram", "9", NOW)
        assert [u for u, _ in await store.unprocessed("telegram")] == ["10"]

    async def test_ticket_numbers_are_sequential_per_day_in_local_time(self, store: Store) -> None:
        # 23:59 UTC is already the 25th in Shanghai.
        assert await file_one(store, "a") == "C-20261125-0001"
        assert await file_one(store, "b") == "C-20261125-0002"
        assert await file_one(store, "c", NOW + timedelta(days=1)) == "C-20261126-0001"

    async def test_a_rolled_back_filing_leaves_no_gap(self, store: Store) -> None:
        key = ConversationKey("web", "gap")
        async with store.batch() as batch:
            with pytest.raises(RuntimeError):
                async with batch.turn() as tx:
                    loaded = await tx.load(Inbound(key=key, text="x"), NOW)
                    await tx.desk(loaded).file_ticket(draft(key), NOW)
                    raise RuntimeError("boom")
        assert await file_one(store, "after") == "C-20261125-0001"

    async def test_concurrent_filings_get_unique_gap_free_numbers(self, store: Store) -> None:
        numbers = await asyncio.gather(*(file_one(store, f"c{i}") for i in range(20)))
        assert sorted(numbers) == [f"C-20261125-{n:04d}" for n in range(1, 21)]

    async def test_tickets_are_only_visible_to_their_customer(self, store: Store) -> None:
        number = await file_one(store, "owner")
        async with store.batch() as batch, batch.turn() as tx:
            mine = await tx.load(Inbound(key=ConversationKey("web", "owner"), text="x"), NOW)
            theirs = await tx.load(Inbound(key=ConversationKey("web", "other"), text="x"), NOW)
            assert await tx.desk(mine).ticket(number, ConversationKey("web", "owner"))
            assert await tx.desk(theirs).ticket(number, ConversationKey("web", "other")) is None

    async def test_templates_are_seeded_once_and_edits_survive(self, store: Store) -> None:
        rec = TemplateRecord("greet", "en", "neutral", "Hello")
        assert await store.seed_templates([rec], NOW) == 1
        assert await store.seed_templates([TemplateRecord("greet", "en", "neutral", "Hi")],
                                          NOW) == 0
        loaded = await store.load_templates()
        assert [r.source for r in loaded] == ["Hello"]

    async def test_history_returns_the_transcript_in_order(self, store: Store) -> None:
        from dialogs.messages import Button, Reply

        key = ConversationKey("web", "hist")
        async with store.batch() as batch, batch.turn() as tx:
            loaded = await tx.load(Inbound(key=key, text="<b>hi</b>"), NOW)
            await tx.record_inbound(loaded, Inbound(key=key, text="<b>hi</b>"), "new", None, NOW)
            await tx.record_outbound(loaded, [Reply("Hello", (Button("OK", "s:ok"),), "greet")],
                                     "listening", NOW)
            await tx.save(loaded, NOW)
        items = await store.history(key)
        assert [(i.direction, i.text) for i in items] == [("in", "<b>hi</b>"), ("out", "Hello")]
        assert items[1].buttons[0].payload == "s:ok"

    async def test_idle_drafts_are_found_for_reminders(self, store: Store) -> None:
        key = ConversationKey("web", "idle")
        async with store.batch() as batch, batch.turn() as tx:
            loaded = await tx.load(Inbound(key=key, text="x"), NOW)
            loaded.conv.state = "listening"
            await tx.save(loaded, NOW)
        assert await store.idle_drafts(NOW) == []
        idle = await store.idle_drafts(NOW + timedelta(minutes=1))
        assert [d.key for d in idle] == [key] and not idle[0].reminded
        for expected in (True, False):  # a reminder is claimed once per idle spell
            async with store.batch() as batch, batch.turn() as tx:
                found = await tx.existing(key)
                assert found is not None and tx.is_open_draft(found)
                assert await tx.claim_reminder(found, NOW) is expected
