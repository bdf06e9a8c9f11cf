"""Our own pacing of Telegram sends: about one message a second per chat, 30 a second overall.

PTB's AIORateLimiter is not used because it does not pace private chats, and on a 429 it
pauses every request of the bot, so one flooded chat would stall all the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """Allows `burst` calls at once, refilled at `rate` per second."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    @property
    def idle(self) -> bool:
        """Full and unused: forgetting the bucket changes nothing."""
        self._refill()
        return self._tokens >= self.burst and not self._lock.locked()

    async def acquire(self) -> None:
        # The lock makes waiters take turns, so pacing is first come, first served.
        async with self._lock:
            self._refill()
            if self._tokens < 1:
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


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
    ) -> None:
        self._per_chat_rate = per_chat_rate
        self._per_chat_burst = per_chat_burst
        self._global = TokenBucket(global_rate, global_burst)
        self._chats: dict[str, TokenBucket] = {}

    def _bucket(self, chat_id: str) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= self._PRUNE_AT:
                for key in [k for k, b in self._chats.items() if b.idle]:
                    del self._chats[key]
            bucket = self._chats[chat_id] = TokenBucket(self._per_chat_rate, self._per_chat_burst)
        return bucket

    async def message(self, chat_id: str) -> None:
        """Wait until one more message may go to `chat_id`."""
        await self._bucket(chat_id).acquire()
        await self._global.acquire()

    async def action(self) -> None:
        """Wait for a slot for a call that is not a chat message (typing, callback answers)."""
        await self._global.acquire()
