"""P4: a broadcast through the outbox against a stub Bot API that enforces 30 messages/s.

The stub (`LimitedBotApi`) accepts at most `limit` sendMessage calls in any sliding second and
answers the excess with 429 and `retry_after`, as Telegram does. The broadcast is N feedback
messages, one per chat, enqueued in one batch (`OutboxStore.enqueue`); the real application with
its outbox sender (`deps.outbox`, wired by `build_application`) sends them from its
background task (`Outbox.start()`, as post_init does in production) until none is pending.
Measured: messages the stub accepted per second, from the first to the last one, against the
outbox's configured rate (OUDERSTEM_SEND_RATE, default 25/s; target >= 0.95x), and duplicates
(a chat that got its message more than once; target 0).

Stalls. In a full bench run the event loop sometimes blocks (a collection, a neighbour's load):
the even limiter of session 4 lost the slots a stall covered (0.98x alone, 0.88x in a full run).
So four broadcasts of a quarter of the size each run in the same process: the previous even
limiter (`RateLimiter(catch_up=False)`) and the current one (making up a stall's slots, calls
held under the ceiling), each once as is and once with injected stalls: the stub blocks the
loop (`time.sleep`, as a blocking call would) for STALL_SECONDS every STALL_EVERY seconds of
the broadcast. Two rows: the broadcast as is (the target), and after stalls (before -> after
in the details). The details add the 429s, the most sends in any one second, and the outbox's
statuses. (The bursting limiter of session 3, `even=False`, is gone from the run: 0.84x then.)

Size: 10,000 messages at 30/s take 333 s; the default sends 1,500 (about a minute) and `--full`
sends 10,000. Time is not virtualised, although `bot.outbox.RateLimiter` takes a `monotonic`
and a `sleep`: in virtual time the claim and settle commits and the Bot API calls would take no
time, so the run would only replay the limiter's arithmetic. What the target is about is how
the real sender (commits, calls in flight, pauses after a 429) keeps up with the limit, and that
needs the wall clock. Skips with "outbox not available" when `bot.outbox` is missing.
"""

from __future__ import annotations

import asyncio
import collections
import importlib
import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import BenchBotApi, bench_settings
from bench.results import Result
from bench.sizes import Sizes
from bot.tg.stub_api import error_response

TARGET_SHARE = 0.95  # of the configured rate (OUDERSTEM_SEND_RATE, default 25/s)
STALL_SECONDS = 0.5  # the injected stall: the loop blocked this long ...
STALL_EVERY = 5.0  # ... once in this many seconds of a broadcast


