"""Warnings about a template's wording (an admin may still publish): a phrase the playbook says
never to use (the bundle's `banned_phrases` for the template's locale), and in Chinese the
other script's characters or, in zh-TW, mainland-only terms (dialogs/wording.py)."""

from __future__ import annotations

from dialogs.bundle.findings import Report
from dialogs.bundle.model import Locale, Phrases
from dialogs.wording import banned_phrases_in, glossary, mainland_terms, other_script


def check_wording(item: str, locale: Locale, source: str, banned: Phrases,
                  report: Report) -> None:
    for hit in banned_phrases_in(source, banned.get(locale, ())):
        report.warn(item, f"“{hit.found}”: the playbook says never to say this to a customer",
                    hit.line)
    if locale is Locale.EN:
        return
    other = "Simplified" if locale is Locale.ZH_TW else "Traditional"
    for hit in other_script(source, str(locale)):
        report.warn(item, f"{other} characters in {locale}: {hit.found}", hit.line)
    if locale is Locale.ZH_TW:
        for hit in mainland_terms(source):
            forms = next(e.taiwan for e in glossary() if e.mainland == hit.found)
            report.warn(item, f"“{hit.found}” is mainland usage; Taiwan writes "
                              f"{'、'.join(forms)}", hit.line)

