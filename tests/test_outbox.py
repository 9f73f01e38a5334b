"""The durable outbox: every message sent exactly once, or marked undeliverable.

Faults are injected into the in-process Bot API: 429 RetryAfter, timeouts before and after the
request reached "Telegram", network errors and 5xx, 403 Forbidden, 400; and a crash (the sender
cancelled mid-broadcast with calls in flight) followed by a restart on the same database.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.outbox import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    CATCH_UP_SECONDS,
    MAX_ATTEMPTS,
    OUTBOX_PER_SECOND,
    Outbox,
    RateLimiter,
    backoff,
)
from bot.store import SqliteStore
from bot.store.records import NewMessage
from bot.tg.outbox_sender import classify
from bot.tg.stub_api import StubBotApi, error_response
from tests.conftest import BotHarness, start_bot
from tests.test_staff_support import MovingClock, clock, drain, fast_outbox, staffbot

__all__ = ["clock", "staffbot"]

FIRST_CHAT = 5001


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns on every RetryAfter unless it may hand out a timedelta (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


async def enqueue(
    harness: BotHarness, count: int, *, kind: str = "feedback", batch: bool = False
) -> list[int]:
    chats = [FIRST_CHAT + i for i in range(count)]
    messages = [NewMessage(c, kind, "nl", f"Bericht {i}") for i, c in enumerate(chats)]
    await harness.store.enqueue(
        messages, at=harness.deps.clock(), batch_kind=kind if batch else None
    )
    return chats


async def statuses(harness: BotHarness) -> Counter[str]:
    rows = await harness.store.run_read("SELECT status FROM outbox")
    return Counter(r[0] for r in rows)


def delivered(api: StubBotApi, chat_id: int) -> int:
    return len(api.messages.get(chat_id, []))


def on_send(
    pick: Callable[[int, int], httpx.Response | None],
) -> Callable[[str, dict[str, Any]], httpx.Response | None]:
    """A fault for sendMessage: `pick(call number, chat id)` returns a response or None."""
    calls = Counter[str]()

    def fault(method: str, params: dict[str, Any]) -> httpx.Response | None:
        if method != "sendMessage":
            return None
        calls["n"] += 1
        return pick(calls["n"], int(params["chat_id"]))

    return fault


async def test_each_message_is_sent_once(staffbot: BotHarness) -> None:
    chats = await enqueue(staffbot, 40)
    assert await drain(staffbot) == {"sent": 40}
    assert await drain(staffbot) == {}
    assert [delivered(staffbot.api, c) for c in chats] == [1] * 40
    assert await statuses(staffbot) == {"sent": 40}
    rows = await staffbot.store.run_read("SELECT attempts, sent_at IS NOT NULL, error FROM outbox")
    assert {tuple(r) for r in rows} == {(1, 1, None)}


async def test_two_drains_at_once_send_nothing_twice(staffbot: BotHarness) -> None:
    chats = await enqueue(staffbot, 30)
    await asyncio.gather(drain(staffbot), drain(staffbot), drain(staffbot))
    assert [delivered(staffbot.api, c) for c in chats] == [1] * 30


async def test_retry_after_pauses_everything_then_sends(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    chats = await enqueue(staffbot, 10)
    staffbot.api.fault = on_send(
        lambda n, chat: error_response(429, "Too Many Requests", retry_after=7) if n == 1 else None
    )
    first = await drain(staffbot)
    assert first["retry"] == 1 and first.get("sent", 0) < 10  # the sender paused
    outbox: Outbox = staffbot.deps.outbox
    assert outbox.paused_until == clock() + timedelta(seconds=7)
    assert await drain(staffbot) == {}  # still paused
    clock.advance(seconds=7)
    await drain(staffbot)
    assert [delivered(staffbot.api, c) for c in chats] == [1] * 10
    rows = await staffbot.store.run_read("SELECT MAX(attempts) FROM outbox")
    assert rows[0][0] == 1  # waiting for flood control is not a failed attempt


async def test_timeout_before_sending_is_retried_with_backoff(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    def connect_timeout(n: int, chat: int) -> None:
        if n <= 2:
            raise httpx.ConnectTimeout("no connection")

    chats = await enqueue(staffbot, 1)
    staffbot.api.fault = on_send(connect_timeout)
    assert await drain(staffbot) == {"retry": 1}
    clock.advance(seconds=29)
    assert await drain(staffbot) == {}
    clock.advance(seconds=1)
    assert await drain(staffbot) == {"retry": 1}  # second failure: wait 60 s now
    clock.advance(seconds=60)
    assert await drain(staffbot) == {"sent": 1}
    assert delivered(staffbot.api, chats[0]) == 1
    rows = await staffbot.store.run_read("SELECT attempts, status FROM outbox")
    assert tuple(rows[0]) == (3, "sent")


async def test_timeout_after_the_request_arrived_is_never_resent(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    """A read timeout: Telegram may have delivered it. Sending again could send it twice."""
    api = staffbot.api

    def delivered_then_timeout(n: int, chat: int) -> None:
        if n == 1:
            api._new_message(chat, text="Bericht 0")  # Telegram got it ...
            raise httpx.ReadTimeout("no answer")  # ... but the answer was lost

    chats = await enqueue(staffbot, 3)
    api.fault = on_send(delivered_then_timeout)
    assert await drain(staffbot) == {"unknown": 1, "sent": 2}
    clock.advance(hours=1)
    assert await drain(staffbot) == {}
    assert [delivered(api, c) for c in chats] == [1, 1, 1]
    rows = await staffbot.store.run_read("SELECT status, error FROM outbox ORDER BY id")
    assert tuple(rows[0]) == ("unknown", "TimedOut")


async def test_network_errors_are_retried_then_given_up(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    chats = await enqueue(staffbot, 2)
    broken = chats[0]
    staffbot.api.fault = on_send(
        lambda n, chat: error_response(502, "Bad Gateway") if chat == broken else None
    )
    assert await drain(staffbot) == {"retry": 1, "sent": 1}
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.advance(seconds=backoff(attempt - 1).total_seconds())
        outcome = await drain(staffbot)
        assert outcome == ({"failed": 1} if attempt == MAX_ATTEMPTS else {"retry": 1}), attempt
    clock.advance(days=1)
    assert await drain(staffbot) == {}
    rows = await staffbot.store.run_read("SELECT status, attempts, error FROM outbox ORDER BY id")
    assert tuple(rows[0]) == ("failed", MAX_ATTEMPTS, "NetworkError")
    assert delivered(staffbot.api, broken) == 0


async def test_a_lost_connection_before_sending_is_retried(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    def refused(n: int, chat: int) -> None:
        if n == 1:
            raise httpx.ConnectError("connection refused")

    chats = await enqueue(staffbot, 1)
    staffbot.api.fault = on_send(refused)
    assert await drain(staffbot) == {"retry": 1}
    clock.advance(seconds=30)
    assert await drain(staffbot) == {"sent": 1}
    assert delivered(staffbot.api, chats[0]) == 1


async def test_forbidden_marks_the_chat_blocked_and_never_retries(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    chats = await enqueue(staffbot, 3)
    blocker = chats[1]
    later = NewMessage(blocker, "notice", "nl", "Nog een bericht")
    await staffbot.store.enqueue([later], at=clock())
    staffbot.api.fault = on_send(
        lambda n, chat: (
            error_response(403, "Forbidden: bot was blocked by the user")
            if chat == blocker
            else None
        )
    )
    assert await drain(staffbot) == {"sent": 2, "blocked": 1}
    assert (await staffbot.store.chat(blocker)).blocked  # type: ignore[union-attr]
    assert await statuses(staffbot) == {"sent": 2, "blocked": 2}  # its other message too
    clock.advance(days=1)
    await staffbot.store.enqueue([NewMessage(blocker, "notice", "nl", "Weer")], at=clock())
    assert await drain(staffbot) == {"blocked": 1}  # refused before any call
    calls = [
        p for m, p in staffbot.api.calls if m == "sendMessage" and int(p["chat_id"]) == blocker
    ]
    assert len(calls) == 1


async def test_bad_request_fails_at_once(staffbot: BotHarness) -> None:
    await enqueue(staffbot, 1)
    staffbot.api.fault = on_send(lambda n, chat: error_response(400, "Bad Request: chat not found"))
    assert await drain(staffbot) == {"failed": 1}
    assert await statuses(staffbot) == {"failed": 1}


async def test_batch_result_reaches_its_author(staffbot: BotHarness) -> None:
    from tests.test_staff_support import make_admin

    admin, school = await make_admin(staffbot)
    staff = staffbot.store
    member = await staff.member(admin.chat_id)  # type: ignore[arg-type]
    assert member is not None
    messages = [NewMessage(FIRST_CHAT + i, "feedback", "nl", "Dank u") for i in range(3)]
    await staff.enqueue(
        messages,
        at=staffbot.deps.clock(),
        batch_kind="feedback",
        school_id=school.id,
        title="Barometer voor ouders",
        created_by=member.id,
    )
    staffbot.api.fault = on_send(
        lambda n, chat: error_response(403, "Forbidden") if chat == FIRST_CHAT else None
    )
    admin.replies()
    assert await drain(staffbot) == {"sent": 3, "blocked": 1}  # 2 parents and the notice
    notice = admin.replies()[0]["text"]
    assert notice.startswith(
        "Terugkoppeling over Barometer voor ouders:\n2 verstuurd, 0 nog bezig,\n1 niet bereikbaar"
    )
    assert await drain(staffbot) == {}  # told once


# ---- a crash in the middle of a broadcast ----------------------------------------------------


class HangingApi(StubBotApi):
    """After `hang_from` calls, every sendMessage hangs forever: half after Telegram delivered
    it (the answer never comes back), half before it arrived. Then the process "dies"."""

    hang_from: int = 10
    count: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle_async)  # type: ignore[arg-type]

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        if method != "sendMessage":
            return self.handle(request)
        self.count += 1
        if self.count < self.hang_from:
            return self.handle(request)
        if self.count % 2 == 0:
            self.handle(request)  # delivered; the answer is lost
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_crash_mid_broadcast_resumes_without_sending_twice(
    tmp_path: Path, clock: MovingClock
) -> None:
    path = tmp_path / "crash.db"
    total = 60
    async with SqliteStore(path) as store:
        api = HangingApi()
        first = await start_bot(store, api=api, clock=clock)
        fast_outbox(first).max_in_flight = 8
        chats = await enqueue(first, total, batch=True)
        sender = asyncio.create_task(drain(first))
        for _ in range(500):  # until eight calls are in flight and none will return
            if api.count >= api.hang_from + 7:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        sender.cancel()  # the process dies here
        with pytest.raises(asyncio.CancelledError):
            await sender
        before = await statuses(first)
        assert before["sending"] == 8 and before["sent"] == api.hang_from - 1
        await first.application.shutdown()

    async with SqliteStore(path) as store:  # the restart: a new process, the same database
        second_api = StubBotApi()
        second_api.messages = api.messages  # the same people's phones
        second = await start_bot(store, api=second_api, clock=clock)
        fast_outbox(second)
        outcome = await drain(second)
        await second.application.shutdown()
        rows = {
            r[0]: r[1]
            for r in await store.run_read(
                "SELECT chat_id, status FROM outbox WHERE kind = 'feedback'"
            )
        }

    assert outcome["interrupted"] == 8
    assert Counter(rows.values()) == {"sent": total - 8, "unknown": 8}
    for chat in chats:
        got = delivered(api, chat)
        assert got <= 1, "a message was sent twice"
        if rows[chat] == "sent":
            assert got == 1
    unknown_but_delivered = sum(delivered(api, c) for c in chats if rows[c] == "unknown")
    assert unknown_but_delivered == 4  # the ambiguous ones: half did arrive, none was resent


# ---- the pace --------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_rate_limiter_overall_and_per_chat() -> None:
    fake = FakeTime()
    limiter = RateLimiter(per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    moments = []
    for chat in range(100):
        await limiter.acquire(chat)
        moments.append(fake.now)
    for i in range(len(moments) - 25):
        assert moments[i + 25] - moments[i] >= 1.0  # never more than 25 in any one second
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) == pytest.approx(1 / 25)  # evenly spaced: no burst at each second's start
    assert moments[-1] == pytest.approx(99 / 25)
    same = []
    for _ in range(3):
        await limiter.acquire(7)
        same.append(fake.now)
    assert same[1] - same[0] >= 1.0 and same[2] - same[1] >= 1.0


async def test_the_bursting_limiter_is_kept_for_the_benchmark() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep, even=False
    )
    moments = []
    for chat in range(100):
        await limiter.acquire(chat)
        moments.append(fake.now)
    for i in range(len(moments) - 25):
        assert moments[i + 25] - moments[i] >= 1.0
    assert moments[-1] == pytest.approx(3.0)  # 25 at the start of each second


def at_most_in_any_second(moments: list[float], most: float) -> bool:
    """No sliding second (a half-open [t, t + 1)) holds more than `most` of `moments`."""
    ordered = sorted(moments)
    n = int(most)
    return all(ordered[i + n] - ordered[i] >= 1.0 - 1e-9 for i in range(len(ordered) - n))


async def test_the_limiter_makes_up_the_slots_a_stall_missed() -> None:
    """The event loop blocks for half a second mid-broadcast (in virtual time): the limiter
    makes up the missed slots afterwards instead of losing them: evenly at 28/s (below
    Telegram's 30), never more than 28 in any second, then 25/s again."""
    fake = FakeTime()
    limiter = RateLimiter(per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    assert limiter.ceiling == pytest.approx(28)
    moments = []
    for chat in range(250):
        await limiter.acquire(chat)
        moments.append(fake.now)
        if chat == 60:
            fake.now += 0.5  # a blocking call on the loop: no task runs for 0.5 s
    assert at_most_in_any_second(moments, 28)
    assert at_most_in_any_second(moments[:61], 25)  # before the stall: the rate
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) == pytest.approx(1 / 28)  # made up evenly, no burst
    # 249 slots 1/25 s apart: the stall cost nothing (the stall's slots lost: 249/25 + 0.46 s)
    assert moments[-1] == pytest.approx(249 / 25, abs=1e-6)
    assert gaps[-50:] == pytest.approx([1 / 25] * 50)  # 25/s again once made up


async def test_the_limiter_starts_evenly_after_a_pause_and_forgives_a_long_stall() -> None:
    fake = FakeTime()
    limiter = RateLimiter(per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    for chat in range(10):
        await limiter.acquire(chat)
    fake.now += 60.0  # idle: nothing was owed
    began = fake.now
    moments = []
    for chat in range(10, 100):
        await limiter.acquire(chat)
        moments.append(fake.now - began)
        if chat == 30:
            fake.now += CATCH_UP_SECONDS + 0.5  # as long as idleness: nothing is made up
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert gaps[:20] == pytest.approx([1 / 25] * 20)  # no burst at the start
    assert gaps[21:] == pytest.approx([1 / 25] * len(gaps[21:]))  # nor after the long stall
    assert moments[-1] == pytest.approx(89 / 25 + CATCH_UP_SECONDS + 0.5 - 1 / 25)


async def test_the_calls_themselves_stay_under_the_ceiling_when_claims_were_slow() -> None:
    """Slots taken evenly; a slow commit delays the calls of 16 of them by half a second, so
    they would reach Telegram together with the calls of later slots (37 in one second).
    `calling()` holds the calls to 28 in any second."""
    fake = FakeTime()
    limiter = RateLimiter(per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep)
    wanted = []
    for chat in range(100):
        await limiter.acquire(chat)
        wanted.append(fake.now + (0.5 if 20 <= chat < 36 else 0.0))
    assert not at_most_in_any_second(wanted, 30)  # unguarded: Telegram would answer 429
    fake.now = 0.0
    calls = []
    for moment in sorted(wanted):
        fake.now = max(fake.now, moment)
        await limiter.calling()
        calls.append(fake.now)
    assert at_most_in_any_second(calls, 28)
    assert calls[-1] - wanted[-1] < 0.2  # held back only as long as needed


async def test_the_previous_even_limiter_is_kept_for_the_benchmark() -> None:
    fake = FakeTime()
    limiter = RateLimiter(
        per_second=25, per_chat=1.0, monotonic=fake.monotonic, sleep=fake.sleep, catch_up=False
    )
    moments = []
    for chat in range(100):
        await limiter.acquire(chat)
        await limiter.calling()  # not counted: the previous limiter counted slots only
        moments.append(fake.now)
        if chat == 40:
            fake.now += 0.5
    assert moments[-1] == pytest.approx(99 / 25 + 0.5 - 1 / 25)  # the stall's slots lost


def test_the_send_rate_is_a_setting() -> None:
    from bot.config import DEFAULT_SEND_RATE, Settings

    assert OUTBOX_PER_SECOND == DEFAULT_SEND_RATE == 25
    settings = Settings.model_validate({"OUDERSTEM_SEND_RATE": "12.5"})
    assert settings.send_rate == 12.5
    with pytest.raises(ValueError):
        Settings.model_validate({"OUDERSTEM_SEND_RATE": "31"})  # above Telegram's free limit


async def test_the_real_limiter_keeps_a_broadcast_under_telegrams_limit(
    staffbot: BotHarness,
) -> None:
    outbox: Outbox = staffbot.deps.outbox
    fake = FakeTime()
    outbox.limiter = RateLimiter(monotonic=fake.monotonic, sleep=fake.sleep)  # the defaults
    chats = await enqueue(staffbot, 60)
    await drain(staffbot)
    assert [delivered(staffbot.api, c) for c in chats] == [1] * 60
    assert fake.now >= 2.0  # 60 messages at 25 per second


def test_classify() -> None:
    assert classify(RetryAfter(5)) == ("flood", 5.0)
    assert classify(RetryAfter(timedelta(seconds=3))) == ("flood", 3.0)
    assert classify(Forbidden("blocked"))[0] == "blocked"
    assert classify(BadRequest("chat not found"))[0] == "failed"

    def caused(exc: Exception, cause: BaseException) -> Exception:
        exc.__cause__ = cause
        return exc

    assert classify(caused(TimedOut(), httpx.ConnectTimeout("x")))[0] == "retry"
    assert classify(caused(TimedOut(), httpx.PoolTimeout("x")))[0] == "retry"
    assert classify(caused(TimedOut(), httpx.ReadTimeout("x")))[0] == "unknown"
    assert classify(caused(TimedOut(), httpx.WriteTimeout("x")))[0] == "unknown"
    assert classify(caused(NetworkError("x"), httpx.ConnectError("x")))[0] == "retry"
    assert classify(caused(NetworkError("x"), httpx.RemoteProtocolError("x")))[0] == "unknown"
    assert classify(NetworkError("Internal Server Error (500)"))[0] == "retry"  # Telegram answered
    assert classify(RuntimeError("a bug"))[0] == "unknown"


def test_backoff_doubles_up_to_a_cap() -> None:
    assert backoff(1) == BACKOFF_BASE
    assert backoff(2) == BACKOFF_BASE * 2
    assert backoff(20) == BACKOFF_CAP


# ---- running in the application -------------------------------------------------------------


async def test_the_background_sender_runs_from_start_to_stop(staffbot: BotHarness) -> None:
    outbox: Outbox = staffbot.deps.outbox
    app = staffbot.application
    await app.post_init(app)  # what run_polling calls at start-up
    chats = await enqueue(staffbot, 3)
    outbox.wake()
    for _ in range(200):
        if all(delivered(staffbot.api, c) for c in chats):
            break
        await asyncio.sleep(0.01)
    await app.post_stop(app)  # and at shut-down
    assert [delivered(staffbot.api, c) for c in chats] == [1, 1, 1]
    await enqueue(staffbot, 1)
    await asyncio.sleep(0.05)
    assert await statuses(staffbot) == {"sent": 3, "pending": 1}  # stopped: nothing more goes


async def test_outbox_status_command(
    staffbot: BotHarness, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    await enqueue(staffbot, 2)
    await drain(staffbot)
    await staffbot.store.enqueue([NewMessage(1, "reminder", "nl", "x")], at=staffbot.deps.clock())
    monkeypatch.setenv("OUDERSTEM_DB", staffbot.store.path)
    assert await asyncio.to_thread(main, ["outbox", "status", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"feedback": {"sent": 2}' in out and '"reminder": {"pending": 1}' in out
    assert "Bericht" not in out
