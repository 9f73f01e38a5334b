"""Two workers on one PostgreSQL database, one killed mid-update, the update delivered again to
the other (issue 13, the two-worker e2e's "asked again" observation): whatever the moment of
the kill and whichever comes first at the other worker, the redelivery or the parent's next
tap, a parent never gets a question again once they have seen the one after it.

Each worker is the real Application (`build_application`: handlers, `guarded`, the chat's
turn as a PostgreSQL advisory lock, the owed note) on its own `PostgresStore`, both on one
throwaway server and one in-process Bot API. An update reaches a worker the way
`bot.web.app` hands it over: through the application's update processor. The kill is a
`BaseException` raised from the worker's store at the chosen moment, which nothing in the bot
catches: the update ends there, its chat's turn is let go (as PostgreSQL lets go of a dead
worker's locks) and no reply after that moment goes out.

The moments, as in `tests/e2e/test_workers_e2e.py` when nginx hands the update to the other
worker after a kill -9:

- after the commit, before any reply: the answer is stored and the next question owed, but
  the parent saw nothing; the redelivery finds the update handled and delivers what is owed.
- after the reply, before the owed note is settled: the parent already has the next question
  (they saw the answer acknowledged); the redelivery must not send an older one.

Found on the way: the redelivery settled the owed note without sending anything when the
tapped message was from the same second as the commit (`delivered_since`, meant for replies
held in a webhook response, compared whole seconds), leaving the parent with no question
until they typed. It now applies only where replies are held.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import open_store
from bot.store.postgres import PostgresStore
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.stub_api import SimulatedUser, StubBotApi
from tests.conftest import TOKEN
from tests.postgresql_server import Server

FLOW = get_flow("barometer-ouders")
ORDER = [q.id for q in FLOW.questions]
ANSWER = "4"  # every scale question is answered 🙂 4


class Killed(BaseException):
    """The worker process died here (nothing in the bot catches a BaseException)."""


@dataclass
class Worker:
    application: Application  # type: ignore[type-arg]
    store: PostgresStore

    async def deliver(self, raw: dict[str, Any]) -> None:
        """One webhook delivery, as `bot.web.app` hands it to PTB: the chat's turn, then the
        handlers."""
        update = Update.de_json(raw, self.application.bot)
        processor = self.application.update_processor
        await processor.process_update(update, self.application.process_update(update))

    def kill_at(self, method: str, *, done: bool) -> None:
        """The process dies at the next call of the store's `method`: after it did its work
        (`done`), or before."""
        original: Callable[..., Awaitable[Any]] = getattr(self.store, method)

        async def die(*args: Any, **kwargs: Any) -> Any:
            if done:
                await original(*args, **kwargs)
            raise Killed(method)

        setattr(self.store, method, die)


@dataclass
class Cluster:
    workers: tuple[Worker, Worker]
    api: StubBotApi
    round_token: str


@pytest.fixture
async def cluster(postgresql_server: Server, tmp_path: Path) -> AsyncIterator[Cluster]:
    url = postgresql_server.create()
    settings = Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": url,
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
        }
    )
    api = StubBotApi()
    async with contextlib.AsyncExitStack() as stack:
        workers = []
        for _ in range(2):
            store = open_store(url)
            assert isinstance(store, PostgresStore)
            await stack.enter_async_context(store)
            application = build_application(
                Deps(settings=settings, store=store), request=api.request(), rate_limit=False
            )
            await application.initialize()
            stack.push_async_callback(application.shutdown)
            workers.append(Worker(application, store))
        now = datetime.now(UTC)
        store = workers[0].store
        school = await store.add_school("Basisschool De Regenboog", now)
        token = new_token()
        await store.open_round(
            school_id=school.id,
            flow_id=FLOW.id,
            flow_version=FLOW.version,
            audience=FLOW.audience.value,
            token=token,
            at=now,
            closes_at=now + timedelta(days=14),
        )
        yield Cluster((workers[0], workers[1]), api, token)


def question_of(message: dict[str, Any]) -> str | None:
    """The question a message asks, read from its answer buttons."""
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            parts = str(button.get("callback_data", "")).split("|")
            if parts[0] == "a" and len(parts) >= 4:
                return parts[3]
    return None


def asked(parent: SimulatedUser) -> list[str]:
    """The questions the parent was sent, in the order they arrived (read from the calls: an
    answered question's message is edited afterwards and loses its buttons)."""
    sent = [
        params
        for method, params in parent.api.calls
        if method == "sendMessage" and str(params.get("chat_id")) == str(parent.chat_id)
    ]
    return [q for q in map(question_of, sent) if q is not None]


def tap_newest(parent: SimulatedUser) -> dict[str, Any]:
    """The parent taps 🙂 4 on the newest question on their screen."""
    message = parent.last_with_keyboard()
    assert message is not None and question_of(message) is not None
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith("a|") and data.endswith(f"|{ANSWER}"):
                return parent.callback_update(data, message)
    raise AssertionError("no 🙂 4 button")


async def joined(cluster: Cluster, worker: Worker) -> SimulatedUser:
    """A parent who opened the link and took the proposed language: question 1 is out."""
    parent = SimulatedUser(None, cluster.api, user_id=7_200_000_001)  # type: ignore[arg-type]
    await worker.deliver(parent.command_update("/start", cluster.round_token))
    menu = parent.last_with_keyboard()
    assert menu is not None
    first = menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await worker.deliver(parent.callback_update(first, menu))
    assert asked(parent) == [ORDER[0]]
    return parent


def never_back(questions: list[str]) -> None:
    """Once a question arrived, no earlier one does (repeating the newest is allowed)."""
    indexes = [ORDER.index(q) for q in questions]
    for seen, (before, now) in enumerate(itertools.pairwise(indexes), start=1):
        assert now >= before, f"{questions[seen]} asked again after {questions[seen - 1]}"


async def stored(store: PostgresStore, chat_id: int) -> list[tuple[str, str]]:
    rows = await store.run_read(
        "SELECT a.question_id, a.value FROM answers a "
        "JOIN contacts c ON c.respondent_id = a.respondent_id WHERE c.chat_id = ? "
        "ORDER BY a.question_id",
        (chat_id,),
    )
    return [(str(q), str(v)) for q, v in rows]


# The store call at which the worker dies, and whether that call did its work first.
MOMENTS = {
    "after_the_commit": ("record_turn", True),  # answer stored, next question owed, none sent
    "before_settling": ("settle_owed", False),  # next question sent, still owed
}


@pytest.mark.parametrize("moment", list(MOMENTS))
@pytest.mark.parametrize("first", ["redelivery", "next_tap"])
async def test_a_redelivery_after_a_kill_never_asks_an_acknowledged_question_again(
    cluster: Cluster, moment: str, first: str
) -> None:
    a, b = cluster.workers
    parent = await joined(cluster, a)
    await a.deliver(tap_newest(parent))  # welkom_1 answered on worker A: welkom_2 is out
    assert asked(parent) == ORDER[:2]

    tap = tap_newest(parent)  # welkom_2 answered; worker A dies while handling it
    method, done = MOMENTS[moment]
    a.kill_at(method, done=done)
    with pytest.raises(Killed):
        await a.deliver(tap)
    assert [o.chat_id for o in await b.store.all_owed()] == [parent.user_id]
    if moment == "before_settling":
        assert asked(parent)[-1] == ORDER[2], "the parent saw welkom_3: welkom_2 acknowledged"
    else:
        assert asked(parent)[-1] == ORDER[1], "nothing went out after the commit"

    # Worker B gets the tap again (nginx's retry, or Telegram's redelivery) and the parent's
    # next tap on the newest question they see, in either order.
    follow_up = tap_newest(parent)
    if first == "redelivery":
        await b.deliver(tap)
        # Handled before: what is owed goes out, welkom_3 (again, if it went out before).
        assert asked(parent)[-1] == ORDER[2], "the redelivery delivers the owed question"
        await b.deliver(follow_up)
    else:
        await b.deliver(follow_up)
        await b.deliver(tap)
    for _ in range(3):  # and on through worker B
        await b.deliver(tap_newest(parent))

    questions = asked(parent)
    never_back(questions)
    assert ORDER.index(questions[-1]) >= 5
    answered = ORDER[: ORDER.index(questions[-1])]
    assert await stored(b.store, parent.user_id) == sorted((q, ANSWER) for q in answered)
    assert await b.store.all_owed() == [], "nothing is owed once the replies are out"
