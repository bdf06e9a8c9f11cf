"""Live news across processes, piece by piece: the table on both backends, the cursor that
delivers each item once whichever way it came, the reader between two "processes" (two
readers with their own origins on one database), and in one real process no page hears a
change twice (tests/test_live_across.py runs two real processes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dialogs.events import Escalated
from handlers.live.changes import ticket_changes
from handlers.live.cursor import GAP_SECONDS, Cursor
from handlers.live.reader import LiveReader
from handlers.live.writer import LiveWriter
from storage.live_news import LiveItem, LiveNews, _payload, parse
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import Clock
from tests.console_support import ConsoleClient, add_agent, committed, console, deps, escalate
from tests.e2e_support import wait_for

T0 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


async def test_the_table_keeps_news_in_order_prunes_it_and_never_reuses_an_id(
        database_url: str) -> None:
    store = Store(database_url)
    try:
        await upgrade(store.engine)
        news = store.live_news
        assert await news.newest() == 0
        await news.add("a", [("C-1", "escalated"), ("C-2", "relayed")], T0)
        await news.add("b", [("C-1", "taken")], T0 + timedelta(minutes=5))
        items = await news.after(0)
        assert [(i.origin, i.number, i.kind) for i in items] == [
            ("a", "C-1", "escalated"), ("a", "C-2", "relayed"), ("b", "C-1", "taken")]
        assert [i.id for i in items] == sorted(i.id for i in items)
        assert await news.newest() == items[-1].id
        assert await news.after(items[-1].id) == []
        # A skipped id asked for again comes back beside the new ones.
        assert [i.id for i in await news.after(items[-1].id, [items[0].id])] == [items[0].id]
        assert await news.prune(T0 + timedelta(minutes=1)) == 2
        assert await news.prune(T0 + timedelta(hours=1)) == 1
        await news.add("a", [("C-3", "closed")], T0)
        [fresh] = await news.after(0)
        assert fresh.id > items[-1].id  # "above the last seen" stays true after a prune
    finally:
        await store.close()


def test_a_notice_carries_one_item_and_anything_else_is_refused() -> None:
    item = LiveItem(7, "abc", "C-20261124-0001", "callback_promised")
    assert parse(_payload(item)) == item
    assert len(_payload(item).encode()) < 8000  # PostgreSQL's limit for a notice
    for bad in ("", "7", "{}", json.dumps({"id": "x", "o": "a", "n": "b", "k": "c"}), "[1]"):
        assert parse(bad) is None


def test_the_cursor_takes_each_id_once_and_waits_a_while_for_skipped_ones() -> None:
    c = Cursor(10)
    assert c.take(11, 0.0) and not c.take(11, 0.0)
    assert not c.take(9, 0.0)  # from before the reader started
    assert c.take(14, 0.0) and c.gaps == [12, 13]
    assert c.take(13, 1.0) and not c.take(13, 1.0)  # committed late: once
    c.expire(GAP_SECONDS + 0.5)
    assert c.gaps == []  # 12 never committed (a rollback): forgotten
    assert not c.take(12, GAP_SECONDS + 1)


class FakeListener:
    """Stands in for PostgreSQL's LISTEN: the test hands the notices."""

    def __init__(self) -> None:
        self.heard: dict[str, Callable[[str], None]] = {}

    def listen(self, channel: str, heard: Callable[[str], None],
               connected: Callable[[], None] = lambda: None) -> None:
        self.heard[channel] = heard


async def test_a_reader_delivers_what_others_wrote_once_and_never_its_own(
        tmp_path: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    try:
        await upgrade(store.engine)
        await store.live_news.add("earlier", [("C-0", "escalated")], T0)
        got: list[tuple[str, str]] = []
        listener = FakeListener()
        reader = LiveReader(store.live_news, listener, "me", lambda n, k: got.append((n, k)),
                            lambda: T0, interval=3600)
        await reader.start()
        try:
            await store.live_news.add("me", [("C-1", "reply")], T0)
            await store.live_news.add("other", [("C-2", "relayed"), ("C-3", "taken")], T0)
            # The first of the other's items comes by notice, then the table is read.
            [_, _, first, _] = await store.live_news.after(0)
            listener.heard["heard_live"](_payload(first))
            assert got == [("C-2", "relayed")]
            assert await reader.look() == 1
            assert got == [("C-2", "relayed"), ("C-3", "taken")]
            assert await reader.look() == 0  # nothing twice, nothing of its own, nothing old
            listener.heard["heard_live"](_payload(first))
            listener.heard["heard_live"]("not news")
            assert len(got) == 2
        finally:
            await reader.stop()
    finally:
        await store.close()


async def test_a_writer_batches_what_arrives_while_it_writes(tmp_path: Path,
                                                            clock: Clock) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        await upgrade(store.engine)
        writer = LiveWriter(store.live_news, clock)
        async with writer:
            await writer.on_events([Escalated("C-9")])
            await writer.on_events([Escalated("C-9")])
        # Stopping writes what was still waiting.
        items = await store.live_news.after(0)
        assert [(i.origin, i.number, i.kind) for i in items] == [
            (writer.origin, "C-9", "escalated")] * 2
    finally:
        await store.close()


async def test_one_process_tells_its_pages_each_change_once(tmp_path: Path,
                                                            clock: Clock) -> None:
    async with console(tmp_path, clock) as running:
        await add_agent(running, "alice")
        browser = ConsoleClient(running)
        try:
            await browser.login("alice")
            ws = await browser.http.ws_connect(running.url("/console/ws"),
                                               origin=running.base_url)
            await wait_for(lambda: len(deps(running).hub) == 1, what="the socket")
            events = committed(running)
            customer, number = await escalate(running)
            await customer.says("It was a birthday present, too.")
            await wait_for(lambda: len(events) >= 2, what="the relayed message")
            # The news went into the table for other processes...
            news = running.core.store.live_news
            await wait_for(lambda: _count(news, number, 2), what="the news written")
            # ...and, read back by this process's own reader, was not told again.
            await asyncio.sleep(1.5)
            frames: list[dict[str, str]] = []
            while True:
                try:
                    msg = await ws.receive(timeout=0.2)
                except TimeoutError:
                    break
                frames.append(json.loads(msg.data))
            assert [(f["ticket"], f["kind"]) for f in frames] == ticket_changes(events)
            await ws.close()
        finally:
            await browser.close()


async def _count(news: LiveNews, number: str, at_least: int) -> bool:
    return sum(i.number == number for i in await news.after(0)) >= at_least
