"""Values as the customer reads them: dates in their time zone and locale, the read-back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from dialogs.conversation import Conversation
from dialogs.templates import TemplateRepository
from dialogs.zones import babel_locale, zone_name

_CURRENCY_SIGN = {"CNY": "¥", "USD": "$", "TWD": "NT$", "HKD": "HK$", "EUR": "€", "GBP": "£"}
SUMMARY_STORY_CHARS = 400


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
        if moment is None:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if locale.startswith("zh"):
            shown = format_datetime(moment, "M月d日 HH:mm", tzinfo=self.tz,
                                    locale=babel_locale(locale))
            return f"{shown}（{self.zone(locale)}）"
        shown = format_datetime(moment, "EEE d MMM, HH:mm", tzinfo=self.tz,
                                locale=babel_locale(locale))
        return f"{shown} {self.zone(locale)}"

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

    def amount(self, value: str, currency: str | None) -> str:
        try:
            q = Decimal(value).quantize(Decimal("0.01"))
        except InvalidOperation:
            return value
        sign = _CURRENCY_SIGN.get(currency or "", "")
        return f"{sign}{q:,} {currency}" if currency else f"{q:,}"

    def summary_fields(self, conv: Conversation) -> list[dict[str, Any]]:
        loc = conv.locale
        s = conv.slots
        unknown = self._t("value.unknown", loc)
        story = conv.description()
        if len(story) > SUMMARY_STORY_CHARS:
            story = story[:SUMMARY_STORY_CHARS].rstrip() + "…"
        fields = [("description", story)]
        if s.get("category"):
            fields.append(("category", self._t(f"category.{s['category']}", loc)))
        for name in conv.required_details():
            v = s.get(name)
            if v is None:
                shown = unknown
            elif name == "when":
                shown = self.day(str(v), loc)
            elif name == "amount":
                shown = self.amount(str(v), s.get("currency"))
            else:
                shown = str(v)
            fields.append((name, shown))
        if s.get("outcome"):
            out = self._t(f"outcome.{s['outcome']}", loc)
            if s.get("outcome_note"):
                out = f"{out} ({s['outcome_note']})"
            fields.append(("outcome", out))
        if s.get("phone"):
            fields.append(("phone", str(s["phone"])))
        elif conv.context.get("contact_here"):
            fields.append(("phone", self._t("value.reply_here", loc)))
        return [{"label": self._t(f"field.{n}", loc), "value": v} for n, v in fields]
