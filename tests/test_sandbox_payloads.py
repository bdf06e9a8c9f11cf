"""Known Jinja sandbox escapes and resource bombs: refused when a bundle is checked, at the
line they are on, and bounded when rendered anyway (a version stored before the checks, or a
template that only misbehaves with some data): the customer gets the shipped default."""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import replace

import pytest

from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.bundle.shipped import shipped_bundle
from dialogs.bundle.validate import validate
from dialogs.templates import TemplateRecord, TemplateRepository, load_defaults

# Each on the second line of a greeting, after a harmless first line.
ESCAPES = {
    "str mro": "{{ ''.__class__.__mro__ }}",
    "str mro subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler globals": "{{ cycler.__init__.__globals__ }}",
    "cycler os popen": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "joiner globals": "{{ joiner.__init__.__globals__ }}",
    "namespace globals": "{{ namespace.__init__.__globals__ }}",
    "lipsum globals": "{{ lipsum.__globals__ }}",
    "lipsum builtins": "{{ lipsum.__globals__['__builtins__'] }}",
    "template reference context": "{{ self._TemplateReference__context }}",
    "self module": "{{ self.__init__.__globals__ }}",
    "tuple base subclasses loop": "{% for x in ().__class__.__base__.__subclasses__() %}"
                                  "{{ x }}{% endfor %}",
    "variable class": "{{ name.__class__.__init__.__globals__ }}",
    "subscript class": "{{ name['__class__'] }}",
    "attr filter": "{{ name|attr('__class__') }}",
    "attr filter built": "{{ name|attr('_' ~ '_class__') }}",
    "request application": "{{ request.application.__globals__.__builtins__ }}",
    "request environ": "{{ request.environ }}",
    "config items": "{{ config.items() }}",
    "config class": "{{ config.__class__.__init__.__globals__['os'] }}",
    "range globals": "{{ range.__globals__ }}",
    "generator frame": "{{ (range(3)|map('string')).gi_frame }}",
    "str format": "{{ '{0.__class__}'.format(name) }}",
    "dict constructor": "{{ dict(a=1).__class__ }}",
    "recursive loop": "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
}
BOMBS = {
    "string times a billion": "{{ 'x' * 10**9 }}",
    "string times a big product": "{{ 'x' * (1000 * 1000 * 1000) }}",
    "huge power": "{{ 2 ** (10**9) }}",  # Jinja reads 2 ** 10**9 as (2**10)**9
    "huge range": "{% for a in range(10**6) %}x{% endfor %}",
    "nested ranges": "{% for a in range(10**6) %}{% for b in range(10**6) %}x"
                     "{% endfor %}{% endfor %}",
    "nested small ranges": "{% for a in range(1000) %}{% for b in range(1000) %}x"
                           "{% endfor %}{% endfor %}",
    "length of a long string": "{{ ('a' * 99999)|length }}",
    "nested lengths": "{{ ('a' * ((('a' * 99999)|length) * 1000))|length }}",
    "join of long strings": "{{ ['x' * 40000] * 100|join }}",
    "join filter": "{{ (['x' * 40000] * 100)|join }}",
    "str join method": "{{ ''.join(['x' * 40000] * 1000) }}",
    "ljust": "{{ 'x'.ljust(10**8) }}",
    "center filter": "{{ 'x'|center(10**8) }}",
    "concat": "{{ ('x' * 40000) ~ ('x' * 40000) }}",
    "list times": "{{ [1, 2, 3] * 10**8 }}",
    "printf": "{{ '%099999999d' % 1 }}",
    "nested loops over data": "{% for a in range(1000) %}{% for f in [name] * 1000 %}{{ f }}"
                              "{% endfor %}{% endfor %}",
}
PAYLOADS = {**ESCAPES, **BOMBS}
SHIPPED = shipped_bundle()
DEFAULTS = load_defaults()
FALLBACK = "Hello Li, this is Acme"


def with_greeting(source: str) -> Bundle:
    by_locale = {loc: dict(t) for loc, t in SHIPPED.templates["greet"].items()}
    by_locale[Locale.EN][Tone.NEUTRAL] = source
    return replace(SHIPPED, templates={**SHIPPED.templates, "greet": by_locale})


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_refused_at_validation_at_its_line(payload: str) -> None:
    report = validate(with_greeting("Hello {{ name }}.\n" + payload))
    assert report.refusals, "published"
    assert {f.item for f in report.refusals} == {"templates/greet/en/neutral"}
    assert 2 in {f.line for f in report.refusals}, [str(f) for f in report.refusals]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_bounded_at_render_and_the_customer_gets_the_default(payload: str) -> None:
    repo = TemplateRepository(
        [TemplateRecord("greet", "en", "neutral", "Hello {{ name }}.\n" + payload, version=9)],
        DEFAULTS)
    tracemalloc.start()
    started = time.monotonic()
    try:
        out = repo.render("greet", "en", name="Li", brand="Acme")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.record.version == 1 and out.text.startswith(FALLBACK), out.text[:200]
    assert peak < 50 * 1024 * 1024
    assert time.monotonic() - started < 5


def test_a_bomb_only_some_data_sets_off_is_bounded_at_render() -> None:
    # Nothing constant to refuse: the size depends on the customer's name.
    source = "Hello {{ name }}.{% if name|length > 30 %}{{ name * 10**6 }}{% endif %}"
    assert validate(with_greeting(source)).ok
    repo = TemplateRepository([TemplateRecord("greet", "en", "neutral", source, version=9)],
                              DEFAULTS)
    assert repo.render("greet", "en", name="Li", brand="Acme").record.version == 9
    out = repo.render("greet", "en", name="L" * 40, brand="Acme")
    assert out.record.version == 1


def test_harmless_templates_like_the_payloads_are_not_refused() -> None:
    # Data attributes, small constants and loops within the step budget stay allowed.
    source = ("Hello {{ name|upper }}.{% for a in range(40) %}{% for b in range(40) %}"
              "{% endfor %}{% endfor %}{{ 'x' * 3 }}{{ 2 ** 10 }}{{ 'ab'.ljust(5) }}")
    assert validate(with_greeting(source)).ok


HIDDEN = ["{{ ''.__class__.__mro__ }}", "{{ self._TemplateReference__context }}",
          "{{ name|attr('__class__') }}", "{{ 'x' * 10**9 }}",
          "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}",
          "{{ ('a' * 99999)|length }}", "{{ lipsum.__globals__ }}"]


@pytest.mark.parametrize("payload", HIDDEN)
def test_refused_even_where_the_sample_data_never_reaches(payload: str) -> None:
    # The samples' name is "Li Wei": rendering them never runs the payload, reading it does.
    source = "Hello {{ name }}.\n{% if name == 'nobody' %}\n" + payload + "\n{% endif %}"
    report = validate(with_greeting(source))
    assert [(f.item, f.line) for f in report.refusals][:1] == [("templates/greet/en/neutral", 3)]
