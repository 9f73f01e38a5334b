"""A change of leader must not re-send what a webhook answer carried (issue 13, city scale).

With OUDERSTEM_WEBHOOK_REPLY the parent's next question goes back to Telegram as the webhook's
HTTP response, so the Bot API never confirms it. Its owed note used to stay until the parent's
next tap, and a worker taking the lead (after a kill, a restart) delivered it again: the parent
saw the same question twice. Now `bot.web.app` writes the held answer while the chat's turn is
still held and settles the note there, so:

- an answer that was written is not sent again by the next leader, not even by one that takes
  the lead while the answer is being written (it waits for the chat's turn);
- an answer that never went (the worker died first) is still delivered, once, by the next
  leader, without the parent typing;
- an answer that could not be written (Telegram or nginx had stopped waiting) goes through the
  Bot API instead, once.

Each worker is the real `ouderstem serve` app (`create_app(..., reply_in_response=True)` in its
lifespan, whose leader delivers owed replies) on its own store, behind httpx's ASGI transport;
all share one in-process Bot API, which makes the method in a response as Telegram would. On
SQLite the new leader is the worker started after the first one stopped (one process owns the
file); on PostgreSQL too, and a second, concurrent worker takes the lead mid-answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import Store, open_store
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.parent import deliver_owed_at_start
from bot.tg.stub_api import SimulatedUser, StubBotApi
from bot.web.app import SECRET_HEADER, WEBHOOK_PATH, create_app
from tests.conftest import TOKEN

SECRET = "s3cret-Webhook_token"
FLOW = get_flow("barometer-ouders")
ORDER = [q.id for q in FLOW.questions]
PARENT = 7_300_000_001
LEADER_WAITS_S = 0.3  # how long a leader taking over mid-answer gets to find the owed note


class Killed(BaseException):
    """The worker process died here (nothing in the bot catches a BaseException)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgresql_server").create()  # type: ignore[no-any-return]
    return str(tmp_path / "owed-reply.db")


def settings_for(database: str, tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": database,
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
            "OUDERSTEM_WEBHOOK_SECRET": SECRET,
        }
    )


async def open_round(database: str) -> str:
    """A school with the parents' barometer open; its deep-link token."""
    async with open_store(database) as store:
        now = datetime.now(UTC)
        school = await store.add_school("Basisschool De Regenboog", now)
        opened = await store.open_round(
            school_id=school.id,
            flow_id=FLOW.id,
            flow_version=FLOW.version,
            audience=FLOW.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=14),
        )
        return opened.start_token


@dataclass
class Telegram:
    """What Telegram did for the bot: the methods it found in webhook answers (made at the
    shared Bot API, as Telegram makes them) besides the bot's own calls (`api.calls`)."""

    api: StubBotApi = field(default_factory=StubBotApi)
    answered: list[dict[str, Any]] = field(default_factory=list)

    def questions(self, chat_id: int) -> list[str]:
        """The questions sent to the chat, by either way, each as often as it went (in the
        flow's order: the two ways are recorded apart)."""
        sent = [p for m, p in self.api.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]
        sent += [b for b in self.answered if int(b["chat_id"]) == chat_id]
        return sorted((q for q in map(question_of, sent) if q is not None), key=ORDER.index)


def question_of(params: dict[str, Any]) -> str | None:
    """The question a sendMessage asks, read from its answer buttons."""
    markup = params.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    elif not isinstance(markup, dict):
        markup = markup.to_dict()
    for row in markup.get("inline_keyboard", []):
        for button in row:
            parts = str(button.get("callback_data", "")).split("|")
            if parts[0] == "a" and len(parts) >= 4:
                return parts[3]
    return None


