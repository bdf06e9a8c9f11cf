"""Templates: complete in every locale, sandboxed, budgeted, and customer text stays data."""

from __future__ import annotations

import tracemalloc

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


# -- the sandbox is bounded inside rendering, not only between output chunks

FALLBACK = "Hello Li, this is Acme customer care."
DOUBLINGS = "{% set a = 'xxxxxxxxxx' %}" + "{% set a = a ~ a %}" * 24 + "{{ a|length }}"
NESTED_LISTS = "{% set a = [1, 1] %}" + "{% set a = [a, a] %}" * 25 + "{{ a|string|length }}"

# Each of these made hundreds of megabytes, or ran on with no output chunk to stop it, or
# reached past the sandbox, before rendering was bounded from the inside.
HOSTILE = {
    "repeat a string": "{{ 'x' * 300000000 }}",
    "repeat a list": "{{ (['x'] * 100000000)|length }}",
    "a huge power": "{{ (2 ** 400000000) > 1 }}",
    "printf padding": "{{ ('%0100000000d' % 1)|length }}",
    "concatenation doubling": DOUBLINGS,
    "a macro doubling its argument": "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}"
                                     "{% else %}{{ s|length }}{% endif %}{% endmacro %}"
                                     "{{ f('x', 27) }}",
    "a macro calling itself twice": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}"
                                    "{% endif %}{% endmacro %}{{ f(40) }}",
    "a recursive loop": "{% for x in [1] recursive %}{{ loop([1, 1]) }}{% endfor %}",
    "str.ljust": "{{ 'x'.ljust(100000000)|length }}",
    "str.center": "{{ 'x'.center(100000000)|length }}",
    "str.zfill": "{{ '1'.zfill(100000000)|length }}",
    "str.format": "{{ '{:>100000000}'.format(1)|length }}",
    "str.replace": "{{ ('y' * 10000).replace('', 'x' * 10000)|length }}",
    "str.join": "{{ ','.join(['x' * 1000000] * 100)|length }}",
    "str.expandtabs": "{{ ('\t' * 1000).expandtabs(100000)|length }}",
    "the center filter": "{{ 'x'|center(100000000)|length }}",
    "the indent filter": "{{ ('a\nb' * 1000)|indent(100000)|length }}",
    "the wordwrap filter": "{{ ('x ' * 1000)|wordwrap(1, wrapstring='y' * 100000)|length }}",
    "the format filter": "{{ '%100000000s'|format('x')|length }}",
    "the replace filter": "{{ ('y' * 10000)|replace('', 'x' * 10000)|length }}",
    "the join filter": "{{ (['x' * 1000000] * 100)|join|length }}",
    "the list filter": "{{ range(1000)|map('center', 100000)|list|length }}",
    "nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
    "a set block filled by nested loops": "{% set s %}{% for i in range(1000) %}"
                                          "{% for j in range(1000) %}" + "x" * 100 +
                                          "{% endfor %}{% endfor %}{% endset %}{{ s|length }}",
    "nested shared lists": NESTED_LISTS,
    "a division by zero": "{{ 1 / 0 }}",
    "''.__class__.__mro__": "{{ ''.__class__.__mro__ }}",
    "cycler.__init__.__globals__": "{{ cycler.__init__.__globals__ }}",
    "self._TemplateReference__context": "{{ self._TemplateReference__context }}",
    "range.__globals__": "{{ range.__globals__ }}",
    "int.to_bytes": "{{ (1).to_bytes(100000000, 'big')|length }}",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_is_stopped_small_and_the_customer_still_gets_the_default(
        source: str) -> None:
    r = repo(TemplateRecord("greet", "en", "neutral", source, version=7))
    tracemalloc.start()
    try:
        out = r.render("greet", "en", name="Li", brand="Acme")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (out.record.version, out.text[:len(FALLBACK)]) == (1, FALLBACK)
    assert peak < 50 * 1024 * 1024


@pytest.mark.parametrize(("within", "beyond"), [
    ("{{ ('x' * 50000)|length }}", "{{ ('x' * 50001)|length }}"),
    ("{{ 'x'.ljust(50000)|length }}", "{{ 'x'.ljust(50001)|length }}"),
    ("{{ (('x' * 25000) ~ ('x' * 25000))|length }}",
     "{{ (('x' * 25000) ~ ('x' * 25001))|length }}"),
    ("{{ (2 ** 1023) > 1 }}", "{{ (2 ** 1024) > 1 }}"),
    ("{% for i in range(40) %}{% for j in range(40) %}{% endfor %}{% endfor %}ok",
     "{% for i in range(50) %}{% for j in range(50) %}{% endfor %}{% endfor %}ok"),
])
def test_a_template_inside_the_bounds_renders_and_one_past_them_falls_back(
        within: str, beyond: str) -> None:
    inside = repo(TemplateRecord("greet", "en", "neutral", within, version=7))
    assert inside.render("greet", "en", name="Li").record.version == 7
    outside = repo(TemplateRecord("greet", "en", "neutral", beyond, version=7))
    assert outside.render("greet", "en", name="Li").record.version == 1


def test_a_stored_template_that_does_not_compile_does_not_stop_the_start() -> None:
    broken = TemplateRecord("greet", "en", "neutral", "{% if %}", version=3)
    too_long = TemplateRecord("welcome_back", "en", "neutral", "x" * 20_000, version=3)
    r = repo(broken, too_long)
    r.compile_all()
    assert r.render("greet", "en", name="Li", brand="Acme").record.version == 1
    assert r.render("welcome_back", "en", name="Li").record.version == 1
