"""Configuration: read once from the environment, typed, one-line errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError

VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "OUDERSTEM_DB",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_BOT_USERNAME",
    "OUDERSTEM_POLL_INTERVAL",
    "OUDERSTEM_MIN_GROUP",
    "OUDERSTEM_MIN_GROUP_OPEN",
    "OUDERSTEM_REMINDER_DAYS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.database == Path("ouderstem.db")
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.file_url == "https://api.telegram.org/file/bot"
    assert settings.poll_interval == 0.0


def test_values_from_the_environment_and_dotenv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=123456:FROM-DOTENV\nOUDERSTEM_POLL_INTERVAL=2.5\n"
    )
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://localhost:8081/")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@SchoolBot")
    settings = load_settings()
    assert settings.require_token() == "123456:FROM-DOTENV"
    assert settings.poll_interval == 2.5
    assert settings.api_url == "http://localhost:8081/bot"
    assert settings.bot_username == "SchoolBot"


@pytest.mark.parametrize(
    "name,value,says",
    [
        ("OUDERSTEM_POLL_INTERVAL", "abc", "valid number"),
        ("OUDERSTEM_POLL_INTERVAL", "-1", "greater than or equal to 0"),
        ("OUDERSTEM_POLL_INTERVAL", "61", "less than or equal to 60"),
        ("TELEGRAM_BASE_URL", "api.telegram.org", "must start with http:// or https://"),
        ("TELEGRAM_BOT_USERNAME", "school bot!", "letters, digits and _ only"),
        ("OUDERSTEM_MIN_GROUP", "2", "may only be raised"),
        ("OUDERSTEM_MIN_GROUP_OPEN", "3", "may only be raised"),
        ("OUDERSTEM_REMINDER_DAYS", "many", "valid integer"),
        ("OUDERSTEM_WAKING_HOURS", "20:00-08:00", "start before they end"),
        ("OUDERSTEM_WAKING_HOURS", "late", "must read like"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert says in message and "\n" not in message


@pytest.mark.parametrize(
    "token,says", [(None, "is not set"), ("   ", "is not set"), ("no-colon", "looks wrong")]
)
def test_the_token_is_required_to_run(token: str | None, says: str) -> None:
    settings = Settings(TELEGRAM_BOT_TOKEN=token)
    with pytest.raises(ConfigError, match=f"^TELEGRAM_BOT_TOKEN {says}"):
        settings.require_token()


def test_the_token_never_shows_in_a_repr() -> None:
    settings = Settings(TELEGRAM_BOT_TOKEN="123456:VERY-SECRET")
    assert "VERY-SECRET" not in repr(settings) and "VERY-SECRET" not in str(settings.model_dump())
