"""Replies to Telegram chats: inline keyboards, long texts split, typing, pacing and 429s."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from dialogs.messages import Button, ConversationKey, Reply
from handlers.channels.telegram.ratelimit import SendLimiter
from handlers.channels.telegram.split import split_text

log = logging.getLogger(__name__)

T = TypeVar("T")

# Telegram's limit on a button's callback_data, in bytes.
MAX_CALLBACK_DATA = 64
# Telegram shows "typing…" for 5 s or until the next message; refresh a little before that.
TYPING_REFRESH_SECONDS = 4.5


def callback_data(payload: str) -> str:
    """`payload` cut to 64 bytes without splitting a character (Telegram rejects longer)."""
    raw = payload.encode("utf-8")
    if len(raw) <= MAX_CALLBACK_DATA:
        return payload
    log.warning("button payload over %d bytes cut: %r", MAX_CALLBACK_DATA, payload)
    return raw[:MAX_CALLBACK_DATA].decode("utf-8", errors="ignore")


def retry_seconds(e: RetryAfter) -> float:
    # PTB warns on reading retry_after while it migrates from int to timedelta; both are fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = e.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def thread_gone(e: TelegramError) -> bool:
    """Telegram's answer when a message goes to a forum topic that was deleted."""
    return isinstance(e, BadRequest) and "thread not found" in e.message.lower()


# Who is writing, above an agent's words: the bot's account sends them, and without this the
# customer cannot tell a person from the bot.
_AGENT_LINE = {"en": "{agent} (customer care team):", "zh-CN": "客服专员{agent}：",
               "zh-TW": "客服專員{agent}："}


def shown_text(reply: Reply) -> str:
    """The text as the customer reads it: an agent's message opens with their name."""
    if reply.agent is None:
        return reply.text
    line = _AGENT_LINE.get(reply.locale, _AGENT_LINE["en"]).format(agent=reply.agent)
    return f"{line}\n{reply.text}"


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    # One button a row: labels are whole sentences in some locales and must stay readable.
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=callback_data(b.payload))] for b in buttons]
    )


@dataclass
class _ChatLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


@dataclass
class _Typing:
    task: asyncio.Task[None] | None = None
    # Held while a sendChatAction request is on the wire.
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


