"""Filling a canned reply: plain placeholders from a fixed vocabulary, unknown ones refused
with their line, missing values read sensibly in each locale, the customer's locale first."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogs.formatting import customer_when
from dialogs.macros import Variable, check, choose, fill, problems


def test_variables_are_filled_and_braces_can_be_written() -> None:
    body = "Hi {customer_name}, {ticket_number} is with {agent_name}. {{not a variable}}"
    values = {Variable.CUSTOMER_NAME: "Mei", Variable.TICKET_NUMBER: "C-20261124-0001",
              Variable.AGENT_NAME: "alice"}
    assert fill(body, values, "en") == (
        "Hi Mei, C-20261124-0001 is with alice. {not a variable}")


def test_a_missing_value_reads_as_words_of_the_locale_never_none() -> None:
    body = "{customer_name}您好，我們會在{promised_time}前回覆您。"
    assert fill(body, {}, "zh-TW") == "顧客您好，我們會在盡快前回覆您。"
    assert fill("Hi {customer_name}", {Variable.CUSTOMER_NAME: None}, "en") == "Hi there"
    assert fill("{customer_name}您好", {Variable.CUSTOMER_NAME: ""}, "zh-CN") == "顾客您好"
    assert "None" not in fill("{promised_time}", {Variable.PROMISED_TIME: None}, "fr")


def test_values_are_inserted_as_text_not_read_as_placeholders() -> None:
    # A customer called "{agent_name}" stays so: one pass, nothing evaluated.
    assert fill("Hi {customer_name}", {Variable.CUSTOMER_NAME: "{agent_name}",
                                       Variable.AGENT_NAME: "alice"}, "en") == (
        "Hi {agent_name}")
    assert fill("{customer_name.__class__} {0}", {}, "en") == "{customer_name.__class__} {0}"


def test_unknown_placeholders_are_refused_with_their_line() -> None:
    body = "Hi {customer_name},\nyour order {order_no} is late.\n{{fine}} {agent}"
    found = problems(body)
    assert len(found) == 2
    assert found[0].startswith("line 2: unknown placeholder {order_no}")
    assert found[1].startswith("line 3: unknown placeholder {agent}")
    assert "{customer_name}" in found[0]  # says what may be used
    assert problems("Hi {customer_name}, {{x}} {ticket_number}") == []


def test_check_names_every_field_that_is_wrong() -> None:
    errors = check("Sorry Delay", "", {"en": "", "zh-TW": "{客戶}"})
    assert any(e.startswith("Name:") for e in errors)
    assert any(e.startswith("Title:") for e in errors)
    assert any(e.startswith("Text (zh-TW), line 1: unknown placeholder {客戶}") for e in errors)
    assert check("sorry-delay", "Apology", {"en": "Sorry, {customer_name}."}) == []
    assert check("x", "t", {"en": "a"})[0].startswith("Name:")  # too short
    assert any("at least one language" in e for e in check("ok-1", "t", {"en": " "}))


def test_the_customers_locale_first_then_the_same_language_then_english() -> None:
    bodies = {"en": "Sorry", "zh-CN": "抱歉", "zh-TW": "抱歉（繁）"}
    assert choose(bodies, "zh-TW").body == "抱歉（繁）"  # type: ignore[union-attr]
    only_cn = choose({"en": "Sorry", "zh-CN": "抱歉"}, "zh-TW")
    assert only_cn is not None and only_cn.locale == "zh-CN" and only_cn.fell_back
    only_en = choose({"en": "Sorry", "zh-TW": " "}, "zh-TW")
    assert only_en is not None and only_en.locale == "en"
    assert choose({"zh-TW": "您好"}, "en").locale == "zh-TW"  # type: ignore[union-attr]
    assert choose({}, "en") is None


def test_a_promised_time_is_written_as_the_customer_reads_it() -> None:
    moment = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert customer_when(moment, "zh-TW", "Asia/Taipei") == "11月24日 15:30（台北時間）"
    assert customer_when(moment, "en", "Europe/London") == "Tue 24 Nov, 07:30 UK time"
    assert customer_when(None, "en", "UTC") == ""


def test_used_lists_each_known_variable_once_in_order() -> None:
    from dialogs.macros import used

    body = "{ticket_number} {customer_name} {{agent_name}} {ticket_number} {nope}"
    assert used(body) == [Variable.TICKET_NUMBER, Variable.CUSTOMER_NAME]
