"""Checks of the templates: each compiles in the sandbox and keeps to it (check_sandbox), uses
only the variables its step gives it (check_variables), each template the dialog uses is there
in every locale, tone variants are not missing in one locale only, the wording keeps to the
playbook and to each locale's script (check_wording), and rendered with the sample data each
fits in a Telegram message."""

from __future__ import annotations

from functools import cache
from types import TracebackType
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SecurityError

from dialogs.bundle.check_sandbox import check_sandbox
from dialogs.bundle.check_variables import check_variables
from dialogs.bundle.check_wording import check_wording
from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.sandbox import BoundedSandbox
from dialogs.sandbox_budget import TemplateBudgetExceeded
from dialogs.template_variables import variables_for
from dialogs.templates import TemplateRecord, TemplateRepository, load_defaults

# What Telegram accepts in one message.
MAX_MESSAGE_CHARS = 4096


@cache
def used_templates() -> frozenset[str]:
    """The templates the dialog asks for by name: the shipped ones."""
    return frozenset(r.name for r in load_defaults())


def sample_values(bundle: Bundle, name: str) -> dict[str, Any]:
    """What template `name` is rendered with when checked and previewed: the shipped sample
    of each variable it is given, unless the bundle's `samples` say otherwise."""
    return {**variables_for(name), **dict(bundle.samples.get(name, {}))}


def check_templates(bundle: Bundle, report: Report) -> None:
    env = BoundedSandbox()
    # One repository for every render: each source is compiled once, by the sandbox it
    # renders in.
    repo = TemplateRepository([])
    for name in sorted(used_templates() - set(bundle.templates)):
        report.refuse(f"templates/{name}", "the dialog says this; it cannot be removed")
    for name, by_locale in sorted(bundle.templates.items()):
        item = f"templates/{name}"
        if name not in used_templates():
            report.warn(item, "the dialog never says a template of this name")
        for locale in Locale:
            if Tone.NEUTRAL not in by_locale.get(locale, {}):
                report.refuse(f"{item}/{locale}", f"no {locale} text: customers writing "
                                                  f"{locale} would get another language")
        toned = {t for tones in by_locale.values() for t in tones}
        for locale, tones in by_locale.items():
            for tone in sorted(toned - set(tones)):
                report.warn(f"{item}/{locale}/{tone}", f"other locales have a {tone} "
                            f"variant; {locale} falls back to its neutral text")
            for tone, source in tones.items():
                where = f"{item}/{locale}/{tone}"
                check_wording(where, Locale(locale), source, bundle.banned_phrases, report)
                record = TemplateRecord(name, str(locale), str(tone), source)
                if _safe(env, repo, record, where, report):
                    _render_sample(bundle, repo, record, where, report)
    _check_samples(bundle, report)


def _safe(env: BoundedSandbox, repo: TemplateRepository, record: TemplateRecord, item: str,
          report: Report) -> bool:
    """Compiles, keeps to the sandbox and to its variables: worth rendering."""
    before = len(report.refusals)
    try:
        repo.compile(record)
        tree = env.parse(record.source)
    except TemplateSyntaxError as e:
        report.refuse(item, f"template error: {e.message}", e.lineno)
        return False
    except (SecurityError, TemplateBudgetExceeded) as e:
        report.refuse(item, f"not allowed in a template: {e}")
        return False
    check_sandbox(item, tree, env, report)
    check_variables(item, record.name, tree, set(env.globals), report)
    return len(report.refusals) == before


def _render_sample(bundle: Bundle, repo: TemplateRepository, record: TemplateRecord,
                   item: str, report: Report) -> None:
    """The template with the sample data, rendered as a customer would get it."""
    repo.replace([record])
    try:
        text = repo.render(record.name, record.locale, record.tone,
                           **sample_values(bundle, record.name)).text
    except Exception as e:
        report.refuse(item, f"fails with the sample data: {type(e).__name__}: {e}",
                      _template_line(e.__traceback__))
        return
    if len(text) > MAX_MESSAGE_CHARS:
        report.refuse(item, f"{len(text)} characters with the sample data; "
                            f"Telegram takes {MAX_MESSAGE_CHARS} in a message")


def _template_line(tb: TracebackType | None) -> int | None:
    """The template's line an error came from: Jinja rewrites the traceback so that the
    template's own frames carry its line numbers."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _check_samples(bundle: Bundle, report: Report) -> None:
    for name, values in sorted(bundle.samples.items()):
        if name not in bundle.templates:
            report.warn(f"samples/{name}", "sample data for a template that is not there")
            continue
        given = variables_for(name)
        for var in sorted(set(values) - set(given)):
            report.warn(f"samples/{name}/{var}", "a sample for a variable this template is "
                                                 "not given")
