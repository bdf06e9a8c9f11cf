"""Money amounts and their currency, from the symbol, the word and the customer's locale.

"£", "pounds", "GBP" are pounds whoever writes them; "$", "dollars", "元" and "块" depend on
who writes them: "元" from a Taiwanese customer is New Taiwan dollars, from a mainland one
renminbi. A bare number (only when the bot asked for the amount) takes the currency of the
customer's region. Babel knows each region's currency.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from dialogs.slots.regions import territory_of
from dialogs.slots.text import MAX_SCAN, normalize

_MAX_AMOUNT = Decimal("100000000")
# Markers whose currency depends on the writer's region, resolved by `_local`.
DOLLAR, YUAN = "$?", "元?"

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_CN_NUM = r"[零〇一二两兩三四五六七八九十百千万萬亿億点點壹贰貳叁參肆伍陆陸柒捌玖拾佰仟]+"
_SCALE = r"(?:万|萬|千|k|K)?"
_PREFIX_CURRENCIES = {
    "nt$": "TWD", "us$": "USD", "hk$": "HKD", "cn¥": "CNY", "$": DOLLAR, "¥": "CNY",
    "£": "GBP", "€": "EUR", "rmb": "CNY", "cny": "CNY", "usd": "USD", "twd": "TWD",
    "ntd": "TWD", "hkd": "HKD", "gbp": "GBP", "eur": "EUR",
    "人民币": "CNY", "人民幣": "CNY", "美元": "USD", "新台币": "TWD", "新台幣": "TWD",
    "台币": "TWD", "台幣": "TWD", "港币": "HKD", "港幣": "HKD",
}
_SUFFIX_CURRENCIES = {
    "元": YUAN, "圆": YUAN, "圓": YUAN, "块钱": YUAN, "塊錢": YUAN, "块": YUAN, "塊": YUAN,
    "yuan": "CNY", "rmb": "CNY", "cny": "CNY", "kuai": "CNY",
    "dollars": DOLLAR, "dollar": DOLLAR, "bucks": DOLLAR, "usd": "USD", "美元": "USD",
    "美金": "USD", "台币": "TWD", "台幣": "TWD", "新台币": "TWD", "新台幣": "TWD",
    "台元": "TWD", "twd": "TWD", "ntd": "TWD", "hkd": "HKD", "港币": "HKD", "港幣": "HKD",
    "港元": "HKD", "人民币": "CNY", "人民幣": "CNY", "pounds": "GBP", "pound": "GBP",
    "quid": "GBP", "gbp": "GBP", "英镑": "GBP", "英鎊": "GBP", "euros": "EUR", "euro": "EUR",
    "eur": "EUR", "欧元": "EUR", "歐元": "EUR", "日元": "JPY", "日圓": "JPY", "日圆": "JPY",
    "日幣": "JPY", "日币": "JPY", "yen": "JPY",
}


def _alternation(words: dict[str, str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_AMOUNT_PREFIXED = re.compile(
    rf"(?i)(?<![A-Za-z])({_alternation(_PREFIX_CURRENCIES)})\s?({_NUM})({_SCALE})"
)
_AMOUNT_SUFFIXED = re.compile(
    # Not the tail of a longer number ("1,399"); a comma after a word is only punctuation.
    rf"(?i)(?<!\d)(?<!\d[.,])({_NUM}|{_CN_NUM})\s?({_SCALE})\s?({_alternation(_SUFFIX_CURRENCIES)})"
    r"(?![A-Za-z])"
)
# A bare number counts only when the bot asked for an amount, and never as part of a date,
# time or code ("11月", "3:30", "A123").
_BARE_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9_.,:/*()+=<>{{}}\[\]#-])({_NUM})({_SCALE})"
    r"(?![A-Za-z0-9_:/%*()+=<>{}\[\]#月日号號年点點时時分秒个個次-]|\.\d)"
)
_SCALES = {"万": 10000, "萬": 10000, "千": 1000, "k": 1000, "K": 1000, "": 1}


@lru_cache(maxsize=64)
def currency_of_region(region: str | None) -> str | None:
    """The currency a region pays in today ("TW" → "TWD"), from Babel's data."""
    if not region:
        return None
    from babel.numbers import get_territory_currencies

    try:
        found = get_territory_currencies(region.upper())
    except Exception:  # Babel raises its own errors for unknown territories
        return None
    return found[0] if found else None


def _local(marker: str, region: str | None) -> str:
    """What "$"/"dollars" or "元"/"块" mean from a customer in `region`."""
    if marker == DOLLAR:
        return region if region in ("TWD", "HKD") else "USD"
    return region if region in ("TWD", "HKD") else "CNY"


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


def find_amount(
    text: str, lenient: bool, default_currency: str, locale: str | None = None
) -> tuple[Decimal, str, tuple[int, int]] | None:
    """(value, ISO currency, span) of the first amount in normalised `text`."""
    local = currency_of_region(territory_of(locale))
    candidates: list[tuple[int, Decimal, str, tuple[int, int]]] = []
    for m in _AMOUNT_PREFIXED.finditer(text):
        value = _to_decimal(m.group(2), m.group(3))
        if value is not None:
            currency = _PREFIX_CURRENCIES[m.group(1).lower()]
            candidates.append((m.start(), value, currency, m.span()))
    for m in _AMOUNT_SUFFIXED.finditer(text):
        value = _to_decimal(m.group(1), m.group(2))
        if value is not None:
            currency = _SUFFIX_CURRENCIES[m.group(3).lower()]
            candidates.append((m.start(), value, currency, m.span()))
    if not candidates and lenient:
        for m in _BARE_NUMBER.finditer(text):
            value = _to_decimal(m.group(1), m.group(2))
            if value is not None:
                return value, local or default_currency, m.span()
    if not candidates:
        return None
    _, value, currency, span = min(candidates, key=lambda c: c[0])
    if currency in (DOLLAR, YUAN):
        currency = _local(currency, local)
    return value, currency, span


def parse_amount(
    text: str, lenient: bool = False, default_currency: str = "CNY", *,
    locale: str | None = None,
) -> tuple[Decimal, str] | None:
    """The first money amount and its ISO currency: "¥299", "RMB 1,200", "59.90 pounds",
    "三百五十元", "NT$500", "HK$80", "€12". "元"/"块" and "$"/"dollars" are read in the
    customer's `locale` ("zh-TW": New Taiwan dollars; otherwise renminbi and US dollars).
    A bare "299" counts only when `lenient`, in the locale's currency, else `default_currency`.
    """
    found = find_amount(normalize(text)[:MAX_SCAN], lenient, default_currency, locale)
    return (found[0], found[1]) if found else None
