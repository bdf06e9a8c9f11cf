"""The bundle a new service starts from (its version 1): the shipped dialogs/data/*.yaml and
the settings that used to hold the business hours and the dialog's times. A database from
before the bundle keeps its admins' edits: `with_stored_edits` lays them over the shipped one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from dialogs.bundle.data import canonical
from dialogs.bundle.model import (
    Bundle,
    Category,
    DialogTimes,
    Hours,
    Locale,
    Phrases,
    PhraseSet,
    Priority,
    SlaTarget,
    Span,
    Tone,
    Vip,
    Weekday,
)
from dialogs.escalation import EscalationRules, default_data
from dialogs.hours import parse_hours
from dialogs.meaning.examples import Example, load_default_examples
from dialogs.template_variables import all_samples
from dialogs.templates import TemplateRecord, load_defaults

log = logging.getLogger(__name__)

CATEGORY_PREFIX = "cat."


def shipped_bundle(*, timezone: str = "UTC", business_hours: str = "Mon-Sun 00:00-24:00",
                   times: DialogTimes | None = None) -> Bundle:
    return assemble(load_defaults(), load_default_examples(), default_data(),
                    timezone=timezone, business_hours=business_hours,
                    times=times or DialogTimes())


def assemble(templates: Iterable[TemplateRecord], examples: Iterable[Example],
             escalation: dict[str, Any], *, timezone: str, business_hours: str,
             times: DialogTimes) -> Bundle:
    """A bundle from the shapes the service kept before bundles: template records, example
    phrases, the escalation document (rules, priorities, teams) and the settings."""
    by_name: dict[str, dict[Locale, dict[Tone, str]]] = {}
    for r in templates:
        by_name.setdefault(r.name, {}).setdefault(Locale(r.locale), {})[Tone(r.tone)] = r.source
    phrases: dict[str, dict[Locale, list[str]]] = {}
    within: dict[str, bool] = {}
    for e in examples:
        found = phrases.setdefault(e.meaning, {}).setdefault(Locale(e.locale), [])
        if e.text not in found:
            found.append(e.text)
        within[e.meaning] = within.get(e.meaning, False) or e.within
    rules = {str(k): dict(v) for k, v in dict(escalation["rules"]).items()}
    vip_rule = rules.pop("vip", None) or {}
    routing = {str(k): str(v) for k, v in dict(escalation.get("teams") or {}).items()}
    categories = {name.removeprefix(CATEGORY_PREFIX): Category(
        team=routing.get(name.removeprefix(CATEGORY_PREFIX), routing.get("other", "")),
        examples=_frozen(by_locale))
        for name, by_locale in phrases.items() if name.startswith(CATEGORY_PREFIX)}
    return Bundle(
        templates=by_name,
        examples={m: PhraseSet(_frozen(p), within[m]) for m, p in phrases.items()
                  if not m.startswith(CATEGORY_PREFIX)},
        categories=categories,
        teams=tuple(sorted(set(routing.values()))),
        rules={name: canonical(body) for name, body in rules.items()},
        vip=Vip(Priority(str(vip_rule.get("priority", "P2"))),
                tuple(str(c) for c in vip_rule.get("channels") or ()),
                tuple(str(p) for p in vip_rule.get("phones") or ())),
        sla={Priority(p): SlaTarget(int(v["first_response_minutes"]),
                                    int(v.get("resolution_hours", 168)))
             for p, v in dict(escalation["priorities"]).items()},
        hours=hours_from_text(business_hours, timezone),
        times=times,
        samples=all_samples(),
    )


def hours_from_text(text: str, timezone: str) -> Hours:
    """BUSINESS_HOURS ("Mon-Fri 09:00-18:00; Sat 10:00-14:00") as the bundle holds hours."""
    week = parse_hours(text, timezone).week
    return Hours(timezone, {day: tuple(Span(a, b) for a, b in week[i])
                            for i, day in enumerate(Weekday)})


def _frozen(by_locale: dict[Locale, list[str]]) -> Phrases:
    return {loc: tuple(by_locale[loc]) for loc in Locale if loc in by_locale}


@dataclass(frozen=True)
class StoredEdits:
    """What admins changed in a database from before bundles: the templates and example
    phrases they wrote (not the seeded defaults) and the escalation document if edited."""

    templates: tuple[TemplateRecord, ...] = ()
    examples: tuple[Example, ...] = ()
    escalation: dict[str, Any] | None = None


def with_stored_edits(base: Bundle, edits: StoredEdits) -> Bundle:
    """`base` with the edits laid over it: an edited template replaces the shipped text, an
    added phrase joins its meaning, an edited rule replaces the shipped rule of its name
    (rules the edited document lacks, shipped later, are kept), edited priorities and team
    routing replace the shipped ones. An escalation document that no longer loads is left
    out, as the service did at start."""
    templates = {n: {loc: dict(tones) for loc, tones in by.items()}
                 for n, by in base.templates.items()}
    for r in edits.templates:
        if r.locale in set(Locale) and r.tone in set(Tone):
            templates.setdefault(r.name, {}).setdefault(Locale(r.locale), {})[
                Tone(r.tone)] = r.source
    examples = {m: dict(ps.phrases) for m, ps in base.examples.items()}
    categories = dict(base.categories)
    within = {m: ps.within for m, ps in base.examples.items()}
    for e in edits.examples:
        if e.locale not in set(Locale):
            continue
        loc = Locale(e.locale)
        if e.meaning.startswith(CATEGORY_PREFIX):
            name = e.meaning.removeprefix(CATEGORY_PREFIX)
            cat = categories.get(name)
            if cat is not None and e.text not in cat.examples.get(loc, ()):
                categories[name] = replace(cat, examples={
                    **cat.examples, loc: (*cat.examples.get(loc, ()), e.text)})
            continue
        found = examples.setdefault(e.meaning, {})
        if e.text not in found.get(loc, ()):
            found[loc] = (*found.get(loc, ()), e.text)
        within[e.meaning] = within.get(e.meaning, False) or e.within
    bundle = replace(base, templates=templates, categories=categories,
                     examples={m: PhraseSet(p, within[m]) for m, p in examples.items()})
    doc = edits.escalation
    if doc is None:
        return bundle
    try:
        EscalationRules.from_data(doc)
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as e:
        log.error("the stored escalation rules do not load (%s); version 1 has the shipped "
                  "ones", e)
        return bundle
    return _with_rules(bundle, doc)


def _with_rules(bundle: Bundle, doc: dict[str, Any]) -> Bundle:
    stored = {str(k): dict(v) for k, v in dict(doc["rules"]).items()}
    vip = stored.pop("vip", None)
    routing = {str(k): str(v) for k, v in dict(doc.get("teams") or {}).items()}
    categories = {name: replace(c, team=routing.get(name, c.team))
                  for name, c in bundle.categories.items()}
    return replace(
        bundle,
        rules={**bundle.rules, **{n: canonical(b) for n, b in stored.items()}},
        vip=bundle.vip if vip is None else Vip(
            Priority(str(vip.get("priority", "P2"))),
            tuple(str(c) for c in vip.get("channels") or ()),
            tuple(str(p) for p in vip.get("phones") or ())),
        sla={**bundle.sla, **{Priority(p): SlaTarget(int(v["first_response_minutes"]),
                                                     int(v.get("resolution_hours", 168)))
                              for p, v in dict(doc["priorities"]).items()}},
        categories=categories,
        teams=tuple(sorted({*bundle.teams, *routing.values()})),
    )
