"""A small Telegram Bot API server for tests, spoken to by python-telegram-bot over real HTTP.

Usage::

    async with FakeBotApi() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url)
        api.push_text(42, "hello")
        ...
        await api.wait_for_messages(42, 1)

A chat made a forum (`make_forum`) has topics: createForumTopic, sendMessage with
message_thread_id, deleteForumTopic (or `delete_topic`, as a person would) after which
sending there answers 400 "Bad Request: message thread not found", and `push_topic_text`
for a person writing in a topic.

It keeps Telegram's delivery rule: a queued update is handed out by every getUpdates whose
offset is at or below its update_id, and forgotten only once a getUpdates passes a higher
offset. PTB sends parameters as form fields with JSON-encoded values; JSON bodies and query
strings are accepted too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

JSON = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-token_for-FakeBotApi"
BOT_USER: JSON = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Heard",
    "username": "heard_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Fields whose form value is a plain string even when it looks like JSON ("123", "true").
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "url",
        "secret_token",
        "action",
        "parse_mode",
        "ip_address",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "name",
        "icon_custom_emoji_id",
    }
)
_NO_GIFTS: JSON = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


@dataclass
class FakeCall:
    method: str
    params: JSON
    at: float
    status: int = 200


@dataclass
class FakeTopic:
    chat_id: int
    message_thread_id: int
    name: str
    icon_color: int
    # The service message that opens the topic (its id is the topic's message_thread_id).
    created: JSON
    deleted: bool = False


# The colours Telegram allows for a topic's icon; the first is its default.
TOPIC_COLORS = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    chat_id: str | None
    parameters: JSON | None


def _telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class FakeBotApi:
    token: str = DEFAULT_TOKEN
    host: str = "127.0.0.1"
    call_log: list[FakeCall] = field(default_factory=list)
    # Every message the bot sent successfully, in order, as Telegram would return it.
    sent: list[JSON] = field(default_factory=list)
    # The offset of every getUpdates call, in order (None when the call passed none).
    get_updates_offsets: list[int | None] = field(default_factory=list)
    webhook: JSON = field(default_factory=dict)
    # Every file the bot sent with sendDocument: (chat id, file name, bytes, caption).
    documents: list[tuple[str, str, bytes, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._pending: list[JSON] = []
        self._next_update_id = 1
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._messages: dict[int, JSON] = {}
        self._sent_at: dict[int, float] = {}
        self._failures: list[_Failure] = []
        # Forum supergroups: chat id → may the bot manage topics there.
        self._forums: dict[int, bool] = {}
        self.topics: dict[tuple[int, int], FakeTopic] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ----------------------------------------------------------------- life cycle

    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._port is not None, "FakeBotApi is not started"
        return self._port

    @property
    def base_url(self) -> str:
        """What PTB's `Bot(token, base_url=...)` wants: it appends the token itself."""
        return f"http://{self.host}:{self.port}/bot"

    # ----------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        return [(c.method, c.params) for c in self.call_log]

    def calls_to(self, method: str) -> list[JSON]:
        return [c.params for c in self.call_log if c.method == method]

    def sent_messages(self, chat_id: int | str) -> list[JSON]:
        return [m for m in self.sent if str(m["chat"]["id"]) == str(chat_id)]

    def texts(self, chat_id: int | str) -> list[str]:
        return [m.get("text", "") for m in self.sent_messages(chat_id)]

    def topic_messages(self, chat_id: int | str, thread_id: int) -> list[JSON]:
        return [m for m in self.sent_messages(chat_id) if m.get("message_thread_id") == thread_id]

    def topic_texts(self, chat_id: int | str, thread_id: int) -> list[str]:
        return [m.get("text", "") for m in self.topic_messages(chat_id, thread_id)]

    def general_texts(self, chat_id: int | str) -> list[str]:
        """What was sent to the chat outside any topic (a forum's General topic)."""
        return [m.get("text", "") for m in self.sent_messages(chat_id)
                if "message_thread_id" not in m]

    def live_topics(self, chat_id: int | str) -> list[FakeTopic]:
        return [t for t in self.topics.values() if t.chat_id == int(chat_id) and not t.deleted]

    def sent_at(self, message: JSON) -> float:
        """When (time.monotonic) the sendMessage that made `message` arrived."""
        return self._sent_at[message["message_id"]]

    # `timeout` rather than asyncio.timeout(): a failed wait says what the server saw.
    async def wait_until(self, check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while not check():
            event = self._changed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; calls so far: {[c[0] for c in self.calls]}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_messages(
        self,
        chat_id: int | str,
        n: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        await self.wait_until(lambda: len(self.sent_messages(chat_id)) >= n, timeout)
        return self.sent_messages(chat_id)

    async def wait_for_call(
        self,
        method: str,
        check: Callable[[JSON], bool] = lambda p: True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JSON:
        def found() -> JSON | None:
            return next((p for p in self.calls_to(method) if check(p)), None)

        await self.wait_until(lambda: found() is not None, timeout)
        params = found()
        assert params is not None
        return params

    # ----------------------------------------------------------------- feeding updates

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates Telegram still holds: not yet confirmed by a higher getUpdates offset."""
        return list(self._pending)

    def push_update(self, update: JSON, *, queue: bool = True) -> JSON:
        """Queue a raw update; without `update_id` the next one is used.

        Passing an `update_id` seen before simulates Telegram delivering it again. With
        `queue=False` the update is only built, e.g. to POST it to a webhook.
        """
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        if not queue:
            return update
        self._pending.append(update)
        self._pending.sort(key=lambda u: int(u["update_id"]))
        self._notify()
        return update

    def user(self, user_id: int, language_code: str | None = "en", **extra: Any) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": "Test", "last_name": "User"}
        if language_code:
            user["language_code"] = language_code
        return {**user, **extra}

    def chat(self, chat_id: int | str, chat_type: str | None = None) -> JSON:
        cid = int(chat_id)
        kind = chat_type or ("private" if cid > 0 else "supergroup")
        if kind == "private":
            return {"id": cid, "type": "private", "first_name": "Test", "last_name": "User"}
        chat: JSON = {"id": cid, "type": kind, "title": "Agents"}
        if cid in self._forums:
            chat["is_forum"] = True
        return chat

    # ----------------------------------------------------------------- forums

    def make_forum(self, chat_id: int, *, can_manage_topics: bool = True) -> None:
        """Make `chat_id` a forum supergroup; without `can_manage_topics` the bot is not
        allowed to create topics there (Telegram's answer to a bot that is no admin)."""
        self._forums[int(chat_id)] = can_manage_topics

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone deletes the topic in the app: sending to it fails from now on."""
        self.topics[(int(chat_id), thread_id)].deleted = True
        self._notify()

    def push_topic_text(self, chat_id: int, thread_id: int, text: str, **kwargs: Any) -> JSON:
        """A person writes `text` in a topic. As in Telegram, a message in a topic that
        replies to nothing else replies to the topic's opening service message."""
        topic = self.topics.get((int(chat_id), thread_id))
        fields: JSON = {"message_thread_id": thread_id, "is_topic_message": True}
        if topic is not None and "reply_to_message" not in kwargs:
            fields["reply_to_message"] = dict(topic.created)
        return self.push_message(chat_id, text=text, **fields, **kwargs)

    def push_message(
        self,
        chat_id: int,
        *,
        user: JSON | None = None,
        language_code: str | None = "en",
        chat_type: str | None = None,
        update_id: int | None = None,
        queue: bool = True,
        **fields: Any,
    ) -> JSON:
        """Queue a message update; `fields` are the Message fields (text, photo, caption…)."""
        sender = user or self.user(chat_id if chat_id > 0 else 777, language_code)
        message = {
            "message_id": next(self._message_ids),
            "from": sender,
            "chat": self.chat(chat_id, chat_type),
            "date": int(time.time()),
            **fields,
        }
        update: JSON = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update, queue=queue)

    def push_text(self, chat_id: int, text: str, **kwargs: Any) -> JSON:
        return self.push_message(chat_id, text=text, **kwargs)

    def push_photo(
        self, chat_id: int, caption: str | None = None, sizes: int = 3, **kwargs: Any
    ) -> JSON:
        n = self._next_update_id
        photo = [
            {
                "file_id": f"photo{n}-s{i}",
                "file_unique_id": f"uphoto{n}-s{i}",
                "width": 90 * 4**i,
                "height": 60 * 4**i,
                "file_size": 1000 * 10**i,
            }
            for i in range(sizes)
        ]
        extra: JSON = {"caption": caption} if caption else {}
        return self.push_message(chat_id, photo=photo, **extra, **kwargs)

    def push_document(
        self,
        chat_id: int,
        file_name: str = "receipt.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        file_size: int = 12345,
        **kwargs: Any,
    ) -> JSON:
        n = self._next_update_id
        document = {
            "file_id": f"doc{n}",
            "file_unique_id": f"udoc{n}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size,
        }
        extra: JSON = {"caption": caption} if caption else {}
        return self.push_message(chat_id, document=document, **extra, **kwargs)

    def push_sticker(self, chat_id: int, emoji: str = "👍", **kwargs: Any) -> JSON:
        n = self._next_update_id
        sticker = {
            "file_id": f"sticker{n}",
            "file_unique_id": f"usticker{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 2048,
        }
        return self.push_message(chat_id, sticker=sticker, **kwargs)

    def push_voice(self, chat_id: int, duration: int = 3, **kwargs: Any) -> JSON:
        n = self._next_update_id
        voice = {
            "file_id": f"voice{n}",
            "file_unique_id": f"uvoice{n}",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4096,
        }
        return self.push_message(chat_id, voice=voice, **kwargs)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        *,
        user: JSON | None = None,
        chat_type: str | None = None,
        update_id: int | None = None,
    ) -> JSON:
        """A button press on `message_id`, by default the last message sent with buttons."""
        message = self._message_for_callback(chat_id, message_id, chat_type)
        query = {
            "id": str(next(self._callback_ids)),
            "from": user or self.user(chat_id if chat_id > 0 else 777),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        update: JSON = {"callback_query": query}
        if update_id is not None:
            update["update_id"] = update_id
        return self.push_update(update)

    def _message_for_callback(
        self, chat_id: int, message_id: int | None, chat_type: str | None
    ) -> JSON:
        if message_id is not None and message_id in self._messages:
            return dict(self._messages[message_id])
        if message_id is None:
            with_buttons = [m for m in self.sent_messages(chat_id) if "reply_markup" in m]
            if with_buttons:
                return dict(with_buttons[-1])
        return {
            "message_id": message_id or next(self._message_ids),
            "from": BOT_USER,
            "chat": self.chat(chat_id, chat_type),
            "date": int(time.time()),
            "text": "(a message the fake did not send)",
        }

    async def post_webhook(
        self, url: str, update: JSON | str | bytes, secret: str | None = None
    ) -> tuple[int, str]:
        """POST `update` to `url` as Telegram's webhook call would; returns (status, body)."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = update if isinstance(update, str | bytes) else json.dumps(update)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status, await response.text()

    # ----------------------------------------------------------------- injected errors

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `method` call (for `chat_id`, if given) with a Telegram error."""
        parameters: JSON | None = None
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
            parameters = {"retry_after": retry_after}
        elif retry_after is not None:
            parameters = {"retry_after": retry_after}
        description = description or {
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            409: "Conflict: terminated by other getUpdates request",
        }.get(status, "Internal Server Error")
        key = None if chat_id is None else str(chat_id)
        self._failures.append(_Failure(method, status, description, key, parameters))

    def _take_failure(self, method: str, params: JSON) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and failure.chat_id != str(params.get("chat_id")):
                continue
            self._failures.remove(failure)
            return failure
        return None

    # ----------------------------------------------------------------- HTTP side

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = FakeCall(method, params, time.monotonic())
        self.call_log.append(call)
        self._notify()
        if request.match_info["token"] != self.token:
            return _error(call, 401, "Unauthorized")
        failure = self._take_failure(method, params)
        if failure is not None:
            return _error(call, failure.status, failure.description, failure.parameters)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return _error(call, 404, "Not Found")
        result = await handler(params)
        if isinstance(result, web.Response):
            call.status = result.status
            return result
        return web.json_response({"ok": True, "result": result})

    async def _api_getme(self, params: JSON) -> Any:
        return BOT_USER

    async def _api_getupdates(self, params: JSON) -> Any:
        offset = params.get("offset")
        self.get_updates_offsets.append(offset)
        if self.webhook.get("url"):
            return _error(
                None,
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if isinstance(offset, int) and offset < 0:
            self._pending = self._pending[offset:]
        elif isinstance(offset, int):
            # Passing an offset is what confirms every update before it.
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            event = self._changed
            ready = self._pending[:limit]
            remaining = deadline - time.monotonic()
            if ready or self._closing or remaining <= 0:
                return ready
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return self._pending[:limit]

    async def _api_sendmessage(self, params: JSON) -> Any:
        text = params.get("text")
        if "chat_id" not in params:
            return _error(None, 400, "Bad Request: chat_id is empty")
        thread = params.get("message_thread_id")
        if thread is not None:
            topic = self.topics.get((int(params["chat_id"]), int(thread)))
            if topic is None or topic.deleted:
                return _error(None, 400, "Bad Request: message thread not found")
        if not isinstance(text, str) or not text.strip():
            return _error(None, 400, "Bad Request: message text is empty")
        if _telegram_length(text) > 4096:
            return _error(None, 400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if markup is not None and not _valid_markup(markup):
            return _error(None, 400, "Bad Request: BUTTON_DATA_INVALID")
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": BOT_USER,
            "chat": self.chat(params["chat_id"]),
            "date": int(time.time()),
            "text": text,
        }
        if thread is not None:
            message["message_thread_id"] = int(thread)
            message["is_topic_message"] = True
        if markup:
            message["reply_markup"] = markup
        self._messages[message["message_id"]] = message
        self._sent_at[message["message_id"]] = time.monotonic()
        self.sent.append(message)
        self._notify()
        return message

    async def _api_editmessagetext(self, params: JSON) -> Any:
        message = self._messages.get(params.get("message_id", -1))
        if message is None:
            return _error(None, 400, "Bad Request: message to edit not found")
        message["text"] = params.get("text", "")
        # Telegram drops the keyboard of an edited message unless it is sent again.
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_editmessagereplymarkup(self, params: JSON) -> Any:
        message = self._messages.get(params.get("message_id", -1))
        if message is None:
            return _error(None, 400, "Bad Request: message to edit not found")
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_sendchataction(self, params: JSON) -> Any:
        return True

    async def _api_answercallbackquery(self, params: JSON) -> Any:
        return True

    async def _api_deletemessage(self, params: JSON) -> Any:
        return True

    async def _api_setwebhook(self, params: JSON) -> Any:
        self.webhook = {
            "url": params.get("url", ""),
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    async def _api_deletewebhook(self, params: JSON) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _api_getwebhookinfo(self, params: JSON) -> Any:
        info: JSON = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _api_createforumtopic(self, params: JSON) -> Any:
        cid = int(params.get("chat_id", 0))
        name = params.get("name")
        if cid not in self._forums:
            return _error(None, 400, "Bad Request: the chat is not a forum")
        if not self._forums[cid]:
            return _error(None, 400, "Bad Request: not enough rights to create a topic")
        if not isinstance(name, str) or not name.strip():
            return _error(None, 400, "Bad Request: TOPIC_TITLE_EMPTY")
        if len(name) > 128:
            return _error(None, 400, "Bad Request: TOPIC_TITLE_TOO_LONG")
        color = int(params.get("icon_color") or TOPIC_COLORS[0])
        if color not in TOPIC_COLORS:
            return _error(None, 400, "Bad Request: TOPIC_COLOR_INVALID")
        # A topic is the thread of its opening service message: same id.
        thread_id = next(self._message_ids)
        created: JSON = {
            "message_id": thread_id,
            "from": BOT_USER,
            "chat": self.chat(cid),
            "date": int(time.time()),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": color},
        }
        self.topics[(cid, thread_id)] = FakeTopic(cid, thread_id, name, color, created)
        self._notify()
        return {"message_thread_id": thread_id, "name": name, "icon_color": color}

    async def _api_deleteforumtopic(self, params: JSON) -> Any:
        topic = self.topics.get((int(params.get("chat_id", 0)),
                                 int(params.get("message_thread_id", 0))))
        if topic is None or topic.deleted:
            return _error(None, 400, "Bad Request: TOPIC_ID_INVALID")
        topic.deleted = True
        self._notify()
        return True

    async def _api_getchat(self, params: JSON) -> Any:
        return {
            **self.chat(params.get("chat_id", 0)),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": _NO_GIFTS,
        }

    async def _api_senddocument(self, params: JSON) -> Any:
        files = params.get("_files") or {}
        if "chat_id" not in params or "document" not in files:
            return _error(None, 400, "Bad Request: there is no document in the request")
        name, data = files["document"]
        caption = params.get("caption")
        self.documents.append((str(params["chat_id"]), name, data, caption))
        message: JSON = {"message_id": next(self._message_ids), "from": BOT_USER,
                         "chat": self.chat(params["chat_id"]), "date": int(time.time()),
                         "document": {"file_id": f"doc-{len(self.documents)}",
                                      "file_unique_id": f"u-{len(self.documents)}",
                                      "file_name": name, "file_size": len(data)}}
        if caption:
            message["caption"] = caption
        self._notify()
        return message

    async def _api_close(self, params: JSON) -> Any:
        return True

    async def _api_logout(self, params: JSON) -> Any:
        return True


def _valid_markup(markup: Any) -> bool:
    if not isinstance(markup, dict):
        return False
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text") or (
                data is not None and not 1 <= len(data.encode("utf-8")) <= 64
            ):
                return False
    return True


def _error(
    call: FakeCall | None, status: int, description: str, parameters: JSON | None = None
) -> web.Response:
    if call is not None:
        call.status = status
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> JSON:
    raw: dict[str, str] = dict(request.query)
    params: JSON = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                else:
                    raw[key] = f"<file {getattr(value, 'filename', '')}>"
                    params.setdefault("_files", {})[key] = (
                        str(getattr(value, "filename", "")), value.file.read())
    for key, value in raw.items():
        params.setdefault(key, _decode(key, value))
    return params


def _decode(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
