"""P1 under a real network: how many round trips a parent waits for the next question.

In production the cost a parent feels is the Bot API's round trips, tens to hundreds of
milliseconds each. Here every Bot API call of both bots goes through `DelayedTransport`: the
same light stub (`BenchBotApi`, canned responses), reached only after a simulated round trip of
`RTT_MS` ± `JITTER_MS` (uniform, seeded). A call "reaches the stub" when its round trip is over,
so a reply sent right after the commit arrives at 1 RTT, and three calls one after another at
~3 RTT.

Measured (polling mode: updates handed to the application's update processor as PTB's own loop
does): from the moment an update's JSON is handed to PTB to the moment the next question (the
sendMessage) reaches the stub, at `NET_RATE` answers/s offered (open loop), in RTT units.

Baseline, in the same run: a bare PTB bot that does one fsync'd INSERT and then the three calls
a tap needs one after another (answerCallbackQuery, editMessageText, sendMessage with a
keyboard). Baseline and full-stack segments alternate (`NET_ROUNDS` each), so load from
elsewhere on the machine hits both alike. Targets (issue 16): p50 <= 1.3 RTT and p99 <= 2.5 RTT.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from telegram.request import HTTPXRequest

from bench.harness import (
    BenchBotApi,
    ErrorCounter,
    Parent,
    RealBot,
    ThreeCallBot,
    answer,
    bare_parents,
    lean_request,
    open_loop,
    percentile,
    seed_parents,
    start_real_bot,
    start_three_call_bot,
)
from bench.results import Result
from bench.sizes import Sizes
from bot.tg.deps import WEBHOOK_REPLY, WebhookReply
from bot.tg.parent.replies import SideCalls, Tuning

RTT_MS = 50.0  # the simulated round trip to the Bot API
JITTER_MS = 10.0  # ± uniformly
NET_RATE = 100.0  # answers/s offered
NET_ROUNDS = 2  # alternating baseline / full-stack segments
NET_LOW_RATE = 25.0  # then one round at this rate (details): the levers without queueing
P50_TARGET_RTT = 1.3
P99_TARGET_RTT = 2.5

# When the next question's request left the bot (before its round trip), per update.
_LEFT: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "bench_left", default=None
)
_BACKGROUND: set[asyncio.Task[None]] = set()  # a webhook response's side calls, after it


@contextmanager
def levers(*, side_concurrent: bool, reads: bool, question_first: bool) -> Iterator[None]:
    """Issue 16's levers for one segment (production: all on)."""
    SideCalls.concurrent = side_concurrent
    Tuning.reads_together = Tuning.context_with_commit = reads
    Tuning.question_first = question_first
    try:
        yield
    finally:
        SideCalls.concurrent = True
        Tuning.reads_together = Tuning.context_with_commit = Tuning.question_first = True


# (key, side calls concurrent, reads together, question first, webhook response)
VARIANTS = (
    ("sequential", False, False, False, False),  # before issue 16
    ("side_concurrent", True, False, False, False),  # the first lever (2026-12-03 05:02)
    ("reads_together", True, True, False, False),  # + 2 trips to the database, not 5
    ("polling", True, True, True, False),  # + the question first: production, polling
    ("webhook", True, True, True, True),  # + the question as the webhook's HTTP response
)


