"""What the studio's pages need, under the typed key of its sub-application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from dialogs.reports.periods import PeriodKind
from handlers.admin.previews import PreviewEngines
from handlers.config.studio import Studio
from storage.agents import AgentStore
from storage.audit import AuditLog
from storage.sessions import SessionStore


@dataclass
class AdminDeps:
    studio: Studio
    previews: PreviewEngines
    agents: AgentStore
    sessions: SessionStore
    audit: AuditLog
    clock: Callable[[], datetime]
    timezone: str  # HEARD_TIMEZONE: every time on the pages is shown there
    brand: str = "heard"
    # REPORT_SCHEDULE: which reports are posted until the studio sets its own schedule.
    report_schedule: tuple[PeriodKind, ...] = field(
        default=(PeriodKind.WEEK, PeriodKind.MONTH))


ADMIN: web.AppKey[AdminDeps] = web.AppKey("admin")
