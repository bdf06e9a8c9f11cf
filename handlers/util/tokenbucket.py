"""Token buckets: the pacing and flood control every channel shares."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """Allows `rate` events per second on average, with bursts up to `burst`."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def take(self) -> bool:
        """Spend a token if there is one; never waits (for refusing floods)."""
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    @property
    def full(self) -> bool:
        """Full and so unused lately: forgetting the bucket changes nothing."""
        self._refill()
        return self._tokens >= self.burst


class PacingBucket(TokenBucket):
    """A bucket callers wait on, first come first served (for pacing sends)."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(rate, burst, clock)
        self._lock = asyncio.Lock()

    @property
    def idle(self) -> bool:
        return self.full and not self._lock.locked()

    async def acquire(self) -> None:
        # The lock makes waiters take turns, so pacing is first come, first served.
        async with self._lock:
            if not self.take():
                await asyncio.sleep((1 - self._tokens) / self.rate)
                self._refill()
                self._tokens -= 1