class Doors:
    """Around a worker's ASGI app: what happens when the next response starts (`at_answer`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.at_answer: Callable[[], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            hook = self.at_answer
            if hook is not None and message["type"] == "http.response.start":
                self.at_answer = None
                await hook()
            await send(message)

        await self.app(scope, receive, sending)


@dataclass
class Worker:
    """One `ouderstem serve` worker in its lifespan, answering webhooks in the response."""

    application: Any
    store: Store
    client: httpx.AsyncClient
    doors: Doors
    app: Any
    telegram: Telegram

    async def post(self, update: dict[str, Any]) -> httpx.Response:
        """One webhook delivery; a method in the answer is made as Telegram would make it."""
        response = await self.client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200
        if response.content:
            body = response.json()
            assert body.pop("method") == "sendMessage"
            self.telegram.answered.append(body)
            self.telegram.api._m_sendMessage(body)
        return response


@contextlib.asynccontextmanager
async def serving(database: str, tmp_path: Path, telegram: Telegram) -> AsyncIterator[Worker]:
    settings = settings_for(database, tmp_path)
    store = open_store(settings.database)
    application = build_application(
        Deps(settings=settings, store=store), request=telegram.api.request(), rate_limit=False
    )
    app = create_app(application, store, SECRET, reply_in_response=True)
    doors = Doors(app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=doors)
        async with httpx.AsyncClient(transport=transport, base_url="http://ouderstem") as client:
            yield Worker(application, store, client, doors, app, telegram)


async def joined(worker: Worker, token: str) -> SimulatedUser:
    """A parent who opened the link and took Dutch: question 1 came in the answer."""
    parent = SimulatedUser(None, worker.telegram.api, user_id=PARENT)  # type: ignore[arg-type]
    await worker.post(parent.command_update("/start", token))
    await worker.post(tap(parent, "Nederlands"))
    assert worker.telegram.questions(PARENT) == ORDER[:1]
    return parent


def tap(parent: SimulatedUser, label: str) -> dict[str, Any]:
    """The parent taps the button labelled `label` on the newest message with buttons."""
    message = parent.last_with_keyboard()
    assert message is not None
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if label in button["text"] and "callback_data" in button:
                return parent.callback_update(button["callback_data"], message)
    raise AssertionError(f"no button {label!r}")


async def new_leader_looks(worker: Worker) -> None:
    """What a worker does on taking the lead: deliver every owed reply. Its lifespan started
    the same look (`deliver_owed_when_leading`); awaited here too, so the test knows it ran
    (a note is read again under the chat's turn: two looks never send anything twice)."""
    await deliver_owed_at_start(worker.application)


async def test_an_answer_written_in_the_webhook_response_is_not_sent_again_by_the_next_leader(
    database: str, tmp_path: Path
) -> None:
    token = await open_round(database)
    telegram = Telegram()
    async with serving(database, tmp_path, telegram) as first:
        parent = await joined(first, token)
        await first.post(tap(parent, "🙂"))  # question 2 goes back in the webhook's answer
        assert telegram.questions(PARENT) == ORDER[:2]
        assert [q for b in telegram.answered if (q := question_of(b))] == ORDER[:2]
    # The worker that led is gone (killed, restarted, scaled down); another takes the lead.
    async with serving(database, tmp_path, telegram) as second:
        await new_leader_looks(second)
        assert telegram.questions(PARENT) == ORDER[:2], "question 2 is not sent again"
        assert await second.store.all_owed() == []
        await second.post(tap(parent, "🙂"))  # and the parent goes on, on the new leader
        assert telegram.questions(PARENT) == ORDER[:3]


async def test_an_answer_lost_with_its_worker_is_delivered_once_by_the_next_leader(
    database: str, tmp_path: Path
) -> None:
    token = await open_round(database)
    telegram = Telegram()
    async with serving(database, tmp_path, telegram) as first:
        parent = await joined(first, token)

        async def die() -> None:
            raise Killed("before the response went out")

        first.doors.at_answer = die
        with pytest.raises(Killed):
            await first.post(tap(parent, "🙂"))  # committed; question 2 never left
        assert telegram.questions(PARENT) == ORDER[:1]
        assert [o.chat_id for o in await first.store.all_owed()] == [PARENT]
    async with serving(database, tmp_path, telegram) as second:
        await new_leader_looks(second)
        await new_leader_looks(second)  # a second look (another worker's) sends nothing more
        assert telegram.questions(PARENT) == ORDER[:2], "question 2 delivered, once"
        assert await second.store.all_owed() == []


async def test_a_leader_taking_over_while_the_answer_is_written_does_not_send_it_again(
    database: str, tmp_path: Path
) -> None:
    token = await open_round(database)
    telegram = Telegram()
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serving(database, tmp_path, telegram))
        # PostgreSQL: a second worker, running beside the first, takes the lead. SQLite: one
        # process owns the file; its own look (at start) races the answer.
        leader = first
        if not database.endswith(".db"):
            leader = await stack.enter_async_context(serving(database, tmp_path, telegram))
        parent = await joined(first, token)
        looking: list[asyncio.Task[None]] = []

        async def lead_now() -> None:
            # The look starts outside this update's handling (a fresh context: the leader's task
            # holds none of the update's locks), finds the owed note and waits for the turn.
            looking.append(
                asyncio.create_task(new_leader_looks(leader), context=contextvars.Context())
            )
            await asyncio.sleep(LEADER_WAITS_S)
            assert not looking[0].done(), "the leader waits for the chat's turn"

        first.doors.at_answer = lead_now
        await first.post(tap(parent, "🙂"))
        await looking[0]
        assert telegram.questions(PARENT) == ORDER[:2], "question 2 went once, in the answer"
        assert await first.store.all_owed() == []


async def test_an_answer_that_cannot_be_written_goes_through_the_bot_api_once(
    database: str, tmp_path: Path
) -> None:
    token = await open_round(database)
    telegram = Telegram()
    async with serving(database, tmp_path, telegram) as worker:
        parent = await joined(worker, token)
        update = tap(parent, "🙂")
        body = json.dumps(update).encode()
        delivered = False
        sent: list[Message] = []

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}  # Telegram (or nginx) stopped waiting

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": WEBHOOK_PATH,
            "raw_path": WEBHOOK_PATH.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"ouderstem"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (SECRET_HEADER.lower().encode(), SECRET.encode()),
            ],
            "client": ("127.0.0.1", 4000),
            "server": ("ouderstem", 80),
        }
        await worker.app(scope, receive, send)
        assert not [m for m in sent if m.get("body")], "nothing written to a closed connection"
        assert telegram.questions(PARENT) == ORDER[:2], "question 2 through the Bot API"
        by_bot_api = [question_of(p) for m, p in telegram.api.calls if m == "sendMessage"]
        assert by_bot_api.count(ORDER[1]) == 1
        assert await worker.store.all_owed() == []
        # Telegram had no answer: it delivers the update again. Handled before: nothing more.
        await worker.post(update)
        await new_leader_looks(worker)
        assert telegram.questions(PARENT) == ORDER[:2]
