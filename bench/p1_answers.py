"""P1: answers through the whole stack, against a bare PTB bot doing one fsync'd INSERT each.

Full stack: the real Application (`bot.tg.app.build_application`), the engine, the SQLite store
with durable group commits, rendered replies (edit the answered question, send the next one)
through the stub Bot API transport. Baseline: a bare Application with one handler that does one
INSERT (its own transaction, one fsync) on a single connection and sends one reply, through the
same stub transport, on the same kind of database (WAL, synchronous=FULL), in the same process.

Two measurements:
- throughput: every parent at once (closed loop), each answering several questions in turn;
  answers per second, full stack over baseline. Target >= 1.5x. Baseline and full-stack
  segments alternate (`p1_rounds`), so load from elsewhere on the machine hits both alike.
- latency: an open-loop generator offers a fixed rate (200 updates/s) for a fixed time, each
  update a tap on the question the bot last sent that parent; latency is from the moment the
  update JSON is handed to PTB (de-serialised, then given to the application's update
  processor, as PTB's own update loop does) to the last reply handed to the stub transport. Target p99 < 20 ms. The baseline's p99 at the same rate is shown.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.harness import (
    BareBot,
    ErrorCounter,
    Parent,
    RealBot,
    closed_loop,
    feed,
    first_button,
    next_tap,
    open_loop,
    percentile,
    seed_parents,
    start_bare_bot,
    start_real_bot,
    tap_update,
)
from bench.results import Result
from bench.sizes import Sizes


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    bot = await start_real_bot(workdir / "p1-full.db")
    bare = await start_bare_bot(workdir / "p1-bare.db")
    try:
        base_tp, full_tp = await _throughput(sizes, bot, bare)
        full_lat = await _latency(
            sizes, bot, lambda p: feed(bot.application, next_tap(bot.api, p)), 2
        )
        data = first_button(BARE_MESSAGE)
        base_lat = await _latency(
            sizes,
            None,
            lambda p: feed(bare.application, tap_update(p.chat_id, p.language, p.message, data)),
            2,
        )
        low = replace(sizes, p1_rate=sizes.p1_low_rate)
        full_low = await _latency(
            low, bot, lambda p: feed(bot.application, next_tap(bot.api, p)), 3
        )
        fsync = await asyncio.to_thread(
            _fsync_commits_per_s, workdir / "fsync.db", sizes.p1_fsync_commits
        )
    finally:
        await bot.close()
        await bare.close()
    correct = (
        full_tp["answers_stored"] == full_tp["answers"]
        and full_tp["errors_logged"] == 0
        and full_tp["replies_sent"] >= full_tp["answers"]
    )
    throughput = Result(
        scenario=f"P1 answer throughput ({sizes.p1_parents:,} parents at once)",
        metric="answers/s",
        value=full_tp["answers_per_s"],
        baseline=base_tp["updates_per_s"],
        baseline_name="bare PTB + 1 fsync'd INSERT/update",
        target=">= 1.5x baseline",
        details={
            "full_stack": full_tp,
            "baseline": base_tp,
            "every_answer_stored": correct,
            "fsync_commits_per_s": fsync,
        },
    )
    throughput.met = bool(correct and throughput.ratio is not None and throughput.ratio >= 1.5)
    latency = Result(
        scenario=f"P1 p99 latency at {sizes.p1_rate:.0f} updates/s offered",
        metric="ms",
        value=full_lat["p99_ms"],
        baseline=base_lat["p99_ms"],
        baseline_name="bare bot p99, same rate",
        target="< 20 ms",
        details={
            "full_stack": full_lat,
            "baseline": base_lat,
            f"full_stack_at_{sizes.p1_low_rate:.0f}_per_s": full_low,
        },
    )
    latency.met = full_lat["p99_ms"] < 20 and full_lat["missing_replies"] == 0
    return [throughput, latency]


def _fsync_commits_per_s(path: Path, commits: int = 200) -> float:
    """What the disk allows one connection: durable commits per second (WAL, synchronous=FULL).

    The baseline can go no faster than this; the full stack shares one commit among many."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS t(x INTEGER)")
        began = time.perf_counter()
        for i in range(commits):
            conn.execute("INSERT INTO t(x) VALUES (?)", (i,))
        return round(commits / (time.perf_counter() - began), 1)
    finally:
        conn.close()


