"""Pull complaint details (phone, order number, amount, date) out of free text.

Customers answer in any order and any script, often several details in one message, so every
extractor scans the whole message. Libraries do the hard parts: `phonenumbers` for phones,
`cn2an` for Chinese numerals, `dateparser` for dates. dateparser costs ~0.5 ms a call and
seconds to load, so it only sees short phrases that already look like dates.

An order number has no standard format, so it follows a documented pattern (see
`parse_order_no`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dialogs.language import to_simplified
from dialogs.text_cache import text_cache

# Details sit in the first lines; scanning a pasted novel would only cost time.
MAX_SCAN = 5000

_CURRENCY_BY_REGION = {"CN": "CNY", "TW": "TWD", "US": "USD", "HK": "HKD"}
_MAX_AMOUNT = Decimal("100000000")


@dataclass(frozen=True, slots=True)
class Extracted:
    phone: str | None = None
    order_no: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    when: date | None = None


_HSPACE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r" ?\n[\s]*")


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), drop control and format characters
    except newline/tab, collapse runs of whitespace. For understanding text, not for keeping
    it: the customer's own words are kept with `clean`."""
    if not text:
        return ""
    return clean(unicodedata.normalize("NFKC", text))


def clean(text: str) -> str:
    """The customer's words as written, minus what cannot be shown: control and format
    characters (other than newline and tab) and runs of blank space."""
    if not text:
        return ""
    if text.isprintable():  # the common case: nothing to drop, at C speed
        return _HSPACE.sub(" ", text).strip()
    # Category C covers controls, bidi overrides and zero-width characters: none carry data.
    text = "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    )
    text = _HSPACE.sub(" ", text)
    return _LINE_BREAKS.sub("\n", text).strip()


# --- phones -----------------------------------------------------------------------------------

# Cheap gate: the phonenumbers matcher costs ~80 µs, so only run it when 7+ digits could form one.
_PHONE_HINT = re.compile(r"\d[\d\s().\-]{5,}\d")


def _find_phone(text: str, region: str) -> tuple[str, tuple[int, int]] | None:
    if not _PHONE_HINT.search(text):
        return None
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(
        text, region, leniency=phonenumbers.Leniency.VALID
    ):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        return e164, (match.start, match.end)
    return None


def parse_phone(text: str, region: str = "CN") -> str | None:
    """The first valid phone number in `text` as E.164 ("+8613800138000"), else None.

    Numbers without a country code are read in `region`; "+1 …" overrides it."""
    found = _find_phone(normalize(text)[:MAX_SCAN], region)
    return found[0] if found else None


# --- order numbers ----------------------------------------------------------------------------

_ORDER_CUE = re.compile(
    r"(?:(?<![A-Za-z])order(?:\s*(?:no\.?|number|num|id|code|ref))?"
    r"|订单(?:编号|号码|号)?|訂單(?:編號|號碼|號)?|单号|單號|运单号|運單號|#)"
    r"\s*(?:is|是|为|為|:|#)?\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]{3,31})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9][A-Za-z0-9-]{2,31}(?![A-Za-z0-9-])")
# Tokens that are money, not references: "RMB1200", "USD45".
_MONEY_TOKEN = re.compile(r"(?i)^(?:rmb|cny|usd|twd|ntd?|hkd)\d+$")


def _digit_count(token: str) -> int:
    return sum(ch.isdigit() for ch in token)


def _find_order(
    text: str, lenient: bool, avoid: tuple[int, int] | None = None
) -> tuple[str, tuple[int, int]] | None:
    def usable(token: str, start: int) -> bool:
        overlaps = avoid is not None and avoid[0] <= start < avoid[1]
        return not overlaps and _digit_count(token) >= 4 and token.strip("-") == token

    for m in _ORDER_CUE.finditer(text):
        if usable(m.group(1), m.start(1)):
            return m.group(1).upper(), m.span(1)
    for m in _TOKEN.finditer(text):
        token = m.group()
        has_letters = any(ch.isalpha() for ch in token)
        if not usable(token, m.start()) or _MONEY_TOKEN.match(token):
            continue
        if has_letters or (lenient and len(token) >= 4):
            return token.upper(), m.span()
    return None


def parse_order_no(text: str, lenient: bool = False) -> str | None:
    """An order number, upper-cased, or None.

    Pattern (no library knows shop order formats): 4–32 letters/digits/dashes with at least
    4 digits, either right after a cue ("order no", "#", "订单号", "單號"…) or, without a cue,
    only if it mixes letters and digits ("JD20261118001", "AB-123456"). A plain digit run
    without a cue is too often a phone or an amount; `lenient` (the bot just asked for the
    order number) accepts it. Phones are the caller's job to exclude (see SlotExtractor).
    """
    found = _find_order(normalize(text)[:MAX_SCAN], lenient)
    return found[0] if found else None


