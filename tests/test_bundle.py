"""The configuration bundle as a value: plain data and YAML both ways, item-by-item diffs,
changed words, and validation's refusals and warnings, one case each."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dialogs.bundle.behaviour import build
from dialogs.bundle.data import BundleFormatError, from_data, to_data
from dialogs.bundle.diff import ChangeKind, diff
from dialogs.bundle.findings import Severity
from dialogs.bundle.model import (
    Bundle,
    Category,
    DialogTimes,
    Locale,
    Priority,
    Span,
    Tone,
    Vip,
    Weekday,
)
from dialogs.bundle.shipped import hours_from_text, shipped_bundle
from dialogs.bundle.validate import validate
from dialogs.bundle.words import Mark, word_diff
from dialogs.bundle.yaml_text import dump, load
from dialogs.reports.periods import PeriodKind

SHIPPED = shipped_bundle(timezone="Asia/Shanghai",
                         business_hours="Mon-Fri 09:00-18:00; Sat 10:00-14:00")


def with_template(b: Bundle, name: str, locale: Locale, tone: Tone, source: str) -> Bundle:
    by_locale = {loc: dict(tones) for loc, tones in b.templates.get(name, {}).items()}
    by_locale.setdefault(locale, {})[tone] = source
    return replace(b, templates={**b.templates, name: by_locale})


def with_rule(b: Bundle, name: str, **changes: Any) -> Bundle:
    return replace(b, rules={**b.rules, name: {**b.rules[name], **changes}})


def findings(b: Bundle, severity: Severity) -> list[tuple[str, str, int | None]]:
    return [(f.item, f.message, f.line) for f in validate(b).findings if f.severity is severity]


def refused(b: Bundle) -> list[str]:
    return [item for item, _, _ in findings(b, Severity.REFUSAL)]


def warned(b: Bundle) -> list[str]:
    return [item for item, _, _ in findings(b, Severity.WARNING)]


# --- as data and as YAML ----------------------------------------------------------------------

def test_the_shipped_bundle_is_clean() -> None:
    report = validate(SHIPPED)
    assert report.ok and report.findings == []


def test_yaml_round_trip_changes_nothing() -> None:
    text = dump(SHIPPED)
    again = load(text)
    assert again == SHIPPED and diff(SHIPPED, again) == []
    assert dump(again) == text  # the same bundle, the same text
    assert from_data(to_data(SHIPPED)) == SHIPPED


def test_a_multiline_template_and_odd_text_survive_the_round_trip() -> None:
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.ANGRY,
                      "Line one\n{% if name %}  {{ name }}{% endif %}\nlast: yes  ")
    b = replace(b, examples={**b.examples, "yes": replace(
        b.examples["yes"], phrases={**b.examples["yes"].phrases,
                                    Locale.EN: ("yes", "no", "12315", "1.5", "null", "'q'")})},
        hours=replace(b.hours, closed=(date(2026, 12, 25), date(2027, 1, 1))),
        vip=Vip(Priority.P1, ("telegram:42",), ("+8613800138000",)))
    text = dump(b)
    assert "|" in text  # the multi-line template as a block
    assert load(text) == b


def test_the_templates_written_as_in_the_shipped_file() -> None:
    data = to_data(SHIPPED)
    assert isinstance(data["templates"]["greet"]["en"], str)  # neutral only: the text itself
    assert set(data["templates"]["ack.story"]["en"]) == {"neutral", "upset", "angry"}
    assert list(data) == ["format", "templates", "examples", "categories", "teams", "rules",
                          "vip", "sla", "hours", "times", "samples", "banned_phrases"]


@pytest.mark.parametrize(("change", "item"), [
    (lambda d: d["templates"]["greet"].update({"fr": "Bonjour"}), "templates/greet/fr"),
    (lambda d: d.update({"colours": {}}), "colours"),
    (lambda d: d.pop("sla"), "sla"),
    (lambda d: d["hours"]["week"].update({"mon": ["9-18"]}), "hours/week/mon"),
    (lambda d: d["hours"].update({"closed": ["25 Dec"]}), "hours/closed"),
    (lambda d: d["times"].update({"idle_reminder_minutes": "soon"}),
     "times/idle_reminder_minutes"),
    (lambda d: d["times"].update({"lunch_minutes": 30}), "times/lunch_minutes"),
    (lambda d: d["examples"]["yes"]["en"].append(True), "examples/yes/en"),
    (lambda d: d.update({"reports": {"schedule": ["week", "fortnight"]}}),
     "reports/schedule/fortnight"),
    (lambda d: d.update({"reports": {"schedule": "week"}}), "reports/schedule"),
    (lambda d: d.update({"reports": {"send_at": "09:00"}}), "reports/send_at"),
])
def test_data_that_is_no_bundle_names_its_item(change: Any, item: str) -> None:
    data = to_data(SHIPPED)
    change(data)
    with pytest.raises(BundleFormatError) as e:
        from_data(data)
    assert e.value.item == item


def test_the_report_schedule_is_the_settings_until_the_studio_sets_one() -> None:
    # Version 1 and versions stored before the schedule was part of the bundle hold none.
    assert SHIPPED.report_schedule is None and "reports" not in to_data(SHIPPED)
    typed = load(dump(SHIPPED) + "reports:\n  schedule: [Quarter, month, month]\n")
    assert typed.report_schedule == (PeriodKind.MONTH, PeriodKind.QUARTER)
    assert load(dump(typed)) == typed
    [change] = diff(SHIPPED, typed)
    assert (change.item, change.kind, change.new) == ("reports/schedule", ChangeKind.ADDED,
                                                      ["month", "quarter"])
    none = replace(typed, report_schedule=())  # sent nothing: not the same as never set
    assert load(dump(none)).report_schedule == ()
    assert [c.item for c in diff(typed, none)] == ["reports/schedule"]


def test_yaml_that_does_not_parse_names_its_line() -> None:
    with pytest.raises(BundleFormatError) as e:
        load("format: 1\ntemplates:\n  greet: [unclosed\n")
    assert e.value.item.startswith("line ")


# --- diffs ------------------------------------------------------------------------------------

def test_an_edited_template_is_one_changed_item_with_old_and_new() -> None:
    old_text = SHIPPED.templates["greet"][Locale.EN][Tone.NEUTRAL]
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL, "Hi there!")
    [change] = diff(SHIPPED, b)
    assert (change.item, change.kind, change.old, change.new) == (
        "templates/greet/en/neutral", ChangeKind.CHANGED, old_text, "Hi there!")
    [back] = diff(b, SHIPPED)
    assert (back.old, back.new) == ("Hi there!", old_text)


def test_added_removed_and_listed_items() -> None:
    templates = dict(SHIPPED.templates)
    removed = templates.pop("need.story")
    b = replace(SHIPPED, templates=templates, vip=Vip(channels=("telegram:7",)))
    b = with_template(b, "greet", Locale.EN, Tone.ANGRY, "Hello, I hear you.")
    changes = {c.item: c for c in diff(SHIPPED, b)}
    assert changes["templates/greet/en/angry"].kind is ChangeKind.ADDED
    assert changes["templates/need.story/zh-TW/neutral"].kind is ChangeKind.REMOVED
    assert changes["templates/need.story/zh-TW/neutral"].old == removed[Locale.ZH_TW][Tone.NEUTRAL]
    vip = changes["vip/channels"]
    assert vip.kind is ChangeKind.CHANGED and vip.listed() == (["telegram:7"], [])
    assert len(changes) == 1 + len(removed) + 1


def test_changed_words_are_marked_in_english_and_chinese() -> None:
    pieces = word_diff("Hello, this is heard customer care.", "Hello, this is heard support.")
    assert [(p.mark, p.text) for p in pieces if p.mark is not Mark.SAME] == [
        (Mark.REMOVED, "customer care"), (Mark.ADDED, "support")]
    zh = word_diff("您好，这里是客服。", "您好，这里是售后客服。")
    assert [(p.mark, p.text) for p in zh if p.mark is not Mark.SAME] == [(Mark.ADDED, "售后")]


@pytest.mark.parametrize(("old", "new"), [
    ("", "new text"), ("same", "same"), ("a b c", "c b a"), ("請按「就這些」", "請點「就這些」。"),
    ("{{ name }}, hello", "hello {{ name }}"), ("  spaces  kept ", " spaces kept"),
])
def test_the_pieces_rebuild_both_texts(old: str, new: str) -> None:
    pieces = word_diff(old, new)
    assert "".join(p.text for p in pieces if p.mark is not Mark.ADDED) == old
    assert "".join(p.text for p in pieces if p.mark is not Mark.REMOVED) == new


# --- validation: templates ----------------------------------------------------------------------

def test_a_jinja_syntax_error_is_refused_at_its_line() -> None:
    b = with_template(SHIPPED, "greet", Locale.ZH_TW, Tone.NEUTRAL,
                      "您好\n這裡是{{ brand }}\n{% if name %}{{ name }")
    [(item, message, line)] = findings(b, Severity.REFUSAL)
    assert item == "templates/greet/zh-TW/neutral" and line == 3
    assert "template error" in message


def test_a_sandbox_escape_is_refused() -> None:
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL,
                      "{% for x in range(3) recursive %}{{ loop(x) }}{% endfor %}")
    assert refused(b) == ["templates/greet/en/neutral"]


def test_a_locale_missing_for_a_template_is_refused() -> None:
    by_locale = dict(SHIPPED.templates["greet"])
    del by_locale[Locale.ZH_TW]
    b = replace(SHIPPED, templates={**SHIPPED.templates, "greet": by_locale})
    assert refused(b) == ["templates/greet/zh-TW"]


def test_a_template_the_dialog_says_cannot_be_removed() -> None:
    templates = dict(SHIPPED.templates)
    del templates["filed"]
    assert refused(replace(SHIPPED, templates=templates)) == ["templates/filed"]


def test_an_unused_template_and_a_missing_tone_are_warnings() -> None:
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.ANGRY, "Hello. I'm listening.")
    b = with_template(b, "never.said", Locale.EN, Tone.NEUTRAL, "x")
    b = with_template(b, "never.said", Locale.ZH_CN, Tone.NEUTRAL, "x")
    b = with_template(b, "never.said", Locale.ZH_TW, Tone.NEUTRAL, "x")
    report = validate(b)
    assert report.ok
    assert warned(b) == ["templates/greet/zh-CN/angry", "templates/greet/zh-TW/angry",
                         "templates/never.said"]


def test_output_over_telegrams_limit_with_the_sample_data_is_refused() -> None:
    # Every template is rendered with the shipped sample of each variable it is given…
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL,
                      "Hello {{ name }}"
                      "{% for i in range(200) %} and a long line of text{% endfor %}")
    [(item, message, _)] = findings(b, Severity.REFUSAL)
    assert item == "templates/greet/en/neutral" and "4096" in message
    # …or with the bundle's own sample, which an admin may make as long as a real one gets.
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL, "Hello {{ name }}, welcome.")
    assert validate(b).ok
    b = replace(b, samples={"greet": {"name": "Li Wei" * 700, "brand": "heard"}})
    assert refused(b) == [f"templates/greet/{loc}/neutral" for loc in Locale]
    assert all("4096" in message for _, message, _ in findings(b, Severity.REFUSAL))


def test_a_template_failing_with_its_sample_data_is_refused_at_its_line() -> None:
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL,
                      "Hello,\n{{ 10 // (name|length - 6) }}")  # "Li Wei": six letters
    [(item, message, line)] = findings(b, Severity.REFUSAL)
    assert item == "templates/greet/en/neutral" and "ZeroDivisionError" in message
    assert line == 2
    assert validate(replace(b, samples={"greet": {"name": "Li Wei Chen"}})).ok


def test_a_resource_bomb_is_refused_with_the_sample_data() -> None:
    b = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL, "{{ 'x' * 10**9 }}")
    b = replace(b, samples={"greet": {}})
    assert refused(b) == ["templates/greet/en/neutral"]


# --- validation: phrases, rules, routing ------------------------------------------------------

def test_phrases_blank_too_long_missing_and_empty() -> None:
    yes = SHIPPED.examples["yes"]
    examples = {**SHIPPED.examples, "yes": replace(yes, phrases={
        **yes.phrases, Locale.EN: ("", "y" * 201), Locale.ZH_TW: ()})}
    del examples["human"]
    b = replace(SHIPPED, examples=examples)
    assert refused(b) == ["examples/human", "examples/yes/en", "examples/yes/en"]
    assert warned(b) == ["examples/yes/zh-TW"]


def test_an_empty_keyword_list_is_refused() -> None:
    b = with_rule(SHIPPED, "safety", words={"en": [], "zh": []})
    assert refused(b) == ["rules/safety/words"]
    b = with_rule(SHIPPED, "safety", words={"en": ["fire"], "zh": []})
    assert validate(b).ok and warned(b) == ["rules/safety/words/zh"]
    b = with_rule(SHIPPED, "safety", words={"en": ["fire", " "]})
    assert refused(b) == ["rules/safety/words/en"]


@pytest.mark.parametrize(("rule", "setting", "value"), [
    ("anger", "threshold", 1.5), ("anger", "threshold", 0), ("anger", "threshold", "high"),
    ("upset_streak", "count", 0), ("repeat_complainant", "days", 400),
    ("bot_failing", "invalid_in_a_row", -1),
])
def test_a_threshold_out_of_range_is_refused(rule: str, setting: str, value: Any) -> None:
    assert refused(with_rule(SHIPPED, rule, **{setting: value})) == [f"rules/{rule}/{setting}"]


def test_amounts_priorities_and_vips_are_checked() -> None:
    b = with_rule(SHIPPED, "high_amount", threshold={"CNY": 0, "usd": 700})
    assert refused(b) == ["rules/high_amount/threshold/CNY", "rules/high_amount/threshold/usd"]
    assert refused(with_rule(SHIPPED, "anger", priority="P0")) == ["rules/anger/priority"]
    b = replace(SHIPPED, vip=Vip(channels=("12345",), phones=("13800138000",)))
    assert refused(b) == ["vip/phones", "vip/channels"]
    b = replace(SHIPPED, rules={**SHIPPED.rules, "moon_phase": {"priority": "P4"}})
    assert validate(b).ok and warned(b) == ["rules/moon_phase"]


def test_a_team_that_does_not_exist_is_refused() -> None:
    cats = {**SHIPPED.categories, "delivery": replace(SHIPPED.categories["delivery"],
                                                      team="couriers")}
    b = replace(SHIPPED, categories=cats)
    [(item, message, _)] = findings(b, Severity.REFUSAL)
    assert item == "categories/delivery/team" and "couriers" in message
    # Added to the teams, it routes (and the team left without a category is only a warning).
    b = replace(b, teams=(*SHIPPED.teams, "couriers"))
    assert validate(b).ok and warned(b) == ["teams"]


def test_categories_are_the_dialogs_own() -> None:
    cats = dict(SHIPPED.categories)
    del cats["repair"]
    cats["weather"] = Category("customer_care")
    assert refused(replace(SHIPPED, categories=cats)) == ["categories/repair",
                                                          "categories/weather"]


def test_every_priority_needs_targets_and_a_slower_p1_is_warned() -> None:
    sla = dict(SHIPPED.sla)
    del sla[Priority.P4]
    assert refused(replace(SHIPPED, sla=sla)) == ["sla/P4"]
    sla = {**SHIPPED.sla, Priority.P1: replace(SHIPPED.sla[Priority.P1],
                                               first_response_minutes=120)}
    b = replace(SHIPPED, sla=sla)
    assert validate(b).ok and warned(b) == ["sla/P1/first_response_minutes"]


# --- validation: hours and times ----------------------------------------------------------------

def with_day(b: Bundle, day: Weekday, *spans: Span) -> Bundle:
    return replace(b, hours=replace(b.hours, week={**b.hours.week, day: spans}))


def test_overlapping_and_empty_spans_are_refused() -> None:
    b = with_day(SHIPPED, Weekday.MON, Span(9 * 60, 13 * 60), Span(12 * 60, 18 * 60))
    [(item, message, _)] = findings(b, Severity.REFUSAL)
    assert item == "hours/week/mon" and "overlap" in message
    b = with_day(SHIPPED, Weekday.TUE, Span(18 * 60, 9 * 60))
    [(item, message, _)] = findings(b, Severity.REFUSAL)
    assert item == "hours/week/tue" and "empty" in message
    # Back to back is no overlap.
    assert validate(with_day(SHIPPED, Weekday.MON, Span(540, 720), Span(720, 1080))).ok


def test_a_desk_that_never_opens_or_an_unknown_zone_is_refused() -> None:
    closed = replace(SHIPPED, hours=replace(SHIPPED.hours, week={d: () for d in Weekday}))
    assert refused(closed) == ["hours/week"]
    assert refused(replace(SHIPPED, hours=replace(SHIPPED.hours, timezone="Mars/Olympus"))) \
        == ["hours/timezone"]


def test_times_out_of_range_are_refused_and_a_reminder_never_sent_is_warned() -> None:
    b = replace(SHIPPED, times=DialogTimes(idle_reminder_minutes=0, reopen_days=400))
    assert refused(b) == ["times/idle_reminder_minutes", "times/reopen_days"]
    b = replace(SHIPPED, times=DialogTimes(idle_reminder_minutes=180, draft_expiry_hours=2))
    assert validate(b).ok and warned(b) == ["times/idle_reminder_minutes"]


def test_every_finding_at_once() -> None:
    b = with_rule(SHIPPED, "anger", threshold=7)
    b = with_day(b, Weekday.MON, Span(600, 540))
    b = with_template(b, "greet", Locale.EN, Tone.NEUTRAL, "{{ oops")
    assert refused(b) == ["templates/greet/en/neutral", "hours/week/mon",
                          "rules/anger/threshold"]


# --- what the engine runs on ----------------------------------------------------------------------

def test_the_behaviour_holds_the_bundles_rules_hours_and_teams() -> None:
    b = replace(SHIPPED, hours=replace(SHIPPED.hours, closed=(date(2026, 12, 25),)),
                teams=(*SHIPPED.teams, "couriers"),
                categories={**SHIPPED.categories, "delivery": replace(
                    SHIPPED.categories["delivery"], team="couriers")})
    b = with_rule(b, "anger", threshold=0.6)
    behaviour = build(b, 7)
    assert behaviour.version == 7
    assert behaviour.rules.team_for("delivery") == "couriers"
    assert behaviour.rules.rules["anger"]["threshold"] == 0.6
    assert "couriers" in behaviour.teams
    assert {r.version for r in behaviour.templates} == {7}
    # Christmas Day (a Friday) is closed: a case handed over on its morning waits for the
    # next opening, Saturday 10:00 in Shanghai.
    xmas_morning = datetime(2026, 12, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert not behaviour.hours.is_open(xmas_morning)
    assert behaviour.hours.next_opening(xmas_morning) == datetime(2026, 12, 26, 2, 0,
                                                                  tzinfo=UTC)
    assert build(SHIPPED, 1).hours.is_open(xmas_morning)


def test_hours_from_the_old_setting_keep_their_spans() -> None:
    h = hours_from_text("Mon-Fri 09:00-12:00; Mon-Fri 13:00-18:00; Sat 10:00-14:00", "UTC")
    assert h.week[Weekday.MON] == (Span(540, 720), Span(780, 1080))
    assert h.week[Weekday.SUN] == ()


def test_the_classifier_is_kept_when_the_phrases_are_the_same() -> None:
    first = build(SHIPPED, 1)
    greeting = with_template(SHIPPED, "greet", Locale.EN, Tone.NEUTRAL, "Hi!")
    assert build(greeting, 2, first).classifier is first.classifier
    yes = SHIPPED.examples["yes"]
    more = replace(SHIPPED, examples={**SHIPPED.examples, "yes": replace(yes, phrases={
        **yes.phrases, Locale.EN: (*yes.phrases[Locale.EN], "aye aye")})})
    rebuilt = build(more, 3, first)
    assert rebuilt.classifier is not first.classifier
    assert rebuilt.classifier.classify("aye aye", ("yes", "no")).choice == "yes"
