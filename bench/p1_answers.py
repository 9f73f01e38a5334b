"""P1: answers through the whole stack, against a bare PTB bot doing one fsync'd INSERT each.

Full stack: the real Application (`bot.tg.app.build_application`), the engine, the SQLite store
with durable group commits, rendered replies (edit the answered question, send the next one)
through the stub Bot API transport. Baseline: a bare Application with one handler that does one
INSERT (its own transaction, one fsync) on a single connection and sends one reply, through the
same stub transport, on the same kind of database (WAL, synchronous=FULL), in the same process.

Three measurements (issue 16's targets):
- throughput: every parent at once (closed loop), each answering several questions in turn;
  answers per second, full stack over the one-call baseline. Target >= 0.5x.
- CPU per answer: the same closed loop, against a bare PTB bot that makes the *same three* Bot
  API calls (answerCallbackQuery, editMessageText, sendMessage with the next question's real
  keyboard) after one fsync'd INSERT (`bench.harness.ThreeCallBot`, also P1NET's baseline),
  same light stub, no simulated round trip. Target <= 1.15x. The details also give the stub's
  own CPU on each side, and the store's reads and writes and the chat locks per answer (counted
  in a separate, untimed segment).
- latency: an open-loop generator offers a fixed rate (150 updates/s) for a fixed time, each
  update a tap on the question the bot last sent that parent; latency is from the moment the
  update JSON is handed to PTB (de-serialised, then given to the application's update
  processor, as PTB's own update loop does) to the last reply handed to the stub transport.
  Target p99 < 25 ms. The baseline's p99 at the same rate is shown; the details also give the
  full stack at 200 and at 50 updates/s.

The one-call baseline, the three-call baseline and the full stack alternate (`p1_rounds`), so
load from elsewhere on the machine hits all three alike.
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
    BARE_MESSAGE,
    BareBot,
    ErrorCounter,
    Parent,
    RealBot,
    ThreeCallBot,
    answer,
    bare_parents,
    closed_loop,
    counting,
    feed,
    first_button,
    open_loop,
    percentile,
    question_message,
    seed_parents,
    start_bare_bot,
    start_real_bot,
    start_three_call_bot,
    tap_update,
)
from bench.results import Result
from bench.sizes import Sizes

THROUGHPUT_TARGET = 0.5  # x the one-call baseline
CPU_TARGET = 1.15  # x the three-call baseline's CPU per answer
P99_TARGET_MS = 25.0  # at `p1_rate` offered
COUNTED_PARENTS = 100  # the untimed segment in which reads, writes and locks are counted


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    bot = await start_real_bot(workdir / "p1-full.db")
    bare = await start_bare_bot(workdir / "p1-bare.db")
    three = await start_three_call_bot(
        workdir / "p1-three.db", next_question=question_message(bot, 0, "nl", 1)
    )
    try:
        base_tp, three_tp, full_tp = await _throughput(sizes, bot, bare, three)
        parents = await seed_parents(bot, COUNTED_PARENTS, first_chat=40_000_000)
        with counting(bot) as tally:
            _, counted = await closed_loop(parents, sizes.p1_answers_each, _full(bot))
        full_tp["per_answer"] = tally.per(counted)
        full_lat = await _latency(sizes, bot, _full(bot), 2)
        data = first_button(BARE_MESSAGE)
        base_lat = await _latency(
            sizes,
            None,
            lambda p: feed(bare.application, tap_update(p.chat_id, p.language, p.message, data)),
            2,
        )
        high = replace(sizes, p1_rate=sizes.p1_high_rate)
        full_high = await _latency(high, bot, _full(bot), 3)
        low = replace(sizes, p1_rate=sizes.p1_low_rate)
        full_low = await _latency(low, bot, _full(bot), 4)
        fsync = await asyncio.to_thread(
            _fsync_commits_per_s, workdir / "fsync.db", sizes.p1_fsync_commits
        )
    finally:
        await bot.close()
        await bare.close()
        await three.close()
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
        baseline_name="bare PTB + 1 fsync'd INSERT + 1 reply",
        target=f">= {THROUGHPUT_TARGET}x baseline",
        details={
            "full_stack": full_tp,
            "baseline": base_tp,
            "every_answer_stored": correct,
            "fsync_commits_per_s": fsync,
        },
    )
    throughput.met = bool(
        correct and throughput.ratio is not None and throughput.ratio >= THROUGHPUT_TARGET
    )
    cpu = Result(
        scenario="P1 CPU per answer (same 3 Bot API calls, no RTT)",
        metric="ms",
        value=full_tp["cpu_ms_per_answer"],
        baseline=three_tp["cpu_ms_per_answer"],
        baseline_name="bare PTB, same 3 calls + 1 fsync'd INSERT",
        target=f"<= {CPU_TARGET}x baseline",
        details={
            "full_stack_cpu_ms_per_answer": full_tp["cpu_ms_per_answer"],
            "baseline": three_tp,
            "stub_cpu_ms_per_answer": {
                "full_stack": full_tp["stub_cpu_ms_per_answer"],
                "baseline": three_tp["stub_cpu_ms_per_answer"],
            },
            "ratio_without_stub": _ratio(
                full_tp["cpu_ms_per_answer"] - full_tp["stub_cpu_ms_per_answer"],
                three_tp["cpu_ms_per_answer"] - three_tp["stub_cpu_ms_per_answer"],
            ),
            "cpu_ratio_per_round": [
                _ratio(f, b)
                for f, b in zip(
                    full_tp["cpu_ms_per_round"], three_tp["cpu_ms_per_round"], strict=True
                )
            ],
            "per_answer": full_tp["per_answer"],
        },
    )
    cpu.met = bool(correct and cpu.ratio is not None and cpu.ratio <= CPU_TARGET)
    latency = Result(
        scenario=f"P1 p99 latency at {sizes.p1_rate:.0f} updates/s offered",
        metric="ms",
        value=full_lat["p99_ms"],
        baseline=base_lat["p99_ms"],
        baseline_name="bare bot p99, same rate",
        target=f"< {P99_TARGET_MS:.0f} ms",
        details={
            "full_stack": full_lat,
            "baseline": base_lat,
            f"full_stack_at_{sizes.p1_high_rate:.0f}_per_s": full_high,
            f"full_stack_at_{sizes.p1_low_rate:.0f}_per_s": full_low,
        },
    )
    latency.met = full_lat["p99_ms"] < P99_TARGET_MS and full_lat["missing_replies"] == 0
    return [throughput, cpu, latency]


def _ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None


def _full(bot: RealBot) -> Callable[[Parent], Awaitable[list[float]]]:
    return lambda p: answer(bot, p)


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


async def _throughput(
    sizes: Sizes, bot: RealBot, bare: BareBot, three: ThreeCallBot
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Alternate the two baselines and the full stack so that load from elsewhere hits all alike."""
    data = first_button(BARE_MESSAGE)
    asked = question_message(bot, 0, "nl", 0)  # what the three-call bot's parents tap

    def send_bare(p: Parent) -> Awaitable[list[float]]:
        return feed(bare.application, tap_update(p.chat_id, p.language, p.message, data))

    send_full = _full(bot)
    await closed_loop(bare_parents(9_000_000, sizes.p1_warmup), 2, send_bare)
    await closed_loop(bare_parents(9_500_000, sizes.p1_warmup, asked), 2, three.send)
    await closed_loop(await seed_parents(bot, sizes.p1_warmup, first_chat=9_000_000), 2, send_full)
    base_s = full_s = three_cpu = 0.0
    base_n = full_n = three_n = 0
    ratios = []
    ids: list[str] = []
    commits, sent, calls = bot.store.commits, bot.api.sent, sum(bot.api.counts.values())
    cpu = 0.0
    cpu_rounds: list[float] = []
    three_rounds: list[float] = []
    stub = three_stub = 0.0
    with ErrorCounter() as errors:  # the bots log to the same root logger
        for r in range(sizes.p1_rounds):
            seconds, n = await closed_loop(
                bare_parents(r * sizes.p1_parents, sizes.p1_parents),
                sizes.p1_answers_each,
                send_bare,
            )
            base_s, base_n = base_s + seconds, base_n + n
            three_parents = bare_parents(20_000_000 + r * sizes.p1_parents, sizes.p1_parents, asked)
            began_cpu, began_stub = time.process_time(), three.api.cpu_s
            _, n_three = await closed_loop(three_parents, sizes.p1_answers_each, three.send)
            spent = time.process_time() - began_cpu
            three_cpu, three_n = three_cpu + spent, three_n + n_three
            three_rounds.append(round(spent / n_three * 1000, 3))
            three_stub += three.api.cpu_s - began_stub
            parents = await seed_parents(bot, sizes.p1_parents, first_chat=r * sizes.p1_parents)
            ids += [f"bench{p.chat_id:016d}" for p in parents]
            began_cpu, began_stub = time.process_time(), bot.api.cpu_s
            seconds_full, n_full = await closed_loop(parents, sizes.p1_answers_each, send_full)
            spent = time.process_time() - began_cpu
            cpu += spent
            cpu_rounds.append(round(spent / n_full * 1000, 3))
            stub += bot.api.cpu_s - began_stub
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
        "cpu_ms_per_answer": round(cpu / full_n * 1000, 3),
        "cpu_ms_per_round": cpu_rounds,
        "stub_cpu_ms_per_answer": round(stub / full_n * 1000, 3),
        "errors_logged": errors.count,
        "first_error": errors.first or "",
    }
    base = {"updates_per_s": base_n / base_s, "seconds": round(base_s, 3), "updates": base_n}
    three_calls = {
        "answers": three_n,
        "cpu_ms_per_answer": round(three_cpu / three_n * 1000, 3),
        "cpu_ms_per_round": three_rounds,
        "stub_cpu_ms_per_answer": round(three_stub / three_n * 1000, 3),
        "bot_api_calls": dict(three.api.counts),
    }
    return base, three_calls, full


async def _latency(
    sizes: Sizes, bot: RealBot | None, send: Callable[[Parent], Awaitable[list[float]]], offset: int
) -> dict[str, Any]:
    """Open loop at `p1_rate` for `p1_seconds`, over fresh parents (each taps at most a few times)."""
    count = sizes.p1_parents
    first = (sizes.p1_rounds + offset) * count
    parents = (
        await seed_parents(bot, count, first_chat=first)
        if bot is not None
        else bare_parents(first, count)
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
