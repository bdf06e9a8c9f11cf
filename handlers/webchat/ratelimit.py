"""Flood control for the web chat: token buckets per visitor."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """Allows `rate` events per second on average, with bursts up to `burst`."""

    __slots__ = ("_clock", "_stamp", "_tokens", "burst", "rate")

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
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    @property
    def full(self) -> bool:
        self._refill()
        return self._tokens >= self.burst


class VisitorLimiter:
    """One bucket per visitor, shared by all of the visitor's tabs.

    Shared so that opening more tabs does not multiply the allowance; buckets that have
    refilled are dropped, so the map only holds visitors who were recently busy.
    """

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def allow(self, visitor_id: str) -> bool:
        bucket = self._buckets.get(visitor_id)
        if bucket is None:
            bucket = self._buckets[visitor_id] = TokenBucket(self.rate, self.burst)
        return bucket.take()

    def prune(self) -> None:
        for visitor_id in [v for v, b in self._buckets.items() if b.full]:
            del self._buckets[visitor_id]

    def __len__(self) -> int:
        return len(self._buckets)
