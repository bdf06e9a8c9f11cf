"""Flood control for the web chat: token buckets per visitor."""

from __future__ import annotations

from handlers.util.tokenbucket import TokenBucket


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
