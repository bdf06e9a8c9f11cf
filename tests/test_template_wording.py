"""The wording of the shipped templates as a customer reads them: each locale in its own
script, zh-TW in Taiwan's words, no "他/她", and no punctuation doubled by a variable that
already ends a sentence (issue 10, sections 5 and 8)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dialogs.language import script_evidence
from dialogs.templates import LOCALES, TemplateRecord, TemplateRepository, load_defaults
from dialogs.wording import LANGUAGE_NAMES, glossary, other_script
from dialogs.wording import mainland_terms as glossary_hits

DEFAULTS = load_defaults()
REPO = TemplateRepository(DEFAULTS, DEFAULTS)
# The glossary the bundle's validation also warns with (dialogs/data/zh_tw_glossary.yaml).
GLOSSARY = glossary()

# Templates exempt from the Taiwan wording checks: none any more.
OWNED_ELSEWHERE: set[str] = set()


def zh_tw_records() -> list[TemplateRecord]:
    return [r for r in DEFAULTS if r.locale == "zh-TW"]


def record_id(r: TemplateRecord) -> str:
    return f"{r.name}/{r.locale}/{r.tone}"


def test_every_template_name_has_all_three_locales() -> None:
    by_name: dict[str, set[str]] = {}
    for r in DEFAULTS:
        by_name.setdefault(r.name, set()).add(r.locale)
    assert set(LOCALES) == {"en", "zh-CN", "zh-TW"}
    assert {n: sorted(locs) for n, locs in by_name.items() if locs != set(LOCALES)} == {}


def test_the_glossary_is_well_formed() -> None:
    assert len(GLOSSARY) >= 20
    for entry in GLOSSARY:
        assert entry.mainland and entry.taiwan and entry.why.strip(), entry
        assert entry.mainland not in entry.taiwan, entry


def mainland_terms(text: str) -> list[str]:
    return [hit.found for hit in glossary_hits(text)]


def test_the_glossary_check_sees_terms_and_spares_their_taiwan_forms() -> None:
    assert mainland_terms("請問問題型別是什麼？請輸入手機號。") == ["型別", "手機號"]
    assert mainland_terms("請問問題類別是什麼？請輸入手機號碼。") == []
    # Where: the line of the text it is on, for the admin studio to point at.
    assert [h.line for h in glossary_hits("您好。\n請輸入手機號。")] == [2]


@pytest.mark.parametrize("rec", [r for r in zh_tw_records() if r.name not in OWNED_ELSEWHERE],
                         ids=record_id)
def test_zh_tw_uses_taiwan_words(rec: TemplateRecord) -> None:
    assert mainland_terms(rec.source) == []


@pytest.mark.parametrize("rec", [r for r in zh_tw_records() if r.name not in OWNED_ELSEWHERE],
                         ids=record_id)
def test_zh_tw_quotes_with_corner_brackets(rec: TemplateRecord) -> None:
    assert not re.search("[“”‘’]", rec.source)


def strip_language_names(text: str) -> str:
    for name in LANGUAGE_NAMES:
        text = text.replace(name, "")
    return text


def test_the_other_script_is_found_by_line_and_language_names_are_spared() -> None:
    assert [(h.found, h.line) for h in other_script("請問您的\n訂单號碼", "zh-TW")] == [("单", 2)]
    assert [(h.found, h.line) for h in other_script("请问您的订單", "zh-CN")] == [("單", 1)]
    assert other_script("可以切换到繁體中文。", "zh-CN") == []


@pytest.mark.parametrize("rec", [r for r in DEFAULTS if r.locale.startswith("zh")],
                         ids=record_id)
def test_each_chinese_locale_is_written_in_its_own_script(rec: TemplateRecord) -> None:
    traditional, simplified = script_evidence(strip_language_names(rec.source))
    if rec.locale == "zh-TW":
        assert simplified == 0, rec.source
    else:
        assert traditional == 0, rec.source


def test_the_script_check_catches_a_stray_character() -> None:
    assert script_evidence("請問您的订單")[1] == 1
    assert script_evidence("请问您的訂单")[0] == 1


# What the variables hold in real conversations, per locale. Agents type resolutions as
# sentences, usually with their own full stop; labels come from the templates themselves.
def label(name: str, locale: str) -> str:
    return REPO.render(name, locale).text


def realistic(locale: str, resolution: str) -> dict[str, Any]:
    zh = locale.startswith("zh")
    return {
        "name": "王芳" if zh else "Li Wei",
        "brand": "Acme",
        "agent": "陈静" if zh else "Sam Taylor",
        "guess": label("category.delivery", locale),
        "count": 6,
        "number": "C-20261124-0042",
        "team": label("team.default", locale),
        "due": "11月25日 09:30" if zh else "Wed 25 Nov, 09:30",
        "when": "11月25日 15:00" if zh else "Wed 25 Nov, 15:00",
        "resolve_by": "2026年12月1日" if zh else "1 December 2026",
        "created": "2026年11月24日" if zh else "24 November 2026",
        "opens": "11月30日（周一）09:00" if zh else "09:00 on Monday 30 November",
        "tz": "北京时间" if zh else "UK time",
        "phone": "+86 138 0013 8000",
        "fields": [{"label": label("field.product", locale), "value": "MB-FB40"}],
        "tickets": [{"number": "C-20261124-0042", "status": label("status.open", locale),
                     "created": "2026年11月24日" if zh else "24 November 2026"}],
        "status": label("status.open", locale),
        "category": label("category.quality", locale),
        "hours": 72,
        "days": 30,
        "position": 3,
        "command": "/frobnicate",
        "kind": label("kind.photo", locale),
        "can_reply_here": True,
        "resolution": resolution,
    }


RESOLUTIONS = {
    "en": ["We refunded ¥299 to your card.", "Replacement sent!", "Refund issued",
           "Is a call at 3pm OK?"],
    "zh-CN": ["已为您全额退款。", "换货已寄出！", "已退款", "已为您安排维修，请问下午三点方便吗？"],
    "zh-TW": ["已為您全額退款。", "換貨已寄出！", "已退款", "已為您安排維修，請問下午三點方便嗎？"],
}
DOUBLED = re.compile(r"[。，、！？；：.,!?;:]{2}")
GENDERED = re.compile(r"他/她|她/他|他（她）|he/she|she/he|him/her|his/her|he or she",
                      re.IGNORECASE)


@pytest.mark.parametrize("rec", DEFAULTS, ids=record_id)
def test_rendered_with_real_data_no_doubled_punctuation_or_gendered_pronoun(
        rec: TemplateRecord) -> None:
    for resolution in RESOLUTIONS[rec.locale]:
        text = REPO.render(rec.name, rec.locale, rec.tone,
                           **realistic(rec.locale, resolution)).text
        assert not DOUBLED.search(text), text
        assert not GENDERED.search(text), text


def test_an_agent_closing_keeps_their_words_and_ends_one_sentence() -> None:
    closing = {loc: [REPO.render("agent.closed", loc, **realistic(loc, r)).text
                     for r in RESOLUTIONS[loc]] for loc in LOCALES}
    assert "已为您全额退款。感谢" in closing["zh-CN"][0]
    assert "已退款。感谢" in closing["zh-CN"][2]  # a resolution without its own full stop
    assert "已為您全額退款。感謝" in closing["zh-TW"][0]
    assert "card. Thank you" in closing["en"][0]
    assert "Refund issued. Thank you" in closing["en"][2]
    assert "3pm OK? Thank you" in closing["en"][3]
    assert all("陈静" in t for t in closing["zh-CN"])
