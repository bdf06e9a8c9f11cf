"""Settings: the documented example loads as it is, and bad values name themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings, unknown_names
from dialogs.reports.periods import PeriodKind

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
    ({"DATABASE_URL": "sqlite+aiosqlite:///no/such/folder/heard.db"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql+asyncpg://u:pw@db.example:99999/heard"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql+asyncpg://u:pw@db.example:abc/heard"}, "DATABASE_URL"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ({"TELEGRAM_WEBHOOK_URL": "https://shop.example/hook", "TELEGRAM_WEBHOOK_SECRET": "s3cret"},
     "TELEGRAM_WEBHOOK_URL"),
    ({"TELEGRAM_AGENT_CHAT_ID": "-100123"}, "TELEGRAM_AGENT_CHAT_ID"),
    ({"WEB_SECRET": "x" * 31}, "WEB_SECRET"),
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


@pytest.mark.parametrize(("url", "says", "fine"), [
    ("sqlite+aiosqlite:///no/such/folder/heard.db",
     "the folder {tmp}/no/such/folder does not exist", "sqlite+aiosqlite:///heard.db"),
    ("sqlite+aiosqlite:///{tmp}", "{tmp} is a folder, not a database file",
     "sqlite+aiosqlite:///{tmp}/new.db"),
    ("postgresql+asyncpg://u:pw@db.example:99999/heard",
     "the port must be a number from 1 to 65535", "postgresql+asyncpg://u:pw@db.example/heard"),
    ("postgresql+asyncpg://u:pw@db.example:abc/heard",
     "the port must be a number from 1 to 65535",
     "postgresql+asyncpg://u:pw@db.example:5433/heard"),
])
def test_a_database_url_that_cannot_work_says_why(
        url: str, says: str, fine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as e:
        load_settings(DATABASE_URL=url.format(tmp=tmp_path))
    assert str(e.value) == f"bad setting DATABASE_URL: {says.format(tmp=tmp_path)}"
    # …while one that may work is taken as it is.
    fine = fine.format(tmp=tmp_path)
    assert load_settings(DATABASE_URL=fine).database_url == fine


@pytest.mark.parametrize("level", ["debug", "Info", "warning", "error", "critical"])
def test_log_level_takes_any_case(level: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(LOG_LEVEL=level).log_level == level.upper()


def test_telegram_settings_need_the_token_they_belong_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as e:
        load_settings(TELEGRAM_AGENT_CHAT_ID="-100123")
    assert str(e.value) == ("bad setting TELEGRAM_AGENT_CHAT_ID: TELEGRAM_AGENT_CHAT_ID is set "
                            "but TELEGRAM_BOT_TOKEN is not")
    with_token = load_settings(TELEGRAM_AGENT_CHAT_ID="-100123", TELEGRAM_BOT_TOKEN="1:abc",
                               TELEGRAM_WEBHOOK_URL="https://shop.example/hook",
                               TELEGRAM_WEBHOOK_SECRET="s3cret")
    assert with_token.telegram_agent_chat_id == -100123


def test_a_short_web_secret_is_refused_with_how_to_make_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as e:
        load_settings(WEB_SECRET="s")
    assert str(e.value).startswith("bad setting WEB_SECRET: String should have at least 32")
    assert "secrets.token_urlsafe(32)" in str(e.value)
    assert load_settings(WEB_SECRET="k" * 32).web_secret == "k" * 32


def test_unknown_names_in_dotenv_and_our_environment_are_named_with_a_suggestion(
        tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite+aiosqlite:///heard.db\nweb_host=0.0.0.0\n"
                        "WEBPORT=8081\nSOMETHING_ELSE=1\n", encoding="utf-8")
    environ = {"PATH": "/usr/bin", "TEST_POSTGRES_URL": "x", "WEB_PORT": "8080",
               "TELEGRAM_TOKEN": "1:abc", "CONSOLE_IDLE_MINUTE": "5",
               "HEARD_UPDATE_SCREENSHOT": "1", "DATABASEURL": "x"}
    assert unknown_names(environ, env_file) == [
        f"WEBPORT in {env_file} is not a setting (did you mean WEB_PORT?)",
        f"SOMETHING_ELSE in {env_file} is not a setting",
        "CONSOLE_IDLE_MINUTE in the environment is not a setting "
        "(did you mean CONSOLE_IDLE_MINUTES?)",
        "DATABASEURL in the environment is not a setting (did you mean DATABASE_URL?)",
        "TELEGRAM_TOKEN in the environment is not a setting (did you mean TELEGRAM_BOT_TOKEN?)",
    ]
    assert unknown_names({}, tmp_path / "missing.env") == []


def test_customer_text_stays_out_of_the_log_unless_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().log_customer_text is False
    assert load_settings(LOG_CUSTOMER_TEXT="true").log_customer_text is True


def test_the_report_schedule_is_a_list_of_periods() -> None:
    assert load_settings(REPORT_SCHEDULE="Month, quarter").report_schedule == [
        PeriodKind.MONTH, PeriodKind.QUARTER]
    assert load_settings(REPORT_SCHEDULE="none").report_schedule == []
    assert load_settings().report_schedule == [PeriodKind.WEEK, PeriodKind.MONTH]
    with pytest.raises(SettingsError, match="REPORT_SCHEDULE"):
        load_settings(REPORT_SCHEDULE="fortnight")
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings(PUBLIC_URL="desk.example.com")
