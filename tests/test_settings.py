"""Settings: the documented example loads as it is, and bad values name themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_loads_unchanged_and_documents_every_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///heard.db"
    assert settings.telegram_bot_token is None and settings.telegram_agent_chat_id is None
    documented = (ROOT / ".env.example").read_text()
    for field in Settings.model_fields.values():
        assert f"{field.alias}=" in documented, f"{field.alias} missing from .env.example"


@pytest.mark.parametrize(("env", "name"), [
    ({"WEB_PORT": "abc"}, "WEB_PORT"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"HEARD_TIMEZONE": "Mars/Base"}, "HEARD_TIMEZONE"),
    ({"DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE"),
    ({"TICKET_PREFIX": "c-1"}, "TICKET_PREFIX"),
    ({"TELEGRAM_WEBHOOK_URL": "http://insecure.example/hook"}, "TELEGRAM_WEBHOOK_URL"),
    ({"TELEGRAM_AGENT_CHAT_ID": "agents"}, "TELEGRAM_AGENT_CHAT_ID"),
    ({"BUSINESS_HOURS": "weekdays 9 to 6"}, "BUSINESS_HOURS"),
    ({"REOPEN_DAYS": "-1"}, "REOPEN_DAYS"),
])
def test_a_bad_value_is_reported_with_its_name(
        env: dict[str, str], name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SettingsError) as e:
        load_settings()
    assert str(e.value).startswith(f"bad setting {name}:")
    assert "\n" not in str(e.value)
