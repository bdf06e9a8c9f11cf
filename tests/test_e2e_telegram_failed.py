"""A Telegram update whose turn keeps failing, end to end: python-telegram-bot over real HTTP
against FakeBotApi and the composed app. The customer hears one apology; the update is
retried with backoff, quarantined, not replayed by a restart, listed, and — once the cause is
fixed — retried by a supervisor and answered. Nothing is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from dialogs.engine import DialogEngine
from dialogs.messages import ConversationKey, Inbound
from handlers.turns.failed_retry import FAILED_RETRY
from storage.failed_turns import FailedState
from tests.conftest import Clock, make_settings
from tests.e2e_support import start_app, telegram_settings, wait_for
from tests.fake_bot_api import FakeBotApi

CHAT = 5151


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_a_failing_telegram_update_is_quarantined_then_retried_and_answered(
        api: FakeBotApi, sqlite_url: str, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_turn = DialogEngine.turn

    async def broken(self: DialogEngine, conv: Any, inbound: Inbound, desk: Any,
                     now: Any) -> Any:
        if "charger" in inbound.text:
            raise RuntimeError("the charger bug")
        return await real_turn(self, conv, inbound, desk, now)

    monkeypatch.setattr(DialogEngine, "turn", broken)
    settings = make_settings(sqlite_url, **telegram_settings(api))
    app = await start_app(settings, clock=clock)
    try:
        update = api.push_text(CHAT, "My charger stopped working after two days")
        [apology] = await api.wait_for_messages(CHAT, 1)
        assert "no need to send it again" in apology["text"]
        failed = app.core.store.failed
        await wait_for(lambda: _listed(failed), what="the failure to be kept")
        retrier = app.app[FAILED_RETRY]
        for seconds in (10, 40):
            clock.advance(seconds=seconds)
            assert await retrier.tick() == 1
        [kept] = await failed.listing()
        assert (kept.ref, kept.state, kept.attempts) == (
            f"telegram:{update['update_id']}", FailedState.QUARANTINED, 3)
    finally:
        await app.stop()
    assert len(api.sent_messages(CHAT)) == 1  # one apology, however often it was tried

    # A restart does not replay it (before, every start replayed it and apologised again).
    app = await start_app(settings, clock=clock)
    try:
        clock.advance(hours=1)
        assert await app.app[FAILED_RETRY].tick() == 0
        assert len(api.sent_messages(CHAT)) == 1
        assert await app.core.store.unprocessed("telegram") == []

        # Fixed, and retried by a supervisor: answered on Telegram, as the first try would.
        monkeypatch.setattr(DialogEngine, "turn", real_turn)
        assert await app.core.store.failed.retry("telegram", str(update["update_id"]),
                                                 clock())
        assert await app.app[FAILED_RETRY].tick() == 1
        messages = await api.wait_for_messages(CHAT, 2)
        assert "anything else" in messages[-1]["text"].lower()
        assert await app.core.store.failed.listing() == []
        transcript = await app.core.store.transcript(ConversationKey("telegram", str(CHAT)))
        assert [r["text"] for r in transcript if r["direction"] == "in"] == [
            "My charger stopped working after two days"]
    finally:
        await app.stop()


async def _listed(failed: Any) -> bool:
    return bool(await failed.listing())
