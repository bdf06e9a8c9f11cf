"""Telegram end to end: the real composed application (create_app: core, SQLite file, pipeline,
TelegramService, scheduler) served on a real port, python-telegram-bot talking real HTTP to
FakeBotApi. Nothing in python-telegram-bot or the product is patched."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from bot.settings import Settings
from dialogs.messages import ConversationKey
from storage.migrate import upgrade
from storage.schema import attachments, inbound_updates, tickets
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, start_app, telegram_settings, wait_for
from tests.fake_bot_api import JSON, FakeBotApi

TICKET = re.compile(r"C-20261124-\d{4}")
STORY = "My parcel never arrived. The courier says it was delivered but it wasn't."
HOOK = "https://example.invalid/tg/hook"
SECRET = "s3cret"

StartApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def settings(api: FakeBotApi, sqlite_url: str) -> Settings:
    return make_settings(sqlite_url, **telegram_settings(api))


@pytest.fixture
async def launch(clock: Clock) -> AsyncIterator[StartApp]:
    """Starts real apps; every one still running at the end is stopped."""
    started: list[RunningApp] = []

    async def factory(settings: Settings, **kw: Any) -> RunningApp:
        running = await start_app(settings, clock=clock, **kw)
        started.append(running)
        return running

    yield factory
    for running in reversed(started):
        await running.stop()


def keyboard(message: JSON) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


class TelegramCustomer:
    """A customer in a private chat: pushes updates into FakeBotApi and waits until the real
    app has handled each one (its turn committed and every committed reply delivered)."""

    def __init__(self, api: FakeBotApi, app: RunningApp, chat_id: int) -> None:
        self.api = api
        self.app = app
        self.chat_id = chat_id
        self.last: list[JSON] = []
        self.pushed: list[JSON] = []

    @property
    def key(self) -> ConversationKey:
        return ConversationKey("telegram", str(self.chat_id))

    async def transcript(self) -> list[dict[str, Any]]:
        return await self.app.core.store.transcript(self.key)

    async def settle(self, update_id: int, before: int) -> list[JSON]:
        """Wait until update `update_id` was turned into a transcript row and every reply the
        transcript records has reached FakeBotApi; returns the new messages."""
        rows: list[dict[str, Any]] = []

        async def handled() -> bool:
            nonlocal rows
            rows = await self.transcript()
            return any(r["direction"] == "in" and r["update_id"] == str(update_id) for r in rows)

        await wait_for(handled, what=f"update {update_id} to be handled")
        outbound = sum(1 for r in rows if r["direction"] == "out")
        await self.api.wait_for_messages(self.chat_id, outbound)
        self.last = self.api.sent_messages(self.chat_id)[before:]
        return self.last

    async def push(self, update: JSON) -> list[JSON]:
        self.pushed.append(update)
        before = len(self.api.sent_messages(self.chat_id))
        return await self.settle(int(update["update_id"]), before)

    async def says(self, text: str) -> list[JSON]:
        return await self.push(self.api.push_text(self.chat_id, text))

    def button(self, label: str) -> tuple[JSON, str]:
        """The latest message with a button `label`, and that button's callback data."""
        for message in reversed(self.api.sent_messages(self.chat_id)):
            for text, data in keyboard(message):
                if text == label:
                    return message, data
        raise AssertionError(f"no button {label!r}; bot said {self.api.texts(self.chat_id)}")

    async def presses(self, label: str) -> list[JSON]:
        """Press `label` on the last keyboard the bot sent (as Telegram would send it)."""
        last_keyboard = [m for m in self.api.sent_messages(self.chat_id) if "reply_markup" in m]
        assert last_keyboard, "the bot sent no keyboard"
        data = dict(keyboard(last_keyboard[-1])).get(label)
        assert data is not None, f"no {label!r} on {keyboard(last_keyboard[-1])}"
        return await self.push(self.api.push_callback(self.chat_id, data))

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)


