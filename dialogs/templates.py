"""Every sentence the bot says comes from here: templates keyed by name × locale × tone.

Templates are Jinja2 compiled in an immutable sandbox (dialogs/sandbox.py) that bounds them from
the inside: the size of every string, list and number they make, loop iterations and calls,
what they may call at all, and the output and time of a render. Customer text only ever
arrives as data (plain strings, numbers, lists and dicts of them), never as template source, so
`{{ 7*7 }}` typed by a customer is echoed literally. A stored template that breaks a bound, or
fails in any other way, falls back to the shipped default so the customer still gets an answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from dialogs.sandbox import BoundedSandbox
from dialogs.sandbox_budget import (
    MAX_RANGE,
    TemplateBudgetExceeded,
    end_budget,
    start_budget,
)

log = logging.getLogger(__name__)

LOCALES = ("en", "zh-CN", "zh-TW")
MAX_OUTPUT_CHARS = 12_000
# Generous: it stops a runaway template, not a slow machine or a garbage-collector pause.
MAX_RENDER_SECONDS = 0.5

__all__ = ["LOCALES", "MAX_RANGE", "Rendered", "TemplateBudgetExceeded",
           "TemplateRecord", "TemplateRepository", "load_defaults", "plain"]


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    name: str
    locale: str
    tone: str
    source: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    record: TemplateRecord


def load_defaults() -> list[TemplateRecord]:
    """The shipped defaults (dialogs/data/templates.yaml) as records at version 1."""
    raw = yaml.safe_load(
        resources.files("dialogs").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    )
    records: list[TemplateRecord] = []
    for name, by_locale in raw.items():
        for locale, body in by_locale.items():
            tones = body if isinstance(body, dict) else {"neutral": body}
            for tone, source in tones.items():
                records.append(TemplateRecord(name, locale, tone, str(source).rstrip("\n")))
    return records


def plain(value: Any) -> Any:
    """Reduce `value` to data a template may see: no objects whose methods it could call."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


class TemplateRepository:
    """The one way the dialog reads templates. Holds the current records in memory (loaded from
    the database) and the shipped defaults as the fallback."""

    def __init__(self, records: Iterable[TemplateRecord], defaults: Iterable[TemplateRecord] = ()):
        self._env = BoundedSandbox()
        self._records: dict[tuple[str, str, str], TemplateRecord] = {}
        self._defaults = {(r.name, r.locale, r.tone): r for r in defaults}
        self._compiled: dict[tuple[str, str, str, int], Any] = {}
        # Texts without data (button labels, names) rendered once per template version.
        self._static: dict[TemplateRecord, Rendered] = {}
        self.replace(records)

    def replace(self, records: Iterable[TemplateRecord]) -> None:
        self._records = {(r.name, r.locale, r.tone): r for r in records}
        self._static.clear()
        # Lets callers that cache what templates say know when to forget it.
        self.generation = getattr(self, "generation", 0) + 1

    def compile_all(self) -> None:
        """Compile every template now, so no customer waits for a first compilation."""
        for rec in [*self._records.values(), *self._defaults.values()]:
            try:
                self._compiled_template(rec)
            except Exception as e:
                # Not fatal at start: rendering it fails the same way and falls back.
                log.error("template %s/%s/%s v%d does not compile (%s)",
                          rec.name, rec.locale, rec.tone, rec.version, e)

    def has(self, name: str) -> bool:
        return (name, "en", "neutral") in self._records or (name, "en", "neutral") in self._defaults

    def lookup(self, name: str, locale: str, tone: str = "neutral") -> TemplateRecord:
        for key in ((name, locale, tone), (name, locale, "neutral"), (name, "en", tone),
                    (name, "en", "neutral")):
            rec = self._records.get(key) or self._defaults.get(key)
            if rec is not None:
                return rec
        raise KeyError(f"no template {name!r}")

    def render(self, name: str, locale: str, tone: str = "neutral", /, **data: Any) -> Rendered:
        rec = self.lookup(name, locale, tone)
        if not data:
            cached = self._static.get(rec)
            if cached is None:
                cached = self._static[rec] = self._render_safely(rec, {})
            return cached
        return self._render_safely(rec, {k: plain(v) for k, v in data.items()})

    def _render_safely(self, rec: TemplateRecord, safe: dict[str, Any]) -> Rendered:
        try:
            return Rendered(self._render(rec, safe), rec)
        # Any exception: a stored template can fail in more ways than Jinja's own errors
        # (ZeroDivisionError, OverflowError, RecursionError from a macro calling itself…).
        except Exception as e:
            default = self._defaults.get((rec.name, rec.locale, rec.tone))
            if default is None or default.source == rec.source:
                raise
            log.error("template %s/%s/%s v%d failed (%s); using the shipped default",
                      rec.name, rec.locale, rec.tone, rec.version, e)
            return Rendered(self._render(default, safe), default)

    def compile(self, rec: TemplateRecord) -> None:
        """Compile `rec` now (kept for its renders): TemplateSyntaxError, SecurityError or
        TemplateBudgetExceeded if it cannot be."""
        self._compiled_template(rec)

    def _compiled_template(self, rec: TemplateRecord) -> Any:
        key = (rec.name, rec.locale, rec.tone, hash(rec.source))
        tpl = self._compiled.get(key)
        if tpl is None:
            tpl = self._compiled[key] = self._env.compile_source(rec.source)
        return tpl

    def _render(self, rec: TemplateRecord, data: dict[str, Any]) -> str:
        tpl = self._compiled_template(rec)
        deadline = time.monotonic() + MAX_RENDER_SECONDS
        out: list[str] = []
        size = 0
        token = start_budget(deadline)
        try:
            for chunk in tpl.generate(**data):
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS or time.monotonic() > deadline:
                    raise TemplateBudgetExceeded(f"{rec.name}: output or time budget exceeded")
                out.append(chunk)
        finally:
            end_budget(token)
        return "".join(out).strip()