class TelegramOutput:
    """The OutputChannel for Telegram. A 429 for one chat waits for that chat only."""

    name = "telegram"

    def __init__(
        self,
        bot: Bot,
        limiter: SendLimiter | None = None,
        *,
        max_attempts: int = 5,
        network_backoff: float = 1.0,
    ) -> None:
        self.bot = bot
        self.limiter = limiter or SendLimiter()
        self.max_attempts = max_attempts
        self.network_backoff = network_backoff
        # Sends to one chat go one at a time so that split parts keep their order.
        self._chat_locks: dict[str, _ChatLock] = {}
        self._typing: dict[str, _Typing] = {}

    async def send(self, key: ConversationKey, reply: Reply, *,
                   thread_id: int | None = None) -> None:
        """Send `reply`, into the forum topic `thread_id` when given. A topic that is gone
        raises BadRequest (see `thread_gone`) for the caller to decide where it goes."""
        chat_id = key.chat_id
        await self._stop_typing(chat_id)
        parts = split_text(shown_text(reply))
        if not parts[-1].strip():
            if not reply.buttons:
                return
            # Telegram refuses an empty text, and buttons need a message to hang on.
            parts[-1] = "…"
        try:
            async with self._chat_turn(chat_id):
                for n, part in enumerate(parts, start=1):
                    markup = keyboard(reply.buttons) if n == len(parts) else None
                    await self._paced(chat_id, part, markup, thread_id)
        except Forbidden as e:
            # The customer blocked the bot or deleted the chat; nothing we send will arrive.
            log.warning("telegram chat %s refuses messages: %s", chat_id, e)

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: str) -> AsyncIterator[None]:
        # Counted so the lock is forgotten only when no sender holds or awaits it.
        entry = self._chat_locks.setdefault(chat_id, _ChatLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._chat_locks[chat_id]

    async def _paced(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None,
                     thread_id: int | None = None) -> None:
        async def once() -> object:
            await self.limiter.message(chat_id)
            return await self.bot.send_message(chat_id, text, reply_markup=markup,
                                               message_thread_id=thread_id)

        await self._with_retries(chat_id, once)

    async def post_document(self, chat_id: int, data: bytes, filename: str,
                            caption: str = "") -> None:
        """A file for a group (a report), paced and retried like a message."""
        async def once() -> object:
            await self.limiter.message(str(chat_id))
            return await self.bot.send_document(
                chat_id, InputFile(data, filename=filename), caption=caption[:1024] or None)

        await self._with_retries(str(chat_id), once)

    async def post_text(self, chat_id: int, text: str) -> None:
        for part in split_text(text):
            await self._paced(str(chat_id), part, None)

    async def is_forum(self, chat_id: int) -> bool:
        """Whether the chat is a forum supergroup (has topics). Raises TelegramError."""
        chat = await self._with_retries(str(chat_id), lambda: self.bot.get_chat(chat_id))
        return bool(chat.is_forum)

    async def create_topic(self, chat_id: int, name: str, icon_color: int | None = None) -> int:
        """A new forum topic; its message_thread_id. Raises TelegramError."""
        async def once() -> int:
            # Opening a topic posts a service message: paced like any message to the chat.
            await self.limiter.message(str(chat_id))
            topic = await self.bot.create_forum_topic(chat_id, name, icon_color=icon_color)
            return topic.message_thread_id

        return await self._with_retries(str(chat_id), once)

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Best effort: a topic we made but do not need."""
        try:
            await self.limiter.action()
            await self.bot.delete_forum_topic(chat_id, thread_id)
        except TelegramError as e:
            log.warning("deleting topic %s in chat %s failed: %s", thread_id, chat_id, e)

    async def _with_retries(self, chat_id: str, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            try:
                return await call()
            except RetryAfter as e:
                if attempt >= self.max_attempts:
                    raise
                # Only this chat's coroutine sleeps; other chats keep their own pace.
                wait = retry_seconds(e)
                log.info("telegram 429 for chat %s, retrying in %.1fs", chat_id, wait)
                await asyncio.sleep(wait)
            except (Forbidden, BadRequest):
                # PTB's BadRequest is a NetworkError, but a 400 stays a 400 when repeated.
                raise
            except NetworkError as e:
                # A timed-out send may have arrived; a repeated line beats a lost reply.
                if attempt >= self.max_attempts:
                    raise
                log.info("telegram send to chat %s failed (%s), retrying", chat_id, e)
                await asyncio.sleep(self.network_backoff * 2 ** (attempt - 1))
            attempt += 1

    async def typing(self, key: ConversationKey) -> None:
        """Show "typing…" once. Best effort: a failure here must not fail the turn."""
        try:
            await self.limiter.action()
            await self.bot.send_chat_action(key.chat_id, ChatAction.TYPING)
        except TelegramError as e:
            log.debug("typing action for %s failed: %s", key, e)

    @contextlib.asynccontextmanager
    async def typing_while(self, key: ConversationKey) -> AsyncIterator[None]:
        """Keep "typing…" shown while the block runs, until the first reply goes out."""
        chat_id = key.chat_id
        await self._stop_typing(chat_id)
        state = _Typing()
        state.task = asyncio.create_task(self._keep_typing(key, state))
        self._typing[chat_id] = state
        try:
            yield
        finally:
            if self._typing.get(chat_id) is state:
                await self._stop_typing(chat_id)

    async def _keep_typing(self, key: ConversationKey, state: _Typing) -> None:
        while True:
            async with state.sending:
                await self.typing(key)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    async def _stop_typing(self, chat_id: str) -> None:
        state = self._typing.pop(chat_id, None)
        if state is None or state.task is None:
            return
        # An action still in flight lands first: arriving after the reply, it would show
        # "typing…" for 5 s with nothing coming. Cancelling it mid-request could not stop it.
        async with state.sending:
            state.task.cancel()

    async def answer_callback(self, query_id: str) -> None:
        """Stop the button's spinner. Best effort: old queries can no longer be answered."""
        try:
            await self.limiter.action()
            await self.bot.answer_callback_query(query_id)
        except TelegramError as e:
            log.debug("answering callback query %s failed: %s", query_id, e)
