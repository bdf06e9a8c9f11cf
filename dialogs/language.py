"""Which language a customer writes in, and Simplified/Traditional Chinese conversion.

The bot answers in the customer's own script, so we look at what they actually type rather than
trusting the client's UI language alone.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

# CJK unified ideographs, extension A and the compatibility block; rare extensions B+ are
# included so names written with them still count as Chinese.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
# Only purely alphabetic words count: "JD20261118001" is an order code, not English.
_LATIN_WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z\u00c0-\u024f]{2,}(?![0-9A-Za-z])")

# One Han character carries roughly as much meaning as a short English word of ~3 letters, so
# mixed messages like "我的order还没到" are judged as Chinese.
_HAN_WEIGHT = 3

_TW_CODES = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _converter(config: str) -> _Converter:
    # Imported lazily: loading OpenCC dictionaries costs ~0.2 s, and not every process needs it.
    import opencc

    converter: _Converter = opencc.OpenCC(config)
    return converter


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese; other characters pass through unchanged."""
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    """Simplified → Traditional Chinese, Taiwan standard with Taiwanese phrasing (s2twp)."""
    return _converter("s2twp").convert(text) if text else text


def locale_from_language_code(code: str | None) -> str | None:
    """Map a Telegram/BCP-47 `language_code` to one of the bot's locales, or None."""
    if not code:
        return None
    norm = code.strip().lower().replace("_", "-")
    if norm.startswith("zh"):
        return "zh-TW" if norm.startswith(_TW_CODES) else "zh-CN"
    if norm == "en" or norm.startswith("en-"):
        return "en"
    return None


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def chinese_variant(text: str) -> str:
    """Return "zh-TW" if the Han text reads as Traditional, else "zh-CN".

    Text that t2s changes contains Traditional forms. s2t also "converts" a few characters that
    Taiwan writes both ways (台 → 臺 in "台灣"), so Traditional wins unless s2t finds more
    Simplified-only characters than t2s found Traditional ones. Text written identically in
    both (e.g. "退款") goes to zh-CN, the larger audience.
    """
    han = "".join(_HAN.findall(text))
    if not han:
        return "zh-CN"
    to_s = to_simplified(han)
    to_t = _converter("s2t").convert(han)
    changed_by_t2s = sum(a != b for a, b in zip(han, to_s, strict=False))
    changed_by_s2t = sum(a != b for a, b in zip(han, to_t, strict=False))
    return "zh-TW" if changed_by_t2s and changed_by_t2s >= changed_by_s2t else "zh-CN"


def detect_locale(text: str) -> str | None:
    """Guess "en", "zh-CN" or "zh-TW" from the script of `text`; None when it says nothing.

    Emoji, digits, punctuation, codes and scripts we do not serve (Japanese kana, Hangul,
    Cyrillic, Arabic…) give None so the caller falls back to the client's language setting.
    """
    if not text:
        return None
    han = han_count(text)
    latin = sum(len(m) for m in _LATIN_WORD.findall(text))
    if han:
        kana = len(_KANA.findall(text))
        # Japanese uses Han too; any real amount of kana means it is not Chinese.
        if kana * 4 >= han:
            return None
        if han * _HAN_WEIGHT >= latin:
            return chinese_variant(text)
    if latin < 2:
        return None
    # "Mostly Latin": a Russian or Arabic message with one English word is not English.
    letters = sum(1 for ch in text if ch.isalpha() and not ch.isascii())
    latin_extended = sum(1 for ch in text if "\u00c0" <= ch <= "\u024f")
    return "en" if latin * 2 >= latin + letters - latin_extended else None
