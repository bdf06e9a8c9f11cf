"""One contract for the storage layer, run against every backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from dialogs.conversation import Conversation
from dialogs.messages import Attachment, Button, ConversationKey, Inbound, Reply
from dialogs.ports import TicketDraft
from storage.batch_postgres import PostgresBatchTx
from storage.batch_sqlite import SqliteBatchTx
from storage.migrate import upgrade
from storage.store import Store
from storage.turns import BatchTx, ConcurrentUpdate, Loaded, TurnRecord

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


async def load_one(tx: BatchTx, key: ConversationKey, now: datetime = NOW) -> Loaded:
    return (await tx.load([key], {key: Inbound(key=key, text="x", user_id=key.chat_id)},
                          now))[key]


async def save(store: Store, key: ConversationKey,
               mutate: Callable[[Conversation], None] = lambda c: None) -> None:
    async with store.batch() as tx:
        ld = await load_one(tx, key)
        mutate(ld.conv)
        tx.changed(ld, NOW, customer_spoke=True)
        await tx.write([], [], [ld], NOW)


def listening(c: Conversation) -> None:
    c.state = "listening"


async def file_one(store: Store, chat_id: str, now: datetime = NOW) -> str:
    key = ConversationKey("web", chat_id)
    async with store.batch() as tx:
        ld = await load_one(tx, key, now)
        desk = tx.desk(ld)
        info = await desk.file_ticket(draft(key), now)
        tx.commit_turn(desk)
        await tx.write([], [], [], now)
    return info.number


class TestStorageContract:
    async def test_upgrade_is_idempotent(self, store: Store) -> None:
        await upgrade(store.engine)

    async def test_conversation_round_trip_and_version(self, store: Store) -> None:
        key = ConversationKey("telegram", "42")
        async with store.batch() as tx:
            ld = await load_one(tx, key)
            assert ld.conv.state == "new" and ld.conv.version == 0
        assert (await store.conversation(key)) is not None  # created on first load

        def story(c: Conversation) -> None:
            c.state = "listening"
            c.slots["description"] = ["我的订单 {{ 7*7 }} 🙂"]

        await save(store, key, story)
        conv = await store.conversation(key)
        assert conv is not None
        assert conv.state == "listening" and conv.version == 1
        assert conv.slots["description"] == ["我的订单 {{ 7*7 }} 🙂"]

    async def test_a_stale_version_is_refused(self, store: Store) -> None:
        key = ConversationKey("web", "stale")
        await save(store, key)
        async with store.batch() as tx:
            ld = await load_one(tx, key)
        await save(store, key)  # someone else moved it on
        with pytest.raises(ConcurrentUpdate):
            async with store.batch() as tx:
                tx.changed(ld, NOW, customer_spoke=True)
                await tx.write([], [], [ld], NOW)

    async def test_a_failed_turn_takes_its_ticket_back(self, store: Store) -> None:
        key = ConversationKey("web", "rollback")
        async with store.batch() as tx:
            ld = await load_one(tx, key)
            failed = tx.desk(ld)
            await failed.file_ticket(draft(key), NOW)
            tx.abandon_turn(failed)
            other = await load_one(tx, ConversationKey("web", "ok"))
            desk = tx.desk(other)
            info = await desk.file_ticket(draft(other.conv.key), NOW)
            tx.commit_turn(desk)
            await tx.write([], [], [], NOW)
        # No gap: the abandoned filing did not consume a number, and left no ticket.
        assert info.number == "C-20261125-0001"
        assert await file_one(store, "next") == "C-20261125-0002"
        async with store.batch() as tx:
            assert await tx.desk(ld).ticket("C-20261125-0001", key) is None

    async def test_updates_are_claimed_once(self, store: Store) -> None:
        async with store.batch() as tx:
            got = await tx.claim([("telegram", "77"), ("web", "77"), ("telegram", "77")], NOW)
            assert got == {("telegram", "77"), ("web", "77")}  # ids are per channel
            assert await tx.claim([("telegram", "77")], NOW) == set()
            await tx.unclaim("telegram", "77")  # a failed turn gives it back
            assert await tx.claim([("telegram", "77")], NOW) == {("telegram", "77")}

    async def test_inbox_keeps_unprocessed_updates_in_order(self, store: Store) -> None:
        assert await store.store("telegram", "9", {"update_id": 9})
        assert await store.store("telegram", "10", {"update_id": 10})
        assert not await store.store("telegram", "9", {"update_id": 9})
        assert [u for u, _ in await store.unprocessed("telegram")] == ["9", "10"]
        async with store.batch() as tx:
            assert await tx.claim([("telegram", "9")], NOW) == {("telegram", "9")}
        assert [u for u, _ in await store.unprocessed("telegram")] == ["10"]

    async def test_ticket_numbers_are_sequential_per_day_in_local_time(self, store: Store) -> None:
        # 23:59 UTC is already the 25th in Shanghai.
        assert await file_one(store, "a") == "C-20261125-0001"
        assert await file_one(store, "b") == "C-20261125-0002"
        assert await file_one(store, "c", NOW + timedelta(days=1)) == "C-20261126-0001"

    async def test_concurrent_filings_get_unique_gap_free_numbers(self, store: Store) -> None:
        numbers = await asyncio.gather(*(file_one(store, f"c{i}") for i in range(20)))
        assert sorted(numbers) == [f"C-20261125-{n:04d}" for n in range(1, 21)]

    async def test_several_filings_in_one_batch_and_their_events(self, store: Store) -> None:
        async with store.batch() as tx:
            numbers = []
            for i in range(3):
                ld = await load_one(tx, ConversationKey("web", f"m{i}"))
                desk = tx.desk(ld)
                numbers.append((await desk.file_ticket(draft(ld.conv.key), NOW)).number)
                await desk.add_event(numbers[-1], "customer_message", {"text": "more"}, NOW)
                tx.commit_turn(desk)
            await tx.write([], [], [], NOW)
        assert numbers == [f"C-20261125-{n:04d}" for n in (1, 2, 3)]
        assert await file_one(store, "later") == "C-20261125-0004"
        events = await store.ticket_events("C-20261125-0002")
        assert [e["kind"] for e in events] == ["filed", "customer_message"]

    async def test_history_counts_and_orders_for_escalation(self, store: Store) -> None:
        await file_one(store, "hist", NOW - timedelta(days=40))
        await file_one(store, "hist", NOW - timedelta(days=3))
        key = ConversationKey("web", "hist")
        async with store.batch() as tx:
            desk = tx.desk(await load_one(tx, key))
            assert await desk.tickets_since(key, NOW - timedelta(days=30)) == 1
            newest = await desk.ticket_for_order("JD1")  # draft() files order JD1
            assert newest == "C-20261122-0001"  # three days ago, by the Shanghai calendar
            assert await desk.ticket_for_order("NOPE") is None
            await desk.file_ticket(draft(key), NOW)
            tx.commit_turn(desk)  # filed earlier in this batch: counted too
            assert await desk.tickets_since(key, NOW - timedelta(days=30)) == 2
            assert await desk.ticket_for_order("JD1") == "C-20261125-0001"

    async def test_orders_are_looked_up_for_a_whole_batch(self, store: Store) -> None:
        await file_one(store, "o1")  # files order JD1

        def ordered(c: Conversation) -> None:
            c.slots["order_no"] = "JD1"

        await save(store, ConversationKey("web", "o2"), ordered)
        async with store.batch() as tx:
            await tx.load([ConversationKey("web", "o2")])
            assert tx.ledger.orders == {"JD1": "C-20261125-0001"}

    async def test_tickets_are_only_visible_to_their_customer(self, store: Store) -> None:
        number = await file_one(store, "owner")
        mine, theirs = ConversationKey("web", "owner"), ConversationKey("web", "other")
        async with store.batch() as tx:
            a, b = await load_one(tx, mine), await load_one(tx, theirs)
            assert await tx.desk(a).ticket(number, mine)
            assert await tx.desk(b).ticket(number, theirs) is None

    async def test_transcript_keeps_order_templates_and_attachments(self, store: Store) -> None:
        key = ConversationKey("web", "hist")
        async with store.batch() as tx:
            ld = await load_one(tx, key)
            first = TurnRecord(ld, Inbound(key=key, text="<b>hi</b>"), "new", {"anger": 0.1},
                               [Reply("Hello", (Button("OK", "s:ok"),), "greet", "en",
                                      "neutral", 3)], "listening", (), NOW)
            photo = Attachment("photo", file_id="ph-1", size=10)
            second = TurnRecord(ld, Inbound(key=key, attachments=(photo,)), "listening", None,
                                [Reply("Kept", (), "attachment.kept")], "listening",
                                (photo,), NOW)
            tx.changed(ld, NOW, customer_spoke=True)
            await tx.write([first, second], [], [ld], NOW)
        items = await store.history(key)
        assert [(i.direction, i.text) for i in items] == [
            ("in", "<b>hi</b>"), ("out", "Hello"), ("in", "[photo]"), ("out", "Kept")]
        assert items[1].buttons[0].payload == "s:ok"
        rows = await store.transcript(key)
        assert (rows[1]["template"], rows[1]["template_version"]) == ("greet", 3)
        assert await store.attachments(key) == [("photo", "ph-1", rows[2]["id"])]

    async def test_idle_drafts_are_found_for_reminders(self, store: Store) -> None:
        key = ConversationKey("web", "idle")

        def listening(c: Conversation) -> None:
            c.state = "listening"

        await save(store, key, listening)
        assert await store.idle_drafts(NOW) == []
        idle = await store.idle_drafts(NOW + timedelta(minutes=1))
        assert [d.key for d in idle] == [key] and not idle[0].reminded
        for expected in (True, False):  # a reminder is claimed once per idle spell
            async with store.batch() as tx:
                ld = await load_one(tx, key)
                assert await tx.claim_reminder(ld, NOW) is expected

    async def test_a_change_is_saved_under_the_next_version(self, store: Store) -> None:
        key, later = ConversationKey("web", "moved"), NOW + timedelta(hours=1)
        await save(store, key, listening)
        async with store.batch() as tx:
            ld, untouched = await load_one(tx, key), await load_one(tx, ConversationKey("web", "u"))
            untouched.conv.state = "listening"  # not reported as changed: not saved
            tx.changed(ld, later)  # not the customer: the idle spell goes on
            await tx.write([], [], [ld, untouched], later)
        conv = await store.conversation(key)
        assert conv is not None and conv.version == 2
        [idle] = await store.idle_drafts(later)
        assert idle.key == key and idle.idle_since == NOW
        gone = await store.conversation(ConversationKey("web", "u"))
        assert gone is not None and gone.state == "new" and gone.version == 0

    async def test_a_customer_who_speaks_earns_a_new_reminder(self, store: Store) -> None:
        key, later = ConversationKey("web", "nudged"), NOW + timedelta(hours=1)
        await save(store, key, listening)
        async with store.batch() as tx:
            ld = await load_one(tx, key)
            assert await tx.claim_reminder(ld, NOW)
            tx.changed(ld, NOW)  # another change in the same batch keeps the reminder
            await tx.write([], [], [ld], NOW)
        [idle] = await store.idle_drafts(later)
        assert idle.reminded
        async with store.batch() as tx:
            ld = await load_one(tx, key)
            assert ld.reminded and not await tx.claim_reminder(ld, later)
            tx.changed(ld, later, customer_spoke=True)
            await tx.write([], [], [ld], later)
        assert await store.idle_drafts(later) == []  # a new idle spell, from `later`
        [idle] = await store.idle_drafts(later + timedelta(minutes=1))
        assert idle.idle_since == later and not idle.reminded
        async with store.batch() as tx:
            assert await tx.claim_reminder(await load_one(tx, key), later)

    async def test_batches_run_on_the_store_s_own_backend(self, store: Store) -> None:
        expected = SqliteBatchTx if store.engine.dialect.name == "sqlite" else PostgresBatchTx
        async with store.batch() as tx:
            assert type(tx) is expected

    async def test_many_conversations_load_and_save_in_one_batch(self, store: Store) -> None:
        keys = [ConversationKey("web", f"bulk-{i}") for i in range(50)]
        async with store.batch() as tx:
            loaded = await tx.load(keys, {k: Inbound(key=k) for k in keys}, NOW)
            for ld in loaded.values():
                ld.conv.state = "listening"
                tx.changed(ld, NOW, customer_spoke=True)
            await tx.write([], [], list(loaded.values()), NOW)
        async with store.batch() as tx:
            again = await tx.load(keys)
        assert {ld.conv.state for ld in again.values()} == {"listening"} and len(again) == 50
