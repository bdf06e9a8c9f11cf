"""The day something happened, from dates, weekdays and relative words in English and
Chinese, counted from the local date in the desk's time zone (HEARD_TIMEZONE).

Rules cover what dateparser gets wrong or misses; dateparser reads the English phrases the
rules leave. It costs ~0.5 ms a call and seconds to load, so it only sees short phrases that
already look like dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.language import to_simplified
from dialogs.slots.text import MAX_SCAN, normalize
from dialogs.text_cache import text_cache

_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_WEEKDAY = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "七": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_ZN = r"[0-9零〇一二两兩三四五六七八九十]{1,3}"
_WEEK = r"(?:周|週|星期|礼拜|禮拜)"

# Rules for what dateparser gets wrong or misses (checked against dateparser 1.2): it reads
# "11月18日" as 2011, and knows neither "上周二" nor "18号" nor "两天前". The cheap relative
# words are here too so the commonest answers never pay for dateparser.
_YMD = re.compile(r"(?<!\d)(\d{4})\s?[-/.年]\s?(\d{1,2})\s?[-/.月]\s?(\d{1,2})(?!\d)")
_ZH_MONTH_DAY = re.compile(
    rf"(?:(\d{{4}})年)?(上个?月|上個?月|本月|这个月|這個月|{_ZN}月)({_ZN})[日号號]"
)
# "3号楼" is building 3, "2号线" metro line 2: a day only when no place noun follows.
_ZH_DAY = re.compile(rf"(?<![月\d])({_ZN})[号號](?![楼樓线線门門店窗柜櫃房床机機院位台])")
_ZH_WEEKDAY_RE = re.compile(rf"(上上|上|这|這|本)?(?:个|個)?{_WEEK}([一二三四五六日天1-7])")
_ZH_AGO = re.compile(rf"({_ZN}|几|幾|半)\s?(?:个|個)?(天|日|{_WEEK})(?:之|以)?前")
_ZH_LAST_WEEK = re.compile(rf"上(?:个|個)?{_WEEK}(?![一二三四五六日天1-7])")
_FIXED_DAYS = {
    "大前天": 3,
    "前天": 2,
    "昨天": 1,
    "昨日": 1,
    "昨晚": 1,
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "yesterday": 1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
}
_FIXED_RE = re.compile(
    r"(?i)(?<![A-Za-z])(?:the day before yesterday|"
    + "|".join(sorted(_FIXED_DAYS, key=len, reverse=True))
    + r")"
)
# Phrases worth handing to dateparser; matching only these keeps "this is terrible" or
# "may I ask" away from it.
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY_NAMES = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# Short forms are words too ("we sat down", "the sun"): only after "last", "on"….
_WEEKDAYS = rf"(?:{_WEEKDAY_NAMES[3:-1]}|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)"
# A date that names its month beats a relative word in the same message: in "I called
# today about the kettle I bought on 1 December" the complaint is about 1 December.
_EN_EXPLICIT = re.compile(
    r"(?i)(?<![A-Za-z])(?:"
    rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?"
    r")(?![A-Za-z])"
)
_EN_RELATIVE = re.compile(
    r"(?i)(?<![A-Za-z])(?:"
    # "this month" is no day: a story saying it leaves the date to be asked.
    rf"(?:last|this|past|previous)\s+{_WEEKDAYS}|(?:last|past|previous)\s+(?:week|month)"
    rf"|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of)\s+"
    r"(?:days?|weeks?|months?)\s+ago"
    rf"|on\s+{_WEEKDAYS}|{_WEEKDAY_NAMES}"
    r")(?![A-Za-z])"
)
# "the 1st", "on the 20th": a day of this month (dateparser reads "1st" as January).
_EN_ORDINAL_DAY = re.compile(r"(?i)(?<![A-Za-z])the\s+(\d{1,2})(?:st|nd|rd|th)(?![A-Za-z])")
# "12/1", "1/12/2026": which number is the month depends on the customer's locale.
_NUMERIC_DATE = re.compile(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/:])")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?$")
# dateparser reads almost anything with digits as a date ("{{ 7*7 }}" → 7 July), so even a
# lenient search only looks at text made of words, digits and ordinary punctuation.
_PLAIN_TEXT = re.compile(r"^[\w\s,.:;'/!?，。！？、-]+$")
_WORDY = re.compile(r"[^\W\d_]")
_ZH_DATEPARSER = re.compile(rf"(?:{_ZN}|几|上|这|這|本)\s?(?:个|個)?月(?:前)?")


def _zh_int(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in ("几", "幾"):
        return 3  # "几天前" is vague; a few days is the honest reading
    if token == "半":
        return None
    if "十" in token:
        tens, _, ones = token.partition("十")
        return _ZH_DIGITS.get(tens, 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for ch in token:
        if ch not in _ZH_DIGITS:
            return None
        value = value * 10 + _ZH_DIGITS[ch]
    return value


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_back(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - months
    return index // 12, index % 12 + 1


def _past_day_of_month(today: date, day: int, month_offset: int | None) -> date | None:
    """Day `day` of this month, or of last month if that is still to come."""
    if month_offset is not None:
        return _safe_date(*_month_back(today, month_offset), day)
    found = _safe_date(today.year, today.month, day)
    if found is None or found > today:
        found = _safe_date(*_month_back(today, 1), day)
    return found


@lru_cache(maxsize=32)
def day_first(locale: str | None) -> bool:
    """Whether the locale writes the day before the month ("en-GB": 1/12 is 1 December),
    from Babel's short date pattern; "en" and Chinese write the month first."""
    if not locale:
        return False
    from babel.core import Locale, UnknownLocaleError
    from babel.dates import get_date_format

    try:
        pattern = get_date_format("short", Locale.parse(locale.replace("-", "_"))).pattern
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return pattern.find("d") < pattern.find("M")


