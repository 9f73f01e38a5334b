"""Issue 16: in webhook mode the parent's next question can go back as the webhook's HTTP
response (`create_app(..., reply_in_response=True)`): one Bot API method Telegram makes for the
bot, a round trip saved. Still only after the answer's commit; Telegram confirms nothing about it,
so the owed note is settled once the response is written (tests/test_owed_webhook_reply.py:
what a new leader does with it), and a tap on a later message proves a question arrived whose
note outlived it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import open_store
from bot.store.records import Owed
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.parent.owed import delivered_since
from bot.tg.stub_api import SimulatedUser, StubBotApi
from bot.web.app import SECRET_HEADER, WEBHOOK_PATH, create_app
from tests.conftest import TOKEN

SECRET = "s3cret-Webhook_token"


class Served:
    def __init__(self, client: httpx.AsyncClient, api: StubBotApi, store: Any, token: str) -> None:
        self.client, self.api, self.store, self.token = client, api, store, token
        self.bodies: list[dict[str, Any]] = []

    async def post(self, update: dict[str, Any]) -> httpx.Response:
        """Post an update; a method in the response is made as Telegram would make it."""
        response = await self.client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200
        if response.content:
            body = response.json()
            self.bodies.append(body)
            assert body.pop("method") == "sendMessage"
            self.api._m_sendMessage(body)
        return response


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": str(tmp_path / "serve.db"),
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
            "OUDERSTEM_WEBHOOK_SECRET": SECRET,
        }
    )
    store = open_store(settings.database)
    api = StubBotApi()
    application = build_application(
        Deps(settings=settings, store=store), request=api.request(), rate_limit=False
    )
    app = create_app(application, store, SECRET, reply_in_response=True)
    async with app.router.lifespan_context(app):
        now = datetime.now(UTC)
        school = await store.add_school("Basisschool De Regenboog", now)
        flow = get_flow("barometer-ouders")
        opened = await store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=14),
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ouderstem") as client:
            yield Served(client, api, store, opened.start_token)


async def press(served: Served, user: SimulatedUser, label: str) -> None:
    message = user.last_with_keyboard()
    assert message is not None
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if label in button["text"] and "callback_data" in button:
                await served.post(user.callback_update(button["callback_data"], message))
                return
    raise AssertionError(f"no button {label!r}")


async def test_the_next_question_is_the_webhook_response_after_the_commit(served: Served) -> None:
    user = SimulatedUser(None, served.api, user_id=7_100_000_002)  # type: ignore[arg-type]
    await served.post(user.command_update("/start", served.token))
    await press(served, user, "Nederlands")
    assert user.last_text().startswith("Vraag 1 van 30")
    served.api.calls.clear()
    served.bodies.clear()

    await press(served, user, "🙂")

    assert len(served.bodies) == 1, "the next question went back in the response"
    assert served.bodies[0]["text"].startswith("Vraag 2 van 30")
    assert served.bodies[0]["reply_markup"]["inline_keyboard"]
    sent = [method for method, _ in served.api.calls]
    assert "sendMessage" not in sent, "not sent a second time through the Bot API"
    assert "answerCallbackQuery" in sent and "editMessageText" in sent  # after the response
    respondent = await served.store.respondent_in_round(user.chat_id, 1)  # type: ignore[arg-type]
    assert respondent is not None
    answers = await served.store.answers_of(respondent.id)
    assert len(answers) == 1, "the answer was committed before the response"
    owed = await served.store.owed(user.chat_id)  # type: ignore[arg-type]
    assert owed is None, "the response was written: the question in it is not owed any more"

    await press(served, user, "🙂")  # a tap on the question the response carried
    assert user.last_text().startswith("Vraag 3 van 30")
    assert "sendMessage" not in [method for method, _ in served.api.calls]


def test_only_a_tap_on_a_message_of_a_later_second_than_the_owed_note_proves_delivery() -> None:
    since = datetime(2026, 12, 3, 7, 0, 0, 400_000, tzinfo=UTC)
    owed = Owed(chat_id=5, respondent_id="r", since=since)

    def tap(at: datetime) -> Update:
        message = {
            "message_id": 9,
            "date": int(at.timestamp()),
            "chat": {"id": 5, "type": "private"},
            "text": "Vraag 2 van 30",
        }
        query = {"id": "1", "from": {"id": 5, "is_bot": False, "first_name": "O"}}
        query |= {"chat_instance": "5", "message": message, "data": "x"}
        return Update.de_json({"update_id": 1, "callback_query": query}, None)

    assert delivered_since(tap(since + timedelta(seconds=2)), owed)
    assert delivered_since(tap(since + timedelta(seconds=1)), owed)  # the next whole second
    # The same second proves nothing (Telegram's dates are whole seconds): it may be the
    # message whose tap caused the note, and the reply owed for it may be lost.
    assert not delivered_since(tap(since), owed)
    assert not delivered_since(tap(since - timedelta(seconds=5)), owed)
