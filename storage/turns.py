"""What the turn pipeline uses of storage: the batch transaction (`Store.batch()` yields the
one for its database) and the records a batch loads and writes. Its implementations and their
statements stay storage's own business."""

from __future__ import annotations

from storage.batch import BatchTx
from storage.batch_records import ConcurrentUpdate, Loaded, TurnRecord

__all__ = ["BatchTx", "ConcurrentUpdate", "Loaded", "TurnRecord"]