BARE_MESSAGE: dict[str, Any] = {
    "message_id": 1,
    "date": 0,
    "chat": {"id": 1, "type": "private"},
    "from": {"id": 1, "is_bot": True, "first_name": "Ouderstem"},
    "text": "Vraag 1 van 22",
    "reply_markup": {"inline_keyboard": [[{"text": "🙂", "callback_data": "a|1|1|welkom_1|4"}]]},
}


def _bare_parents(offset: int, count: int) -> list[Parent]:
    first = 6_000_000_000 + offset
    return [
        Parent(first + i, "nl", {**BARE_MESSAGE, "chat": {"id": first + i, "type": "private"}})
        for i in range(count)
    ]


async def _throughput(
    sizes: Sizes, bot: RealBot, bare: BareBot
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Alternate baseline and full-stack segments so that load from elsewhere hits both alike."""
    data = first_button(BARE_MESSAGE)

    def send_bare(p: Parent) -> Awaitable[list[float]]:
        return feed(bare.application, tap_update(p.chat_id, p.language, p.message, data))

    def send_full(p: Parent) -> Awaitable[list[float]]:
        return feed(bot.application, next_tap(bot.api, p))

    await closed_loop(_bare_parents(9_000_000, sizes.p1_warmup), 2, send_bare)
    await closed_loop(await seed_parents(bot, sizes.p1_warmup, first_chat=9_000_000), 2, send_full)
    base_s = full_s = 0.0
    base_n = full_n = 0
    ratios = []
    ids: list[str] = []
    commits, sent, calls = bot.store.commits, bot.api.sent, sum(bot.api.counts.values())
    cpu = 0.0
    with ErrorCounter() as errors:  # both bots log to the same root logger
        for r in range(sizes.p1_rounds):
            seconds, n = await closed_loop(
                _bare_parents(r * sizes.p1_parents, sizes.p1_parents),
                sizes.p1_answers_each,
                send_bare,
            )
            base_s, base_n = base_s + seconds, base_n + n
            parents = await seed_parents(bot, sizes.p1_parents, first_chat=r * sizes.p1_parents)
            ids += [f"bench{p.chat_id:016d}" for p in parents]
            began_cpu = time.process_time()
            seconds_full, n_full = await closed_loop(parents, sizes.p1_answers_each, send_full)
            cpu += time.process_time() - began_cpu
            full_s, full_n = full_s + seconds_full, full_n + n_full
            ratios.append(round((n_full / seconds_full) / (n / seconds), 3))
    stored = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await bot.store.run_read(
            f"SELECT COUNT(*) FROM answers WHERE respondent_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        stored += rows[0][0]
    full = {
        "answers_per_s": full_n / full_s,
        "seconds": round(full_s, 3),
        "answers": full_n,
        "rounds": sizes.p1_rounds,
        "ratio_per_round": ratios,
        "answers_stored": stored,
        "commits": bot.store.commits - commits,
        "answers_per_commit": round(full_n / max(1, bot.store.commits - commits), 1),
        "replies_sent": bot.api.sent - sent,
        "bot_api_calls_per_answer": round((sum(bot.api.counts.values()) - calls) / full_n, 2),
        "cpu_ms_per_answer": round(cpu / full_n * 1000, 2),
        "errors_logged": errors.count,
        "first_error": errors.first or "",
    }
    base = {"updates_per_s": base_n / base_s, "seconds": round(base_s, 3), "updates": base_n}
    return base, full


async def _latency(
    sizes: Sizes, bot: RealBot | None, send: Callable[[Parent], Awaitable[list[float]]], offset: int
) -> dict[str, Any]:
    """Open loop at `p1_rate` for `p1_seconds`, over fresh parents (each taps at most a few times)."""
    count = sizes.p1_parents
    first = (sizes.p1_rounds + offset) * count
    parents = (
        await seed_parents(bot, count, first_chat=first)
        if bot is not None
        else _bare_parents(first, count)
    )
    with ErrorCounter() as errors:
        res = await open_loop(parents, sizes.p1_rate, sizes.p1_seconds, send)
    lat = res.latencies_ms
    return {
        "offered": res.offered,
        "offered_per_s": round(res.offered / res.seconds, 1) if res.seconds else 0.0,
        "missing_replies": res.missing,
        "p50_ms": round(percentile(lat, 50), 2),
        "p90_ms": round(percentile(lat, 90), 2),
        "p99_ms": round(percentile(lat, 99), 2),
        "max_ms": round(max(lat), 2) if lat else 0.0,
        "p99_from_due_ms": round(percentile(res.delays_ms, 99), 2),
        "errors_logged": errors.count,
    }