@dataclass
class DelayedTransport(httpx.AsyncBaseTransport):
    """The stub, reached after a simulated network round trip."""

    api: BenchBotApi
    rtt_s: float = RTT_MS / 1000
    jitter_s: float = JITTER_MS / 1000
    rng: random.Random = random.Random(16)  # noqa: RUF009 (one seeded stream per transport)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        left = _LEFT.get()
        if left is not None and request.url.path.endswith("/sendMessage"):
            left.append(time.perf_counter())
        await request.aread()
        await asyncio.sleep(self.rtt_s + self.rng.uniform(-self.jitter_s, self.jitter_s))
        return self.api.handle(request)  # type: ignore[no-any-return]

    def request(self) -> HTTPXRequest:
        """PTB's plain request (the baseline's)."""
        return HTTPXRequest(httpx_kwargs={"transport": self}, connection_pool_size=512)


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    rate = NET_RATE if sizes.p1_rate >= NET_RATE else sizes.p1_rate  # TINY runs slower
    seconds = sizes.p1_seconds / NET_ROUNDS
    count = max(1, int(rate * seconds))
    api = BenchBotApi()
    network = DelayedTransport(api, rng=random.Random(16))
    bot = await start_real_bot(workdir / "p1net-full.db", api=api, request=lean_request(network))
    bare = await _start_three_call_bot(workdir / "p1net-bare.db")
    gc.collect()
    gc.freeze()  # as bot.runner does after start-up
    lat: dict[str, list[float]] = {key: [] for key, *_ in VARIANTS}
    left: dict[str, list[float]] = {key: [] for key, *_ in VARIANTS}
    base_lat: list[float] = []
    missing = {"baseline": 0} | {key: 0 for key, *_ in VARIANTS}
    low: dict[str, list[float]] = {key: [] for key in ("baseline", *lat)}
    cpu: dict[str, float] = dict.fromkeys(lat, 0.0)
    errors_full = 0
    first = 30_000_000
    low_rate = min(rate, NET_LOW_RATE)
    try:
        for r in range(NET_ROUNDS + 1):  # the last round at the low rate
            at = rate if r < NET_ROUNDS else low_rate
            n = max(1, int(at * seconds))
            parents = bare_parents(20_000_000 + r * count, n)
            res = await open_loop(parents, at, seconds, bare.send)
            (base_lat if r < NET_ROUNDS else low["baseline"]).extend(res.latencies_ms)
            missing["baseline"] += res.missing
            for key, side, reads, question_first, webhook in VARIANTS:
                parents = await seed_parents(bot, n, first_chat=first)
                first += n
                into = left[key] if r < NET_ROUNDS else []
                send = _full_send(bot, network, into, webhook=webhook)
                began = time.process_time()
                with (
                    ErrorCounter() as errors,
                    levers(side_concurrent=side, reads=reads, question_first=question_first),
                ):
                    res = await open_loop(parents, at, seconds, send)
                    await asyncio.gather(*_BACKGROUND)
                if r < NET_ROUNDS:
                    cpu[key] += time.process_time() - began
                errors_full += errors.count
                (lat[key] if r < NET_ROUNDS else low[key]).extend(res.latencies_ms)
                missing[key] += res.missing
    finally:
        gc.unfreeze()
        await bot.close()
        await bare.close()

    def in_rtt(values: list[float], p: float) -> float:
        return round(percentile(values, p) / RTT_MS, 3)

    details: dict[str, Any] = {
        "rtt_ms": RTT_MS,
        "jitter_ms": JITTER_MS,
        "offered_per_s": rate,
        "answers_each_side": len(lat["polling"]),
        "missing_replies": missing,
        "errors_logged": errors_full,
        "baseline_ms": {p: round(percentile(base_lat, p), 1) for p in (50, 90, 99)},
        # each lever before and after, same run: until the question reaches the stub (RTT) ...
        "variants_rtt": {k: {p: in_rtt(v, p) for p in (50, 90, 99)} for k, v in lat.items()},
        # ... and until its request left the bot (ms): the bot's own time, no network in it
        "variants_left_ms": {
            k: {p: round(percentile(v, p), 1) for p in (50, 90, 99)} for k, v in left.items()
        },
        f"variants_rtt_at_{low_rate:.0f}_per_s": {
            k: {p: in_rtt(v, p) for p in (50, 90, 99)} for k, v in low.items()
        },
        # the whole process (bot, stub, generator) per answer, at the main rate
        "variants_cpu_ms_per_answer": {
            k: round(cpu[k] * 1000 / max(1, len(lat[k])), 2) for k in lat
        },
        "bot_api_calls": dict(api.counts),
    }
    results: list[Result] = []
    for key, name in (("polling", "polling"), ("webhook", "webhook response")):
        ok = missing[key] == 0 and errors_full == 0
        for p, target in ((50, P50_TARGET_RTT), (99, P99_TARGET_RTT)):
            result = Result(
                scenario=f"P1NET next question p{p}, {name}, {RTT_MS:.0f} ms RTT, {rate:.0f}/s",
                metric="RTT",
                value=in_rtt(lat[key], p),
                baseline=in_rtt(base_lat, p),
                baseline_name="bare PTB, 3 calls in a row",
                target=f"<= {target} RTT",
                details=details if not results else {},
            )
            result.met = ok and result.value is not None and result.value <= target
            results.append(result)
    return results


def _full_send(
    bot: RealBot, network: DelayedTransport, left: list[float], *, webhook: bool
) -> Callable[[Parent], Awaitable[list[float]]]:
    """Feed one tap; in webhook mode the question held for the HTTP response "reaches the stub"
    one way (half a round trip) after the handler returned it, its owed note is settled as the
    webhook endpoint does once the response is written, and the side calls run after."""

    async def send(p: Parent) -> list[float]:
        began = time.perf_counter()
        mine: list[float] = []
        token = _LEFT.set(mine)
        slot = WebhookReply() if webhook else None
        reply_token = WEBHOOK_REPLY.set(slot)
        try:
            stamps = await answer(bot, p)
        finally:
            WEBHOOK_REPLY.reset(reply_token)
            _LEFT.reset(token)
        if slot is not None and slot.body is not None:
            handed = time.perf_counter()
            mine.append(handed)
            one_way = (network.rtt_s + network.rng.uniform(-1, 1) * network.jitter_s) / 2
            # the response is on its way; production then settles the reply's owed note (one
            # write, `bot.web.app`), which costs this variant CPU but not the parent's wait
            await slot.out()
            await asyncio.sleep(max(0.0, handed + one_way - time.perf_counter()))
            stamps.append(time.perf_counter())
            bot.api.keyboards[p.chat_id] = _as_message(bot, p.chat_id, slot.body)
            task = asyncio.create_task(slot.finish())
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)
        if mine:
            left.append((mine[0] - began) * 1000)
        return stamps

    return send


def _as_message(bot: RealBot, chat_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """The message Telegram makes of a sendMessage in a webhook response (for the next tap)."""
    return {
        "message_id": next(bot.api._ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": bot.api.me(),
        "text": body["text"],
        "reply_markup": body.get("reply_markup"),
    }


async def _start_three_call_bot(path: Path) -> ThreeCallBot:
    """The bare PTB bot making the three calls one after another, through its own delayed stub."""
    api = BenchBotApi(keep_keyboards=False)
    network = DelayedTransport(api, rng=random.Random(61))
    return await start_three_call_bot(path, api, network.request)
