"""The admin studio over real HTTP on the composed app: who may do what, a template edited in
the draft and seen by nobody until it is published, refusals pointing at the line, versions
compared and rolled back, rules and phrases in the draft, people managed, a message tried,
a sample conversation played, every change in the audit log, and the studio's headers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from handlers.agents.console.security import CONTENT_SECURITY_POLICY, HEADERS
from storage.agents import AgentStore
from tests.conftest import Clock, Customer
from tests.console_support import PASSWORD, ConsoleClient, add_agent, escalate
from tests.e2e_support import RunningApp, running_app

GREETING = "Hello{% if name %} {{ name }}{% endif %}, welcome to Acme care. What went wrong?"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, Clock(datetime(2026, 11, 24, 9, tzinfo=UTC))) as running:
        await add_agent(running, "ada", "admin", team=None)
        await add_agent(running, "sam", "supervisor", team=None)
        await add_agent(running, "ann", "agent")
        yield running


async def client(running: RunningApp, name: str) -> ConsoleClient:
    c = ConsoleClient(running)
    status, _, _ = await c.login(name)
    assert status == 200
    return c


def text(body: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", body))


async def greeting(running: RunningApp, chat_id: str) -> str:
    """What a new web chat customer is greeted with, now."""
    c = Customer(running.core, chat_id, channel="web", name=None)
    await c.send(c.inbound("", opened=True))
    return c.text


async def test_admins_edit_supervisors_look_agents_are_refused(served: RunningApp) -> None:
    anonymous = ConsoleClient(served)
    status, _, path = await anonymous.get("/admin/templates")
    assert (status, path) == (200, "/console/login")
    await anonymous.close()

    ann = await client(served, "ann")
    for path in ("/admin", "/admin/templates", "/admin/try", "/admin/people"):
        assert (await ann.get(path))[0] == 403, path
    await ann.close()

    sam = await client(served, "sam")
    status, body, _ = await sam.get("/admin/templates/greet")
    assert status == 200 and "view only" in body and "readonly" in body
    status, _, _ = await sam.post("/admin/templates/greet", {"en/neutral": GREETING})
    assert status == 403
    # Trying a message changes nothing: a supervisor may.
    await sam.get("/admin/try")
    status, body, _ = await sam.post("/admin/try", {
        "text": "the parcel never came", "locale": "en", "at": "2026-11-24T10:00",
        "earlier": "0", "which": "draft"})
    assert status == 200 and "delivery" in body
    await sam.close()

    ada = await client(served, "ada")
    status, _, _ = await ada.post("/admin/templates/greet", {"en/neutral": GREETING},
                                  csrf="forged")
    assert status == 403
    status, _, _ = await ada.post("/admin/templates/greet", {"en/neutral": GREETING},
                                  origin="https://evil.example")
    assert status == 403
    async with ada.http.get(served.url("/admin/templates")) as r:
        assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert r.headers["X-Frame-Options"] == "DENY"
    await ada.close()


async def test_a_greeting_is_drafted_published_and_rolled_back(served: RunningApp) -> None:
    before = await greeting(served, "w-1")
    assert "customer care" in before
    ada = await client(served, "ada")
    await ada.get("/admin/templates/greet")
    sources = dict(re.findall(r'<textarea id="src-\d+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                              (await ada.get("/admin/templates/greet"))[1]))
    sources = {k: unescape(v) for k, v in sources.items()}
    sources["en/neutral"] = GREETING
    status, body, _ = await ada.post("/admin/templates/greet", sources)
    assert status == 200 and "Saved in the draft" in body
    assert "welcome to Acme care" in text(body)  # the preview, with the sample values
    assert await greeting(served, "w-2") == before  # a draft reaches no customer

    status, body, _ = await ada.get("/admin")
    assert "templates/greet/en/neutral" in body and "Acme" in text(body)
    assert '<span class="added">' in body  # the changed words marked
    status, body, _ = await ada.post("/admin/publish", {"note": "Acme greeting"})
    assert status == 200 and "Published as version 2" in body
    assert "welcome to Acme care" in await greeting(served, "w-3")

    status, body, _ = await ada.get("/admin/versions/compare?old=1&new=2")
    assert status == 200 and "templates/greet/en/neutral" in body
    await ada.get("/admin/versions/1")
    status, body, _ = await ada.post("/admin/versions/1/rollback", {"note": ""})
    assert status == 200 and "Version 3 brings back version 1" in body
    assert await greeting(served, "w-4") == before

    status, body, _ = await ada.get("/admin/audit")
    listed = text(body)
    assert listed.index("rolled_back") < listed.index("published")  # newest first
    assert "draft_saved" in listed and "ada" in listed
    await ada.close()


async def test_a_broken_template_is_refused_with_its_line(served: RunningApp) -> None:
    ada = await client(served, "ada")
    await ada.get("/admin/templates/greet")
    broken = "Hello\nthere {% if name %}{{ name }"
    status, body, _ = await ada.post("/admin/templates/greet",
                                     {"en/neutral": broken, "zh-CN/neutral": "您好",
                                      "zh-TW/neutral": "您好"})
    assert status == 200
    assert "line 2" in text(body)
    status, body, _ = await ada.post("/admin/publish", {"note": "broken"})
    assert status == 422 and "Must fix" in body
    assert (await served.core.studio.current())[0] == 1
    # The live preview says the same as the admin types.
    async with ada.http.post(served.url("/admin/templates/greet/render"), data={
            "csrf": ada.csrf, "locale": "en", "tone": "neutral",
            "source": "{{ ''.__class__.__mro__ }}"},
            headers={"Origin": ada.origin}) as r:
        got = await r.json()
    assert got["error"] and not got["text"]
    async with ada.http.post(served.url("/admin/templates/greet/render"), data={
            "csrf": ada.csrf, "locale": "en", "tone": "neutral",
            "source": "<b>{{ name }}</b>"}, headers={"Origin": ada.origin}) as r:
        got = await r.json()
    assert got["text"] == "<b>Li Wei</b>"  # text: the page's script sets it as text
    await ada.close()


async def test_rules_phrases_and_people_in_the_studio(served: RunningApp) -> None:
    ada = await client(served, "ada")
    status, body, _ = await ada.get("/admin/rules")
    assert status == 200 and "rules/anger/threshold" in body
    status, body, _ = await ada.post("/admin/rules", {"times/reopen_days": "soon"})
    assert status == 422 and "not a number" in text(body)
    assert (await served.core.studio.draft())[0].edited_by is None  # nothing half-saved
    await ada.get("/admin/rules")
    form = dict(re.findall(r'name="((?:rules|vip|sla|hours|times|teams|categories)[^"]*)"'
                           r'[^>]*value="([^"]*)"', (await ada.get("/admin/rules"))[1]))
    form = {k: unescape(v) for k, v in form.items()}
    form["vip/phones"] = "+8613900000000"
    form["hours/mon"] = "09:00-18:00"
    status, body, _ = await ada.post("/admin/rules", form)
    assert status == 200, text(body)
    _, draft = await served.core.studio.draft()
    assert draft.vip.phones == ("+8613900000000",)

    # The reports posted to the agents' group: the setting's until saved here.
    assert "the <code>REPORT_SCHEDULE</code> setting decides" in body
    assert re.search(r'name="reports/schedule/week" checked', body)
    assert not re.search(r'name="reports/schedule/quarter" checked', body)
    form.update({"reports/shown": "1", "reports/schedule/month": "on",
                 "reports/schedule/quarter": "on"})
    status, body, _ = await ada.post("/admin/rules", form)
    assert status == 200 and "REPORT_SCHEDULE" not in body
    assert re.search(r'name="reports/schedule/quarter" checked', body)
    _, draft = await served.core.studio.draft()
    assert draft.report_schedule == ("month", "quarter")
    status, body, _ = await ada.get("/admin")
    assert "reports/schedule" in body  # the draft's changes, before publishing

    status, body, _ = await ada.get("/admin/examples/done")
    assert status == 200 and "就这些" in body
    await ada.post("/admin/examples/done", {"en": "that's all\nall done here, ta"})
    _, draft = await served.core.studio.draft()
    assert draft.examples["done"].phrases["en"] == ("that's all", "all done here, ta")

    await ada.get("/admin/people")
    status, body, _ = await ada.post("/admin/people", {"name": "bo", "role": "agent",
                                                       "team": "nowhere", "password": ""})
    assert status == 422 and "no team" in text(body)
    status, body, _ = await ada.post("/admin/people", {"name": "bo", "role": "agent",
                                                       "team": "logistics",
                                                       "password": PASSWORD})
    assert status == 200 and "bo added" in body
    await ada.post("/admin/people/bo/disable")
    bo = await AgentStore(served.core.store.engine).by_name("bo")
    assert bo is not None and bo.disabled and bo.team == "logistics"
    status, body, _ = await ada.post("/admin/people/ada/disable")
    assert status == 422 and "cannot disable yourself" in text(body)
    status, body, _ = await ada.get("/admin/audit")
    assert "agent_added" in body and "agent bo" in body
    await ada.close()


async def test_a_message_tried_and_a_conversation_played(served: RunningApp) -> None:
    sam = await client(served, "sam")
    await sam.get("/admin/try")
    status, body, _ = await sam.post("/admin/try", {
        "text": "我的充电器冒烟了，我要找律师", "locale": "zh-CN", "at": "2026-11-24T23:00",
        "earlier": "2", "vip": "on", "which": "1"})
    shown = text(body)
    assert status == 200 and "Against version 1" in shown
    for rule in ("safety", "public_or_legal", "repeat_complainant", "vip"):
        assert re.search(rf"{rule}\s+P\d\s+fired", shown), rule
    assert "冒烟" in shown and "律师" in shown
    status, body, _ = await sam.get("/admin/preview?sample=traditional-zh-TW&which=draft")
    assert status == 200 and "信用卡被你們重複扣款兩次" in body and "C-2026" in body
    status, _, _ = await sam.get("/admin/preview?sample=nope")
    assert status == 404
    await sam.close()


PAGES = ("/admin", "/admin/templates", "/admin/templates/greet", "/admin/examples",
         "/admin/examples/done", "/admin/rules", "/admin/try", "/admin/preview",
         "/admin/versions", "/admin/versions/1", "/admin/versions/compare?old=1&new=1",
         "/admin/audit", "/admin/people")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


async def test_every_page_has_the_headers_and_no_inline_code(served: RunningApp) -> None:
    ada = await client(served, "ada")
    for path in PAGES:
        async with ada.http.get(served.url(path)) as r:
            body = await r.text()
            assert r.status == 200, path
            for header, value in HEADERS.items():
                assert r.headers[header] == value, (path, header)
        assert not INLINE.search(body), path
    await ada.close()


async def test_what_admins_and_customers_typed_is_shown_as_text(served: RunningApp) -> None:
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    ada = await client(served, "ada")
    await ada.get("/admin/templates/greet")
    await ada.post("/admin/templates/greet", {"en/neutral": f"Hi {attack}",
                                              "zh-CN/neutral": "您好", "zh-TW/neutral": "您好"})
    await ada.post("/admin/examples/done", {"en": f"that's all\n{attack}"})
    for path in ("/admin/templates/greet", "/admin", "/admin/examples/done"):
        body = (await ada.get(path))[1]
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;alert(1)" in body, path
    await ada.get("/admin/try")
    body = (await ada.post("/admin/try", {"text": attack, "locale": "en",
                                          "at": "2026-11-24T10:00", "earlier": "0",
                                          "which": "draft"}))[1]
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)" in body
    await ada.close()


async def test_a_supervisor_marks_a_customer_vip_from_the_console(served: RunningApp) -> None:
    _, number = await escalate(served, chat_id="4242")
    ada = await client(served, "ada")
    await ada.get("/admin/templates/greet")
    await ada.post("/admin/templates/greet", {"en/neutral": GREETING, "zh-CN/neutral": "您好",
                                              "zh-TW/neutral": "您好"})
    ann = await client(served, "ann")
    await ann.get(f"/console/tickets/{number}")
    assert (await ann.post(f"/console/tickets/{number}/vip", {"vip": "on"}))[0] == 403
    await ann.close()

    sam = await client(served, "sam")
    status, body, _ = await sam.get(f"/console/tickets/{number}")
    assert status == 200 and "Mark as VIP" in body
    status, body, _ = await sam.post(f"/console/tickets/{number}/vip", {"vip": "on"})
    assert status == 200 and "Marked as VIP (configuration version 2)" in text(body)
    assert "Remove from VIPs" in body
    _, live = await served.core.studio.current()
    assert live.vip.channels == ("telegram:4242",)
    # The admin's draft moved onto version 2 with the VIP in it: publishing it keeps both.
    draft, drafted = await served.core.studio.draft()
    assert draft.based_on == 2 and drafted.vip.channels == ("telegram:4242",)
    assert await served.core.studio.publish_draft(note="greeting", actor="ada") == 3
    _, live = await served.core.studio.current()
    assert live.vip.channels == ("telegram:4242",)
    assert "Acme" in live.templates["greet"]["en"]["neutral"]  # type: ignore[index]
    await sam.close()
    await ada.close()