# --- amounts ----------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_CN_NUM = r"[零〇一二两兩三四五六七八九十百千万萬亿億点點壹贰貳叁參肆伍陆陸柒捌玖拾佰仟]+"
_SCALE = r"(?:万|萬|千|k|K)?"
_PREFIX_CURRENCIES = {
    "nt$": "TWD",
    "us$": "USD",
    "hk$": "HKD",
    "$": "USD",
    "¥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "usd": "USD",
    "twd": "TWD",
    "ntd": "TWD",
    "hkd": "HKD",
    "人民币": "CNY",
    "人民幣": "CNY",
    "美元": "USD",
    "新台币": "TWD",
    "新台幣": "TWD",
    "台币": "TWD",
    "台幣": "TWD",
    "港币": "HKD",
    "港幣": "HKD",
}
_SUFFIX_CURRENCIES = {
    "元": "CNY",
    "圆": "CNY",
    "圓": "CNY",
    "块钱": "CNY",
    "塊錢": "CNY",
    "块": "CNY",
    "塊": "CNY",
    "yuan": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "kuai": "CNY",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "usd": "USD",
    "美元": "USD",
    "美金": "USD",
    "台币": "TWD",
    "台幣": "TWD",
    "新台币": "TWD",
    "新台幣": "TWD",
    "twd": "TWD",
    "ntd": "TWD",
    "hkd": "HKD",
    "港币": "HKD",
    "港幣": "HKD",
    "人民币": "CNY",
    "人民幣": "CNY",
}


