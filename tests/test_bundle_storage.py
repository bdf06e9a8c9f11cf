"""The bundle's versions, draft and audit log: one contract, run on SQLite and PostgreSQL
(the `database_url` fixture), including two stores racing for the same numbers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from storage.audit import AuditAction
from storage.bundles import NoSuchVersion, StaleDraft
from storage.migrate import upgrade
from storage.store import Store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def body(marker: str) -> dict[str, object]:
    # The store keeps any plain data; what a bundle's data is, is tested in test_bundle.py.
    return {"format": 1, "templates": {"greet": {"en": marker}}, "teams": ["a", "b"]}


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = Store(database_url)
    await upgrade(s.engine)
    yield s
    await s.close()


class TestBundleStoreContract:
    async def test_no_version_before_the_first(self, store: Store) -> None:
        assert await store.bundles.latest_number() is None
        assert await store.bundles.latest() is None
        with pytest.raises(NoSuchVersion):
            await store.bundles.draft()

    async def test_version_one_is_made_once(self, store: Store) -> None:
        assert await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        assert not await store.bundles.first_version(body("other"), note="defaults", now=NOW)
        v1 = await store.bundles.version(1)
        assert v1 is not None and v1.body == body("one")
        assert (v1.info.number, v1.info.author, v1.info.note) == (1, "defaults", "defaults")
        assert v1.info.published_at == NOW

    async def test_two_stores_making_version_one_at_once_agree(self, store: Store,
                                                               database_url: str) -> None:
        other = Store(database_url)
        try:
            made = await asyncio.gather(
                store.bundles.first_version(body("a"), note="a", now=NOW),
                other.bundles.first_version(body("b"), note="b", now=NOW))
        finally:
            await other.close()
        assert sorted(made) == [False, True]
        assert [v.number for v in await store.bundles.versions()] == [1]
        entries = await store.bundles.audit.entries()
        assert [(e.action, e.subject) for e in entries] == [(AuditAction.PUBLISHED, "bundle v1")]

    async def test_publish_numbers_versions_and_lists_them_newest_first(
            self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        n2 = await store.bundles.publish(body("two"), note="warmer greeting", actor="alice",
                                         now=NOW + timedelta(minutes=1))
        n3 = await store.bundles.publish(body("three"), note="shorter", actor="bob",
                                         now=NOW + timedelta(minutes=2))
        assert (n2, n3) == (2, 3)
        assert await store.bundles.latest_number() == 3
        listed = await store.bundles.versions()
        assert [(v.number, v.author, v.note) for v in listed] == [
            (3, "bob", "shorter"), (2, "alice", "warmer greeting"), (1, "defaults", "defaults")]
        v2 = await store.bundles.version(2)
        assert v2 is not None and v2.body == body("two")
        assert await store.bundles.version(9) is None

    async def test_concurrent_publishes_take_distinct_numbers(self, store: Store,
                                                              database_url: str) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        other = Store(database_url)
        try:
            numbers = await asyncio.gather(*(
                s.bundles.publish(body(f"p{i}"), note=f"p{i}", actor="x", now=NOW)
                for i, s in enumerate([store, other, store, other])))
        finally:
            await other.close()
        assert sorted(numbers) == [2, 3, 4, 5]
        for n in numbers:
            v = await store.bundles.version(n)
            assert v is not None and v.info.note == v.body["templates"]["greet"]["en"]

    async def test_rollback_is_a_new_version_with_the_old_content(self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        await store.bundles.publish(body("two"), note="n", actor="alice", now=NOW)
        n = await store.bundles.rollback(1, actor="bob", note="", now=NOW)
        assert n == 3
        v3 = await store.bundles.version(3)
        assert v3 is not None and v3.body == body("one")
        assert (v3.info.rolled_back_from, v3.info.note) == (1, "rollback to version 1")
        with pytest.raises(NoSuchVersion):
            await store.bundles.rollback(8, actor="bob", note="", now=NOW)
        entry = (await store.bundles.audit.entries())[0]
        assert (entry.actor, entry.action, entry.subject, entry.detail) == (
            "bob", AuditAction.ROLLED_BACK, "bundle v3",
            {"note": "rollback to version 1", "content_of": 1})

    async def test_the_draft_is_the_newest_version_until_saved(self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        draft = await store.bundles.draft()
        assert (draft.body, draft.based_on, draft.edited_by) == (body("one"), 1, None)
        await store.bundles.save_draft(body("draft"), based_on=1, actor="alice", now=NOW)
        await store.bundles.save_draft(body("draft 2"), based_on=1, actor="carol", now=NOW)
        draft = await store.bundles.draft()
        assert (draft.body, draft.based_on, draft.edited_by, draft.edited_at) == (
            body("draft 2"), 1, "carol", NOW)
        # Publishing makes the draft the version; the next draft starts from it.
        assert await store.bundles.publish(draft.body, note="n", actor="carol", now=NOW,
                                           based_on=draft.based_on) == 2
        draft = await store.bundles.draft()
        assert (draft.body, draft.based_on, draft.edited_by) == (body("draft 2"), 2, None)

    async def test_a_stale_draft_is_not_published_over_a_newer_version(
            self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        await store.bundles.save_draft(body("mine"), based_on=1, actor="alice", now=NOW)
        await store.bundles.publish(body("theirs"), note="import", actor="bob", now=NOW)
        with pytest.raises(StaleDraft) as e:
            await store.bundles.publish(body("mine"), note="n", actor="alice", now=NOW,
                                        based_on=1)
        assert (e.value.based_on, e.value.latest) == (1, 2)
        assert await store.bundles.latest_number() == 2

    async def test_discarding_the_draft(self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        assert not await store.bundles.discard_draft(actor="alice", now=NOW)
        await store.bundles.save_draft(body("x"), based_on=1, actor="alice", now=NOW)
        assert await store.bundles.discard_draft(actor="alice", now=NOW)
        assert (await store.bundles.draft()).body == body("one")

    async def test_the_audit_log_lists_every_change_newest_first(self, store: Store) -> None:
        await store.bundles.first_version(body("one"), note="defaults", now=NOW)
        await store.bundles.save_draft(body("x"), based_on=1, actor="alice",
                                       now=NOW + timedelta(seconds=1))
        await store.bundles.publish(body("x"), note="why", actor="alice",
                                    now=NOW + timedelta(seconds=2), based_on=1)
        await store.bundles.rollback(1, actor="bob", note="oops",
                                     now=NOW + timedelta(seconds=3))
        entries = await store.bundles.audit.entries()
        assert [(e.actor, e.action, e.subject) for e in entries] == [
            ("bob", AuditAction.ROLLED_BACK, "bundle v3"),
            ("alice", AuditAction.PUBLISHED, "bundle v2"),
            ("alice", AuditAction.DRAFT_SAVED, "bundle draft"),
            ("defaults", AuditAction.PUBLISHED, "bundle v1")]
        assert entries[1].detail == {"note": "why"}
        older = await store.bundles.audit.entries(limit=2, before_id=entries[1].id)
        assert [e.subject for e in older] == ["bundle draft", "bundle v1"]
