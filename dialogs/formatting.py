"""Values as the customer reads them: dates in their time zone and locale, the read-back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from dialogs.conversation import EDITABLE_FIELDS, Conversation
from dialogs.templates import TemplateRepository
from dialogs.zones import babel_locale, zone_name

SUMMARY_STORY_CHARS = 400
# Read back in their own lines, not as details: the story, the category, the outcome, the contact.
_OWN_LINES = ("description", "category", "outcome", "phone")


def format_money(value: Decimal, currency: str, locale: str) -> str:
    """An amount as the customer's locale writes it, with a symbol that cannot be taken for
    another currency there: "£59.90", "NT$3,990.00" (en), "$3,990.00" (zh-TW), "¥3,990.00"
    (zh-CN), "US$45.50" (zh-CN)."""
    from babel.core import Locale, UnknownLocaleError
    from babel.numbers import format_currency

    try:
        babel_locale = Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        babel_locale = Locale("en")
    return str(format_currency(value, currency, locale=babel_locale))


def customer_when(moment: datetime | None, locale: str, timezone: str) -> str:
    """A moment as the customer reads it, in the service's zone `timezone`, with the zone:
    "Mon 30 Nov, 15:00 UK time", "11月30日 15:00（北京时间）"; "" for none."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    tz = ZoneInfo(timezone)
    if locale.startswith("zh"):
        shown = format_datetime(moment, "M月d日 HH:mm", tzinfo=tz, locale=babel_locale(locale))
        return f"{shown}（{zone_name(timezone, locale)}）"
    shown = format_datetime(moment, "EEE d MMM, HH:mm", tzinfo=tz, locale=babel_locale(locale))
    return f"{shown} {zone_name(timezone, locale)}"


class Formatter:
    def __init__(self, templates: TemplateRepository, timezone: str) -> None:
        self.templates = templates
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)

    def _t(self, name: str, locale: str) -> str:
        return self.templates.render(name, locale).text

    def zone(self, locale: str) -> str:
        """The service's time zone in the customer's words: "北京时间", "UK time", "UTC"."""
        return zone_name(self.timezone, locale)

    def when(self, moment: datetime | None, locale: str) -> str:
        """A promised or recorded moment with its zone: "Mon 30 Nov, 15:00 UK time",
        "11月30日 15:00（北京时间）"; a time without its zone is a promise nobody can check."""
        return customer_when(moment, locale, self.timezone)

    def opening(self, moment: datetime, locale: str) -> str:
        """When the desk opens again, with the weekday: "09:00 on Monday 30 November"; the
        hours.closed template names the zone (`tz`, from `zone`)."""
        pattern = "M月d日（EEE）HH:mm" if locale.startswith("zh") else "HH:mm 'on' EEEE d MMMM"
        return format_datetime(moment, pattern, tzinfo=self.tz, locale=babel_locale(locale))

    def day_of(self, moment: datetime | None, locale: str) -> str:
        """The local calendar day of `moment`, as `day` writes it."""
        if moment is None:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self.day(moment.astimezone(self.tz).date().isoformat(), locale)

    def day(self, iso: str, locale: str) -> str:
        d = date.fromisoformat(iso)
        if locale.startswith("zh"):
            return f"{d.year}年{d.month}月{d.day}日"
        return f"{d.day} {d:%B %Y}"

    def amount(self, value: str, currency: str | None, locale: str = "en") -> str:
        try:
            q = Decimal(value).quantize(Decimal("0.01"))
        except InvalidOperation:
            return value
        if not currency:
            return f"{q:,}"
        try:
            return format_money(q, currency, locale)
        except (ValueError, KeyError):  # a code Babel does not know: show it as written
            return f"{q:,} {currency}"

    def summary_fields(self, conv: Conversation) -> list[dict[str, Any]]:
        """The read-back: every field the record holds or the bot asked for, in the order
        Edit offers them; a field answered "I don't know" (or still missing) reads "not
        given", so the customer sees everything they can correct."""
        loc = conv.locale
        s = conv.slots
        unknown = self._t("value.unknown", loc)
        story = conv.description()
        if len(story) > SUMMARY_STORY_CHARS:
            story = story[:SUMMARY_STORY_CHARS].rstrip() + "…"
        fields = [("description", story)]
        if s.get("category"):
            fields.append(("category", self._t(f"category.{s['category']}", loc)))
        asked = set(conv.required_details())
        for name in EDITABLE_FIELDS:
            if name in _OWN_LINES or (name not in s and name not in asked):
                continue
            fields.append((name, self._detail(name, s.get(name), s, loc) or unknown))
        if s.get("outcome"):
            out = self._t(f"outcome.{s['outcome']}", loc)
            if s.get("outcome_note"):
                out = f"{out} ({s['outcome_note']})"
            fields.append(("outcome", out))
        if s.get("phone"):
            fields.append(("phone", str(s["phone"])))
        elif conv.context.get("contact_here"):
            fields.append(("phone", self._t("value.reply_here", loc)))
        elif "phone" in s:
            fields.append(("phone", unknown))
        return [{"label": self._t(f"field.{n}", loc), "value": v} for n, v in fields]

    def _detail(self, name: str, value: Any, slots: dict[str, Any], locale: str) -> str:
        if value is None or value == "":
            return ""
        if name == "when":
            try:
                return self.day(str(value), locale)
            except ValueError:
                return str(value)
        if name == "amount":
            return self.amount(str(value), slots.get("currency"), locale)
        return str(value)
