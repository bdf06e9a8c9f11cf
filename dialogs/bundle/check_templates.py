"""Checks of the templates: each compiles in the sandbox, each template the dialog uses is
there in every locale, tone variants are not missing in one locale only, and rendered with
the sample data each fits in a Telegram message."""

from __future__ import annotations

from functools import cache

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SecurityError

from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle, Locale, Tone
from dialogs.sandbox import BoundedSandbox
from dialogs.sandbox_budget import TemplateBudgetExceeded
from dialogs.templates import TemplateRecord, TemplateRepository, load_defaults

# What Telegram accepts in one message.
MAX_MESSAGE_CHARS = 4096


@cache
def used_templates() -> frozenset[str]:
    """The templates the dialog asks for by name: the shipped ones."""
    return frozenset(r.name for r in load_defaults())


def check_templates(bundle: Bundle, report: Report) -> None:
    env = BoundedSandbox()
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
                _compiles(env, f"{item}/{locale}/{tone}", source, report)
    _render_samples(bundle, report)


def _compiles(env: BoundedSandbox, item: str, source: str, report: Report) -> bool:
    try:
        env.compile_source(source)
    except TemplateSyntaxError as e:
        report.refuse(item, f"template error: {e.message}", e.lineno)
        return False
    except (SecurityError, TemplateBudgetExceeded) as e:
        report.refuse(item, f"not allowed in a template: {e}")
        return False
    return True


def _render_samples(bundle: Bundle, report: Report) -> None:
    """Each template with sample data, rendered as a customer would get it."""
    env = BoundedSandbox()
    for name, values in sorted(bundle.samples.items()):
        for locale, tones in bundle.templates.get(name, {}).items():
            for tone, source in tones.items():
                item = f"templates/{name}/{locale}/{tone}"
                if not _compiles(env, item, source, Report()):
                    continue  # said already
                record = TemplateRecord(name, str(locale), str(tone), source)
                try:
                    text = TemplateRepository([record]).render(
                        name, str(locale), str(tone), **dict(values)).text
                except Exception as e:
                    report.refuse(item, f"fails with the sample data: {type(e).__name__}: {e}")
                    continue
                if len(text) > MAX_MESSAGE_CHARS:
                    report.refuse(item, f"{len(text)} characters with the sample data; "
                                        f"Telegram takes {MAX_MESSAGE_CHARS} in a message")
    for name in sorted(set(bundle.samples) - set(bundle.templates)):
        report.warn(f"samples/{name}", "sample data for a template that is not there")
