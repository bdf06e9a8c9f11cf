"""The variables each template is given (dialogs/data/template_variables.yaml) against the code
that gives them (tests/template_calls.py reads every call site), and validation refusing a
variable a template's step does not give, at its line."""

from __future__ import annotations

from dataclasses import replace

import pytest
from jinja2 import meta

from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.bundle.shipped import shipped_bundle
from dialogs.bundle.validate import validate
from dialogs.sandbox import BoundedSandbox
from dialogs.template_variables import all_samples, variables_for
from dialogs.templates import load_defaults
from tests.template_calls import Site, iter_unreadable, provided, sites

SITES = sites()
NAMES = sorted({r.name for r in load_defaults()})
# Where a template name is only passed through (the say/render helpers and the prompt that
# renders what PROMPTS returned, read from prompts.py itself).
PASS_THROUGH = {("dialogs/turn/context.py", f) for f in ("render", "say", "prompt")}


def test_the_scanner_finds_the_call_sites() -> None:
    # A scanner that found nothing would pass every check below.
    assert len(SITES) > 60
    assert any(s.names_it("filed") and {"number", "due"} <= s.variables for s in SITES)
    assert any(s.via == "invalid" and s.names_it("invalid.category") for s in SITES)
    assert any(s.where.startswith("dialogs/turn/prompts.py") and s.names_it("summary")
               for s in SITES)
    assert any(s.where.startswith("dialogs/engine.py") and s.names_it("agent.closed")
               for s in SITES)


def test_every_site_passing_variables_names_its_template() -> None:
    unread = [s for s in iter_unreadable(SITES)
              if (s.where.split(":")[0], s.function) not in PASS_THROUGH]
    assert unread == []


@pytest.mark.parametrize("name", NAMES)
def test_the_table_lists_what_the_code_gives_and_no_more(name: str) -> None:
    surely, maybe = provided(name, SITES)
    listed = set(variables_for(name))
    assert surely <= listed, f"given by the code, missing from the table: {surely - listed}"
    assert listed <= maybe, f"in the table, given by no call: {listed - maybe}"


def test_the_table_names_only_templates_the_dialog_has() -> None:
    assert set(all_samples()) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_shipped_template_uses_only_its_variables(name: str) -> None:
    env = BoundedSandbox()
    for r in load_defaults():
        if r.name == name:
            used = meta.find_undeclared_variables(env.parse(r.source)) - set(env.globals)
            assert used <= set(variables_for(name)), (r.locale, r.tone)


def test_a_new_call_site_passing_an_unlisted_variable_would_fail() -> None:
    # The check above, on a made-up site: `t.say("greet", mood=...)`.
    fake = Site("dialogs/turn/x.py:1", "f", frozenset({"greet"}), None, frozenset({"mood"}))
    surely, _ = provided("greet", [*SITES, fake])
    assert "mood" in surely and "mood" not in variables_for("greet")


def test_variables_for_gives_samples_and_a_copy() -> None:
    filed = variables_for("filed")
    assert set(filed) == {"number", "team", "due", "resolve_by", "phone"}
    assert filed["number"].startswith("C-")
    filed["number"] = "changed"
    assert variables_for("filed")["number"] != "changed"
    assert variables_for("help") == {} and variables_for("no.such.template") == {}


SHIPPED = shipped_bundle()


def with_text(name: str, locale: Locale, source: str) -> Bundle:
    by_locale = {loc: dict(t) for loc, t in SHIPPED.templates[name].items()}
    by_locale[locale][Tone.NEUTRAL] = source
    return replace(SHIPPED, templates={**SHIPPED.templates, name: by_locale})


def test_a_variable_the_step_does_not_give_is_refused_at_its_line() -> None:
    b = with_text("filed", Locale.ZH_CN, "您的工单号是{{ number }}。\n"
                                         "{% if agent %}负责人：{{ agent }}{% endif %}")
    [f] = validate(b).refusals
    assert (f.item, f.line) == ("templates/filed/zh-CN/neutral", 2)
    assert "'agent' is not given" in f.message and "number" in f.message


def test_variables_set_or_looped_in_the_template_are_its_own() -> None:
    b = with_text("status.list", Locale.EN, "{% set n = tickets|length %}{{ n }}:"
                  "{% for t in tickets %} {{ loop.index }}. {{ t.number }}{% endfor %}"
                  "{{ range(2)|list|length }}")
    assert validate(b).ok


def test_a_template_given_nothing_may_use_no_variable() -> None:
    b = with_text("help", Locale.EN, "Type anything.\n\n{{ brand }}")
    [f] = validate(b).refusals
    assert (f.item, f.line) == ("templates/help/en/neutral", 3)
    assert "(it may use: none)" in f.message


def test_the_shipped_bundle_carries_the_samples() -> None:
    assert SHIPPED.samples["filed"] == variables_for("filed")