@dataclass
class LimitedBotApi(BenchBotApi):
    """Accepts at most `limit` messages in any sliding second; 429 with retry_after beyond."""

    limit: float = 30.0
    keep_keyboards: bool = False
    accepted: list[float] = field(default_factory=list)  # monotonic times of accepted sends
    refused: int = 0
    per_chat: collections.Counter[int] = field(default_factory=collections.Counter)
    stall_every: float | None = None  # block the loop for STALL_SECONDS this often (seconds)
    stalls: int = 0
    _window: collections.deque[float] = field(default_factory=collections.deque)
    _next_stall: float | None = None

    def _m_sendMessage(self, params: dict[str, Any]) -> httpx.Response:
        now = time.monotonic()
        if self.stall_every is not None:
            if self._next_stall is None:
                self._next_stall = now + self.stall_every
            elif now >= self._next_stall:
                time.sleep(STALL_SECONDS)  # a blocking call on the loop, mid-send
                self.stalls += 1
                now = time.monotonic()
                self._next_stall = now + self.stall_every
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= int(self.limit):
            self.refused += 1
            return error_response(429, "Too Many Requests: retry after 1", retry_after=1)
        self._window.append(now)
        self.accepted.append(now)
        self.per_chat[int(params["chat_id"])] += 1
        return super()._m_sendMessage(params)


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most sends the stub accepted in any sliding `window` seconds."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    name = f"P4 broadcast ({sizes.p4_messages:,} messages, stub limit {sizes.p4_limit:.0f} msg/s)"
    try:
        importlib.import_module("bot.outbox")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.outbox":
            raise
        return [Result(scenario=name, metric="msg/s", value=None, skipped="outbox not available")]
    quarter = max(2, sizes.p4_messages // 4)
    runs: dict[str, dict[str, Any]] = {}
    for i, (key, catch_up, stall_every) in enumerate(
        [
            ("before", False, None),
            ("after", True, None),
            ("stalled_before", False, STALL_EVERY),
            ("stalled_after", True, STALL_EVERY),
        ]
    ):
        runs[key] = await _broadcast(
            sizes,
            workdir / f"p4-{key}.db",
            quarter,
            catch_up=catch_up,
            stall_every=stall_every,
            first=i * quarter,
        )
    rate = min(runs["after"]["configured_per_s"], sizes.p4_limit)
    target = f">= {TARGET_SHARE}x configured rate, 0 duplicates"
    plain = Result(
        scenario=name,
        metric="msg/s",
        value=runs["after"]["msg_per_s"],
        baseline=rate,
        baseline_name="configured send rate",
        target=target,
        details={"after": runs["after"], "before": runs["before"]},
    )
    stalled = Result(
        scenario=f"P4 after loop stalls ({STALL_SECONDS} s every {STALL_EVERY:.0f} s)",
        metric="msg/s",
        value=runs["stalled_after"]["msg_per_s"],
        baseline=rate,
        baseline_name="configured send rate",
        target=target,
        details={"after": runs["stalled_after"], "before": runs["stalled_before"]},
    )
    for result, run in [(plain, runs["after"]), (stalled, runs["stalled_after"])]:
        result.met = (
            run["msg_per_s"] >= TARGET_SHARE * rate
            and run["duplicates"] == 0
            and run["not_delivered"] == 0
        )
    return [plain, stalled]


async def _broadcast(
    sizes: Sizes,
    path: Path,
    count: int,
    *,
    catch_up: bool,
    stall_every: float | None,
    first: int,
) -> dict[str, Any]:
    from bot.outbox import RateLimiter
    from bot.store import SqliteStore
    from bot.store.records import NewMessage
    from bot.tg.app import build_application
    from bot.tg.deps import Deps

    store = SqliteStore(path)
    await store.open()
    api = LimitedBotApi(limit=sizes.p4_limit, stall_every=stall_every)
    settings = bench_settings(path)
    if settings.send_rate > sizes.p4_limit:  # TINY's stub is fast; the setting caps at 30
        settings = settings.model_copy(update={"send_rate": sizes.p4_limit})
    deps = Deps(settings=settings, store=store)
    application = build_application(deps, request=api.request(), rate_limit=False)
    await application.initialize()
    outbox = deps.outbox
    assert outbox is not None
    outbox.limiter = RateLimiter(settings.send_rate, catch_up=catch_up)
    try:
        chats = [7_000_000_000 + first + i for i in range(count)]
        messages = [
            NewMessage(
                chat_id=c,
                kind="feedback",
                language="nl",
                text=f"Wat de school met uw antwoorden doet ({i}).",
                dedupe_key=f"bench:{c}",
            )
            for i, c in enumerate(chats)
        ]
        await store.enqueue(messages, at=datetime.now(UTC), batch_kind="feedback", title="bench")
        began = time.monotonic()
        quiet = logging.getLogger("bot.outbox")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # one warning per 429; they are counted at the stub instead
        await outbox.start()  # what post_init does in production: the background sender
        deadline = began + 3 * count / settings.send_rate + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            left = await store.run_read(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')"
            )
            if left[0][0] == 0:
                break
        elapsed = time.monotonic() - began
        await outbox.stop()
        quiet.setLevel(level)
        statuses = dict(await store.run_read("SELECT status, COUNT(*) FROM outbox GROUP BY status"))
    finally:
        await application.shutdown()
        await store.close()
    accepted = api.accepted
    span = (accepted[-1] - accepted[0]) if len(accepted) > 1 else elapsed
    gaps = [b - a for a, b in itertools.pairwise(accepted)]
    return {
        "configured_per_s": settings.send_rate,
        "msg_per_s": round((len(accepted) - 1) / span, 2) if span > 0 else 0.0,
        "sent": len(accepted),
        "duplicates": sum(n - 1 for n in api.per_chat.values() if n > 1),
        "not_delivered": len(set(chats) - set(api.per_chat)),
        "refused_429": api.refused,
        "seconds": round(elapsed, 2),
        "outbox_statuses": statuses,
        "max_in_any_second": _max_in_window(accepted),
        "stalls": api.stalls,
        "smallest_gap_ms": round(min(gaps) * 1000, 2) if gaps else None,
    }
