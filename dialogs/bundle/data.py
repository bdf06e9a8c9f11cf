"""The bundle as plain data (dicts, lists, strings, numbers), the form it is stored and
exported in: `to_data` writes it in one canonical order, so the same bundle always gives the
same text, and `from_data(to_data(b)) == b`.

A template with only a neutral text is written as that text, as in dialogs/data/templates.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

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
    shipped_banned_phrases,
)
from dialogs.reports.periods import PeriodKind

FORMAT = 1
WITHIN = "within"
SECTIONS = ("templates", "examples", "categories", "teams", "rules", "vip", "sla", "hours",
            "times", "samples", "banned_phrases", "reports")
# Sections a bundle written before them lacks: read as their default.
OPTIONAL = ("samples", "banned_phrases", "reports")
E = TypeVar("E", bound=StrEnum)
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class BundleFormatError(ValueError):
    """The data is not a bundle: `item` says where ("templates/greet/fr")."""

    def __init__(self, item: str, message: str) -> None:
        super().__init__(f"{item}: {message}")
        self.item = item
        self.message = message


# --- writing ------------------------------------------------------------------------------

def to_data(bundle: Bundle, *, compact: bool = True) -> dict[str, Any]:
    """The bundle as plain data in canonical order; `compact=False` writes every template
    as tone → text (what a diff compares)."""
    templates: dict[str, Any] = {}
    for name in sorted(bundle.templates):
        by_locale: dict[str, Any] = {}
        for locale in Locale:
            tones = bundle.templates[name].get(locale)
            if tones is None:
                continue
            written = {str(t): tones[t] for t in Tone if t in tones}
            by_locale[str(locale)] = (written["neutral"] if compact and list(written)
                                      == ["neutral"] else written)
        templates[name] = by_locale
    examples: dict[str, Any] = {}
    for meaning in sorted(bundle.examples):
        ps = bundle.examples[meaning]
        examples[meaning] = {**({"match": WITHIN} if ps.within else {}),
                             **_phrases_data(ps.phrases)}
    return {
        "format": FORMAT,
        "templates": templates,
        "examples": examples,
        "categories": {name: {"team": c.team, "examples": _phrases_data(c.examples)}
                       for name, c in sorted(bundle.categories.items())},
        "teams": list(bundle.teams),
        "rules": {name: canonical(body) for name, body in sorted(bundle.rules.items())},
        "vip": {"priority": str(bundle.vip.priority), "channels": list(bundle.vip.channels),
                "phones": list(bundle.vip.phones)},
        "sla": {str(p): {"first_response_minutes": t.first_response_minutes,
                         "resolution_hours": t.resolution_hours}
                for p in Priority if (t := bundle.sla.get(p)) is not None},
        "hours": {"timezone": bundle.hours.timezone,
                  "week": {str(d): [s.text() for s in bundle.hours.week.get(d, ())]
                           for d in Weekday},
                  "closed": [d.isoformat() for d in bundle.hours.closed]},
        "times": {"idle_reminder_minutes": bundle.times.idle_reminder_minutes,
                  "draft_expiry_hours": bundle.times.draft_expiry_hours,
                  "follow_up_days": bundle.times.follow_up_days,
                  "reopen_days": bundle.times.reopen_days},
        "samples": {name: canonical(values) for name, values in sorted(bundle.samples.items())},
        "banned_phrases": _phrases_data(bundle.banned_phrases),
        **({} if bundle.report_schedule is None else
           {"reports": {"schedule": [str(k) for k in bundle.report_schedule]}}),
    }


def _phrases_data(phrases: Phrases) -> dict[str, list[str]]:
    return {str(loc): list(phrases[loc]) for loc in Locale if loc in phrases}


def canonical(value: Any) -> Any:
    """Plain data with every mapping's keys in sorted order (lists keep theirs)."""
    if isinstance(value, Mapping):
        return {str(k): canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    return value


# --- reading ------------------------------------------------------------------------------

def from_data(data: Any) -> Bundle:
    """Read a bundle; BundleFormatError naming the item that is not what a bundle holds."""
    top = _mapping(data, "bundle")
    if top.get("format", FORMAT) != FORMAT:
        raise BundleFormatError("format", f"this heard reads format {FORMAT}")
    unknown = sorted(set(top) - {*SECTIONS, "format"})
    if unknown:
        raise BundleFormatError(unknown[0], f"no such section; the sections are "
                                            f"{', '.join(SECTIONS)}")
    for section in SECTIONS:
        if section not in top and section not in OPTIONAL:
            raise BundleFormatError(section, "missing")
    return Bundle(
        templates=_templates(_mapping(top["templates"], "templates")),
        examples={str(m): _phrase_set(v, f"examples/{m}")
                  for m, v in _mapping(top["examples"], "examples").items()},
        categories={str(n): _category(v, f"categories/{n}")
                    for n, v in _mapping(top["categories"], "categories").items()},
        teams=tuple(_strings(top["teams"], "teams")),
        rules={str(n): canonical(_mapping(v, f"rules/{n}"))
               for n, v in _mapping(top["rules"], "rules").items()},
        vip=_vip(_mapping(top["vip"], "vip")),
        sla={_enum(Priority, p, "sla"): _sla(v, f"sla/{p}")
             for p, v in _mapping(top["sla"], "sla").items()},
        hours=_hours(_mapping(top["hours"], "hours")),
        times=_times(_mapping(top["times"], "times")),
        samples={str(n): canonical(_mapping(v, f"samples/{n}"))
                 for n, v in _mapping(top.get("samples") or {}, "samples").items()},
        banned_phrases=(_phrases(_mapping(top["banned_phrases"], "banned_phrases"),
                                 "banned_phrases")
                        if "banned_phrases" in top else shipped_banned_phrases()),
        report_schedule=_schedule(top["reports"]) if "reports" in top else None,
    )


def _templates(raw: Mapping[str, Any]) -> dict[str, dict[Locale, dict[Tone, str]]]:
    out: dict[str, dict[Locale, dict[Tone, str]]] = {}
    for name, by_locale in raw.items():
        item = f"templates/{name}"
        out[str(name)] = {}
        for loc, body in _mapping(by_locale, item).items():
            locale = _enum(Locale, loc, item)
            tones = body if isinstance(body, Mapping) else {"neutral": body}
            out[str(name)][locale] = {
                _enum(Tone, t, f"{item}/{loc}"): _text(src, f"{item}/{loc}/{t}")
                for t, src in tones.items()}
    return out


def _phrases(raw: Mapping[str, Any], item: str, skip: tuple[str, ...] = ()) -> Phrases:
    return {_enum(Locale, loc, item): tuple(_strings(v, f"{item}/{loc}"))
            for loc, v in raw.items() if loc not in skip}


def _phrase_set(raw: Any, item: str) -> PhraseSet:
    body = _mapping(raw, item)
    match = body.get("match")
    if match not in (None, WITHIN):
        raise BundleFormatError(f"{item}/match", f"only '{WITHIN}' (or nothing: the whole "
                                                 "message)")
    return PhraseSet(_phrases(body, item, skip=("match",)), within=match == WITHIN)


def _category(raw: Any, item: str) -> Category:
    body = _mapping(raw, item)
    return Category(team=_text(body.get("team"), f"{item}/team"),
                    examples=_phrases(_mapping(body.get("examples") or {}, item), item))


def _vip(body: Mapping[str, Any]) -> Vip:
    return Vip(priority=_enum(Priority, body.get("priority", "P2"), "vip/priority"),
               channels=tuple(_strings(body.get("channels") or [], "vip/channels")),
               phones=tuple(_strings(body.get("phones") or [], "vip/phones")))


def _sla(raw: Any, item: str) -> SlaTarget:
    body = _mapping(raw, item)
    return SlaTarget(_int(body.get("first_response_minutes"), f"{item}/first_response_minutes"),
                     _int(body.get("resolution_hours"), f"{item}/resolution_hours"))


def _hours(body: Mapping[str, Any]) -> Hours:
    week: dict[Weekday, tuple[Span, ...]] = {}
    for day, spans in _mapping(body.get("week") or {}, "hours/week").items():
        item = f"hours/week/{day}"
        week[_enum(Weekday, day, "hours/week")] = tuple(
            _span(s, item) for s in _strings(spans or [], item))
    closed = []
    for d in body.get("closed") or []:
        try:
            closed.append(d if isinstance(d, date) else date.fromisoformat(str(d)))
        except ValueError:
            raise BundleFormatError("hours/closed",
                                    f"{d!r} is no date; write 2026-12-25") from None
    return Hours(_text(body.get("timezone"), "hours/timezone"),
                 {d: week.get(d, ()) for d in Weekday}, tuple(closed))


def _span(text: str, item: str) -> Span:
    m = _SPAN.match(text)
    if m is None:
        raise BundleFormatError(item, f"cannot read {text!r}; write e.g. 09:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if m1 > 59 or m2 > 59:
        raise BundleFormatError(item, f"{text!r}: minutes go up to 59")
    return Span(h1 * 60 + m1, h2 * 60 + m2)


def _times(body: Mapping[str, Any]) -> DialogTimes:
    known = DialogTimes.__dataclass_fields__
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise BundleFormatError(f"times/{unknown[0]}", "no such time; the times are "
                                                       + ", ".join(known))
    return DialogTimes(**{k: _int(body[k], f"times/{k}") for k in known if k in body})


def _schedule(raw: Any) -> tuple[PeriodKind, ...]:
    body = _mapping(raw, "reports")
    unknown = sorted(set(body) - {"schedule"})
    if unknown:
        raise BundleFormatError(f"reports/{unknown[0]}", "no such setting; reports has "
                                                         "only schedule")
    kinds = {_enum(PeriodKind, k.strip().lower(), "reports/schedule")
             for k in _strings(body.get("schedule") or [], "reports/schedule")}
    # In the periods' own order, each once: the same schedule always reads the same.
    return tuple(k for k in PeriodKind if k in kinds)


# --- shapes -------------------------------------------------------------------------------

def _mapping(value: Any, item: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BundleFormatError(item, "expected names with values under it")
    return {str(k): v for k, v in value.items()}


def _strings(value: Any, item: str) -> list[str]:
    if not isinstance(value, list | tuple):
        raise BundleFormatError(item, "expected a list")
    return [_text(v, item) for v in value]


def _text(value: Any, item: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, Mapping | list):
        raise BundleFormatError(item, "expected a text")
    # YAML reads `yes`, `12315` and `1.5` as other things than text.
    return value if isinstance(value, str) else str(value)


def _int(value: Any, item: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BundleFormatError(item, "expected a whole number")
    return value


def _enum(kind: type[E], value: Any, item: str) -> E:
    try:
        return kind(str(value))
    except ValueError:
        raise BundleFormatError(f"{item}/{value}", "unknown; one of "
                                + ", ".join(str(v) for v in kind)) from None
