"""`ouderstem serve`: the webhook app (bot/web/app.py) through httpx's ASGI transport, with the
real Application wired to the in-process Bot API, on SQLite and on the throwaway PostgreSQL.

The webhook checks the secret header (401), refuses large bodies (413) and non-updates (400), and
answers 200 only once the update is handled: the reply is already sent when the answer comes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import open_store
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.stub_api import SimulatedUser, StubBotApi
from bot.web.app import MAX_UPDATE_BYTES, SECRET_HEADER, WEBHOOK_PATH, create_app
from tests.conftest import TOKEN

SECRET = "s3cret-Webhook_token"


class Served:
    def __init__(self, client: httpx.AsyncClient, app: Any, api: StubBotApi, token: str) -> None:
        self.client, self.app, self.api, self.token = client, app, api, token

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(WEBHOOK_PATH, json=update, headers=headers)


@pytest.fixture(params=["sqlite", "postgresql"])
async def served(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Served]:
    if request.param == "postgresql":
        database: str | Path = request.getfixturevalue("postgresql_server").create()
    else:
        database = tmp_path / "serve.db"
    settings = Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": str(database),
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
            "OUDERSTEM_WEBHOOK_SECRET": SECRET,
        }
    )
    store = open_store(settings.database)
    api = StubBotApi()
    application = build_application(
        Deps(settings=settings, store=store), request=api.request(), rate_limit=False
    )
    app = create_app(application, store, settings.require_webhook_secret())
    async with app.router.lifespan_context(app):
        now = datetime.now(UTC)
        school = await store.add_school("Basisschool De Regenboog", now)
        flow = get_flow("barometer-ouders")
        token = new_token()
        await store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=token,
            at=now,
            closes_at=now + timedelta(days=14),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ouderstem") as client:
            yield Served(client, app, api, token)


def parent(served: Served, user_id: int = 7_100_000_001) -> SimulatedUser:
    return SimulatedUser(None, served.api, user_id=user_id)  # type: ignore[arg-type]


async def test_an_update_is_handled_before_the_answer(served: Served) -> None:
    user = parent(served)
    response = await served.post(user.command_update("/start", served.token))
    assert response.status_code == 200
    assert user.replies(), "the bot answered the parent before the webhook answered Telegram"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_handled(
    served: Served, secret: str | None
) -> None:
    user = parent(served)
    response = await served.post(user.command_update("/start", served.token), secret=secret)
    assert response.status_code == 401
    assert user.replies() == []


async def test_a_body_over_the_limit_is_refused(served: Served) -> None:
    padding = "x" * (MAX_UPDATE_BYTES + 1)
    update = parent(served).message_update(text=padding)
    assert (await served.post(update)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps(update).encode()

    streamed = await served.client.post(  # no content-length to trust: counted while read
        WEBHOOK_PATH, content=chunks(), headers={SECRET_HEADER: SECRET}
    )
    assert streamed.status_code == 413


# The last one has a chat, so it waits for its turn unparsed (bot.tg.intake.Pending) and is
# refused once PTB parses it (no message_id).
NOT_UPDATES = [
    b"not json",
    b"[]",
    b"{}",
    b'{"update_id": "x"}',
    b'{"update_id": 1, "message": {"date": 0, "chat": {"id": 5, "type": "private"}}}',
]


@pytest.mark.parametrize("body", NOT_UPDATES)
async def test_a_body_that_is_no_update_is_refused(served: Served, body: bytes) -> None:
    response = await served.client.post(WEBHOOK_PATH, content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400


async def test_a_redelivered_update_is_answered_once(served: Served) -> None:
    user = parent(served)
    update = user.command_update("/start", served.token)
    assert (await served.post(update)).status_code == 200
    first = user.replies()
    assert (await served.post(update)).status_code == 200
    assert first and user.replies() == []


async def test_health_and_readiness(served: Served) -> None:
    assert (await served.client.get("/healthz")).text == "ok"
    ready = await served.client.get("/readyz")
    assert ready.status_code == 200 and ready.text == "ready"


async def test_metrics_count_updates_and_never_name_a_person(served: Served) -> None:
    user = parent(served, user_id=7_100_000_777)
    await served.post(user.command_update("/start", served.token))
    await served.post(user.command_update("/start", served.token), secret="wrong")
    text = (await served.client.get("/metrics")).text
    assert 'ouderstem_updates_total{kind="message"} 1.0' in text
    assert 'ouderstem_webhook_rejected_total{reason="secret"} 1.0' in text
    assert "ouderstem_update_handling_seconds_count 1.0" in text
    assert "ouderstem_answers_stored" in text
    assert "7100000777" not in text and served.token not in text
