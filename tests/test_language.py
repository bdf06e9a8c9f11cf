import pytest

from dialogs.language import (
    chinese_variant,
    detect_locale,
    locale_from_language_code,
    next_locale,
    opening_locale,
    script_evidence,
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


@pytest.mark.parametrize(
    ("current", "text"),
    [
        # Answers with no language of their own keep whatever the customer was using.
        ("zh-TW", "2"),
        ("zh-TW", "11月20日"),
        ("zh-TW", "修改"),  # written the same in both scripts
        ("zh-TW", "退款"),
        ("zh-TW", "3990元"),
        ("zh-TW", "ok"),
        ("zh-TW", "0912-345-678"),
        ("zh-TW", "JD20261118001"),
        ("zh-TW", "12/1"),
        ("zh-TW", "/foo"),
        ("zh-TW", "/frobnicate the order now please"),  # a command, however long
        ("zh-TW", "我们"),  # one Simplified-only character is not "several"
        ("zh-CN", "11月20日"),
        ("zh-CN", "台北"),  # 台 is Taiwan's own spelling too
        ("zh-CN", "ok"),
        ("zh-CN", "yes please"),
        ("zh-CN", "59.90 pounds"),
        ("zh-CN", "+1 415 555 0132"),
        ("zh-CN", "iPhone 15 Pro"),
        ("zh-CN", "/help"),
        ("en", "11月20日"),
        ("en", "3990元"),
        ("en", "修改"),
        ("en", "退款"),  # one short word
        ("en", "13800138000"),
        ("en", "2"),
        ("en", "👍"),
        ("en", ""),
    ],
)
def test_locale_sticks_on_answers_without_a_language(current: str, text: str) -> None:
    assert next_locale(current, text) == current


@pytest.mark.parametrize(
    ("current", "text", "expected"),
    [
        ("zh-TW", "我们说的这个问题怎么还没解决", "zh-CN"),
        ("zh-TW", "No, the phone is wrong, it's +1 415 555 0132", "en"),
        ("zh-CN", "你們說的這個問題怎麼還沒解決", "zh-TW"),
        ("zh-CN", "I just want my money back", "en"),
        ("en", "我的订单还没到", "zh-CN"),
        ("en", "我的訂單還沒到", "zh-TW"),
        ("en", "没有了，就这些", "zh-CN"),
    ],
)
def test_locale_changes_on_a_clear_sentence(current: str, text: str, expected: str) -> None:
    assert next_locale(current, text) == expected


def test_mixed_script_keeps_the_script_it_has_more_of() -> None:
    # A pasted Simplified order line inside a Traditional message is not a switch.
    assert next_locale("zh-TW", "這個訂單說是已经签收了") == "zh-TW"
    assert next_locale("zh-CN", "这个订单说是已經簽收了") == "zh-CN"


def test_neutral_chinese_sentence_from_english_follows_the_client_script() -> None:
    assert next_locale("en", "我要退款", prefer="zh-TW") == "zh-TW"
    assert next_locale("en", "我要退款", prefer=None) == "zh-CN"
    assert next_locale("en", "我们要退款", prefer="zh-TW") == "zh-CN"  # the script wins


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("你好", "en", "zh-CN"),  # Han on a first message is enough
        ("退款", "zh-TW", "zh-TW"),  # neutral text keeps the client's script
        ("謝謝", "zh-hans", "zh-TW"),
        ("hi", "zh-hans", "zh-CN"),  # a greeting in Latin letters is no sentence
        ("My parcel never arrived", "zh-hans", "en"),
        ("/start", "zh-hant", "zh-TW"),
        ("/foo", None, "zh-TW"),  # nothing to go on: the default
        ("ok", None, "en"),
        ("11月20日", None, "zh-CN"),
    ],
)
def test_opening_locale(text: str, hint: str | None, expected: str) -> None:
    default = "zh-TW" if text == "/foo" else "en"
    assert opening_locale(text, locale_from_language_code(hint), default) == expected


def test_script_evidence_counts_only_one_script_characters() -> None:
    assert script_evidence("修改 11月20日") == (0, 0)
    assert script_evidence("我們這麼說") == (4, 0)
    assert script_evidence("我们这么说") == (0, 4)
