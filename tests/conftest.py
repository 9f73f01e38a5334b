"""Shared fixtures: a fresh store, and the real Application wired to the in-process Bot API.

No test reaches the network: PTB talks to `StubBotApi` through an httpx transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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
from bot.tg.stub_api import SimulatedUser, StubBotApi

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
        return SimulatedUser(self.application, self.api, user_id=self._next_user, language_code=language_code, **kwargs)

    async def school_and_round(
        self, flow_id: str = "barometer-ouders", closes_in_days: int | None = 14, **kwargs: Any
    ) -> tuple[School, Round]:
        now = self.deps.clock()
        school = await self.store.add_school("Basisschool De Regenboog", now)
        flow = get_flow(flow_id)
        opened = await self.store.open_round(
            school_id=school.id, flow_id=flow.id, flow_version=flow.version, audience=flow.audience.value,
            token=new_token(), at=now,
            closes_at=now + timedelta(days=closes_in_days) if closes_in_days is not None else None, **kwargs,
        )
        return school, opened


async def start_bot(store: SqliteStore, api: StubBotApi | None = None, clock: Callable[[], datetime] | None = None) -> BotHarness:
    api = api or StubBotApi()
    audio_cache = Path(store.path).parent / "audio-cache"
    settings = Settings(TELEGRAM_BOT_TOKEN=TOKEN, OUDERSTEM_DB=store.path, OUDERSTEM_AUDIO_CACHE=str(audio_cache))
    deps = Deps(settings=settings, store=store, clock=clock or (lambda: datetime.now(UTC)))
    application = build_application(deps, request=api.request(), rate_limit=False)
    await application.initialize()
    return BotHarness(deps=deps, api=api, application=application, store=store)


@pytest.fixture
async def bot(store: SqliteStore) -> AsyncIterator[BotHarness]:
    harness = await start_bot(store)
    yield harness
    await harness.application.shutdown()
