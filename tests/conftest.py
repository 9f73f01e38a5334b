"""Shared fixtures: a fresh store, and the real Application wired to the in-process Bot API.

No test reaches the network: PTB talks to `StubBotApi` through an httpx transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import new_token
from bot.config import Settings
from bot.flow_model import get_flow
from bot.store import SqliteStore
from bot.store.records import Round, School
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.requests import LeanRequest
from bot.tg.stub_api import SimulatedUser, StubBotApi
from tests.postgresql_server import Server, find_bindir, running_server

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "test.db") as opened:
        yield opened


@dataclass
class BotHarness:
    """The real bot around a test database; `user()` makes a person who talks to it."""

    deps: Deps
    api: StubBotApi
    application: Any
    store: SqliteStore
    _next_user: int = 1000

    def user(self, language_code: str | None = "nl", **kwargs: Any) -> SimulatedUser:
        self._next_user += 1
        return SimulatedUser(
            self.application,
            self.api,
            user_id=self._next_user,
            language_code=language_code,
            **kwargs,
        )

    async def school_and_round(
        self, flow_id: str = "barometer-ouders", closes_in_days: int | None = 14, **kwargs: Any
    ) -> tuple[School, Round]:
        now = self.deps.clock()
        school = await self.store.add_school("Basisschool De Regenboog", now)
        flow = get_flow(flow_id)
        opened = await self.store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=closes_in_days) if closes_in_days is not None else None,
            **kwargs,
        )
        return school, opened


async def start_bot(
    store: SqliteStore, api: StubBotApi | None = None, clock: Callable[[], datetime] | None = None
) -> BotHarness:
    api = api or StubBotApi()
    audio_cache = Path(store.path).parent / "audio-cache"
    settings = Settings(
        TELEGRAM_BOT_TOKEN=TOKEN, OUDERSTEM_DB=store.path, OUDERSTEM_AUDIO_CACHE=str(audio_cache)
    )
    deps = Deps(settings=settings, store=store, clock=clock or (lambda: datetime.now(UTC)))
    # The request path production's bot takes (bot.tg.app: LeanRequest), over the stub.
    request = LeanRequest(connection_pool_size=512, httpx_kwargs={"transport": api.transport()})
    application = build_application(deps, request=request, rate_limit=False)
    await application.initialize()
    return BotHarness(deps=deps, api=api, application=application, store=store)


@pytest.fixture
async def bot(store: SqliteStore) -> AsyncIterator[BotHarness]:
    harness = await start_bot(store)
    yield harness
    await harness.application.shutdown()


# ---- added for the foundation suite (issue 2) ---------------------------------------------------


async def rows_mentioning(
    store: SqliteStore, *needles: object
) -> list[tuple[str, tuple[Any, ...]]]:
    """Every row, in every table of the database, with a cell that equals or contains a needle.

    Tables are read from sqlite_master, so tables added by later migrations are searched too.
    """
    tables = [
        r[0]
        for r in await store.run_read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    found = []
    for table in tables:
        for row in await store.run_read(f'SELECT * FROM "{table}"'):
            for cell in row:
                if any(cell == n or (isinstance(cell, str) and str(n) in cell) for n in needles):
                    found.append((table, tuple(row)))
                    break
    return found


@pytest.fixture
def find_rows() -> Callable[..., Any]:
    """`await find_rows(store, chat_id, respondent_id, ...)`: rows anywhere that mention them."""
    return rows_mentioning


@pytest.fixture
async def bot_factory() -> AsyncIterator[Callable[..., Any]]:
    """`await bot_factory(store, api=None, clock=None)`: another bot on a store (e.g. after a
    restart); every bot made here is shut down at the end of the test."""
    made: list[BotHarness] = []

    async def make(
        store: SqliteStore,
        api: StubBotApi | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> BotHarness:
        harness = await start_bot(store, api, clock)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.application.shutdown()  # a no-op for a bot already shut down


async def join_as_parent(
    bot: BotHarness,
    flow_id: str = "barometer-ouders",
    language_code: str | None = "nl",
    choose: str = "Nederlands",
    **round_kwargs: Any,
) -> tuple[SimulatedUser, Round, list[dict[str, Any]]]:
    """A school opens a round; a new parent follows its link and picks a language.

    Returns the parent, the round and what the bot sent after the language was chosen.
    """
    _, opened = await bot.school_and_round(flow_id, **round_kwargs)
    parent = bot.user(language_code=language_code)
    await parent.command("/start", opened.start_token)
    replies = await parent.press(choose)
    return parent, opened, replies


@pytest.fixture
def join() -> Callable[..., Any]:
    """`parent, round, replies = await join(bot, flow_id, ...)`: see `join_as_parent`."""
    return join_as_parent


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[Server]:
    """One throwaway PostgreSQL server for the whole session (tests/postgresql_server.py)."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    with running_server() as server:
        yield server
