"""A cache for functions of customer text, bounded in bytes.

`functools.lru_cache` bounds entries, not memory: 8,192 entries of 20,000 emoji each held a
process at 1.27 GB. Here texts longer than `max_key_chars` are computed but never kept (what
repeats, and so pays to cache, is short: button labels, "yes", "就这些"), and once the kept
entries' estimated size passes `max_bytes` the oldest go first. A hit is one dict lookup: these
functions run dozens of times a turn. Used from the event loop's thread only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import update_wrapper
from typing import Generic, TypeVar

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


class TextCache(Generic[R]):
    """Wraps `fn(text, *rest)`; the key is `text` alone, or `(text, *rest)`."""

    def __init__(self, fn: Callable[..., R], max_bytes: int, max_key_chars: int) -> None:
        self._fn = fn
        self.max_bytes = max_bytes
        self.max_key_chars = max_key_chars
        self._entries: dict[Hashable, tuple[R, int]] = {}
        self._bytes = 0
        update_wrapper(self, fn)

    def __call__(self, text: str, *rest: Hashable) -> R:
        key: Hashable = (text, *rest) if rest else text
        hit = self._entries.get(key)
        if hit is not None:
            return hit[0]
        result = self._fn(text, *rest)
        if len(text) <= self.max_key_chars:
            size = _size(key) + _size(result) + _ENTRY_OVERHEAD
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                # Dicts keep insertion order: the first key is the oldest.
                self._bytes -= self._entries.pop(next(iter(self._entries)))[1]
        return result

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def cache_info(self) -> CacheInfo:
        return CacheInfo(len(self._entries), self._bytes, self.max_bytes)

    def cache_clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


def text_cache(max_bytes: int, max_key_chars: int = 256) -> Callable[
        [Callable[..., R]], TextCache[R]]:
    def decorate(fn: Callable[..., R]) -> TextCache[R]:
        return TextCache(fn, max_bytes, max_key_chars)

    return decorate
