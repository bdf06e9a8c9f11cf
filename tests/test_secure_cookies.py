"""SECURE_COOKIES (formerly CONSOLE_SECURE_COOKIES): behind a proxy that ends TLS the service
sees plain HTTP, and the setting marks every cookie it sets Secure: the console's and the web
chat's."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest

from bot.settings import load_settings, setting_names, unknown_names
from tests.conftest import Clock
from tests.console_support import PASSWORD, add_agent
from tests.e2e_support import running_app


def cookies(response: aiohttp.ClientResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar


@pytest.mark.parametrize("name", ["SECURE_COOKIES", "CONSOLE_SECURE_COOKIES"])
async def test_the_setting_marks_the_console_and_chat_cookies_secure(
        tmp_path: Path, clock: Clock, name: str) -> None:
    async with running_app(tmp_path, clock, **{name: "true"}) as running, \
            aiohttp.ClientSession() as http:
        await add_agent(running, "alice")
        async with http.get(running.url("/chat")) as r:
            chat = cookies(r)
        async with http.get(running.url("/console/login")) as r:
            login_form = cookies(r)
            csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text())
        assert csrf is not None
        form_cookie = login_form["heard_console_login"].value
        # Sent by hand: a client rightly keeps Secure cookies to itself over plain HTTP.
        async with http.post(
                running.url("/console/login"),
                data={"csrf": csrf.group(1), "name": "alice", "password": PASSWORD},
                headers={"Origin": running.base_url,
                         "Cookie": f"heard_console_login={form_cookie}"},
                allow_redirects=False) as r:
            assert r.status == 303
            session = cookies(r)
    assert chat["heard_visitor"]["secure"]
    assert login_form["heard_console_login"]["secure"]
    assert session["heard_console"]["secure"]


def test_the_old_name_is_still_a_setting_and_the_new_one_wins(tmp_path: Path) -> None:
    assert load_settings(CONSOLE_SECURE_COOKIES="true").secure_cookies is True
    assert load_settings(SECURE_COOKIES="false",
                         CONSOLE_SECURE_COOKIES="true").secure_cookies is False
    assert {"SECURE_COOKIES", "CONSOLE_SECURE_COOKIES"} <= setting_names()
    assert unknown_names({"CONSOLE_SECURE_COOKIES": "true"}, tmp_path / "no.env") == []
