import pytest

from dialogs.language import (
    chinese_variant,
    detect_locale,
    locale_from_language_code,
    to_simplified,
    to_traditional,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hant", "zh-TW"),
        ("zh-TW", "zh-TW"),
        ("zh-hk", "zh-TW"),
        ("zh-MO", "zh-TW"),
        ("zh_TW", "zh-TW"),
        ("zh-hans", "zh-CN"),
        ("zh-cn", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-sg", "zh-CN"),
        ("en", "en"),
        ("en-US", "en"),
        ("en-gb", "en"),
        ("ru", None),
        ("ja", None),
        ("english", None),
        ("", None),
        (None, None),
    ],
)
def test_locale_from_language_code(code: str | None, expected: str | None) -> None:
    assert locale_from_language_code(code) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的订单还没到", "zh-CN"),
        ("我的訂單還沒到，請幫我查一下", "zh-TW"),
        ("快遞員態度很差", "zh-TW"),
        ("台灣的訂單", "zh-TW"),  # 台 is converted by s2t too; 灣/訂/單 decide
        ("后台显示已签收", "zh-CN"),
        ("退款", "zh-CN"),  # written the same in both: the larger audience
        ("My order is late", "en"),
        ("ok", "en"),
        ("我的order JD20261118001还没到", "zh-CN"),
        ("I ordered 手机 last week and it never arrived", "en"),
        ("JD20261118001", None),
        ("13800138000", None),
        ("１３８００１３８０００", None),
        ("😡😡😡", None),
        ("", None),
        ("   \n\t ", None),
        ("!!!???", None),
        ("Привет, где мой заказ", None),
        ("مرحبا أين طلبي", None),
        ("こんにちは、注文が届きません", None),
        ("주문이 안 왔어요", None),
    ],
)
def test_detect_locale(text: str, expected: str | None) -> None:
    assert detect_locale(text) == expected


def test_detect_locale_survives_hostile_and_huge_input() -> None:
    assert detect_locale("{{ 7*7 }}") is None
    assert detect_locale("<script>alert(1)</script>") == "en"
    assert detect_locale("'; DROP TABLE x; --") == "en"
    assert detect_locale("\x00\x07\u202e") is None
    assert detect_locale("退款" * 10000) == "zh-CN"
    assert detect_locale("訂單" * 10000) == "zh-TW"


def test_conversion_round_trip() -> None:
    assert to_simplified("我的訂單還沒到") == "我的订单还没到"
    assert to_traditional("我的订单还没到") == "我的訂單還沒到"
    # s2twp uses Taiwanese vocabulary, not only characters.
    assert to_traditional("软件") == "軟體"
    assert to_simplified("order #123 ✓") == "order #123 ✓"
    assert to_simplified("") == ""
    assert to_traditional("") == ""


def test_chinese_variant_ignores_non_han() -> None:
    assert chinese_variant("abc 123") == "zh-CN"
    assert chinese_variant("ABC 這個") == "zh-TW"


def test_dialog_logic_stays_free_of_io_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, dialogs.language, dialogs.emotion, dialogs.slots, dialogs.categories\n"
        "dialogs.emotion.EmotionScorer(); dialogs.slots.warm_up()\n"
        "bad = {'telegram', 'aiohttp', 'sqlalchemy', 'asyncpg', 'aiosqlite'} & set(sys.modules)\n"
        "print(sorted(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
