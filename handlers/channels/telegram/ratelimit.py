"""Our own pacing of Telegram sends: about one message a second per private chat, twenty a
minute per group, 30 a second overall.

PTB's AIORateLimiter is not used because it does not pace private chats, and on a 429 it
pauses every request of the bot, so one flooded chat would stall all the others.
"""

from __future__ import annotations

from handlers.util.tokenbucket import PacingBucket


class SendLimiter:
    """Per-chat and global pacing. Waiting for one chat never holds up another chat."""

    # Past this many chats, idle buckets are dropped so the map does not grow forever.
    _PRUNE_AT = 1024

    def __init__(
        self,
        per_chat_rate: float = 1.0,
        per_chat_burst: float = 3,
        global_rate: float = 30.0,
        global_burst: float = 30,
        per_group_rate: float = 20 / 60,
        per_group_burst: float = 3,
    ) -> None:
        self._per_chat_rate = per_chat_rate
        self._per_chat_burst = per_chat_burst
        self._per_group_rate = per_group_rate
        self._per_group_burst = per_group_burst
        self._global = PacingBucket(global_rate, global_burst)
        self._chats: dict[str, PacingBucket] = {}

    def _bucket(self, chat_id: str) -> PacingBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= self._PRUNE_AT:
                for key in [k for k, b in self._chats.items() if b.idle]:
                    del self._chats[key]
            # Group and channel ids are negative; Telegram allows them far fewer messages.
            group = chat_id.startswith("-")
            bucket = self._chats[chat_id] = PacingBucket(
                self._per_group_rate if group else self._per_chat_rate,
                self._per_group_burst if group else self._per_chat_burst)
        return bucket

    async def message(self, chat_id: str) -> None:
        """Wait until one more message may go to `chat_id`."""
        await self._bucket(chat_id).acquire()
        await self._global.acquire()

    async def action(self) -> None:
        """Wait for a slot for a call that is not a chat message (typing, callback answers)."""
        await self._global.acquire()
