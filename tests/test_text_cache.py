"""Caches keyed by what customers send stay bounded in bytes, whatever they send."""

from __future__ import annotations

import tracemalloc

from dialogs import intents
from dialogs.meaning import Classifier, load_default_examples
from dialogs.text_cache import text_cache


def test_long_distinct_messages_do_not_grow_the_understanding_caches() -> None:
    meaning = Classifier(load_default_examples())
    intents.canon.cache_clear()
    meaning.classify("warm up the lexicons first", ("human", "yes"))
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for n in range(300):
            # Every message distinct and 20,000 emoji long (80 KB each as text).
            text = chr(0x1F600 + n % 64) * 19_990 + f"{n:010d}"
            meaning.classify(text, ("human", "yes"))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    info = intents.canon.cache_info()
    assert info.bytes <= info.max_bytes
    # An entries-bounded cache kept all of them: about 48 MB (key and result).
    assert after - before < 8 * 1024 * 1024
    # Short answers, which repeat, are still cached.
    meaning.classify("yes", ("yes", "no"))
    assert "yes" in intents.canon


def test_the_oldest_entries_go_once_the_byte_budget_is_spent() -> None:
    calls: list[str] = []

    @text_cache(max_bytes=1_000, max_key_chars=100)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    for word in ("alpha", "beta", "gamma", "delta", "epsilon"):
        assert upper(word) == word.upper()
    assert upper.cache_info().bytes <= 1_000
    assert "epsilon" in upper and "alpha" not in upper  # the newest stays, the oldest went
    assert upper("epsilon") == "EPSILON" and calls.count("epsilon") == 1
    assert upper("alpha") == "ALPHA" and calls.count("alpha") == 2
    assert upper("x" * 101) == "X" * 101 and upper("x" * 101) == "X" * 101
    assert calls.count("x" * 101) == 2  # too long to keep
