"""One forum topic per ticket, where the agents' group is a forum supergroup.

Whether it is one is asked once (getChat) and remembered. A ticket's topic is made the first
time something about the ticket is posted, and made again when Telegram says it is gone (a
person deleted it). Making one is serialised per ticket in this process, and the stored id is
replaced only while it is still the one that failed (a conditional UPDATE), so two events at
once — also in two processes — leave the ticket with one topic.

When topics cannot be made (the bot is no admin with "manage topics", or a Bot API server
without them) the group is used as a plain group from then on: cases and messages are posted
with their ticket number as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from handlers.channels.telegram.output import TelegramOutput
from handlers.turns.keylocks import KeyLocks
from storage.queue import TicketQueue, TicketView

log = logging.getLogger(__name__)

# Telegram's limit on a topic's name, in characters.
MAX_TOPIC_NAME = 128
# Topic icon colours Telegram accepts, by priority: red, yellow, blue, green.
_COLORS = {"P1": 0xFB6F5F, "P2": 0xFFD67E, "P3": 0x6FB9F0, "P4": 0x8EEE98}


def topic_name(view: TicketView) -> str:
    return f"{view.number} · {view.priority} · {view.category or view.team or '-'}"[
        :MAX_TOPIC_NAME]


@dataclass(frozen=True, slots=True)
class Topic:
    thread_id: int
    made: bool  # just made (the case card is not in it yet)


class TicketTopics:
    def __init__(self, chat_id: int, output: TelegramOutput, queue: TicketQueue) -> None:
        self.chat_id = chat_id
        self.output = output
        self.queue = queue
        self._forum: bool | None = None  # unknown until getChat answers
        self._off = False  # createForumTopic was refused: a plain group from now on
        self._locks = KeyLocks()

    async def enabled(self) -> bool:
        if self._off:
            return False
        if self._forum is None:
            try:
                self._forum = await self.output.is_forum(self.chat_id)
            except Exception as e:  # whatever getChat does, the cases must reach the agents
                # Not remembered: asked again with the next post.
                log.warning("getChat for the agents' group %s failed (%s); posting without "
                            "topics for now", self.chat_id, e)
                return False
            log.info("agents' group %s is %s", self.chat_id,
                     "a forum: one topic per ticket" if self._forum else "a plain group")
        return self._forum

    def stored(self, view: TicketView) -> int | None:
        """The ticket's topic in this group, as `view` saw it."""
        if view.topic is not None and view.topic[0] == self.chat_id:
            return view.topic[1]
        return None

    async def topic(self, view: TicketView, gone: int | None = None) -> Topic | None:
        """The ticket's topic, made when it has none or when `gone` (the topic Telegram just
        said is gone) is still the stored one. None: post to the group without a topic."""
        if not await self.enabled():
            return None
        known = self.stored(view)
        if known is not None and known != gone:
            return Topic(known, False)
        async with self._locks.hold(view.number):
            # Read again under the lock: whoever held it may have made the topic already.
            fresh = await self.queue.view(view.number)
            if fresh is None:
                return None
            known = self.stored(fresh)
            if known is not None and known != gone:
                return Topic(known, False)
            try:
                made = await self.output.create_topic(self.chat_id, topic_name(fresh),
                                                      _COLORS.get(fresh.priority))
            except BadRequest as e:  # before NetworkError: PTB's BadRequest is one
                self._refused(e)
                return None
            except (NetworkError, RetryAfter) as e:
                # Probably passing: this post goes to the group, the next one tries again.
                log.warning("creating the topic for %s failed (%s); posted to the group",
                            view.number, e)
                return None
            except TelegramError as e:
                self._refused(e)
                return None
            kept = await self.queue.set_topic(view.number, self.chat_id, made, replacing=known)
            if kept != made:
                # Another process stored its topic first: use that one, drop ours.
                await self.output.delete_topic(self.chat_id, made)
                return Topic(kept, False) if kept is not None else None
            return Topic(made, True)

    def _refused(self, e: TelegramError) -> None:
        # Said once (two tickets may be refused at once): from now on the group is used as a
        # plain one, until a restart.
        if self._off:
            return
        self._off = True
        log.warning("cannot create forum topics in the agents' group %s (%s): using it as a "
                    "plain group", self.chat_id, e)

    async def ticket_of(self, thread_id: int) -> str | None:
        """The ticket whose topic `thread_id` is in the agents' group, if any."""
        return await self.queue.by_topic(self.chat_id, thread_id)
