from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dialogs.slots import (
    Extracted,
    SlotExtractor,
    normalize,
    parse_amount,
    parse_order_no,
    parse_phone,
    parse_when,
    warm_up,
)

# A Friday: "last Tuesday" is 2026-11-17, "上周二" is 2026-11-10.
NOW = datetime(2026, 11, 20, 15, 0)


@pytest.fixture(scope="module")
def extractor() -> SlotExtractor:
    warm_up()
    return SlotExtractor()


def test_normalize() -> None:
    assert normalize("１３８００１３８０００") == "13800138000"
    assert normalize("  a\u200b\x00b \t\t c\n\n\n d ") == "ab c\nd"
    assert normalize("\u202eevil") == "evil"
    assert normalize("") == ""


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+86 138 0013 8000", "CN", "+8613800138000"),
        ("13800138000", "CN", "+8613800138000"),
        ("１３８００１３８０００", "CN", "+8613800138000"),
        ("我的手机是13800138000，谢谢", "CN", "+8613800138000"),
        ("(415) 555-0134", "US", "+14155550134"),
        ("call me on +1 415 555 0134", "CN", "+14155550134"),
        ("+886 912 345 678", "CN", "+886912345678"),
        ("12345", "CN", None),
        ("1380013", "CN", None),
        ("JD13800138000", "CN", None),
        ("2026-11-18", "CN", None),
        ("", "CN", None),
    ],
)
def test_parse_phone(text: str, region: str, expected: str | None) -> None:
    assert parse_phone(text, region) == expected


@pytest.mark.parametrize(
    ("text", "lenient", "expected"),
    [
        ("JD20261118001", False, "JD20261118001"),
        ("my order jd20261118001 is late", False, "JD20261118001"),
        ("AB-123456", False, "AB-123456"),
        ("order no. 12345678", False, "12345678"),
        ("order #98765", False, "98765"),
        ("订单号：12345678", False, "12345678"),
        ("訂單編號 TW-20261118", False, "TW-20261118"),
        ("單號是２０２６１１１８０００１", False, "202611180001"),
        ("12345678", False, None),  # digits alone may be a phone or an amount
        ("12345678", True, "12345678"),
        ("iPhone15 is broken", False, None),  # too few digits for a reference
        ("I paid RMB1200", False, None),
        ("hello", True, None),
        ("123", True, None),
    ],
)
def test_parse_order_no(text: str, lenient: bool, expected: str | None) -> None:
    assert parse_order_no(text, lenient) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥299", (Decimal("299"), "CNY")),
        ("￥２９９", (Decimal("299"), "CNY")),
        ("299元", (Decimal("299"), "CNY")),
        ("299.50 yuan", (Decimal("299.50"), "CNY")),
        ("RMB 1,200", (Decimal("1200"), "CNY")),
        ("$45.50", (Decimal("45.50"), "USD")),
        ("45 dollars", (Decimal("45"), "USD")),
        ("三百五十元", (Decimal("350"), "CNY")),
        ("两千块", (Decimal("2000"), "CNY")),
        ("多收了我两百块钱", (Decimal("200"), "CNY")),
        ("花了1.2万元", (Decimal("12000"), "CNY")),
        ("NT$500", (Decimal("500"), "TWD")),
        ("扣了我500新台幣", (Decimal("500"), "TWD")),
        ("299", None),
        ("0元", None),
        ("11月18日", None),
        ("", None),
    ],
)
def test_parse_amount(text: str, expected: tuple[Decimal, str] | None) -> None:
    assert parse_amount(text) == expected


def test_parse_amount_lenient() -> None:
    assert parse_amount("299", lenient=True) == (Decimal("299"), "CNY")
    assert parse_amount("大概299吧", lenient=True) == (Decimal("299"), "CNY")
    assert parse_amount("45", lenient=True, default_currency="USD") == (Decimal("45"), "USD")
    assert parse_amount("3:30", lenient=True) is None
    assert parse_amount("no idea", lenient=True) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last Tuesday", date(2026, 11, 17)),
        ("yesterday", date(2026, 11, 19)),
        ("the day before yesterday", date(2026, 11, 18)),
        ("3 days ago", date(2026, 11, 17)),
        ("on Nov 18", date(2026, 11, 18)),
        ("2026-11-18", date(2026, 11, 18)),
        ("11月18日", date(2026, 11, 18)),
        ("１１月１８日", date(2026, 11, 18)),
        ("十一月十八号", date(2026, 11, 18)),
        ("12月25日", date(2025, 12, 25)),  # no year: the last one that already happened
        ("上周二", date(2026, 11, 10)),
        ("上週二", date(2026, 11, 10)),
        ("周二", date(2026, 11, 17)),
        ("前天", date(2026, 11, 18)),
        ("昨天", date(2026, 11, 19)),
        ("两天前", date(2026, 11, 18)),
        ("18号", date(2026, 11, 18)),
        ("上个月15号", date(2026, 10, 15)),
        ("tomorrow", None),  # the future is not a complaint
        ("2026-12-01", None),
        ("2026-02-30", None),
        ("This is terrible", None),
        ("may I ask where my parcel is", None),
        ("3号楼", None),
    ],
)
def test_parse_when(text: str, expected: date | None) -> None:
    assert parse_when(text, NOW) == expected


