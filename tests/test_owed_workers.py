"""Replies a crash left owed, with several workers (issue 13's leftover): each chat is served under
its turn and its owed note is read again there, so two workers racing the start-up delivery send
each owed question once; in `ouderstem serve` the worker that takes the lead delivers them, on
SQLite (always its own leader) at once, on PostgreSQL again whenever the lead passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.store import Store, open_store
from bot.store.postgres import PostgresStore
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.parent import deliver_owed_at_start, deliver_owed_when_leading
from bot.tg.parent.owed import OWED_SENDS_AT_ONCE
from bot.tg.stub_api import StubBotApi
from bot.web.app import create_app
from tests.conftest import TOKEN
from tests.store_contract.builders import answer_turn, join, school_and_round

CHATS = OWED_SENDS_AT_ONCE * 2 + 3  # more than one batch of sends at once
FIRST_CHAT = 8_800_000_001
WAIT_S = 15.0  # how long a test waits for a background delivery


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgresql_server").create()  # type: ignore[no-any-return]
    return str(tmp_path / "owed.db")


def settings_for(database: str, tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": database,
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
            "OUDERSTEM_WEBHOOK_SECRET": "s3cret-Webhook_token",
        }
    )


@contextlib.asynccontextmanager
async def worker(database: str, tmp_path: Path, api: StubBotApi) -> AsyncIterator[Any]:
    """One worker: its own store (its own connections) and application, on the shared Bot API."""
    async with open_store(database) as store:
        deps = Deps(settings=settings_for(database, tmp_path), store=store)
        application = build_application(deps, request=api.request(), rate_limit=False)
        await application.initialize()
        try:
            yield application
        finally:
            await application.shutdown()


async def owe_questions(store: Store, chats: range) -> None:
    """Parents who answered question 1; the reply with question 2 never went out (a crash)."""
    link = await school_and_round(store)
    for chat_id in chats:
        respondent = f"owed-{chat_id}"
        await join(store, link, chat_id, respondent)
        state = await store.session(respondent)
        assert state is not None
        turn = answer_turn(state, link, "4", respondent_id=respondent)
        await store.record_turn(dataclasses.replace(turn, owed_chat=chat_id))
    assert {o.chat_id for o in await store.all_owed()} >= set(chats)


def questions_sent(api: StubBotApi, chats: range) -> dict[int, int]:
    """Per chat, how many questions (messages with buttons) the workers sent."""
    return {
        chat_id: sum(1 for m in api.messages.get(chat_id, []) if m.get("reply_markup"))
        for chat_id in chats
    }


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT_S):
        while not await check():
            await asyncio.sleep(0.05)


async def test_two_workers_racing_the_start_up_delivery_send_each_owed_question_once(
    database: str, tmp_path: Path
) -> None:
    api = StubBotApi()
    chats = range(FIRST_CHAT, FIRST_CHAT + CHATS)
    async with worker(database, tmp_path, api) as first:
        store: Store = first.bot_data["ouderstem"].store
        await owe_questions(store, chats)
        if isinstance(store, PostgresStore):  # a second process: its own store, locks, bot
            async with worker(database, tmp_path, api) as second:
                await asyncio.gather(deliver_owed_at_start(first), deliver_owed_at_start(second))
        else:  # SQLite: one process owns the file, so the race is within it
            await asyncio.gather(deliver_owed_at_start(first), deliver_owed_at_start(first))
        assert questions_sent(api, chats) == dict.fromkeys(chats, 1)
        assert await store.all_owed() == []


async def test_the_leader_delivers_owed_questions_and_the_next_leader_those_owed_then(
    postgresql_server: Any, tmp_path: Path
) -> None:
    database = postgresql_server.create()
    api = StubBotApi()
    before = range(FIRST_CHAT, FIRST_CHAT + CHATS)
    after = range(FIRST_CHAT + CHATS, FIRST_CHAT + 2 * CHATS)
    async with worker(database, tmp_path, api) as first, worker(database, tmp_path, api) as second:
        store: Store = first.bot_data["ouderstem"].store
        await owe_questions(store, before)
        watching = {
            app: asyncio.create_task(deliver_owed_when_leading(app, every=0.05))
            for app in (first, second)
        }
        try:
            await eventually(lambda: _none_owed(store))
            assert questions_sent(api, before) == dict.fromkeys(before, 1)
            leaders = [a for a in watching if await a.bot_data["ouderstem"].store.lead()]
            assert len(leaders) == 1
            leader = leaders[0]
            await owe_questions(store, after)  # owed while the leader leads: it does not look
            await asyncio.sleep(0.3)
            assert questions_sent(api, after) == dict.fromkeys(after, 0)
            watching[leader].cancel()
            await leader.bot_data["ouderstem"].store.resign()  # the leader stops
            await eventually(lambda: _none_owed(store))  # the other takes the lead: delivers
            assert questions_sent(api, after) == dict.fromkeys(after, 1)
            assert questions_sent(api, before) == dict.fromkeys(before, 1), "nothing twice"
        finally:
            for task in watching.values():
                task.cancel()
            await asyncio.gather(*watching.values(), return_exceptions=True)


async def _none_owed(store: Store) -> bool:
    return await store.all_owed() == []


async def test_a_serving_worker_delivers_the_owed_questions_after_start(
    database: str, tmp_path: Path
) -> None:
    api = StubBotApi()
    chats = range(FIRST_CHAT, FIRST_CHAT + 3)
    async with open_store(database) as seeding:
        await owe_questions(seeding, chats)
    settings = settings_for(database, tmp_path)
    store = open_store(settings.database)
    application = build_application(
        Deps(settings=settings, store=store), request=api.request(), rate_limit=False
    )
    app = create_app(application, store, settings.require_webhook_secret())
    async with app.router.lifespan_context(app):
        await eventually(lambda: _none_owed(store))
        assert questions_sent(api, chats) == dict.fromkeys(chats, 1)
