"""Warnings about what a template says (an admin may still publish): the playbook's "never
say" phrases, kept in the bundle as an editable list, and each Chinese locale in its own script
and, for zh-TW, in Taiwan's words. The list moves with the bundle like every other part."""

from __future__ import annotations

from dataclasses import replace

from dialogs.bundle.data import from_data, to_data
from dialogs.bundle.diff import diff
from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.bundle.shipped import shipped_bundle
from dialogs.bundle.validate import validate
from dialogs.bundle.yaml_text import dump, load

SHIPPED = shipped_bundle()


def with_text(name: str, locale: Locale, source: str, b: Bundle = SHIPPED) -> Bundle:
    by_locale = {loc: dict(t) for loc, t in b.templates[name].items()}
    by_locale[locale][Tone.NEUTRAL] = source
    return replace(b, templates={**b.templates, name: by_locale})


def warnings(b: Bundle) -> list[tuple[str, int | None, str]]:
    report = validate(b)
    assert report.ok, [str(f) for f in report.refusals]  # warnings never stop a publish
    return [(f.item, f.line, f.message) for f in report.warnings]


def test_the_shipped_list_is_the_playbooks() -> None:
    banned = SHIPPED.banned_phrases
    assert {"calm down", "that's not our responsibility", "you should have",
            "as I already said", "I can't help you"} <= set(banned[Locale.EN])
    assert {"这不是我们的责任", "我不能帮你", "你冷静一点"} <= set(banned[Locale.ZH_CN])
    assert {"這不是我們的責任", "我不能幫你"} <= set(banned[Locale.ZH_TW])


def test_a_banned_phrase_is_warned_at_its_line_in_each_locale() -> None:
    b = with_text("empathy", Locale.EN, "I hear you.\nPlease CALM  down, we will sort it.")
    b = with_text("empathy", Locale.ZH_CN, "我理解。\n\n这不是我们的责任，但我们会帮您。", b)
    b = with_text("empathy", Locale.ZH_TW, "我不能幫你。", b)
    found = [(item, line, msg) for item, line, msg in warnings(b) if "playbook" in msg]
    assert [(item, line) for item, line, _ in found] == [
        ("templates/empathy/en/neutral", 2), ("templates/empathy/zh-CN/neutral", 3),
        ("templates/empathy/zh-TW/neutral", 1)]
    assert "“calm down”" in found[0][2]


def test_curly_apostrophes_count_and_words_must_be_whole() -> None:
    b = with_text("empathy", Locale.EN, "Sorry, that’s not our responsibility.")
    assert len(warnings(b)) == 1
    assert warnings(with_text("empathy", Locale.EN, "Do you mustard? We calmed downstairs.")) == []


def test_the_list_is_the_bundles_own_and_editable() -> None:
    b = with_text("empathy", Locale.EN, "Please calm down. Per our rules this is final.")
    assert len(warnings(b)) == 1
    quiet = replace(b, banned_phrases={**b.banned_phrases, Locale.EN: ("per our rules",)})
    [(_, _, message)] = warnings(quiet)
    assert "“per our rules”" in message


def test_the_list_is_stored_exported_imported_and_diffed() -> None:
    data = to_data(SHIPPED)
    assert data["banned_phrases"]["zh-TW"] == list(SHIPPED.banned_phrases[Locale.ZH_TW])
    assert load(dump(SHIPPED)) == SHIPPED
    edited = replace(SHIPPED, banned_phrases={**SHIPPED.banned_phrases,
                                              Locale.EN: ("calm down", "no way")})
    [change] = diff(SHIPPED, edited)
    assert change.item == "banned_phrases/en" and change.listed()[0] == ["no way"]
    assert from_data(to_data(edited)) == edited


def test_a_version_stored_before_the_list_loads_with_the_shipped_one() -> None:
    old = to_data(SHIPPED)
    del old["banned_phrases"], old["samples"]
    loaded = from_data(old)
    assert loaded.banned_phrases == SHIPPED.banned_phrases
    # Its templates are still checked with the shipped samples: nothing to refuse.
    assert validate(loaded).ok


def test_simplified_characters_and_mainland_terms_in_zh_tw_are_warned() -> None:
    b = with_text("empathy", Locale.ZH_TW,
                  "我們理解您的心情。\n請提供您的手機號，我们會通過簡訊聯絡您。")
    found = [(line, msg) for _, line, msg in warnings(b)]
    assert (2, "Simplified characters in zh-TW: 们") in found
    assert any(line == 2 and "“手機號”" in msg and "手機號碼" in msg for line, msg in found)
    assert any(line == 2 and "“通過”" in msg and "透過" in msg for line, msg in found)


def test_traditional_characters_in_zh_cn_are_warned_but_language_names_are_not() -> None:
    b = with_text("empathy", Locale.ZH_CN,
                  "我们理解您的心情。\n请稍候，我們马上处理。切换到繁體中文也可以。")
    assert [(line, msg) for _, line, msg in warnings(b)] == [
        (2, "Traditional characters in zh-CN: 們")]
