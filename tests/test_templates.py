"""Templates: complete in every locale, sandboxed, budgeted, and customer text stays data."""

from __future__ import annotations

import pytest

from dialogs.templates import LOCALES, TemplateRecord, TemplateRepository, load_defaults

DEFAULTS = load_defaults()


def repo(*records: TemplateRecord) -> TemplateRepository:
    return TemplateRepository([*DEFAULTS, *records], DEFAULTS)


def test_every_template_ships_in_every_locale() -> None:
    names = {r.name for r in DEFAULTS}
    have = {(r.name, r.locale) for r in DEFAULTS}
    missing = sorted((n, loc) for n in names for loc in LOCALES if (n, loc) not in have)
    assert missing == []


def test_every_default_renders_in_every_locale_and_tone() -> None:
    r = repo()
    data = {"name": "Li", "brand": "Acme", "guess": "Delivery", "count": 6, "number": "C-1",
            "team": "Team", "due": "soon", "phone": "+86", "fields": [{"label": "a",
            "value": "b"}], "tickets": [{"number": "C-1", "status": "open", "created": "x"}],
            "status": "open", "created": "x", "category": "Delivery", "hours": 72,
            "command": "/x", "kind": "photo", "can_reply_here": True}
    for rec in DEFAULTS:
        assert r.render(rec.name, rec.locale, rec.tone, **data).text.strip(), rec


def test_customer_text_is_data_not_template_source() -> None:
    out = repo().render("summary", "en", fields=[
        {"label": "What happened", "value": "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}"}])
    assert "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}" in out.text
    assert "49" not in out.text


@pytest.mark.parametrize("evil", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ name.__class__.__init__.__globals__ }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{% for i in range(900) %}{% for j in range(900) %}xxxxxxxx{% endfor %}{% endfor %}",
])
def test_a_broken_or_hostile_edited_template_falls_back_to_the_default(evil: str) -> None:
    edited = TemplateRecord("greet", "en", "neutral", evil, version=7)
    out = repo(edited).render("greet", "en", name="Li", brand="Acme")
    assert out.record.version == 1  # the shipped default answered
    assert out.text.startswith("Hello Li, this is Acme customer care.")


def test_an_edited_template_is_used_and_its_version_recorded() -> None:
    edited = TemplateRecord("greet", "en", "neutral", "Hi {{ name }}!", version=2)
    out = repo(edited).render("greet", "en", name="Li")
    assert (out.text, out.record.version) == ("Hi Li!", 2)


def test_objects_reach_templates_only_as_text() -> None:
    class Secret:
        def delete_everything(self) -> str:
            return "gone"

        def __str__(self) -> str:
            return "a secret"

    edited = TemplateRecord("greet", "en", "neutral", "{{ name.delete_everything() }}")
    out = repo(edited).render("greet", "en", name=Secret(), brand="Acme")
    assert "gone" not in out.text


def test_tone_falls_back_to_neutral_and_locale_to_english() -> None:
    r = TemplateRepository([TemplateRecord("only", "en", "neutral", "plain")])
    assert r.render("only", "zh-TW", "angry").text == "plain"
