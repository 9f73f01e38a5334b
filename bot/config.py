"""Configuration, read once from the environment and `.env`, typed, with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError
from bot.limits import BROADCAST_MESSAGES_PER_SECOND, MIN_GROUP_CLOSED, MIN_GROUP_OPEN

OFFICIAL_API = "https://api.telegram.org"
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")  # OUDERSTEM_DB names a PostgreSQL server
# Messages per second the outbox sends (reminders, feedback): of Telegram's 30/s for a bot,
# 5/s are left for live conversations. Evenly spaced (bot.outbox.RateLimiter).
DEFAULT_SEND_RATE = 25.0
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Every setting Ouderstem reads; the env var name is given per field."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    # A SQLite file (the embedded default), or a PostgreSQL URL for a city (issue 13).
    database: Path | str = Field(default=Path("ouderstem.db"), alias="OUDERSTEM_DB")
    base_url: str = Field(default=OFFICIAL_API, alias="TELEGRAM_BASE_URL")
    bot_username: str = Field(default="OuderstemBot", alias="TELEGRAM_BOT_USERNAME")
    poll_interval: float = Field(default=0.0, ge=0, le=60, alias="OUDERSTEM_POLL_INTERVAL")
    log_level: LogLevel = Field(default="INFO", alias="OUDERSTEM_LOG_LEVEL")
    min_group_closed: int = Field(default=MIN_GROUP_CLOSED, alias="OUDERSTEM_MIN_GROUP")
    min_group_open: int = Field(default=MIN_GROUP_OPEN, alias="OUDERSTEM_MIN_GROUP_OPEN")
    audio_cache: Path = Field(default=Path("audio-cache"), alias="OUDERSTEM_AUDIO_CACHE")
    reminder_days: int = Field(default=3, ge=0, le=60, alias="OUDERSTEM_REMINDER_DAYS")
    # `ouderstem serve` and `ouderstem webhook set` (bot/web/): where Telegram posts updates, and
    # the secret it sends with each (X-Telegram-Bot-Api-Secret-Token; 1-256 of A-Z a-z 0-9 _ -).
    webhook_url: str | None = Field(default=None, alias="OUDERSTEM_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="OUDERSTEM_WEBHOOK_SECRET")
    # The dashboard (a Telegram Mini App, bot/web/dashboard/): the public https root that reaches
    # this server (the Mini App is its /app/); without it /rapport offers no dashboard button.
    # `ouderstem run` serves it beside polling on OUDERSTEM_WEB_PORT (unset: no web server).
    public_url: str | None = Field(default=None, alias="OUDERSTEM_PUBLIC_URL")
    web_port: int | None = Field(default=None, ge=1, le=65535, alias="OUDERSTEM_WEB_PORT")
    web_host: str = Field(default="127.0.0.1", alias="OUDERSTEM_WEB_HOST")
    # `ouderstem serve`: the parent's next question goes back as the webhook's HTTP response (one
    # Bot API round trip saved per answer; bot/web/app.py says what that costs after a restart).
    webhook_reply: bool = Field(default=False, alias="OUDERSTEM_WEBHOOK_REPLY")
    # Reminders and feedback reach families only then (Europe/Brussels, never on Sunday).
    waking_hours: str = Field(default="08:00-20:00", alias="OUDERSTEM_WAKING_HOURS")
    # The outbox's pace, messages per second, at most Telegram's free broadcast limit.
    send_rate: float = Field(
        default=DEFAULT_SEND_RATE,
        gt=0,
        le=BROADCAST_MESSAGES_PER_SECOND,
        alias="OUDERSTEM_SEND_RATE",
    )

    @field_validator("waking_hours")
    @classmethod
    def _waking(cls, value: str) -> str:
        from bot.schedule import WakingHours  # the rule lives with the schedule

        WakingHours.parse(value)
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any) -> Any:
        text = str(value).strip()
        if text.startswith(POSTGRESQL_SCHEMES):
            return text
        if "://" in text:
            raise ValueError("a SQLite file path, or a URL postgresql://user@host/database")
        return Path(text)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram posts only to HTTPS)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be an https:// root such as https://ouderstem.example.org")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        text = value.get_secret_value()
        if not 1 <= len(text) <= 256 or not text.replace("_", "").replace("-", "").isalnum():
            raise ValueError("1-256 characters: letters, digits, _ and -")
        if not text.isascii():
            raise ValueError("ASCII letters and digits only")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str) -> str:
        value = value.lstrip("@")
        if not value.replace("_", "").isalnum():
            raise ValueError("letters, digits and _ only")
        return value

    @field_validator("min_group_closed")
    @classmethod
    def _min_closed(cls, value: int) -> int:
        if value < MIN_GROUP_CLOSED:
            raise ValueError(f"may only be raised, not below {MIN_GROUP_CLOSED}")
        return value

    @field_validator("min_group_open")
    @classmethod
    def _min_open(cls, value: int) -> int:
        if value < MIN_GROUP_OPEN:
            raise ValueError(f"may only be raised, not below {MIN_GROUP_OPEN}")
        return value

    @property
    def database_file(self) -> Path | None:
        """The SQLite file; None when the database is PostgreSQL."""
        return self.database if isinstance(self.database, Path) else None

    @property
    def database_label(self) -> str:
        """The database as logs and messages may name it: never a password from the URL."""
        if isinstance(self.database, Path):
            return str(self.database)
        url = urlsplit(self.database)
        where = url.hostname or dict(parse_qsl(url.query)).get("host", "local socket")
        return f"PostgreSQL {url.path.lstrip('/') or '(default)'} on {where}"

    @property
    def api_url(self) -> str:
        """The Bot API base PTB wants: the server root plus `/bot` (the token follows)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.base_url}/file/bot"

    def require_webhook_secret(self) -> str:
        if self.webhook_secret is None:
            raise ConfigError(
                "OUDERSTEM_WEBHOOK_SECRET is not set: choose a random secret (letters, digits, _ "
                "and -), and give the same to `ouderstem webhook set`"
            )
        return self.webhook_secret.get_secret_value()

    def require_token(self) -> str:
        if self.token is None or not self.token.get_secret_value().strip():
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in the environment "
                "or in .env (try `ouderstem demo` to run without one)"
            )
        token = self.token.get_secret_value().strip()
        if ":" not in token:
            raise ConfigError("TELEGRAM_BOT_TOKEN looks wrong: it should look like 123456:ABC-...")
        return token


def load_settings() -> Settings:
    """Read the settings once; a bad value becomes a one-line ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        raise ConfigError(f"{alias or field}: {first['msg']}") from None