async def file_complaint(c: TelegramCustomer) -> str:
    await c.says(STORY)
    assert "anything else" in c.text.lower()
    await c.presses("That's all")
    assert "Delivery" in [label for label, _ in keyboard(c.last[-1])]
    await c.presses("Delivery")
    assert "order number" in c.text.lower()
    await c.says("JD20261118001")
    assert "when did this happen" in c.text.lower()
    await c.says("last Tuesday")
    assert "what would you like us to do" in c.text.lower()
    await c.presses("Refund")
    assert "phone number" in c.text.lower()
    await c.presses("Reply here")
    assert "let me check i have this right" in c.text.lower()
    assert "JD20261118001" in c.text
    await c.presses("Confirm")
    m = TICKET.search(c.text)
    assert m, c.text
    return m.group(0)


async def scalar(app: RunningApp, query: Any) -> Any:
    async with app.core.store.read_engine.connect() as conn:
        return (await conn.execute(query)).scalar()


async def rows(app: RunningApp, query: Any) -> list[Any]:
    async with app.core.store.read_engine.connect() as conn:
        return list((await conn.execute(query)).all())


# --------------------------------------------------------------------------- polling


async def test_polling_complaint_by_typing_and_buttons_is_filed_and_transcribed(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    app = await launch(settings)
    assert app.telegram.mode == "polling"
    await api.wait_for_call("getUpdates")
    assert api.calls_to("deleteWebhook"), "polling start clears any webhook left behind"

    c = TelegramCustomer(api, app, 4201)
    number = await file_complaint(c)
    assert number == "C-20261124-0001"
    assert "by Wed 25 Nov, 09:30" in c.text

    # Button presses were answered (the spinner stops) and the keyboard was a real one.
    presses = [u for u in c.pushed if "callback_query" in u]
    answered = {p["callback_query_id"] for p in api.calls_to("answerCallbackQuery")}
    assert {u["callback_query"]["id"] for u in presses} <= answered

    transcript = await c.transcript()
    inbound = [r for r in transcript if r["direction"] == "in"]
    outbound = [r for r in transcript if r["direction"] == "out"]
    # Every update we pushed is one inbound row, in order, with its update id.
    assert [r["update_id"] for r in inbound] == [str(u["update_id"]) for u in c.pushed]
    assert inbound[0]["text"] == STORY
    pressed = [r for r in inbound if r["callback_data"]]
    assert [r["text"] for r in pressed] == [
        "That's all", "Delivery", "Refund", "Reply here", "Confirm"]
    assert all(r["template"] is None for r in inbound)
    # Every message the bot sent is an outbound row, same text, same order, with a template.
    assert [r["text"] for r in outbound] == api.texts(c.chat_id)
    assert all(r["template"] for r in outbound), [r["template"] for r in outbound]
    templates = [r["template"] for r in outbound]
    for name in ("ask.category", "ask.order_no", "ask.when", "ask.outcome", "ask.contact",
                 "summary", "filed"):
        assert name in templates, templates
    assert templates[-1] == "filed"
    # The keyboards in the transcript are the ones Telegram got.
    sent_keyboards = [keyboard(m) for m in api.sent_messages(c.chat_id)]
    stored_keyboards = [[(b["label"], b["payload"]) for b in r["buttons"] or []]
                        for r in outbound]
    assert stored_keyboards == sent_keyboards

    ticket = (await rows(app, sa.select(tickets).where(tickets.c.number == number)))[0]
    assert ticket.category == "delivery" and ticket.outcome == "refund"
    assert ticket.status in ("open", "new"), ticket.status
    conv = await app.core.store.conversation(c.key)
    assert conv is not None and conv.state == "filed"


async def assert_handled_once(c: TelegramCustomer, first: JSON, replies_after_first: int,
                              rows_after_first: int) -> None:
    """A follow-up in the same chat is handled strictly after the duplicate would have been;
    once it is answered, the duplicate must have left no trace."""
    follow_up = await c.says("Also the box was wet")
    assert follow_up and "added" in "\n".join(m["text"] for m in follow_up).lower()
    transcript = await c.transcript()
    inbound_ids = [r["update_id"] for r in transcript if r["direction"] == "in"]
    assert inbound_ids == [str(first["update_id"]), str(c.pushed[-1]["update_id"])]
    assert len(transcript) == rows_after_first + 1 + len(follow_up)
    assert len(c.api.sent_messages(c.chat_id)) == replies_after_first + len(follow_up)


async def test_redelivered_update_after_restart_gets_no_second_reply_and_no_second_row(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    """Polling: Telegram delivers an update again when its confirmation (the next offset)
    never reached it, i.e. to the next process after a restart."""
    app = await launch(settings)
    c = TelegramCustomer(api, app, 4202)
    first = api.push_text(c.chat_id, STORY)
    await c.push(first)
    replies_after_first = len(api.sent_messages(c.chat_id))
    rows_after_first = len(await c.transcript())
    await app.stop()

    api.push_update(first)  # the same update_id, as Telegram redelivers it
    polls_before = len(api.get_updates_offsets)
    c.app = await launch(settings)
    # The new poller starts without an offset, so it is handed the duplicate…
    await api.wait_until(lambda: len(api.get_updates_offsets) > polls_before)
    assert api.get_updates_offsets[polls_before] is None
    # …and confirms it (a later offset) without running it again.
    await api.wait_until(lambda: not api.pending_updates)
    await assert_handled_once(c, first, replies_after_first, rows_after_first)


async def test_webhook_retry_of_the_same_update_gets_no_second_reply(
    api: FakeBotApi, sqlite_url: str, launch: StartApp
) -> None:
    settings = make_settings(sqlite_url, **telegram_settings(api), TELEGRAM_WEBHOOK_URL=HOOK,
                             TELEGRAM_WEBHOOK_SECRET=SECRET)
    app = await launch(settings)
    await api.wait_for_call("setWebhook")
    hook = app.url("/tg/hook")
    c = TelegramCustomer(api, app, 4212)
    first = api.push_text(c.chat_id, STORY, queue=False)
    assert (await api.post_webhook(hook, first, secret=SECRET))[0] == 200
    await c.settle(int(first["update_id"]), 0)
    c.pushed.append(first)
    replies_after_first = len(api.sent_messages(c.chat_id))
    rows_after_first = len(await c.transcript())
    # Telegram retries a webhook call it thinks failed: the retry is acknowledged, not rerun.
    assert (await api.post_webhook(hook, first, secret=SECRET))[0] == 200

    # The follow-up goes through the webhook too (nothing polls in webhook mode).
    follow = api.push_text(c.chat_id, "Also the box was wet", queue=False)
    before = len(api.sent_messages(c.chat_id))
    assert (await api.post_webhook(hook, follow, secret=SECRET))[0] == 200
    c.pushed.append(follow)
    follow_up = await c.settle(int(follow["update_id"]), before)
    transcript = await c.transcript()
    assert [r["update_id"] for r in transcript if r["direction"] == "in"] == [
        str(first["update_id"]), str(follow["update_id"])]
    assert len(transcript) == rows_after_first + 1 + len(follow_up)
    assert len(api.sent_messages(c.chat_id)) == replies_after_first + len(follow_up)


async def test_restart_mid_complaint_continues_where_the_customer_left_off(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    first = await launch(settings)
    c = TelegramCustomer(api, first, 4203)
    await c.says(STORY)
    await c.presses("That's all")
    await c.presses("Delivery")
    assert "order number" in c.text.lower()
    await first.stop()

    second = await launch(settings)
    c.app = second
    conv = await second.core.store.conversation(c.key)
    assert conv is not None and conv.state == "collecting"
    assert conv.slots.get("category") == "delivery"

    await c.says("JD20261118001")
    # Not asked again for the category or the story: the next question is "when".
    assert "when did this happen" in c.text.lower(), c.text
    assert "order number" not in c.text.lower()
    await c.says("yesterday")
    await c.presses("Refund")
    await c.presses("Reply here")
    assert STORY in c.text and "Delivery" in c.text and "JD20261118001" in c.text
    await c.presses("Confirm")
    assert TICKET.search(c.text), c.text
    # The category question was asked exactly once across both runs.
    templates = [r["template"] for r in await c.transcript() if r["direction"] == "out"]
    assert templates.count("ask.category") == 1
    assert templates.count("ask.order_no") == 1


async def test_update_stored_before_a_crash_is_processed_at_start(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    chat = 4204
    stranded = api.push_text(chat, STORY, queue=False)

    async def crash_gap(app: Any) -> None:
        from bot.app import CORE

        store = app[CORE].store
        await upgrade(store.engine)
        assert await store.store("telegram", str(stranded["update_id"]), stranded)

    app = await launch(settings, before_start=crash_gap)
    c = TelegramCustomer(api, app, chat)
    replies = await c.settle(int(stranded["update_id"]), 0)
    assert "anything else" in "\n".join(m["text"] for m in replies).lower()
    processed = await scalar(app, sa.select(inbound_updates.c.processed_at).where(
        inbound_updates.c.update_id == str(stranded["update_id"])))
    assert processed is not None
    transcript = await c.transcript()
    assert [r["text"] for r in transcript if r["direction"] == "in"] == [STORY]
    # Telegram never had it: it came from our own inbox.
    assert all("message" not in u or u["message"]["chat"]["id"] != chat
               for u in api.pending_updates)


# --------------------------------------------------------------------------- webhook


async def test_webhook_mode_checks_the_secret_and_replies_via_send_message(
    api: FakeBotApi, sqlite_url: str, launch: StartApp
) -> None:
    settings = make_settings(sqlite_url, **telegram_settings(api), TELEGRAM_WEBHOOK_URL=HOOK,
                             TELEGRAM_WEBHOOK_SECRET=SECRET)
    app = await launch(settings)
    assert app.telegram.mode == "webhook"
    params = await api.wait_for_call("setWebhook")
    assert params["url"] == HOOK and params["secret_token"] == SECRET
    assert api.webhook["secret_token"] == SECRET
    hook = app.url("/tg/hook")
    chat = 4205
    key = ConversationKey("telegram", str(chat))

    wrong = api.push_text(chat, "wrong secret", queue=False)
    assert (await api.post_webhook(hook, wrong, secret="nope"))[0] == 403
    missing = api.push_text(chat, "no secret", queue=False)
    assert (await api.post_webhook(hook, missing))[0] == 403
    assert (await api.post_webhook(hook, b"{not json", secret=SECRET))[0] == 400
    assert (await api.post_webhook(hook, {"update_id": "x"}, secret=SECRET))[0] == 400
    assert (await api.post_webhook(hook, "[1, 2]", secret=SECRET))[0] == 400

    good = api.push_text(chat, STORY, queue=False)
    status, _ = await api.post_webhook(hook, good, secret=SECRET)
    assert status == 200
    c = TelegramCustomer(api, app, chat)
    replies = await c.settle(int(good["update_id"]), 0)
    assert replies and "anything else" in replies[-1]["text"].lower()
    assert all(p["chat_id"] == chat for p in api.calls_to("sendMessage"))
    # The refused calls left nothing behind: not in the inbox, not in the transcript.
    stored = await rows(app, sa.select(inbound_updates.c.update_id))
    assert [r.update_id for r in stored] == [str(good["update_id"])]
    transcript = await app.core.store.transcript(key)
    assert [r["text"] for r in transcript if r["direction"] == "in"] == [STORY]
    assert len(api.sent_messages(chat)) == len(
        [r for r in transcript if r["direction"] == "out"])
    # Webhook mode never polls.
    assert api.get_updates_offsets == []

    # A button press through the webhook, too.
    _, data = c.button("That's all")
    press = api.push_update({"callback_query": {
        "id": "cb-webhook-1", "from": api.user(chat), "chat_instance": "ci",
        "message": api.sent_messages(chat)[-1], "data": data}}, queue=False)
    assert (await api.post_webhook(hook, press, secret=SECRET))[0] == 200
    await c.settle(int(press["update_id"]), len(api.sent_messages(chat)))
    assert "Delivery" in [label for label, _ in keyboard(c.last[-1])]


# --------------------------------------------------------------------------- concurrency


async def test_two_chats_interleaved_get_every_reply_in_order(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    app = await launch(settings)
    chats = (4301, 4302)
    # Unknown commands are echoed back, which makes each reply's order visible.
    for i in range(10):
        for chat in chats:
            api.push_text(chat, f"/c{chat}n{i}")
    for chat in chats:
        await api.wait_for_messages(chat, 10, timeout=20)
    for chat in chats:
        texts = api.texts(chat)
        assert len(texts) == 10, texts
        for i, text in enumerate(texts):
            assert f"command /c{chat}n{i}." in text, (i, texts)
        transcript = await app.core.store.transcript(ConversationKey("telegram", str(chat)))
        assert [r["text"] for r in transcript if r["direction"] == "in"] == [
            f"/c{chat}n{i}" for i in range(10)]
        assert [r["text"] for r in transcript if r["direction"] == "out"] == texts
        # In, out, in, out…: each reply is recorded right after the message it answers.
        assert [r["direction"] for r in transcript] == ["in", "out"] * 10


# --------------------------------------------------------------------------- non-text


async def test_photo_is_kept_on_the_ticket_and_a_sticker_gets_a_clear_reply(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    app = await launch(settings)
    c = TelegramCustomer(api, app, 4206)
    await c.says("The screen of my new phone is cracked")
    photo = api.push_photo(c.chat_id, caption="this is how it arrived")
    await c.push(photo)
    assert "attached your photo" in c.text.lower(), c.text
    await c.push(api.push_sticker(c.chat_id))
    assert "can't open sticker" in c.text.lower(), c.text
    conv = await app.core.store.conversation(c.key)
    assert conv is not None and conv.state == "listening"

    await c.presses("That's all")
    await c.presses("Product quality")
    # Answer whatever the dialog still needs until the read-back, then confirm.
    answers = {"which product": "Pixel 9 phone", "order number": "JD20261118002",
               "when did this happen": "yesterday"}
    for _ in range(6):
        lowered = c.text.lower()
        if "what would you like us to do" in lowered:
            await c.presses("Replacement")
        elif "phone number" in lowered:
            await c.presses("Reply here")
        elif "let me check i have this right" in lowered:
            break
        else:
            answer = next((a for q, a in answers.items() if q in lowered), None)
            assert answer is not None, f"unexpected question: {c.text}"
            await c.says(answer)
    assert "let me check i have this right" in c.text.lower(), c.text
    await c.presses("Confirm")
    m = TICKET.search(c.text)
    assert m, c.text

    ticket_id = await scalar(app, sa.select(tickets.c.id).where(tickets.c.number == m.group(0)))
    kept = await rows(app, sa.select(attachments).where(attachments.c.ticket_id == ticket_id))
    assert [(a.kind, a.file_id) for a in kept] == [("photo", photo["message"]["photo"][-1][
        "file_id"])], "the largest size of the photo is kept, the sticker is not"
    assert kept[0].size == photo["message"]["photo"][-1]["file_size"]


async def test_button_from_an_old_keyboard_changes_nothing(
    api: FakeBotApi, settings: Settings, launch: StartApp
) -> None:
    app = await launch(settings)
    c = TelegramCustomer(api, app, 4207)
    await c.says(STORY)
    old_message, old_data = c.button("That's all")
    await c.presses("That's all")
    await c.presses("Delivery")
    before = await app.core.store.conversation(c.key)
    assert before is not None and before.state == "collecting"

    # Press "That's all" again, on the message that carried it two questions ago.
    await c.push(api.push_callback(c.chat_id, old_data, old_message["message_id"]))
    assert "earlier question" in c.text.lower(), c.text
    transcript = await c.transcript()
    last_in = max(i for i, r in enumerate(transcript) if r["direction"] == "in")
    assert transcript[last_in]["callback_data"] == old_data
    # The answer says so first, then repeats the question still open.
    turn = [r["template"] for r in transcript[last_in + 1:]]
    assert turn[0] == "stale_button" and "ask.category" not in turn, turn
    after = await app.core.store.conversation(c.key)
    assert after is not None
    assert (after.state, after.slots) == (before.state, before.slots)
    # And the dialog carries on with the question it was on.
    await c.says("JD20261118001")
    assert "when did this happen" in c.text.lower()