def _numeric_date(m: re.Match[str], today: date, first_is_day: bool) -> date | None:
    a, b = int(m.group(1)), int(m.group(2))
    day, month = (a, b) if first_is_day else (b, a)
    if not 1 <= month <= 12:  # "13/11" can only be day first, whatever the locale
        day, month = month, day
    if year := m.group(3):
        full = int(year) if len(year) == 4 else 2000 + int(year)
        return _safe_date(full, month, day)
    found = _safe_date(today.year, month, day)
    return found if found is None or found <= today else _safe_date(today.year - 1, month, day)


def _explicit_date(text: str, today: date, first_is_day: bool) -> date | None:
    """A date with its month: "2026-11-18", "11月18日", "12/1"; English month names are left
    to dateparser in `_parse_when_clean`."""
    if m := _YMD.search(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC_DATE.search(text):
        return _numeric_date(m, today, first_is_day)
    return _zh_month_day(text, today)


def _zh_month_day(text: str, today: date) -> date | None:
    if m := _ZH_MONTH_DAY.search(text):
        day = _zh_int(m.group(3))
        word = m.group(2)
        if day is None:
            return None
        if word[0] in "上本这這":
            return _past_day_of_month(today, day, 1 if word[0] == "上" else 0)
        month = _zh_int(word[:-1])
        if month is None:
            return None
        if m.group(1):
            return _safe_date(int(m.group(1)), month, day)
        found = _safe_date(today.year, month, day)
        # No year given: the customer means the latest such day that has already happened.
        return found if found is None or found <= today else _safe_date(today.year - 1, month, day)
    return None


# "last week", "上个月": a period, not a day. Asked "when?", the customer who can say no
# better is taken at their word; in a story it leaves the day to be asked.
_VAGUE_PERIOD = re.compile(
    r"(?i)^(?:(?:last|past|previous)\s+(?:week|month)|(?:上|这|這|本)\s?(?:个|個)?月"
    rf"|上(?:个|個)?{_WEEK})$")


def _rule_date(text: str, today: date, lenient: bool = True) -> date | None:
    """Relative forms: "上周二", "三天前", "18号", "the 1st", "yesterday"."""
    if m := _ZH_WEEKDAY_RE.search(text):
        weekday = _ZH_WEEKDAY[m.group(2)]
        monday = today - timedelta(days=today.weekday())
        weeks_back = {"上上": 2, "上": 1}.get(m.group(1) or "", 0)
        found = monday - timedelta(weeks=weeks_back) + timedelta(days=weekday)
        return found - timedelta(weeks=1) if found > today else found
    if m := _ZH_AGO.search(text):
        amount = _zh_int(m.group(1))
        if amount is None:
            return None
        return today - timedelta(days=amount if m.group(2) in "天日" else 7 * amount)
    if lenient and _ZH_LAST_WEEK.search(text):
        return today - timedelta(weeks=1)
    if m := _ZH_DAY.search(text):
        day = _zh_int(m.group(1))
        return _past_day_of_month(today, day, None) if day else None
    if m := _EN_ORDINAL_DAY.search(text):
        day = int(m.group(1))
        return _past_day_of_month(today, day, None) if day else None
    if m := _FIXED_RE.search(text):
        word = m.group().lower()
        return today - timedelta(days=2 if word.startswith("the day") else _FIXED_DAYS[word])
    return None


def _dateparser_settings(now: datetime) -> dict[str, Any]:
    return {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def _dateparser(phrase: str, now: datetime) -> date | None:
    # Keyed to the minute: "yesterday" asked 2,000 times a second costs one parse, while
    # "3 hours ago" still moves with the clock.
    return _dateparser_cached(phrase.lower(), now.replace(second=0, microsecond=0, tzinfo=None))


@text_cache(max_bytes=2 * 1024 * 1024, max_key_chars=64)
def _dateparser_cached(phrase: str, now: datetime) -> date | None:
    import dateparser

    languages = ["zh"] if re.search(r"[\u4e00-\u9fff]", phrase) else ["en"]
    parsed = dateparser.parse(phrase, languages=languages, settings=_dateparser_settings(now))
    return parsed.date() if parsed else None


def local_now(now: datetime, tz: str | tzinfo | None) -> datetime:
    """`now` on the desk's wall clock: "yesterday" said at 07:00 in Taipei is the day before
    the Taipei date, whatever the date is in UTC. A naive `now` is taken as already local."""
    if tz is None or now.tzinfo is None:
        return now
    return now.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def parse_when(
    text: str, now: datetime, lenient: bool = False, *, locale: str | None = None,
    tz: str | tzinfo | None = None,
) -> date | None:
    """The date something happened, relative to `now` (in time zone `tz` when given, the
    desk's HEARD_TIMEZONE): "last Tuesday", "3 days ago", "on 1 December", "2026-11-18",
    "11月18日", "上週二", "前天", "12/1" (month first unless the `locale` writes the day first,
    as en-GB does). Future dates are invalid (None): a complaint is about the past.
    `lenient` (the bot asked "when?") also hands a short answer that matched no known pattern
    to dateparser as a whole ("Monday morning I think")."""
    clean = to_simplified(normalize(text)[:MAX_SCAN])
    return parse_when_clean(clean, local_now(now, tz), lenient, locale)


def parse_when_clean(
    clean: str, now: datetime, lenient: bool, locale: str | None = None
) -> date | None:
    """`parse_when` on text already normalised and simplified, `now` already local."""
    today = now.date()
    found = _explicit_date(clean, today, day_first(locale))
    for pattern in (_EN_EXPLICIT, None, _EN_RELATIVE, _ZH_DATEPARSER):
        if found is not None:
            break
        if pattern is None:
            found = _rule_date(clean, today, lenient)
            continue
        for m in pattern.finditer(clean):
            if not lenient and _VAGUE_PERIOD.match(m.group().strip()):
                continue
            found = _dateparser(m.group(), now)
            if found is not None:
                break
    if found is None and lenient and (dotted := _DOTTED_DATE.match(clean)):
        found = _numeric_date(dotted, today, day_first(locale) or not locale)
    if (found is None and lenient and len(clean) <= 64 and _PLAIN_TEXT.match(clean)
            and _WORDY.search(clean)):
        # Asked "when?", a short answer is worth a whole-text parse; dateparser's
        # search_dates would cost milliseconds per turn for little gain. Digits alone
        # ("1.12") it reads as a time of today.
        found = _dateparser(clean, now)
    return found if found is not None and found <= today else None


# A problem that has lasted a while ("for three weeks", "已经三个礼拜了"): the date the
# record needs is when it started, not the day of whatever the story mentions next.
_LASTING = re.compile(
    r"(?i)\bfor\s+(?:the\s+(?:past|last)\s+)?(?:(?:\d+|a|one|two|three|four|five|six|several"
    r"|many|a\s+few|a\s+couple\s+of)\s+)?(?:days|weeks|months)\b|\bfor\s+ages\b"
    rf"|已经[^，。！？]{{0,6}}(?:天|{_WEEK}|个月|個月|个多月|個多月)了|(?:好几|好幾)(?:天|{_WEEK}|个月|個月)了")


def lasting(text: str) -> bool:
    """The message says the problem has gone on for a while."""
    return bool(_LASTING.search(to_simplified(text)))


def warm_up_dates() -> None:
    now = datetime.now()
    _dateparser("last tuesday", now)
    _dateparser("3个月前", now)
    day_first("en-GB")
