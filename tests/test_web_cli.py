"""`ouderstem webhook set|info|delete` and `serve`'s settings: what is sent to the Bot API (a
fake server through httpx's transport; nothing reaches the network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.request import HTTPXRequest

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.tg.stub_api import _parse as parse_request
from bot.web.cli import ALLOWED_UPDATES, webhook_delete, webhook_info, webhook_set

TOKEN = "123456:TEST-TOKEN"
URL = "https://ouderstem.example.gent/telegram"
SECRET = "abc_DEF-123"


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] = {
            "url": "",
            "pending_update_count": 0,
            "has_custom_certificate": False,
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        params = parse_request(request)
        self.calls.append((method, params))
        if method == "getMe":
            result: Any = {"id": 1, "is_bot": True, "first_name": "O", "username": "OuderstemBot"}
        elif method == "setWebhook":
            self.webhook = {
                "url": params["url"],
                "pending_update_count": 0,
                "has_custom_certificate": False,
                "max_connections": params.get("max_connections"),
                "allowed_updates": params.get("allowed_updates"),
            }
            result = True
        elif method == "deleteWebhook":
            self.webhook = {"url": "", "pending_update_count": 0, "has_custom_certificate": False}
            result = True
        else:
            result = self.webhook
        return httpx.Response(200, json={"ok": True, "result": result})

    def request(self) -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": httpx.MockTransport(self.handle)})


def settings(**extra: str) -> Settings:
    return Settings.model_validate({"TELEGRAM_BOT_TOKEN": TOKEN, **extra})


async def test_set_sends_url_secret_connections_and_updates_then_info_reads_back() -> None:
    fake = FakeTelegram()
    configured = settings(OUDERSTEM_WEBHOOK_URL=URL, OUDERSTEM_WEBHOOK_SECRET=SECRET)
    shown = await webhook_set(configured, 25, fake.request())
    sent = dict(fake.calls)["setWebhook"]
    assert sent["url"] == URL and str(sent["secret_token"]) == SECRET
    assert sent["max_connections"] == 25 and sent["allowed_updates"] == list(ALLOWED_UPDATES)
    assert shown["url"] == URL and shown["max_connections"] == 25
    assert SECRET not in json.dumps(shown)  # the secret is never printed back
    assert (await webhook_info(configured, FakeTelegram().request()))["url"] == ""
    assert await webhook_delete(configured, fake.request()) == {"deleted": True}
    assert dict(fake.calls)["deleteWebhook"].get("drop_pending_updates") in (False, None)


async def test_set_without_url_or_secret_says_what_to_set() -> None:
    with pytest.raises(ConfigError, match="OUDERSTEM_WEBHOOK_URL"):
        await webhook_set(settings(OUDERSTEM_WEBHOOK_SECRET=SECRET), 40, FakeTelegram().request())
    with pytest.raises(ConfigError, match="OUDERSTEM_WEBHOOK_SECRET"):
        await webhook_set(settings(OUDERSTEM_WEBHOOK_URL=URL), 40, FakeTelegram().request())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OUDERSTEM_WEBHOOK_URL", "http://plain.example/telegram"),
        ("OUDERSTEM_WEBHOOK_SECRET", "has space"),
        ("OUDERSTEM_WEBHOOK_SECRET", "x" * 257),
        ("OUDERSTEM_WEBHOOK_SECRET", "ünïcode"),
    ],
)
def test_bad_webhook_settings_are_refused_naming_the_variable_not_the_value(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name) as refused:
        load_settings()
    assert value not in str(refused.value)
