"""The Telegram adapter end to end: real PTB over real HTTP against FakeBotApi.

The turn pipeline and the inbox are in-memory stand-ins defined here; the real ones are
plugged in by the pipeline's own end-to-end tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Update

from bot.app import telegram_service
from bot.settings import load_settings
from dialogs.messages import Button, ConversationKey, Inbound, Reply
from handlers.channels.base import OutputChannel
from handlers.channels.telegram.output import MAX_CALLBACK_DATA, callback_data
from handlers.channels.telegram.ratelimit import SendLimiter
from handlers.channels.telegram.service import TelegramService
from handlers.channels.telegram.split import split_text, telegram_length
from handlers.channels.telegram.updates import to_inbound
from tests.fake_bot_api import FakeBotApi

ALICE = 42
BOB = 43
GROUP = -1001234
SECRET = "s3cret-Token_1"


class MemoryInbox:
    """UpdateInbox stand-in: keeps payloads; the turn stand-in marks them processed."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.processed: set[str] = set()
        self.store_calls: list[str] = []
        self.failures = 0
        self.gate: asyncio.Event | None = None

    async def store(self, channel: str, update_id: str, payload: dict[str, Any]) -> bool:
        assert channel == "telegram"
        self.store_calls.append(update_id)
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database is down")
        if update_id in self.stored:
            return False
        self.stored[update_id] = payload
        return True

    async def unprocessed(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        ids = sorted((i for i in self.stored if i not in self.processed), key=int)
        return [(i, self.stored[i]) for i in ids]


class EchoTurns:
    """TurnHandler stand-in: answers "got: <text>" with two buttons."""

    def __init__(self, inbox: MemoryInbox) -> None:
        self.inbox = inbox
        self.seen: list[Inbound] = []
        self.finished: list[Inbound] = []
        self.reply_for: Callable[[Inbound], Reply] = lambda i: Reply(
            f"got: {i.text}", buttons=(Button("Yes", "yes"), Button("No", "no"))
        )
        # Turns of these chats wait for the event before answering.
        self.hold: dict[str, asyncio.Event] = {}

    async def handle(self, inbound: Inbound, out: OutputChannel) -> None:
        self.seen.append(inbound)
        gate = self.hold.get(inbound.key.chat_id)
        if gate is not None:
            await gate.wait()
        await out.send(inbound.key, self.reply_for(inbound))
        if inbound.update_id is not None:
            self.inbox.processed.add(inbound.update_id)
        self.finished.append(inbound)

    def texts(self, chat: int) -> list[str]:
        return [i.text for i in self.seen if i.key.chat_id == str(chat)]


def fast_limiter() -> SendLimiter:
    return SendLimiter(per_chat_rate=100, per_chat_burst=10, global_rate=1000, global_burst=100)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def inbox() -> MemoryInbox:
    return MemoryInbox()


@pytest.fixture
def turns(inbox: MemoryInbox) -> EchoTurns:
    return EchoTurns(inbox)


def make_service(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, **kwargs: Any
) -> TelegramService:
    kwargs.setdefault("limiter", fast_limiter())
    service = TelegramService(
        api.token, turns, inbox, base_url=api.base_url, poll_timeout=1, stop_grace=5, **kwargs
    )
    service.poller.min_backoff = 0.05
    return service


@pytest.fixture
async def polling(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> AsyncIterator[TelegramService]:
    service = make_service(api, turns, inbox)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


# --------------------------------------------------------------------------- polling


async def test_text_gets_reply_with_inline_keyboard(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    api.push_text(ALICE, "my parcel is late", language_code="zh-hans")

    [message] = await api.wait_for_messages(ALICE, 1)

    assert message["text"] == "got: my parcel is late"
    keyboard = message["reply_markup"]["inline_keyboard"]
    assert [[b["text"], b["callback_data"]] for row in keyboard for b in row] == [
        ["Yes", "yes"],
        ["No", "no"],
    ]
    [inbound] = turns.seen
    assert inbound.key == ConversationKey("telegram", str(ALICE))
    assert inbound.update_id == "1"
    assert inbound.user_id == str(ALICE)
    assert inbound.display_name == "Test User"
    assert inbound.language_code == "zh-hans"
    assert inbound.identified is True
    assert inbound.message_id is not None


async def test_polling_start_removes_a_leftover_webhook(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    api.webhook = {"url": "https://old.example/hook"}
    service = make_service(api, turns, inbox)
    await service.start()
    try:
        api.push_text(ALICE, "hi")
        await api.wait_for_messages(ALICE, 1)
    finally:
        await service.stop()
    assert api.calls_to("deleteWebhook")
    assert api.calls[0][0] == "getMe"


async def test_button_press_carries_payload_and_label_and_is_answered(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    api.push_text(ALICE, "hello")
    await api.wait_for_messages(ALICE, 1)

    update = api.push_callback(ALICE, "no")
    await api.wait_for_messages(ALICE, 2)

    pressed = turns.seen[1]
    assert pressed.callback_data == "no"
    assert pressed.text == "No"
    assert pressed.update_id == str(update["update_id"])
    answered = await api.wait_for_call("answerCallbackQuery")
    assert answered["callback_query_id"] == update["callback_query"]["id"]


async def test_photo_sticker_and_document_become_attachments(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    photo = api.push_photo(ALICE, caption="the broken box")
    api.push_sticker(ALICE)
    api.push_document(ALICE, file_name="receipt.pdf", caption="receipt")
    api.push_voice(ALICE)

    await api.wait_for_messages(ALICE, 4)

    by_kind = {i.attachments[0].kind: i for i in turns.seen}
    assert set(by_kind) == {"photo", "sticker", "document", "voice"}
    largest = photo["message"]["photo"][-1]
    assert by_kind["photo"].attachments[0].file_id == largest["file_id"]
    assert by_kind["photo"].attachments[0].size == largest["file_size"]
    assert by_kind["photo"].text == "the broken box"
    assert by_kind["sticker"].text == ""
    doc = by_kind["document"].attachments[0]
    assert (doc.file_name, doc.mime_type, doc.size) == ("receipt.pdf", "application/pdf", 12345)
    assert by_kind["document"].text == "receipt"
    assert by_kind["voice"].attachments[0].mime_type == "audio/ogg"


async def test_long_reply_is_split_with_buttons_on_the_last_part(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 400 for n in range(8)]
    long_text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(long_text) > 3 * 4096
    turns.reply_for = lambda i: Reply(long_text, buttons=(Button("OK", "ok"),))
    api.push_text(ALICE, "tell me everything")

    await api.wait_until(lambda: api.pending_updates == [] and len(turns.finished) == 1)
    sent = api.sent_messages(ALICE)

    assert len(sent) >= 4
    assert all(telegram_length(m["text"]) <= 4096 for m in sent)
    assert " ".join(" ".join(m["text"] for m in sent).split()) == " ".join(long_text.split())
    # Cut at paragraph boundaries: every part starts a paragraph.
    assert all(m["text"].startswith("Paragraph") for m in sent)
    assert ["reply_markup" in m for m in sent] == [False] * (len(sent) - 1) + [True]


async def test_typing_is_shown_while_the_turn_works(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    turns.hold[str(ALICE)] = gate = asyncio.Event()
    api.push_text(ALICE, "hello")

    typing = await api.wait_for_call("sendChatAction")
    assert typing == {"chat_id": ALICE, "action": "typing"}
    assert api.sent_messages(ALICE) == []
    gate.set()
    await api.wait_for_messages(ALICE, 1)


async def test_redelivered_update_is_not_handled_twice(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, polling: TelegramService
) -> None:
    first = api.push_text(ALICE, "once", update_id=5)
    await api.wait_for_messages(ALICE, 1)

    api.push_update(first)  # Telegram sends update 5 again
    api.push_text(ALICE, "twice")
    await api.wait_for_messages(ALICE, 2)
    await api.wait_until(lambda: api.pending_updates == [])

    assert inbox.store_calls == ["5", "5", "6"]
    assert turns.texts(ALICE) == ["once", "twice"]


async def test_stored_but_unprocessed_updates_are_replayed_first_on_start(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    # A crash after storing update 3 and before its turn ran: Telegram still holds it, too.
    crashed = api.push_text(ALICE, "before the crash", update_id=3)
    inbox.stored["3"] = crashed
    api.push_text(ALICE, "after the restart")
    service = make_service(api, turns, inbox)

    await service.start()
    try:
        await api.wait_for_messages(ALICE, 2)
        await api.wait_until(lambda: api.pending_updates == [])
    finally:
        await service.stop()

    assert api.texts(ALICE) == ["got: before the crash", "got: after the restart"]
    assert turns.texts(ALICE) == ["before the crash", "after the restart"]


async def test_what_the_poller_stores_replays_to_the_same_turn(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    api.push_photo(ALICE, caption="dented")
    api.push_text(ALICE, "hello")
    api.push_callback(ALICE, "yes", message_id=999)
    first = make_service(api, turns, inbox)
    await first.start()
    try:
        await api.wait_for_messages(ALICE, 3)
    finally:
        await first.stop()
    live = list(turns.seen)

    # As if the turns had never run: a JSON column gives back what it was given.
    stored = {k: json.loads(json.dumps(v)) for k, v in inbox.stored.items()}
    replay_inbox = MemoryInbox()
    replay_inbox.stored = stored
    replay_turns = EchoTurns(replay_inbox)
    second = make_service(api, replay_turns, replay_inbox)
    await second.start()
    try:
        await api.wait_for_messages(ALICE, 6)
    finally:
        await second.stop()

    def same(i: Inbound) -> Inbound:
        return dataclasses.replace(i, received_at=live[0].received_at)

    assert [same(i) for i in replay_turns.seen] == [same(i) for i in live]
    assert [i.received_at for i in replay_turns.seen[:2]] == [i.received_at for i in live[:2]]


async def test_offset_moves_only_after_the_update_is_stored(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, polling: TelegramService
) -> None:
    inbox.gate = asyncio.Event()
    api.push_text(ALICE, "one")
    api.push_text(ALICE, "two")

    await api.wait_until(lambda: inbox.store_calls == ["1"])
    await asyncio.sleep(0.3)
    # Storing is stuck: no getUpdates has confirmed anything, Telegram still holds both.
    assert all(offset is None for offset in api.get_updates_offsets)
    assert [u["update_id"] for u in api.pending_updates] == [1, 2]
    assert turns.seen == []

    inbox.gate.set()
    await api.wait_for_messages(ALICE, 2)
    await api.wait_until(lambda: api.pending_updates == [])
    assert 3 in api.get_updates_offsets


async def test_failed_store_leaves_update_with_telegram_and_it_comes_again(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, polling: TelegramService
) -> None:
    inbox.failures = 1
    api.push_text(ALICE, "keep me")

    await api.wait_for_messages(ALICE, 1)

    assert inbox.store_calls == ["1", "1"]
    assert turns.texts(ALICE) == ["keep me"]
    # Between the failure and the successful store no offset past update 1 was sent.
    assert all(o is None or o <= 1 for o in api.get_updates_offsets[:-1])


async def test_poller_survives_telegram_errors(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    api.fail_next("getUpdates", status=502)
    api.fail_next("getUpdates", status=500)
    api.fail_next("getUpdates", status=429, retry_after=1)
    service = make_service(api, turns, inbox)
    await service.start()
    try:
        api.push_text(ALICE, "still there?")
        await api.wait_for_messages(ALICE, 1, timeout=8)
    finally:
        await service.stop()
    statuses = [c.status for c in api.call_log if c.method == "getUpdates"]
    assert statuses[:3] == [502, 500, 429]


async def test_turns_run_in_order_per_chat_and_concurrently_across_chats(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    turns.hold[str(ALICE)] = gate = asyncio.Event()
    for n in range(1, 5):
        api.push_text(ALICE, f"a{n}")
    api.push_text(BOB, "b1")

    # Alice's first turn is stuck, yet Bob is answered and Alice's later turns wait.
    await api.wait_for_messages(BOB, 1)
    assert turns.texts(ALICE) == ["a1"]
    gate.set()
    await api.wait_for_messages(ALICE, 4)
    assert turns.texts(ALICE) == ["a1", "a2", "a3", "a4"]
    assert api.texts(ALICE) == ["got: a1", "got: a2", "got: a3", "got: a4"]


async def test_group_messages_are_not_customer_turns(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, polling: TelegramService
) -> None:
    api.push_text(GROUP, "agents chatting", chat_type="supergroup")
    api.push_text(ALICE, "customer")

    await api.wait_for_messages(ALICE, 1)
    await api.wait_until(lambda: api.pending_updates == [])

    assert turns.texts(ALICE) == ["customer"]
    assert len(turns.seen) == 1
    assert api.sent_messages(GROUP) == []
    assert list(inbox.stored) == ["2"]


async def test_stop_lets_a_running_turn_finish(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    service = make_service(api, turns, inbox)
    await service.start()
    turns.hold[str(ALICE)] = gate = asyncio.Event()
    api.push_text(ALICE, "slow one")
    await api.wait_until(lambda: len(turns.seen) == 1)

    stopping = asyncio.create_task(service.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()
    gate.set()
    await asyncio.wait_for(stopping, 5)

    assert api.texts(ALICE) == ["got: slow one"]
    # The stored update was confirmed on the way out, so a restart does not see it again.
    assert api.pending_updates == []


async def test_429_for_one_chat_does_not_delay_another(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    api.fail_next("sendMessage", status=429, retry_after=2, chat_id=ALICE)
    api.push_text(ALICE, "first")
    api.push_text(BOB, "second")

    [to_bob] = await api.wait_for_messages(BOB, 1)
    refused = next(c for c in api.call_log if c.status == 429)
    assert refused.params["chat_id"] == ALICE
    assert api.sent_at(to_bob) - refused.at < 1.0
    assert api.sent_messages(ALICE) == []

    [to_alice] = await api.wait_for_messages(ALICE, 1, timeout=6)
    assert api.sent_at(to_alice) - refused.at >= 1.9
    assert to_alice["text"] == "got: first"


async def test_blocked_customer_does_not_break_the_channel(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    api.fail_next("sendMessage", status=403, chat_id=ALICE)
    api.push_text(ALICE, "bye")
    await api.wait_until(lambda: len(turns.finished) == 1)
    api.push_text(BOB, "hi")

    await api.wait_for_messages(BOB, 1)
    assert api.sent_messages(ALICE) == []


async def test_send_is_retried_after_a_server_error(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    polling.output.network_backoff = 0.05
    api.fail_next("sendMessage", status=502, chat_id=ALICE)
    api.push_text(ALICE, "again")

    [message] = await api.wait_for_messages(ALICE, 1)
    assert message["text"] == "got: again"
    assert [c.status for c in api.call_log if c.method == "sendMessage"] == [502, 200]



async def test_a_bad_request_is_not_sent_again(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    # PTB's BadRequest is a NetworkError; a 400 must not be retried as one.
    polling.output.network_backoff = 0.05
    api.fail_next("sendMessage", status=400, chat_id=ALICE)
    api.push_text(ALICE, "first")
    await api.wait_until(lambda: any(c.status == 400 for c in api.call_log))
    api.push_text(ALICE, "second")

    [message] = await api.wait_for_messages(ALICE, 1)
    assert message["text"] == "got: second"
    assert [c.status for c in api.call_log if c.method == "sendMessage"] == [400, 200]

async def test_service_from_settings_polls_through_the_configured_base_url(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, _env_file=None
    )
    service = telegram_service(settings, turns, inbox)
    assert service is not None and service.mode == "polling"
    service.poller.timeout = 1
    await service.start()
    try:
        api.push_text(ALICE, "via settings")
        await api.wait_for_messages(ALICE, 1)
    finally:
        await service.stop()


# --------------------------------------------------------------------------- webhook


@pytest.fixture
async def webhook(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> AsyncIterator[tuple[TelegramService, str]]:
    service = make_service(
        api, turns, inbox, webhook_url="https://bot.example.com/tg/hook", webhook_secret=SECRET
    )
    app = web.Application()
    app.add_routes(service.webhook_routes())
    app.cleanup_ctx.append(service.aiohttp_ctx)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield service, f"http://127.0.0.1:{port}/tg/hook"
    finally:
        await runner.cleanup()


def update_for(api: FakeBotApi, chat: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """An update as Telegram would POST it, built by the fake but not queued for getUpdates."""
    return api.push_text(chat, text, queue=False, **kwargs)


async def test_webhook_registers_and_processes_a_signed_update(
    api: FakeBotApi, turns: EchoTurns, webhook: tuple[TelegramService, str]
) -> None:
    service, url = webhook
    assert service.mode == "webhook"
    assert api.webhook == {
        "url": "https://bot.example.com/tg/hook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }

    status, _ = await api.post_webhook(url, update_for(api, ALICE, "via webhook"), SECRET)

    assert status == 200
    [message] = await api.wait_for_messages(ALICE, 1)
    assert message["text"] == "got: via webhook"
    assert api.calls_to("getUpdates") == []


async def test_webhook_refuses_wrong_or_missing_secret(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, webhook: tuple[TelegramService, str]
) -> None:
    _, url = webhook
    update = update_for(api, ALICE, "forged")

    assert (await api.post_webhook(url, update, "wrong-secret"))[0] == 403
    assert (await api.post_webhook(url, update, None))[0] == 403
    assert (await api.post_webhook(url, update, ""))[0] == 403
    assert inbox.store_calls == []
    assert turns.seen == []


async def test_webhook_rejects_malformed_bodies(
    api: FakeBotApi, inbox: MemoryInbox, webhook: tuple[TelegramService, str]
) -> None:
    _, url = webhook

    assert (await api.post_webhook(url, "{not json", SECRET))[0] == 400
    assert (await api.post_webhook(url, b"\xff\xfe", SECRET))[0] == 400
    assert (await api.post_webhook(url, "[1, 2]", SECRET))[0] == 400
    assert (await api.post_webhook(url, {"message": {}}, SECRET))[0] == 400
    # Nested past Python's stack (a traceback and a 500 before), and nested past any real
    # update but still parseable: both are refused, neither is stored.
    assert (await api.post_webhook(url, '{"update_id": 1, "x": ' + "[" * 100_000, SECRET)
            )[0] == 400
    deep: Any = "x"
    for _ in range(200):
        deep = [deep]
    assert (await api.post_webhook(url, {"update_id": 2, "message": deep}, SECRET))[0] == 400
    assert inbox.store_calls == []


async def test_webhook_answers_500_when_the_update_cannot_be_stored(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, webhook: tuple[TelegramService, str]
) -> None:
    _, url = webhook
    inbox.failures = 1
    update = update_for(api, ALICE, "store me")

    assert (await api.post_webhook(url, update, SECRET))[0] == 500
    # Telegram retries a non-2xx answer; the retry is stored and handled once.
    assert (await api.post_webhook(url, update, SECRET))[0] == 200
    assert (await api.post_webhook(url, update, SECRET))[0] == 200
    await api.wait_for_messages(ALICE, 1)
    await asyncio.sleep(0.1)
    assert turns.texts(ALICE) == ["store me"]


async def test_webhook_keeps_order_within_a_chat(
    api: FakeBotApi, turns: EchoTurns, webhook: tuple[TelegramService, str]
) -> None:
    _, url = webhook
    turns.hold[str(ALICE)] = gate = asyncio.Event()
    for n in range(1, 4):
        assert (await api.post_webhook(url, update_for(api, ALICE, f"w{n}"), SECRET))[0] == 200
    assert (await api.post_webhook(url, update_for(api, BOB, "bob"), SECRET))[0] == 200

    await api.wait_for_messages(BOB, 1)
    gate.set()
    await api.wait_for_messages(ALICE, 3)
    assert api.texts(ALICE) == ["got: w1", "got: w2", "got: w3"]


async def test_webhook_ignores_group_updates(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox, webhook: tuple[TelegramService, str]
) -> None:
    _, url = webhook
    group = update_for(api, GROUP, "agents only", chat_type="group")

    assert (await api.post_webhook(url, group, SECRET))[0] == 200
    await asyncio.sleep(0.1)
    assert turns.seen == []
    assert inbox.stored == {}


async def test_webhook_before_start_asks_telegram_to_retry(
    api: FakeBotApi, turns: EchoTurns, inbox: MemoryInbox
) -> None:
    service = make_service(
        api, turns, inbox, webhook_url="https://bot.example.com/hook", webhook_secret=SECRET
    )
    app = web.Application()
    app.add_routes(service.webhook_routes())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        status, _ = await api.post_webhook(url, update_for(api, ALICE, "early"), SECRET)
    finally:
        await runner.cleanup()
    assert status == 503
    assert inbox.store_calls == []


def test_webhook_mode_needs_a_valid_secret(turns: EchoTurns, inbox: MemoryInbox) -> None:
    for bad in (None, "", "has space", "x" * 257):
        with pytest.raises(ValueError):
            TelegramService("1:x", turns, inbox, webhook_url="https://h/p", webhook_secret=bad)


# --------------------------------------------------------------------------- pieces


def test_split_text_prefers_paragraphs_then_lines_then_spaces() -> None:
    assert split_text("short") == ["short"]
    assert split_text("aaaa\n\nbbbb", limit=8) == ["aaaa", "bbbb"]
    assert split_text("aaaa bbbb\ncccc", limit=12) == ["aaaa bbbb", "cccc"]
    assert split_text("aaaa bbbb cccc", limit=11) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_text_counts_emoji_as_two_units() -> None:
    parts = split_text("😀" * 3000)
    assert [telegram_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == "😀" * 3000


def test_callback_data_is_cut_to_64_bytes_on_a_character_boundary() -> None:
    assert callback_data("short") == "short"
    cut = callback_data("é" * 40)
    assert len(cut.encode()) <= MAX_CALLBACK_DATA
    assert cut == "é" * 32


async def test_oversized_button_payload_is_still_sent(
    api: FakeBotApi, turns: EchoTurns, polling: TelegramService
) -> None:
    turns.reply_for = lambda i: Reply("pick", buttons=(Button("Long", "p" * 100),))
    api.push_text(ALICE, "hi")
    [message] = await api.wait_for_messages(ALICE, 1)
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "p" * 64


def test_callback_in_a_group_is_not_a_customer_turn() -> None:
    fake = FakeBotApi()
    update = fake.push_callback(GROUP, "take", chat_type="supergroup")
    assert to_inbound(Update.de_json(update, None)) is None


async def test_limiter_paces_one_chat_but_not_others() -> None:
    limiter = SendLimiter(per_chat_rate=10, per_chat_burst=1, global_rate=1000, global_burst=100)
    start = time.monotonic()
    await limiter.message("a")
    await limiter.message("b")
    assert time.monotonic() - start < 0.05
    await limiter.message("a")
    assert time.monotonic() - start >= 0.09


def test_groups_are_paced_at_twenty_messages_a_minute() -> None:
    limiter = SendLimiter()
    group, private = limiter._bucket("-1001234"), limiter._bucket("42")
    assert (group.rate * 60, group.burst) == (20, 3)
    assert (private.rate, private.burst) == (1.0, 3)
