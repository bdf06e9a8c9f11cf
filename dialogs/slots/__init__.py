"""Pull complaint details (phone, order number, amount, date, store, product) out of free
text, read for the customer who wrote it: their region for phone numbers, their locale for
"元" and "$", the desk's time zone for "yesterday".

Customers answer in any order and any script, often several details in one message, so every
extractor scans the whole message. Libraries do the hard parts: `phonenumbers` for phones,
`cn2an` for Chinese numerals, `dateparser` for dates, Babel for regions and currencies.
"""

from __future__ import annotations

from datetime import datetime

from dialogs.slots.amount import currency_of_region, parse_amount
from dialogs.slots.extractor import SLOTS, Extracted, SlotExtractor
from dialogs.slots.order import parse_order_no
from dialogs.slots.phone import find_phone, parse_phone, phone_example
from dialogs.slots.place import find_product, find_where
from dialogs.slots.regions import region_for
from dialogs.slots.text import MAX_SCAN, clean, normalize
from dialogs.slots.when import lasting, parse_when, warm_up_dates

__all__ = [
    "MAX_SCAN", "SLOTS", "Extracted", "SlotExtractor", "clean", "currency_of_region",
    "find_product", "find_where", "lasting", "normalize", "parse_amount", "parse_order_no",
    "parse_phone", "parse_when", "phone_example", "region_for", "warm_up",
]


def warm_up() -> None:
    """Load dateparser's language data, phone metadata, Babel's data and cn2an now rather than
    on the first customer's message (dateparser alone takes about a second)."""
    warm_up_dates()
    find_phone("+86 138 0013 8000", "CN")
    parse_amount("三百元", locale="zh-TW")
    region_for("en", "en-GB", "CN")
    phone_example("CN")
    datetime.now()
