"""What the reports' pages need, under one typed key of their sub-application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from storage.reports import ReportStore
from storage.reports_archive import ActionPlan, ReportArchive
from storage.sessions import SessionStore


@dataclass
class ReportsDeps:
    reports: ReportStore
    archive: ReportArchive
    actions: ActionPlan
    sessions: SessionStore
    clock: Callable[[], datetime]
    timezone: str
    brand: str = "heard"
    base: str = "/admin/reports"  # where the sub-application is mounted


REPORTS: web.AppKey[ReportsDeps] = web.AppKey("reports")
