"""Rules, routing and times: the escalation rules (keywords per locale, thresholds, counts,
priorities), the VIP list, the categories and the teams they route to, the SLA targets, the
business hours with closed days, and the dialog's times; all in the draft, all checked.

The rules' form is made from the rules themselves: each setting's field follows its value's
shape (a priority, a number, words per locale, a number per currency), so a rule's settings
need no page of their own and the form cannot offer a setting the rule does not read."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogs.bundle.data import to_data
from dialogs.bundle.model import Priority, Weekday
from dialogs.bundle.validate import validate
from dialogs.reports.periods import PeriodKind
from handlers.admin.common import edit_draft, form, lines, page, see_other
from handlers.admin.deps import ADMIN


class _NotNumbers(Exception):
    pass


SECTIONS = ("rules/", "vip", "categories", "teams", "sla", "hours", "times", "reports")
SCHEDULE_SHOWN = "reports/shown"  # the form had the schedule's boxes: none ticked is none


def fields(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rule with its settings as form fields: (name, label, kind, value)."""
    out = []
    for rule, body in rules.items():
        settings = []
        for key, value in body.items():
            path = f"rules/{rule}/{key}"
            if key == "priority":
                settings.append({"name": path, "label": key, "kind": "priority", "value": value})
            elif isinstance(value, bool) or not isinstance(value, (int, float, dict)):
                continue  # nothing else is a setting an admin tunes here
            elif isinstance(value, (int, float)):
                settings.append({"name": path, "label": key, "kind": "number", "value": value})
            elif all(isinstance(v, list) for v in value.values()):
                for sub, words in value.items():
                    settings.append({"name": f"{path}/{sub}", "label": f"{key} ({sub})",
                                     "kind": "lines", "value": "\n".join(map(str, words))})
            elif all(isinstance(v, (int, float)) and not isinstance(v, bool)
                     for v in value.values()):
                for sub, n in value.items():
                    settings.append({"name": f"{path}/{sub}", "label": f"{key} ({sub})",
                                     "kind": "number", "value": n})
            elif all(isinstance(v, list) for v in value.values() if v is not None):
                continue
            else:
                settings.append({"name": path, "label": f"{key} (word: words that cancel it)",
                                 "kind": "map", "value": "\n".join(
                                     f"{w}: {', '.join(map(str, vs))}" for w, vs in value.items()
                                     if isinstance(vs, list))})
        out.append({"rule": rule, "settings": settings})
    return out


async def rules_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


async def _page(request: web.Request, status: int = 200, error: str = "") -> web.Response:
    deps = request.app[ADMIN]
    _, bundle = await deps.studio.draft()
    data = to_data(bundle, compact=False)
    schedule = (deps.report_schedule if bundle.report_schedule is None
                else bundle.report_schedule)
    findings = [f for f in validate(bundle).findings if f.item.startswith(SECTIONS)]
    return page(request, "rules.html", status=status, rules=fields(data["rules"]),
                vip=data["vip"], categories=data["categories"], teams=data["teams"],
                sla=data["sla"], hours=data["hours"], times=data["times"],
                priorities=list(Priority), weekdays=list(Weekday), findings=findings,
                periods=list(PeriodKind), schedule=schedule,
                schedule_from_setting=bundle.report_schedule is None, error=error)


async def save(request: web.Request) -> web.StreamResponse:
    posted = await form(request)
    problems: list[str] = []

    def number(name: str, old: Any) -> Any:
        text = posted.get(name, "").strip()
        try:
            return float(text) if isinstance(old, float) or "." in text else int(text)
        except ValueError:
            problems.append(f"{name}: {text!r} is not a number")
            return old

    def change(data: dict[str, Any]) -> None:
        for f in fields(data["rules"]):
            body = data["rules"][f["rule"]]
            for s in f["settings"]:
                if s["name"] not in posted:
                    continue
                key, *sub = s["name"].split("/")[2:]
                if s["kind"] == "priority":
                    body[key] = posted[s["name"]]
                elif s["kind"] == "number" and sub:
                    body[key][sub[0]] = number(s["name"], body[key][sub[0]])
                elif s["kind"] == "number":
                    body[key] = number(s["name"], body[key])
                elif s["kind"] == "lines":
                    body[key][sub[0]] = lines(posted[s["name"]])
                else:
                    body[key] = {w.strip(): [v.strip() for v in vs.split(",") if v.strip()]
                                 for w, _, vs in (ln.partition(":")
                                                  for ln in lines(posted[s["name"]]))}
        data["vip"] = {"priority": posted.get("vip/priority", data["vip"]["priority"]),
                       "channels": lines(posted.get("vip/channels", "")),
                       "phones": lines(posted.get("vip/phones", ""))}
        data["teams"] = lines(posted.get("teams", "")) or data["teams"]
        for name, cat in data["categories"].items():
            cat["team"] = posted.get(f"categories/{name}/team", cat["team"])
        for p, target in data["sla"].items():
            for key in ("first_response_minutes", "resolution_hours"):
                target[key] = number(f"sla/{p}/{key}", target[key])
        hours = data["hours"]
        hours["timezone"] = posted.get("hours/timezone", hours["timezone"]).strip()
        hours["week"] = {str(d): [s.strip() for s in posted.get(f"hours/{d}", "").split(",")
                                  if s.strip()] for d in Weekday}
        hours["closed"] = lines(posted.get("hours/closed", ""))
        for key, old in data["times"].items():
            data["times"][key] = number(f"times/{key}", old)
        if SCHEDULE_SHOWN in posted:
            data["reports"] = {"schedule": [str(k) for k in PeriodKind
                                            if f"reports/schedule/{k}" in posted]}
        if problems:
            raise _NotNumbers  # before the draft is saved: nothing half-changed

    try:
        report, error = await edit_draft(request, change)
    except _NotNumbers:
        return await _page(request, 422, "Not saved: " + "; ".join(problems))
    if report is None:
        return await _page(request, 422, f"Not saved: {error}")
    raise see_other("/admin/rules", "Saved in the draft"
                    + (f" with {len(report.refusals)} problem(s) to fix before publishing."
                       if report.refusals else "; customers see nothing until it is published."))
