"""Which live news ids this process has seen, so that each item is delivered once whether it
came by NOTIFY, by a look at the table, or both.

On SQLite one writer at a time means ids commit in order: "above the last id seen" is enough.
On PostgreSQL an id is taken at insert and becomes visible at commit, so id 11 may be seen
before id 10 commits (or 10 may never commit: a rollback). The ids skipped over are kept as
gaps for a few seconds and asked for again beside the new ones; a gap that never fills is
forgotten.
"""

from __future__ import annotations

# A transaction of one small insert commits within milliseconds; seconds is generous.
GAP_SECONDS = 5.0
# A reader far behind (a long pause, a lost connection) keeps this many gaps at most.
MAX_GAPS = 200


class Cursor:
    def __init__(self, last: int) -> None:
        self.last = last
        self._gaps: dict[int, float] = {}  # id → when it was skipped (monotonic)

    @property
    def gaps(self) -> list[int]:
        return sorted(self._gaps)

    def take(self, item_id: int, now: float) -> bool:
        """True the first time `item_id` is seen."""
        if item_id > self.last:
            for skipped in range(max(self.last + 1, item_id - MAX_GAPS), item_id):
                self._gaps[skipped] = now
            self.last = item_id
            self._trim()
            return True
        return self._gaps.pop(item_id, None) is not None

    def expire(self, now: float) -> None:
        for item_id, since in list(self._gaps.items()):
            if now - since > GAP_SECONDS:
                del self._gaps[item_id]

    def _trim(self) -> None:
        if len(self._gaps) > MAX_GAPS:
            for item_id in sorted(self._gaps)[:len(self._gaps) - MAX_GAPS]:
                del self._gaps[item_id]
