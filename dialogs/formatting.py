"""Values as the customer reads them: dates in their time zone and locale, the read-back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.conversation import Conversation
from dialogs.templates import TemplateRepository

_CURRENCY_SIGN = {"CNY": "¥", "USD": "$", "TWD": "NT$", "HKD": "HK$", "EUR": "€", "GBP": "£"}
SUMMARY_STORY_CHARS = 400


class Formatter:
    def __init__(self, templates: TemplateRepository, timezone: str) -> None:
        self.templates = templates
        self.tz = ZoneInfo(timezone)

    def _t(self, name: str, locale: str) -> str:
        return self.templates.render(name, locale).text

    def when(self, moment: datetime | None, locale: str) -> str:
        if moment is None:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(self.tz)
        if locale.startswith("zh"):
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"

    def opening(self, moment: datetime, locale: str) -> str:
        """When the desk opens again, with the weekday: "09:00 on Monday 30 November"."""
        local = moment.astimezone(self.tz)
        if locale.startswith("zh"):
            week = ("一二三四五六日")[local.weekday()]
            prefix = "週" if locale == "zh-TW" else "周"
            return f"{local.month}月{local.day}日（{prefix}{week}）{local:%H:%M}"
        return f"{local:%H:%M} on {local:%A} {local.day} {local:%B}"

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
