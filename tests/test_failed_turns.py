"""One customer's bad turn never hurts another: a failed batch is committed turn by turn, and
a turn that keeps failing is kept, retried with backoff, quarantined, and never lost — on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core import Core, open_core
from dialogs.engine import DialogEngine
from dialogs.messages import Inbound
from handlers.channels.base import CollectingOutputChannel
from handlers.turns.failed_retry import FailedTurnRetrier
from storage.failed_turns import FailedState
from tests.conftest import Clock, Customer, make_settings


@pytest.fixture
async def any_core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url), clock=clock) as c:
        yield c


def unstorable(inbound: Inbound, text: str) -> Inbound:
    """An inbound carrying text the database refuses, as if an edge had forgotten to clean
    it (the envelope cleans on construction, so it is put back afterwards)."""
    object.__setattr__(inbound, "text", text)
    return inbound


# SQLite refuses a lone surrogate (not encodable as UTF-8); PostgreSQL refuses NUL too.
POISON = {"sqlite": "my parcel \ud800 never came", "postgresql": "my parcel \x00 never came"}


async def test_a_failed_batch_is_committed_turn_by_turn(
        any_core: Core, database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    honest = [Customer(any_core, f"honest-{i}") for i in range(8)]
    bad = Customer(any_core, "poison")
    poison = unstorable(bad.inbound("placeholder"),
                        POISON["sqlite" if database_url.startswith("sqlite") else "postgresql"])
    caplog.set_level(logging.WARNING, logger="handlers.turns.pipeline")
    # All nine reach the writer in one event-loop pass, so they share one batch.
    await asyncio.gather(bad.send(poison),
                         *(c.says("My parcel never arrived, order JD20261118001")
                           for c in honest))
    assert any("batch of 9 turns failed" in r.getMessage() for r in caplog.records)
    for c in honest:
        assert "anything else" in c.text.lower(), c.text
        assert await c.state() == "listening"
    # The bad one alone failed: kept for a retry, and its customer was told so once.
    assert [r.template for r in bad.last] == ["error.kept"]
    [kept] = await any_core.store.failed.listing()
    assert kept.update_id == poison.update_id and kept.attempts == 1


async def test_a_turn_that_keeps_failing_is_retried_then_quarantined_and_never_lost(
        any_core: Core, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    c = Customer(any_core, "unlucky")
    await c.says("My parcel never arrived")
    real_turn = DialogEngine.turn

    async def broken(self: DialogEngine, conv: Any, inbound: Inbound, desk: Any,
                     now: Any) -> Any:
        if "broken" in inbound.text:
            raise RuntimeError("a bug this message trips")
        return await real_turn(self, conv, inbound, desk, now)

    monkeypatch.setattr(DialogEngine, "turn", broken)
    out = CollectingOutputChannel("telegram")
    any_core.pipeline.outbox.register("telegram", out)
    retrier = FailedTurnRetrier(any_core.store.failed, any_core.pipeline, clock)
    msg = c.inbound("this one is broken somehow")
    await c.send(msg)
    assert [r.template for r in c.last] == ["error.kept"]
    [first] = await any_core.store.failed.listing()
    assert (first.attempts, first.state) == (1, FailedState.RETRYING)
    assert "RuntimeError: a bug this message trips" in first.last_error

    # Not due yet: nothing runs. Then the backoff: 10 s, then 40 s more.
    assert await retrier.tick() == 0
    clock.advance(seconds=10)
    assert await retrier.tick() == 1
    [second] = await any_core.store.failed.listing()
    assert (second.attempts, second.state) == (2, FailedState.RETRYING)
    clock.advance(seconds=39)
    assert await retrier.tick() == 0
    clock.advance(seconds=1)
    assert await retrier.tick() == 1
    [third] = await any_core.store.failed.listing()
    assert (third.attempts, third.state) == (3, FailedState.QUARANTINED)
    # One apology in all, however often it was tried.
    assert out.sent == []
    # Quarantined: not retried by time passing, and not replayed at the next start.
    clock.advance(hours=1)
    assert await retrier.tick() == 0
    assert await any_core.store.unprocessed("telegram") == []
    # Meanwhile the customer goes on; their other turns are unaffected.
    await c.says("That's all")
    assert await c.state() == "categorizing"

    # The bug is fixed and a supervisor asks for a retry: it runs, and nothing was lost.
    monkeypatch.setattr(DialogEngine, "turn", real_turn)
    assert await any_core.store.failed.retry("telegram", msg.update_id or "", clock())
    assert await retrier.tick() == 1
    assert await any_core.store.failed.listing() == []
    transcript = await any_core.store.transcript(c.key)
    assert "this one is broken somehow" in [m["text"] for m in transcript
                                            if m["direction"] == "in"]
    assert out.sent and out.sent[0][0] == c.key


async def test_a_dropped_turn_is_kept_but_never_run(any_core: Core, clock: Clock,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    c = Customer(any_core, "dropped")

    async def always_broken(*args: Any) -> Any:
        raise RuntimeError("broken")

    monkeypatch.setattr(DialogEngine, "turn", always_broken)
    msg = c.inbound("hello")
    await c.send(msg)
    assert await any_core.store.failed.drop("telegram", msg.update_id or "", clock())
    assert await any_core.store.failed.listing() == []
    retrier = FailedTurnRetrier(any_core.store.failed, any_core.pipeline, clock)
    clock.advance(hours=1)
    assert await retrier.tick() == 0
    # Dropping twice, or something unknown, says no.
    assert not await any_core.store.failed.drop("telegram", msg.update_id or "", clock())
    assert not await any_core.store.failed.retry("telegram", "nope", clock())


@pytest.mark.postgres
async def test_two_processes_retry_a_failed_turn_once(
        postgres_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(postgres_url)
    runs: list[str] = []
    real_turn = DialogEngine.turn

    async def counted(self: DialogEngine, conv: Any, inbound: Inbound, desk: Any,
                      now: Any) -> Any:
        runs.append(inbound.text)
        if len(runs) == 1:
            raise RuntimeError("first try fails")
        return await real_turn(self, conv, inbound, desk, now)

    monkeypatch.setattr(DialogEngine, "turn", counted)
    async with open_core(settings, clock=clock) as a, open_core(settings, clock=clock) as b:
        c = Customer(a, "shared")
        await c.says("My parcel never arrived")
        assert runs == ["My parcel never arrived"]
        clock.advance(seconds=10)
        outs = [CollectingOutputChannel("telegram") for _ in range(2)]
        for core, out in zip((a, b), outs, strict=True):
            core.pipeline.outbox.register("telegram", out)
        retriers = [FailedTurnRetrier(core.store.failed, core.pipeline, clock)
                    for core in (a, b)]
        ran = await asyncio.gather(*(r.tick() for r in retriers))
        assert sorted(ran) == [0, 1]
        assert runs == ["My parcel never arrived"] * 2
        # Only the process that ran it answered the customer.
        assert sorted(bool(o.sent) for o in outs) == [False, True]
        assert await a.store.failed.listing() == []