def _alternation(words: dict[str, str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_AMOUNT_PREFIXED = re.compile(
    rf"(?i)(?<![A-Za-z])({_alternation(_PREFIX_CURRENCIES)})\s?({_NUM})({_SCALE})"
)
_AMOUNT_SUFFIXED = re.compile(
    rf"(?i)(?<![\d.,])({_NUM}|{_CN_NUM})\s?({_SCALE})\s?({_alternation(_SUFFIX_CURRENCIES)})"
    r"(?![A-Za-z])"
)
# A bare number counts only when the bot asked for an amount, and never as part of a date,
# time or code ("11月", "3:30", "A123").
_BARE_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9_.,:/*()+=<>{{}}\[\]#-])({_NUM})({_SCALE})"
    r"(?![A-Za-z0-9_:/%*()+=<>{}\[\]#月日号號年点點时時分秒个個次-]|\.\d)"
)
_SCALES = {"万": 10000, "萬": 10000, "千": 1000, "k": 1000, "K": 1000, "": 1}


def _to_decimal(number: str, scale: str) -> Decimal | None:
    try:
        if number and not number[0].isdigit():
            import cn2an

            value = Decimal(str(cn2an.cn2an(number, "smart")))
        else:
            value = Decimal(number.replace(",", ""))
    except (ValueError, InvalidOperation, KeyError, TypeError):
        # cn2an raises ValueError for strings that only look numeric ("点点").
        return None
    value *= _SCALES.get(scale, 1)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))  # "1.2万" → 12000, not 12000.0
    return value if Decimal(0) < value < _MAX_AMOUNT else None


def _find_amount(
    text: str, lenient: bool, default_currency: str
) -> tuple[Decimal, str, tuple[int, int]] | None:
    candidates: list[tuple[int, Decimal, str, tuple[int, int]]] = []
    for m in _AMOUNT_PREFIXED.finditer(text):
        value = _to_decimal(m.group(2), m.group(3))
        if value is not None:
            candidates.append((m.start(), value, _PREFIX_CURRENCIES[m.group(1).lower()], m.span()))
    for m in _AMOUNT_SUFFIXED.finditer(text):
        value = _to_decimal(m.group(1), m.group(2))
        if value is not None:
            currency = _SUFFIX_CURRENCIES[m.group(3).lower()]
            candidates.append((m.start(), value, currency, m.span()))
    if not candidates and lenient:
        for m in _BARE_NUMBER.finditer(text):
            value = _to_decimal(m.group(1), m.group(2))
            if value is not None:
                return value, default_currency, m.span()
    if not candidates:
        return None
    _, value, currency, span = min(candidates, key=lambda c: c[0])
    return value, currency, span


def parse_amount(
    text: str, lenient: bool = False, default_currency: str = "CNY"
) -> tuple[Decimal, str] | None:
    """The first money amount and its ISO currency: "¥299", "RMB 1,200", "$45.50",
    "三百五十元", "两千块", "NT$500". 元/块/¥/RMB mean CNY, $/dollars USD, NT$/台幣 TWD.
    A bare "299" counts only when `lenient`, in `default_currency`."""
    found = _find_amount(normalize(text)[:MAX_SCAN], lenient, default_currency)
    return (found[0], found[1]) if found else None


# --- dates ------------------------------------------------------------------------------------

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
_WEEKDAYS = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?"
_EN_DATE = re.compile(
    r"(?i)(?<![A-Za-z])(?:"
    rf"(?:last|this|past|previous)\s+(?:week|month|{_WEEKDAYS})"
    rf"|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of)\s+"
    r"(?:days?|weeks?|months?)\s+ago"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?"
    r"|the\s+\d{1,2}(?:st|nd|rd|th)"
    rf"|(?:on\s+)?{_WEEKDAYS}"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r")(?![A-Za-z])"
)
# dateparser reads almost anything with digits as a date ("{{ 7*7 }}" → 7 July), so even a
# lenient search only looks at text made of words, digits and ordinary punctuation.
_PLAIN_TEXT = re.compile(r"^[\w\s,.:;'/!?，。！？、-]+$")
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


def _rule_date(text: str, today: date) -> date | None:
    if m := _YMD.search(text):
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
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
    if _ZH_LAST_WEEK.search(text):
        return today - timedelta(weeks=1)
    if m := _ZH_DAY.search(text):
        day = _zh_int(m.group(1))
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


def parse_when(text: str, now: datetime, lenient: bool = False) -> date | None:
    """The date something happened, relative to `now`: "last Tuesday", "3 days ago",
    "2026-11-18", "11月18日", "上週二", "前天". Future dates are invalid (None): a complaint
    is about the past. `lenient` (the bot asked "when?") also hands a short answer that
    matched no known pattern to dateparser as a whole ("Monday morning I think")."""
    clean = to_simplified(normalize(text)[:MAX_SCAN])
    return _parse_when_clean(clean, now, lenient)


def _parse_when_clean(clean: str, now: datetime, lenient: bool) -> date | None:
    today = now.date()
    found = _rule_date(clean, today)
    if found is None:
        for pattern in (_EN_DATE, _ZH_DATEPARSER):
            for m in pattern.finditer(clean):
                found = _dateparser(m.group(), now)
                if found is not None:
                    break
            if found is not None:
                break
    if found is None and lenient and len(clean) <= 64 and _PLAIN_TEXT.match(clean):
        # Asked "when?", a short answer is worth a whole-text parse; dateparser's
        # search_dates would cost milliseconds per turn for little gain.
        found = _dateparser(clean, now)
    return found if found is not None and found <= today else None


def warm_up() -> None:
    """Load dateparser's language data, phone metadata and cn2an now rather than on the first
    customer's message (dateparser alone takes about a second)."""
    now = datetime.now()
    _dateparser("last tuesday", now)
    _dateparser("3个月前", now)
    _find_phone("+86 138 0013 8000", "CN")
    _to_decimal("三百", "")


# --- all together -----------------------------------------------------------------------------

_SLOTS = ("phone", "order_no", "amount", "when", "product", "where")


def _blank(text: str, span: tuple[int, int] | None) -> str:
    """Replace a found detail with spaces so its digits are not read again as something else."""
    if span is None:
        return text
    start, end = span
    return text[:start] + " " * (end - start) + text[end:]


class SlotExtractor:
    """Finds every detail a message carries. Stateless after construction; safe to share."""

    def __init__(self, phone_region: str = "CN") -> None:
        self.phone_region = phone_region.upper()
        self.default_currency = _CURRENCY_BY_REGION.get(self.phone_region, "CNY")

    def extract(self, text: str, *, now: datetime, expect: str | None = None) -> Extracted:
        """Everything found in `text`. `expect` names the slot the bot just asked for, which
        makes that slot's parser accept weaker evidence (a bare "12345678" as order number, a
        bare "299" as amount, any date dateparser can find)."""
        if expect is not None and expect not in _SLOTS:
            raise ValueError(f"unknown slot {expect!r}")
        clean = normalize(text)[:MAX_SCAN]
        if not clean:
            return Extracted()
        rest = clean

        phone = _find_phone(rest, self.phone_region)
        order = None
        if expect == "order_no":
            # Asked for the order number: a digit run is the order number even if it could
            # also dial somewhere.
            order = _find_order(rest, lenient=True)
            if order and phone and phone[1][0] <= order[1][0] < phone[1][1]:
                phone = None
        rest = _blank(rest, phone[1] if phone else None)
        if order is None:
            order = _find_order(rest, lenient=False)
        rest = _blank(rest, order[1] if order else None)

        amount = _find_amount(rest, expect == "amount", self.default_currency)
        rest = _blank(rest, amount[2] if amount else None)
        when = _parse_when_clean(to_simplified(rest), now, expect == "when")
        return Extracted(
            phone=phone[0] if phone else None,
            order_no=order[0] if order else None,
            amount=amount[0] if amount else None,
            currency=amount[1] if amount else None,
            when=when,
        )
