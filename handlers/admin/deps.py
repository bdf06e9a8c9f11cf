"""What the studio's pages need, under the typed key of its sub-application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

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


ADMIN: web.AppKey[AdminDeps] = web.AppKey("admin")
