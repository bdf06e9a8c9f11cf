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
# For "is this an English sentence" one-letter words ("I", "a") count as words too.
_ENGLISH_WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]+(?:['’][A-Za-z]+)?(?![0-9A-Za-z])")
# Han characters glued to a digit are units of a date, an amount or a count ("11月20日",
# "3990元", "4分", "2件"): a zh-TW customer writes them exactly as a mainland one does, and
# an English customer may paste them, so they say nothing about the language.
_UNIT_HAN = re.compile(r"(?<=[0-9０-９])[年月日号號点點时時分秒元块塊件个個次天周週岁歲]")

# A clear sentence, not a word: fewer Han characters than this, or fewer English words,
# and the customer is answering a question, not changing language.
MIN_SENTENCE_HAN = 3
MIN_SENTENCE_WORDS = 3
# Characters that exist in only one script needed before Simplified and Traditional swap.
MIN_SCRIPT_EVIDENCE = 2

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

    s2t also "converts" a few characters that Taiwan writes both ways (台 → 臺 in "台灣"), so
    Traditional wins unless there are more Simplified-only characters than Traditional
    ones. Text written identically in both (e.g. "退款") goes to zh-CN, the larger audience.
    """
    traditional, simplified = script_evidence(text)
    return "zh-TW" if traditional and traditional >= simplified else "zh-CN"


def script_characters(text: str) -> tuple[str, str]:
    """(Traditional-only, Simplified-only) Han characters of `text`, each once, in order
    (see script_evidence)."""
    han = "".join(dict.fromkeys(_HAN.findall(text)))
    if not han:
        return "", ""
    to_s = to_simplified(han)
    to_t = _converter("s2t").convert(han)
    traditional = simplified = ""
    for ch, s, t in zip(han, to_s, to_t, strict=False):
        if ch != s:
            traditional += ch
        elif ch != t:
            simplified += ch
    return traditional, simplified


def script_evidence(text: str) -> tuple[int, int]:
    """(Traditional-only, Simplified-only) Han characters in `text`.

    A character t2s changes is a Traditional form ("們"); one s2t changes while t2s leaves it
    alone is a Simplified form ("们"). Characters written alike ("修改", "退款", "月") count
    for neither, which is the point: they are no evidence of a script.
    """
    han = "".join(_HAN.findall(text))
    if not han:
        return 0, 0
    to_s = to_simplified(han)
    to_t = _converter("s2t").convert(han)
    traditional = simplified = 0
    for ch, s, t in zip(han, to_s, to_t, strict=False):
        if ch != s:
            traditional += 1
        elif ch != t:
            simplified += 1
    return traditional, simplified


def _is_command(text: str) -> bool:
    return text.lstrip().startswith("/")


def _is_english_sentence(text: str) -> bool:
    words = _ENGLISH_WORD.findall(text)
    if len(words) < MIN_SENTENCE_WORDS:
        return False
    # "Mostly letters": "+1 415 555 0132 ok ok ok" is a phone number, not a sentence.
    letters = sum(len(w) for w in words)
    meaningful = sum(1 for ch in text if not ch.isspace())
    return letters * 2 >= meaningful


def _sentence_han(text: str) -> int:
    return han_count(_UNIT_HAN.sub("", text))


def _chinese_locale(text: str, prefer: str | None) -> str:
    traditional, simplified = script_evidence(text)
    if traditional == simplified == 0 and prefer in ("zh-CN", "zh-TW"):
        return prefer
    return "zh-TW" if traditional and traditional >= simplified else "zh-CN"


def next_locale(current: str, text: str, *, first: bool = False,
                prefer: str | None = None) -> str:
    """The locale to answer `text` in when the conversation is in `current`.

    A customer's language sticks: an answer to a question is not a choice of language.
    Digits, dates ("11月20日", "12/1"), amounts, phone and order numbers, "ok", one short
    word and any /command keep `current`. It changes only on clear evidence:

    * to Chinese on a Chinese sentence, at least `MIN_SENTENCE_HAN` Han characters that are
      not units of a number. On the `first` message one character is enough: someone who
      types Han reads Chinese, whatever their app's language says.
    * to English on an English sentence: at least `MIN_SENTENCE_WORDS` words, mostly letters.
    * between zh-CN and zh-TW only on script evidence: at least `MIN_SCRIPT_EVIDENCE`
      characters that exist only in the other script and more than twice as many as those
      of the current one, so a mixed or neutral text ("修改") never flips a customer.

    `prefer` (the client's Chinese locale, if any) picks the script of a neutral Chinese
    sentence that moves a customer from English. An explicit "English"/"中文" switch is
    handled elsewhere and locks the locale.
    """
    if not text or _is_command(text):
        return current
    seen = detect_locale(text)
    if seen is None or seen == current:
        return current
    if seen == "en":
        return seen if _is_english_sentence(text) else current
    if not current.startswith("zh"):
        needed = 1 if first else MIN_SENTENCE_HAN
        return _chinese_locale(text, prefer) if _sentence_han(text) >= needed else current
    traditional, simplified = script_evidence(text)
    theirs, ours = (traditional, simplified) if seen == "zh-TW" else (simplified, traditional)
    return seen if theirs >= MIN_SCRIPT_EVIDENCE and theirs > 2 * ours else current


def opening_locale(text: str, hint: str | None, default: str) -> str:
    """The locale of a conversation's first message.

    The client's language (`hint`) is the starting point; without one, whatever the text
    shows, then `default`. The text then moves it as `next_locale` allows on a first message,
    so a Chinese message from an English phone is answered in Chinese.
    """
    start = hint or (None if _is_command(text) else detect_locale(text)) or default
    return next_locale(start, text, first=True, prefer=hint)


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
