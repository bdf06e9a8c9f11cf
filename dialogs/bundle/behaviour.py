"""A published bundle turned into what the dialog runs on: template records, the classifier,
the escalation rules, the business hours, the times and the teams. Building it costs a tenth
of a second or more (the classifier), so it is built once per version, off the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.bundle.model import Bundle, DialogTimes, Weekday
from dialogs.bundle.shipped import CATEGORY_PREFIX
from dialogs.escalation import EscalationRules
from dialogs.hours import BusinessHours, week_hours
from dialogs.meaning import Classifier
from dialogs.meaning.examples import Example
from dialogs.templates import TemplateRecord


@dataclass(frozen=True)
class Behaviour:
    version: int
    templates: tuple[TemplateRecord, ...]
    classifier: Classifier
    rules: EscalationRules
    hours: BusinessHours
    times: DialogTimes
    teams: frozenset[str]
    # What the classifier was built from, so the next version may keep it.
    examples: tuple[Example, ...] = ()


def build(bundle: Bundle, version: int, previous: Behaviour | None = None) -> Behaviour:
    """Everything the engine adopts for `version`; raises what a bundle that does not load
    raises (validation refuses such a bundle before it is published). The classifier of
    `previous` is kept when the example phrases are the same: most publishes change words
    the bot says, not the ones it reads, and building one takes a few tenths of a second."""
    phrases = tuple(examples(bundle))
    classifier = (previous.classifier if previous is not None and previous.examples == phrases
                  else Classifier(list(phrases)))
    return Behaviour(version, tuple(template_records(bundle, version)), classifier,
                     EscalationRules.from_data(escalation_data(bundle)),
                     business_hours(bundle), bundle.times, frozenset(bundle.teams), phrases)


def template_records(bundle: Bundle, version: int) -> list[TemplateRecord]:
    # A reply records the version of the bundle its template came from.
    return [TemplateRecord(name, str(loc), str(tone), source, version)
            for name, by_locale in bundle.templates.items()
            for loc, tones in by_locale.items() for tone, source in tones.items()]


def examples(bundle: Bundle) -> list[Example]:
    out = [Example(meaning, str(loc), text, ps.within)
           for meaning, ps in bundle.examples.items()
           for loc, texts in ps.phrases.items() for text in texts]
    out += [Example(CATEGORY_PREFIX + name, str(loc), text)
            for name, cat in bundle.categories.items()
            for loc, texts in cat.examples.items() for text in texts]
    return out


def escalation_data(bundle: Bundle) -> dict[str, Any]:
    """The rules as dialogs.escalation reads them (the shape of dialogs/data/escalation.yaml)."""
    rules: dict[str, Any] = {name: dict(body) for name, body in bundle.rules.items()}
    rules["vip"] = {"priority": str(bundle.vip.priority), "channels": list(bundle.vip.channels),
                    "phones": list(bundle.vip.phones)}
    return {
        "priorities": {str(p): {"first_response_minutes": t.first_response_minutes,
                                "resolution_hours": t.resolution_hours}
                       for p, t in bundle.sla.items()},
        "rules": rules,
        "teams": {name: cat.team for name, cat in bundle.categories.items()},
    }


def business_hours(bundle: Bundle) -> BusinessHours:
    h = bundle.hours
    week = [[(s.start, s.end) for s in h.week.get(day, ())] for day in Weekday]
    return week_hours(week, ZoneInfo(h.timezone), frozenset[date](h.closed))
