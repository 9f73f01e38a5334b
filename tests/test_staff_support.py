"""Shared helpers of the staff, rounds-from-the-chat and outbox tests (no tests of its own).

A bot with a clock the test moves, a fast outbox (the real rate limiter has its own test), and
people who do their part through real PTB updates: an admin made by `ouderstem school add`'s
invite, invited colleagues, parents who answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.outbox import Outbox, RateLimiter
from bot.staff_cli import admin_invite
from bot.store import SqliteStore
from bot.store.records import Round, School
from bot.tg.stub_api import SimulatedUser, StubBotApi, button_labels
from tests.conftest import BotHarness, start_bot

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@dataclass
class MovingClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def fast_outbox(harness: BotHarness) -> Outbox:
    """The harness's outbox without the per-second pauses (tested apart in test_outbox)."""
    outbox: Outbox = harness.deps.outbox
    outbox.limiter = RateLimiter(per_second=10_000, per_chat=0.0)
    return outbox


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock()


@pytest.fixture
async def staffbot(store: SqliteStore, clock: MovingClock) -> AsyncIterator[BotHarness]:
    harness = await start_bot(store, clock=clock)
    fast_outbox(harness)
    yield harness
    await harness.application.shutdown()


async def drain(harness: BotHarness) -> dict[str, int]:
    return await harness.deps.outbox.drain()  # type: ignore[no-any-return]


def texts_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages)


async def new_school(harness: BotHarness, name: str = "Basisschool De Regenboog") -> School:
    return await harness.store.add_school(name, harness.deps.clock())


async def admin_payload(harness: BotHarness, school: School) -> str:
    """The deep-link payload of the one-time admin invite `ouderstem school add` prints."""
    made = await admin_invite(harness.store, harness.deps.settings, school.id)
    return str(made["admin_invite_link"]).split("start=", 1)[1]


async def make_admin(
    harness: BotHarness, school: School | None = None
) -> tuple[SimulatedUser, School]:
    school = school or await new_school(harness)
    admin = harness.user(first_name="Directeur")
    replies = await admin.command("/start", await admin_payload(harness, school))
    assert "schoolbeheerder" in texts_of(replies)
    return admin, school


async def invite(admin: SimulatedUser, role_label: str, school_label: str | None = None) -> str:
    """The admin makes an invite from the chat; returns its deep-link payload."""
    replies = await admin.command("/uitnodigen")
    if school_label is not None:
        replies = await admin.press(school_label)
    assert "Kies de rol" in texts_of(replies), texts_of(replies)
    replies = await admin.press(role_label)
    text = texts_of(replies)
    assert "één keer" in text
    return text.split("start=", 1)[1].split()[0]


async def join(harness: BotHarness, payload: str, **kwargs: Any) -> SimulatedUser:
    person = harness.user(**kwargs)
    replies = await person.command("/start", payload)
    assert "Welkom! U bent nu" in texts_of(replies), texts_of(replies)
    return person


async def launch(
    admin: SimulatedUser,
    flow_label: str = "Barometer voor ouders",
    *,
    groups: str | None = None,
    expected: str | None = None,
    weeks: int = 2,
    topic: str | None = None,
) -> list[dict[str, Any]]:
    """Run /ronde through its buttons; returns what the admin got after "Start"."""
    await admin.command("/ronde")
    replies = await admin.press(flow_label)
    if topic is not None:
        replies = await admin.press(topic)
    if "Voor wie is de link" in texts_of(replies):
        if groups:
            await admin.press("Per klas of graad")
            await admin.text(groups)
        else:
            await admin.press("Hele school")
    if expected:
        await admin.text(expected)
    else:
        await admin.press("Weet ik niet")
    await admin.press(f"{weeks} wk")
    replies = await admin.press("Start de ronde")
    return replies


def links_in(text: str) -> dict[str, str]:
    """{group name or "": start token} from the "round started" message."""
    found = {}
    for line in text.splitlines():
        if "start=" in line:
            name, _, url = line.rpartition(" ")
            found[name.rstrip(":")] = url.split("start=", 1)[1]
    return found


async def parent_answers(
    harness: BotHarness, token: str, *, language: str = "nl", answers: int = 30, **kwargs: Any
) -> SimulatedUser:
    """A parent follows a link, picks a language and answers `answers` questions (30: all)."""
    from bot.i18n import language_name

    parent = harness.user(language_code=language, **kwargs)
    await parent.command("/start", token)
    await parent.press(language_name(language))
    for number in range(min(answers, 29)):
        replies = await parent.press("🙂")
        del number
    if answers >= 30:
        replies = await parent.text("Een warme school.")
        assert replies
    return parent


async def latest_round(harness: BotHarness) -> Round:
    rounds = await harness.store.rounds()
    return rounds[-1]


__all__ = [
    "START",
    "MovingClock",
    "StubBotApi",
    "admin_payload",
    "button_labels",
    "clock",
    "drain",
    "fast_outbox",
    "invite",
    "join",
    "latest_round",
    "launch",
    "links_in",
    "make_admin",
    "new_school",
    "parent_answers",
    "staffbot",
    "texts_of",
]
