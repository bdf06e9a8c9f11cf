"""The console's door in the audit log: each login, failed login and logout, with the name
tried, why it failed and the address, never the password."""

from __future__ import annotations

import json
from pathlib import Path

from storage.agents import AgentStore
from storage.audit import AuditAction, AuditLog
from tests.conftest import Clock
from tests.console_support import PASSWORD, ConsoleClient, add_agent, console


async def test_logins_failures_and_logouts_are_audited_without_passwords(
        tmp_path: Path, clock: Clock) -> None:
    async with console(tmp_path, clock) as running:
        await add_agent(running, "alice")
        await add_agent(running, "carol")
        await AgentStore(running.core.store.engine).disable("carol")
        browser = ConsoleClient(running)
        try:
            assert (await browser.login("alice", "hunter2-wrong"))[0] == 401
            assert (await browser.login("mallory", "hunter3-guess"))[0] == 401
            assert (await browser.login("carol"))[0] == 401
            status, _, path = await browser.login("alice")
            assert (status, path) == (200, "/console")
            await browser.post("/console/logout")
            # A cookie of no live session any more logs nobody out.
            await browser.post("/console/logout")
            # Past five failures a name must wait; trying meanwhile is recorded too.
            for _ in range(6):
                await browser.login("mallory", "hunter4-again")
            assert (await browser.login("mallory", "hunter5-more"))[0] == 429
        finally:
            await browser.close()
        entries = [e for e in reversed(await AuditLog(running.core.store.read_engine).entries())
                   if e.subject == "console"]  # not version 1's publish
    door = [(e.actor, e.action, e.subject, e.detail.get("reason")) for e in entries]
    assert door[:5] == [
        ("alice", AuditAction.LOGIN_FAILED, "console", "wrong password"),
        ("mallory", AuditAction.LOGIN_FAILED, "console", "unknown or disabled name"),
        ("carol", AuditAction.LOGIN_FAILED, "console", "unknown or disabled name"),
        ("alice", AuditAction.LOGGED_IN, "console", None),
        ("alice", AuditAction.LOGGED_OUT, "console", None),
    ]
    assert door[-1] == ("mallory", AuditAction.LOGIN_FAILED, "console", "too many attempts")
    assert {d[1] for d in door[5:]} == {AuditAction.LOGIN_FAILED}
    assert all(e.detail["address"] == "127.0.0.1" for e in entries)
    stored = json.dumps([(e.actor, e.subject, e.detail) for e in entries])
    assert "hunter" not in stored and PASSWORD not in stored
