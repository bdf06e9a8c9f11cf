"""Every detail a message carries, in one pass, read for the customer who wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from dialogs.language import to_simplified
from dialogs.slots.amount import currency_of_region, find_amount
from dialogs.slots.order import find_order
from dialogs.slots.phone import find_phone
from dialogs.slots.place import find_product, find_where
from dialogs.slots.text import MAX_SCAN, blank, normalize
from dialogs.slots.when import local_now, parse_when_clean
from dialogs.text_cache import text_cache

SLOTS = ("phone", "order_no", "amount", "when", "product", "where")


@dataclass(frozen=True, slots=True)
class Extracted:
    phone: str | None = None
    order_no: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    when: date | None = None
    product: str | None = None
    where: str | None = None


class SlotExtractor:
    """Finds every detail a message carries. Stateless after construction; safe to share.

    `phone_region` is PHONE_REGION, the region a customer's numbers are read in when nothing
    about them says otherwise; `timezone` is HEARD_TIMEZONE, whose calendar "yesterday" counts
    in."""

    def __init__(self, phone_region: str = "CN", timezone: str | tzinfo = "UTC") -> None:
        self.phone_region = phone_region.upper()
        self.default_currency = currency_of_region(self.phone_region) or "CNY"
        self.timezone: tzinfo = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._extracted = text_cache(max_bytes=1024 * 1024)(self._extract)

    def extract(
        self, text: str, *, now: datetime, expect: str | None = None,
        locale: str | None = None, region: str | None = None,
    ) -> Extracted:
        """Everything found in `text`. `expect` names the slot the bot just asked for, which
        makes that slot's parser accept weaker evidence (a bare "12345678" as order number, a
        bare "299" as amount, any date dateparser can find). `locale` is the customer's
        ("zh-TW": "元" is TWD, "1/12" is month first), `region` where their phone numbers are
        read (see `region_for`; PHONE_REGION when None)."""
        if expect is not None and expect not in SLOTS:
            raise ValueError(f"unknown slot {expect!r}")
        # To the minute, as dates are read: the same words read twice in a turn (or by many
        # customers in the same minute: "yesterday", a phone number) are read once.
        local = local_now(now, self.timezone).replace(second=0, microsecond=0)
        return self._extracted(text, local, expect, locale, region)

    def _extract(self, text: str, local: datetime, expect: str | None, locale: str | None,
                 region: str | None) -> Extracted:
        clean = normalize(text)[:MAX_SCAN]
        if not clean:
            return Extracted()
        rest = clean

        phone = find_phone(rest, region or self.phone_region)
        order = None
        if expect == "order_no":
            # Asked for the order number: a digit run is the order number even if it could
            # also dial somewhere.
            order = find_order(rest, lenient=True)
            if order and phone and phone[1][0] <= order[1][0] < phone[1][1]:
                phone = None
        rest = blank(rest, phone[1] if phone else None)
        # Amounts with a currency go before order numbers, so "订单 3990元" is money.
        amount = find_amount(rest, False, self.default_currency, locale)
        rest = blank(rest, amount[2] if amount else None)
        if order is None:
            order = find_order(rest, lenient=False)
        rest = blank(rest, order[1] if order else None)
        if amount is None and expect == "amount":
            amount = find_amount(rest, True, self.default_currency, locale)
            rest = blank(rest, amount[2] if amount else None)
        when = parse_when_clean(to_simplified(rest), local, expect == "when", locale)
        return Extracted(
            phone=phone[0] if phone else None,
            order_no=order[0] if order else None,
            amount=amount[0] if amount else None,
            currency=amount[1] if amount else None,
            when=when,
            product=find_product(rest),
            where=find_where(clean),
        )
