"""Facts read back right: currencies from symbol, word and locale; phones in the customer's
region; dates on the desk's calendar; a first message that tells everything; the read-back
showing every field, amounts as the customer's locale writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dialogs.conversation import Conversation
from dialogs.formatting import Formatter
from dialogs.messages import ConversationKey
from dialogs.slots import (
    Extracted,
    SlotExtractor,
    parse_amount,
    parse_order_no,
    parse_phone,
    parse_when,
    phone_example,
    region_for,
    warm_up,
)
from dialogs.templates import TemplateRepository, load_defaults

# Wednesday 2 December 2026, 02:00 in Shanghai and Taipei, still 1 December in UTC.
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def extractor() -> SlotExtractor:
    warm_up()
    return SlotExtractor("CN", timezone="Asia/Shanghai")


# --- currency ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("59.90 pounds", "en", (Decimal("59.90"), "GBP")),
        ("59.90 pounds", None, (Decimal("59.90"), "GBP")),
        ("£59.90", "zh-CN", (Decimal("59.90"), "GBP")),
        ("20 quid", "en", (Decimal("20"), "GBP")),
        ("GBP 12", "en", (Decimal("12"), "GBP")),
        ("HK$80", "en", (Decimal("80"), "HKD")),
        ("80港币", "zh-CN", (Decimal("80"), "HKD")),
        ("80港幣", "zh-TW", (Decimal("80"), "HKD")),
        ("US$10", "zh-TW", (Decimal("10"), "USD")),
        ("$45.50", "en", (Decimal("45.50"), "USD")),
        ("45 dollars", "en-US", (Decimal("45"), "USD")),
        ("NT$500", "en", (Decimal("500"), "TWD")),
        ("500新台币", "zh-CN", (Decimal("500"), "TWD")),
        ("500台幣", "zh-TW", (Decimal("500"), "TWD")),
        ("花了3990元", "zh-TW", (Decimal("3990"), "TWD")),
        ("兩千塊", "zh-TW", (Decimal("2000"), "TWD")),
        ("花了3990元", "zh-CN", (Decimal("3990"), "CNY")),
        ("两千块", "zh-CN", (Decimal("2000"), "CNY")),
        ("¥299", "zh-CN", (Decimal("299"), "CNY")),
        ("RMB 1,200", "en", (Decimal("1200"), "CNY")),
        ("人民币300", "zh-TW", (Decimal("300"), "CNY")),
        ("€12", "en", (Decimal("12"), "EUR")),
        ("12 euros", "en", (Decimal("12"), "EUR")),
        ("5000日元", "zh-CN", (Decimal("5000"), "JPY")),  # not 5000 renminbi
    ],
)
def test_currency_from_symbol_word_and_locale(
    text: str, locale: str | None, expected: tuple[Decimal, str]
) -> None:
    assert parse_amount(text, locale=locale) == expected


def test_a_bare_amount_takes_the_locale_currency() -> None:
    assert parse_amount("45", lenient=True, locale="en-GB") == (Decimal("45"), "GBP")
    assert parse_amount("3990", lenient=True, locale="zh-TW") == (Decimal("3990"), "TWD")
    # No region in the locale: the caller's default (PHONE_REGION's currency).
    assert parse_amount("45", lenient=True, locale="en", default_currency="USD") == (
        Decimal("45"), "USD")
    assert parse_amount("299", lenient=True) == (Decimal("299"), "CNY")


# --- order numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("订单号 3990元", None),  # money after the cue, not a reference
        ("order 1200rmb", None),
        ("order 4471 pounds", None),
        ("Order 4471-ZX, 59.90 pounds", "4471-ZX"),
    ],
)
def test_order_numbers_do_not_swallow_amounts(text: str, expected: str | None) -> None:
    assert parse_order_no(text) == expected


def test_order_numbers_do_not_swallow_phones(extractor: SlotExtractor) -> None:
    got = extractor.extract("订单号 88231，电话 0912-345-678", now=NOW, locale="zh-TW",
                            region="TW")
    assert (got.order_no, got.phone) == ("88231", "+886912345678")
    got = extractor.extract("3990TWD, call 13912345679", now=NOW)
    assert (got.order_no, got.amount, got.phone) == (None, Decimal("3990"), "+8613912345679")


# --- phones -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("locale", "language_code", "default", "expected"),
    [
        ("zh-TW", None, "CN", "TW"),
        ("zh-CN", "en-GB", "US", "CN"),  # the locale wins over Telegram's language_code
        ("en", "en-GB", "CN", "GB"),
        ("en", "en-US", "CN", "US"),
        ("en", None, "GB", "GB"),  # PHONE_REGION when its people speak the language
        ("en", None, "CN", "US"),  # but an English speaker is not assumed to be in China
        ("zh-CN", None, "GB", "CN"),
        (None, None, "tw", "TW"),
        ("xx-??", "", "CN", "CN"),
    ],
)
def test_region_for(
    locale: str | None, language_code: str | None, default: str, expected: str
) -> None:
    assert region_for(locale, language_code, default) == expected


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("(415) 555-0132", "US", "+14155550132"),
        ("(415) 555-0132", "GB", "+14155550132"),  # not valid in GB, valid in the US only
        ("0912-345-678", "TW", "+886912345678"),
        ("0912-345-678", "CN", "+886912345678"),  # a Taiwanese mobile from a mainland customer
        ("07700 900123", "GB", "+447700900123"),
        ("call me on 07700 900123", "US", "+447700900123"),  # never a Chinese landline
        ("13912345679", "CN", "+8613912345679"),
        ("13912345679", "GB", "+8613912345679"),
        ("+1 415 555 0132", "CN", "+14155550132"),  # a country code wins
        ("+44 7700 900123", "TW", "+447700900123"),
        ("+886 912 345 678", "US", "+886912345678"),
        ("5123 4567", "HK", "+85251234567"),
        ("7700 900123", "GB", None),  # no trunk prefix: not a UK mobile, and not guessed abroad
        ("12345", "GB", None),
        ("+1 555 555 5555", "US", None),  # possible, not valid
    ],
)
def test_phone_in_the_customers_region(text: str, region: str, expected: str | None) -> None:
    assert parse_phone(text, region) == expected


def test_the_phone_example_is_in_the_regions_format() -> None:
    assert phone_example("TW") == "0912 345 678"
    assert phone_example("GB").startswith("07")
    assert phone_example("US").startswith("(")
    assert parse_phone(phone_example("CN"), "CN") is not None
    assert phone_example("ZZ") == "+1 415 555 0134"


def test_the_prompt_and_hint_show_the_example() -> None:
    templates = TemplateRepository(load_defaults(), load_defaults())
    for locale in ("en", "zh-CN", "zh-TW"):
        for name in ("ask.contact", "invalid.phone"):
            text = templates.render(name, locale, example="0912 345 678").text
            assert "0912 345 678" in text
    assert "138 0013 8000" not in templates.render("invalid.phone", "zh-TW").text


def test_extract_reads_the_phone_in_the_region_given_per_call(extractor: SlotExtractor) -> None:
    assert extractor.extract("(415) 555-0132", now=NOW, region="US").phone == "+14155550132"
    assert extractor.extract("0912-345-678", now=NOW, region="TW").phone == "+886912345678"
    assert extractor.extract("07700 900123", now=NOW, region="GB").phone == "+447700900123"


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("on 1 December", "en", date(2026, 12, 1)),
        ("On the 1st December", "en", date(2026, 12, 1)),
        ("1 Dec", "en", date(2026, 12, 1)),
        ("the 1st", "en", date(2026, 12, 1)),
        ("12/1", "en", date(2026, 12, 1)),
        ("12/1", "zh-CN", date(2026, 12, 1)),
        ("1/12", "en-GB", date(2026, 12, 1)),
        ("28/11/2026", "en", date(2026, 11, 28)),  # only one reading is a date
        ("11月20日", "zh-CN", date(2026, 11, 20)),
        ("11月20日", "zh-TW", date(2026, 11, 20)),
        ("last Friday", "en", date(2026, 11, 27)),
        ("上週五", "zh-TW", date(2026, 11, 27)),
        ("上周五", "zh-CN", date(2026, 11, 27)),
        ("yesterday", "en", date(2026, 12, 1)),
        ("昨天", "zh-CN", date(2026, 12, 1)),
        ("前天", "zh-TW", date(2026, 11, 30)),
        # A named date beats a relative word elsewhere in the message.
        ("I called today about the kettle I bought on 1 December", "en", date(2026, 12, 1)),
    ],
)
def test_dates_on_the_desks_calendar(text: str, locale: str, expected: date) -> None:
    assert parse_when(text, NOW, locale=locale, tz="Asia/Shanghai") == expected


def test_relative_days_count_from_the_local_date() -> None:
    # 18:00 UTC on 1 December is already 2 December in Taipei.
    assert parse_when("yesterday", NOW, tz="Asia/Taipei") == date(2026, 12, 1)
    assert parse_when("yesterday", NOW, tz="UTC") == date(2026, 11, 30)
    assert parse_when("yesterday", NOW) == date(2026, 11, 30)  # an aware `now` in its own zone


def test_a_lenient_date_answer_of_digits_is_not_today() -> None:
    assert parse_when("1.12", NOW, lenient=True, locale="en-GB", tz="UTC") == date(2026, 12, 1)
    assert parse_when("3:30", NOW, lenient=True, tz="UTC") is None


def test_extractor_counts_days_in_its_time_zone(extractor: SlotExtractor) -> None:
    assert extractor.extract("昨天坏的", now=NOW).when == date(2026, 12, 1)
    assert SlotExtractor("CN").extract("昨天坏的", now=NOW).when == date(2026, 11, 30)


# --- a first message that tells everything ----------------------------------------------------

def test_first_message_in_english(extractor: SlotExtractor) -> None:
    got = extractor.extract(
        "Order 4471-ZX, the kettle from your Oxford Street store, bought on 28 November for "
        "59.90 pounds, it's dead; I want a refund, call me on 07700 900123",
        now=NOW, locale="en", region=region_for("en", "en-GB", "CN"))
    assert got == Extracted(
        phone="+447700900123", order_no="4471-ZX", amount=Decimal("59.90"), currency="GBP",
        when=date(2026, 11, 28), product="kettle", where="Oxford Street store")


def test_first_message_in_simplified_chinese(extractor: SlotExtractor) -> None:
    got = extractor.extract(
        "订单号 88231，上周五在朝阳大悦城店买的电水壶，花了3990元，一插电就跳闸，我要退货，"
        "电话 13912345679", now=NOW, locale="zh-CN", region="CN")
    assert got == Extracted(
        phone="+8613912345679", order_no="88231", amount=Decimal("3990"), currency="CNY",
        when=date(2026, 11, 27), product="电水壶", where="朝阳大悦城店")


def test_first_message_in_traditional_chinese(extractor: SlotExtractor) -> None:
    got = extractor.extract(
        "訂單號 88231，上週五在信義店買的電水壺，花了3990元，一插電就跳閘，我要退貨，"
        "電話 0912-345-678", now=NOW, locale="zh-TW", region=region_for("zh-TW", None, "CN"))
    assert got == Extracted(
        phone="+886912345678", order_no="88231", amount=Decimal("3990"), currency="TWD",
        when=date(2026, 11, 27), product="電水壺", where="信義店")


@pytest.mark.parametrize(
    "text",
    [
        "I was in the store yesterday and the staff were rude",  # no name: ask
        "The delivery from your store was late",
        "I bought the same one again",
        "我在店里买的东西坏了",
        "我在家里用的时候坏了",
        "在你们店里买的",
    ],
)
def test_no_store_or_product_is_guessed_from_vague_words(
    extractor: SlotExtractor, text: str
) -> None:
    got = extractor.extract(text, now=NOW)
    assert (got.where, got.product) == (None, None)


# --- the read-back ----------------------------------------------------------------------------

def _readback(slots: dict[str, object], locale: str) -> dict[str, str]:
    fmt = Formatter(TemplateRepository(load_defaults(), load_defaults()), "Asia/Shanghai")
    conv = Conversation(ConversationKey("web", "1"), slots=dict(slots), locale=locale)
    return {f["label"]: f["value"] for f in fmt.summary_fields(conv)}


def test_readback_shows_an_amount_the_category_did_not_ask_for() -> None:
    fields = _readback({"description": ["it's dead"], "category": "quality",
                        "product": "kettle", "order_no": "4471-ZX", "when": "2026-11-28",
                        "amount": "59.90", "currency": "GBP", "where": "Oxford Street store",
                        "outcome": "refund", "phone": "+447700900123"}, "en")
    assert fields["Amount"] == "£59.90"
    assert fields["Where"] == "Oxford Street store"
    assert fields["When"] == "28 November 2026"
    assert "¥" not in "".join(fields.values())


def test_readback_says_not_given_for_what_was_asked_and_not_known() -> None:
    fields = _readback({"description": ["charged twice"], "category": "billing",
                        "amount": None, "order_no": None}, "en")
    assert fields["Amount"] == fields["Order number"] == fields["When"] == "not given"
    assert "Where" not in fields  # never asked, never given


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("zh-TW", "TWD", "$3,990.00"),
        ("en", "TWD", "NT$3,990.00"),
        ("zh-CN", "CNY", "¥3,990.00"),
        ("zh-CN", "USD", "US$3,990.00"),
        ("en", "GBP", "£3,990.00"),
    ],
)
def test_readback_amounts_in_the_customers_locale(
    locale: str, currency: str, expected: str
) -> None:
    fields = _readback({"description": ["x"], "category": "billing", "amount": "3990",
                        "currency": currency}, locale)
    assert expected in fields.values()
