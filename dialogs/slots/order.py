"""Order numbers. No library knows shop order formats, so they follow a documented pattern
(see `parse_order_no`)."""

from __future__ import annotations

import re

from dialogs.slots.text import MAX_SCAN, normalize

_ORDER_CUE = re.compile(
    r"(?:(?<![A-Za-z])order(?:\s*(?:no\.?|number|num|id|code|ref))?"
    r"|订单(?:编号|号码|号)?|訂單(?:編號|號碼|號)?|单号|單號|运单号|運單號|#)"
    r"\s*(?:is|是|为|為|:|#)?\s*(?:actually|really|其实是|其實是|应该是|應該是)?"
    r"\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]{3,31})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9][A-Za-z0-9-]{2,31}(?![A-Za-z0-9-])")
# Tokens that are money, not references: "RMB1200", "USD45", "1200rmb", "59GBP".
_MONEY_TOKEN = re.compile(
    r"(?i)^(?:(?:rmb|cny|usd|twd|ntd?|hkd|gbp|eur)\d+|\d+(?:rmb|cny|usd|twd|ntd?|hkd|gbp|eur|k))$")
# A token followed by a currency or a unit is an amount or a quantity: "3990元", "4471 pounds".
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:元|块|塊|圆|圓|万|萬|美元|港币|港幣|台币|台幣|pounds?|quid|dollars?|bucks|euros?"
    r"|yuan|kuai|%|年|月|日|号|號)")


def _digit_count(token: str) -> int:
    return sum(ch.isdigit() for ch in token)


def find_order(
    text: str, lenient: bool, avoid: tuple[int, int] | None = None
) -> tuple[str, tuple[int, int]] | None:
    def usable(token: str, start: int, end: int) -> bool:
        overlaps = avoid is not None and avoid[0] <= start < avoid[1]
        return (not overlaps and _digit_count(token) >= 4 and token.strip("-") == token
                and not _MONEY_TOKEN.match(token) and not _UNIT_AFTER.match(text, end))

    for m in _ORDER_CUE.finditer(text):
        if usable(m.group(1), m.start(1), m.end(1)):
            return m.group(1).upper(), m.span(1)
    for m in _TOKEN.finditer(text):
        token = m.group()
        has_letters = any(ch.isalpha() for ch in token)
        if not usable(token, m.start(), m.end()):
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
    order number) accepts it. Never a token that is money ("RMB1200", "3990元") or a date
    part. Phones are the caller's job to exclude (see SlotExtractor).
    """
    found = find_order(normalize(text)[:MAX_SCAN], lenient)
    return found[0] if found else None
