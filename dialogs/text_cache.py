"""A least-recently-used cache for functions of customer text, bounded in bytes.

`functools.lru_cache` bounds entries, not memory: 8,192 entries of 20,000 emoji each held a
process at 1.27 GB. Here texts longer than `max_key_chars` are computed but never kept (what
repeats, and so pays to cache, is short: button labels, "yes", "就这些"), and the entries kept
are evicted oldest first once their estimated size passes `max_bytes`. Used from the event
loop's thread only.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import wraps
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# A dict slot, the key tuple and its bookkeeping, roughly, on 64-bit CPython.
_ENTRY_OVERHEAD = 200


@dataclass(frozen=True, slots=True)
class CacheInfo:
    entries: int
    bytes: int
    max_bytes: int


def _size(value: object) -> int:
    if isinstance(value, tuple):
        return sys.getsizeof(value) + sum(_size(v) for v in value)
    return sys.getsizeof(value)


class TextCache(Generic[P, R]):
    def __init__(self, fn: Callable[P, R], max_bytes: int, max_key_chars: int) -> None:
        self._fn = fn
        self.max_bytes = max_bytes
        self.max_key_chars = max_key_chars
        self._entries: OrderedDict[Hashable, tuple[R, int]] = OrderedDict()
        self._bytes = 0
        wraps(fn)(self)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs or any(isinstance(a, str) and len(a) > self.max_key_chars for a in args):
            return self._fn(*args, **kwargs)
        key: Hashable = args
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            return hit[0]
        result = self._fn(*args, **kwargs)
        size = _size(args) + _size(result) + _ENTRY_OVERHEAD
        self._entries[key] = (result, size)
        self._bytes += size
        while self._bytes > self.max_bytes and self._entries:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= evicted
        return result

    def cache_info(self) -> CacheInfo:
        return CacheInfo(len(self._entries), self._bytes, self.max_bytes)

    def cache_clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def text_cache(max_bytes: int, max_key_chars: int = 256) -> Callable[
        [Callable[P, R]], TextCache[P, R]]:
    def decorate(fn: Callable[P, R]) -> TextCache[P, R]:
        return TextCache(fn, max_bytes, max_key_chars)

    return decorate