def test_parse_when_lenient_searches_harder() -> None:
    assert parse_when("不记得了，大概上个月吧", NOW, lenient=True) == date(2026, 10, 20)
    assert parse_when("next week", NOW, lenient=True) is None
    assert parse_when("no idea", NOW, lenient=True) is None


def test_parse_when_accepts_aware_now() -> None:
    assert parse_when("last Tuesday", NOW.replace(tzinfo=UTC)) == date(2026, 11, 17)


def test_extract_everything_from_one_message(extractor: SlotExtractor) -> None:
    got = extractor.extract(
        "订单号１２３４５６７８，电话１３８００１３８０００，昨天多扣了我２９９元", now=NOW
    )
    assert got == Extracted(
        phone="+8613800138000",
        order_no="12345678",
        amount=Decimal("299"),
        currency="CNY",
        when=date(2026, 11, 19),
    )


def test_extract_mixed_script(extractor: SlotExtractor) -> None:
    got = extractor.extract("我的order JD20261118001还没到", now=NOW)
    assert got == Extracted(order_no="JD20261118001")


def test_extract_english(extractor: SlotExtractor) -> None:
    got = extractor.extract("order #AB-123456 was charged $45.50 twice on Nov 18", now=NOW)
    assert got == Extracted(
        order_no="AB-123456", amount=Decimal("45.50"), currency="USD", when=date(2026, 11, 18)
    )


def test_extract_traditional(extractor: SlotExtractor) -> None:
    got = extractor.extract("我上週二在你們3號店買的手機壞了，花了三千九百九十九元", now=NOW)
    assert got == Extracted(amount=Decimal("3999"), currency="CNY", when=date(2026, 11, 10),
                            product="手機", where="3號店")


def test_order_and_phone_digits_are_not_amounts(extractor: SlotExtractor) -> None:
    got = extractor.extract("13800138000", now=NOW, expect="amount")
    assert got.phone == "+8613800138000"
    assert got.amount is None
    got = extractor.extract("JD20261118001", now=NOW, expect="amount")
    assert got.order_no == "JD20261118001"
    assert got.amount is None
    assert got.when is None


def test_expect_makes_the_slot_lenient(extractor: SlotExtractor) -> None:
    assert extractor.extract("12345678", now=NOW).order_no is None
    assert extractor.extract("12345678", now=NOW, expect="order_no").order_no == "12345678"
    assert extractor.extract("299", now=NOW).amount is None
    assert extractor.extract("299", now=NOW, expect="amount").amount == Decimal("299")
    # Asked for the order number, a phone-shaped digit run is taken as the order number.
    asked = extractor.extract("13800138000", now=NOW, expect="order_no")
    assert asked == Extracted(order_no="13800138000")


def test_region_changes_phone_and_default_currency() -> None:
    us = SlotExtractor(phone_region="US")
    got = us.extract("(415) 555-0134", now=NOW)
    assert got.phone == "+14155550134"
    assert us.extract("45", now=NOW, expect="amount").currency == "USD"


def test_unknown_expect_is_a_programming_error(extractor: SlotExtractor) -> None:
    with pytest.raises(ValueError, match="colour"):
        extractor.extract("hi", now=NOW, expect="colour")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😡😡😡",
        "{{ 7*7 }}",
        "<script>alert(1)</script>",
        "'; DROP TABLE x; --",
        "\x00\x01\x02\u202e\u200b",
        "مرحبا، أين طلبي",
        "שלום, ההזמנה שלי לא הגיעה",
        "a" * 20000,
        "订单" * 10000,
    ],
)
@pytest.mark.parametrize("expect", [None, "phone", "order_no", "amount", "when", "where"])
def test_odd_input_gives_empty_result(
    extractor: SlotExtractor, text: str, expect: str | None
) -> None:
    assert extractor.extract(text, now=NOW, expect=expect) == Extracted()


def test_details_after_a_long_preamble_are_still_found(extractor: SlotExtractor) -> None:
    got = extractor.extract("很长的故事。" * 500 + "订单号JD20261118001", now=NOW)
    assert got.order_no == "JD20261118001"


def test_dates_follow_the_clock_despite_caching() -> None:
    assert parse_when("last Tuesday", NOW) == date(2026, 11, 17)
    assert parse_when("last Tuesday", datetime(2026, 11, 27, 9, 0)) == date(2026, 11, 24)


def test_lenient_when_parses_a_short_answer_whole(extractor: SlotExtractor) -> None:
    got = extractor.extract("Monday morning I think", now=NOW, expect="when")
    assert got.when == date(2026, 11, 16)
