"""P5: peak memory of the bot process with 10,000 respondents mid-survey.

What is measured, and why: the peak resident set size (RSS) of a fresh bot process, from
`VmHWM` in /proc/self/status, because RSS is what a container limit or the OOM killer sees. It
counts everything the bot needs to serve those parents: the interpreter and libraries, Python
objects (PTB's Update objects waiting for the 256 handler slots, chat_data, per-chat locks), and
C allocations that tracemalloc cannot see (SQLite's page caches on both connections, aiosqlite's
threads). The baseline is the same process idle, just before the parents arrive; the delta is
in the details.

How: the benchmark process seeds N parents mid-survey (10 of 22 questions answered) straight
into a database; a child process (a clean heap: the benchmark's own garbage and earlier
scenarios are not counted; the packages only the test environment installs are hidden from it,
`as_in_production`) opens the real bot on it, measures the idle RSS, resets the peak
(`clear_refs` 5), then lets the parents tap their next answer through the full stack. The stub Bot API keeps nothing, so its memory is not counted as the bot's.

Two shapes, both through the real Application: (1) the headline, every parent answers a
question with `p1_parents` (1,000) of them in flight at any moment, P1's load; (2) in the
details, all N at once: every update waits in memory for one of the 256 handler slots, so a
backlog costs memory per pending update.

Before and after in one run (issue 16): the child runs twice on copies of the same seeded
database, first parsing each update as PTB's `Update.de_json` does on arrival (`before`, in the
details), then as the webhook does now (`body`, the headline): the update's JSON body waits for
its chat's turn and a handler slot unparsed (`bot.tg.intake.Pending`,
`ChatOrderedProcessor.process_when_due`) and is then parsed by the intake
(`bot.tg.intake.parse_update`: the tapped message's keyboard, sender and entities are not
parsed). `bench/p5_before_after.py` runs main's own child and each lever on and off (the KINDS
and FLAGS below) in one run.

Run alone: `python -m bench.p5_memory --child N DIR IN_FLIGHT [KIND[+FLAG]...]` prints one JSON
line.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib.abc
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.results import Result
from bench.sizes import Sizes

TARGET_MB = 80.0  # issue 16
ANSWERED = 10  # questions each seeded parent has answered already
DATABASE = "p5.db"


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakRss:
    """Peak RSS from now on: VmHWM after resetting it, else sampled every 5 ms."""

    def __init__(self) -> None:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
                refs.write("5")
            self.method = "VmHWM after clear_refs"
        except OSError:
            self.method = "sampled VmRSS"
        self._max = _status_kb("VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._max = max(self._max, _status_kb("VmRSS"))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        if self.method.startswith("VmHWM"):
            return max(self._max, _status_kb("VmHWM"))
        return self._max


REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements" / "run.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class _NotInProduction(importlib.abc.MetaPathFinder):
    """Refuses top-level modules of packages that only the test environment installs."""

    def __init__(self, hidden: set[str]) -> None:
        self.hidden = hidden

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"{name} is not installed in production", name=name)
        return None


def as_in_production() -> list[str]:
    """Hide, in this process, the packages that `requirements/run.txt` does not install.

    The bench runs in the test environment, which also has pytest, hypothesis, mypy and
    pygments; httpx imports its command line (and with it pygments, ~4 MB) only when those are
    there. Production's lock (`requirements/run.txt`) has none of them, so neither does the
    measured bot. Returns the hidden top-level modules."""
    shipped = {"ouderstem"}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if "==" in line and line[:1].isalnum():
            shipped.add(_normal(line.split("==")[0]))
    hidden = {
        module
        for module, dists in metadata.packages_distributions().items()
        if not any(_normal(d) in shipped for d in dists) and module not in sys.modules
    }
    sys.meta_path.insert(0, _NotInProduction(hidden))
    return sorted(hidden)


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# How the child hands each update over: "ptb" parses it as PTB's `Update.de_json`, "intake" as
# the webhook's intake (`bot.tg.intake.parse_update`) at once, "intake-body" the same from the
# JSON body the webhook receives (session 5's webhook: parsed on arrival, the update held while
# it waits), "body" as the webhook does now (`bot.tg.intake.Pending`: the body waits for its
# chat's turn and a handler slot unparsed, `ChatOrderedProcessor.process_when_due`).
PARSERS = ("ptb", "body")  # `python -m bench`: before (details) and the headline
KINDS = ("ptb", "intake", "intake-keyboard", "intake-body", "body")
# Levers switched back off, after a "+" (bench/p5_before_after.py runs each on and off in one
# run): "held" keeps the update's JSON alive while it is handled (`bench.harness.feed`);
# "oldlocks" turns the chat turns back into an `asyncio.Lock` per chat in a generator context
# manager (`OldChatLocks`); "imports" loads at start what the bot no longer loads (httpx's
# command line with click, segno, babel.messages).
FLAGS = ("held", "oldlocks", "imports")
VARIANTS = (*KINDS, "intake-keyboard+held", "intake+held")


def _variant(name: str) -> tuple[str, set[str]]:
    kind, *flags = name.split("+")
    if kind not in KINDS or not set(flags) <= set(FLAGS):
        raise ValueError(f"not a P5 variant: {name}")
    return kind, set(flags)


class OldChatLocks:
    """`bot.tg.deps.ChatLocks` before session 6: an `asyncio.Lock` per held chat, taken through
    a generator context manager (the "oldlocks" variant)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int | None) -> Any:
        from bot.tg.deps import _HOLDING

        if chat_id is None or _HOLDING.get() == (id(self), chat_id):
            yield
            return
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                token = _HOLDING.set((id(self), chat_id))
                try:
                    yield
                finally:
                    _HOLDING.reset(token)
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def _switch_levers_off(flags: set[str]) -> None:
    """Before the bot starts: the levers named in `flags` as they were before session 6."""
    if "imports" in flags:
        sys.modules.pop("httpx._main", None)  # refused by `bot/__init__.py`
        import babel.messages.pofile  # noqa: F401
        import click  # noqa: F401
        import segno  # noqa: F401


def _keyboard_only(data: dict[str, Any], bot: Any) -> Any:
    """Session 4's intake: only the tapped message's keyboard left out."""
    from telegram import Update

    query = data.get("callback_query")
    message = query.get("message") if isinstance(query, dict) else None
    if isinstance(query, dict) and isinstance(message, dict) and "reply_markup" in message:
        kept = {k: v for k, v in message.items() if k != "reply_markup"}
        data = {**data, "callback_query": {**query, "message": kept}}
    return Update.de_json(data, bot)


async def _handle(application: Any, update: Any) -> None:
    """Hand a parsed update to the application (its JSON already let go)."""
    await application.update_processor.process_update(update, application.process_update(update))


async def _handle_when_due(application: Any, body: bytes) -> None:
    """Hand a webhook body over as `bot.web.app` does: kept as it came until its chat's turn
    and a slot are held, then parsed and handled."""
    from bot.tg.intake import Pending

    pending = Pending.of_body(body, application.bot)
    assert pending is not None

    async def due() -> None:
        assert pending is not None
        await application.process_update(pending.parse(application.bot))

    await application.update_processor.process_when_due(pending.chat_id, due)


async def _child(
    respondents: int, workdir: Path, in_flight: int, parser: str = "body"
) -> dict[str, Any]:
    from telegram import Update

    from bench.harness import (
        BenchBotApi,
        ErrorCounter,
        feed,
        question_message,
        seeded_chats,
        start_real_bot,
        tap_update,
    )
    from bot.tg import callbacks
    from bot.tg.intake import parse_update

    kind, flags = _variant(parser)
    held = "held" in flags
    parse: Any = {
        "ptb": Update.de_json,
        "intake": parse_update,
        "intake-keyboard": _keyboard_only,
        "intake-body": parse_update,
        "body": parse_update,
    }[kind]
    _switch_levers_off(flags)
    api = BenchBotApi(keep_keyboards=False)
    bot = await start_real_bot(workdir / DATABASE, api)
    if "oldlocks" in flags:
        old_locks = OldChatLocks()
        bot.application.bot_data["ouderstem"].locks = old_locks  # type: ignore[assignment]
        bot.application.update_processor.turns = old_locks  # as bot.tg.app wires it
    try:
        flow, round_id = bot.flow, bot.round.id
        chats = seeded_chats(respondents)
        message = question_message(bot, chats[0][0], chats[0][1], ANSWERED)  # any will do
        _trim()
        gc.freeze()  # as `bot.runner` does once the application is built
        await asyncio.sleep(0.2)
        idle_kb = _status_kb("VmRSS")

        def tap(chat_id: int, language: str, question: int) -> dict[str, Any]:
            data = callbacks.encode(
                callbacks.QuestionButton(
                    callbacks.QuestionAction.ANSWER,
                    round_id,
                    flow.version,
                    flow.questions[question].id,
                    "4",
                )
            )
            return tap_update(
                chat_id, language, {**message, "chat": {"id": chat_id, "type": "private"}}, data
            )

        # Every parent answers one question, `in_flight` of them at any moment (P1's load).
        peak = PeakRss()
        began = time.perf_counter()
        pending = iter(chats)

        async def one(chat_id: int, language: str, question: int) -> None:
            if held:  # the JSON stays referenced until the update is handled
                await feed(bot.application, tap(chat_id, language, question), parse)
            elif kind == "body":  # the webhook now: the body waits, parsed when due
                body = json.dumps(tap(chat_id, language, question)).encode()
                await _handle_when_due(bot.application, body)
            elif kind == "intake-body":  # the body parsed on arrival, the update held
                body = json.dumps(tap(chat_id, language, question)).encode()
                update = parse(json.loads(body), bot.application.bot)
                del body
                await _handle(bot.application, update)
            else:  # parsed, then only the update is held
                update = parse(tap(chat_id, language, question), bot.application.bot)
                await _handle(bot.application, update)

        async def worker() -> None:
            for chat_id, language in pending:
                await one(chat_id, language, ANSWERED)

        with ErrorCounter() as errors:
            await asyncio.gather(*(worker() for _ in range(min(in_flight, respondents))))
        steady_seconds = time.perf_counter() - began
        steady_kb = peak.stop()
        _trim()

        # Then all of them at once: every update waits in memory for one of PTB's 256 slots.
        peak = PeakRss()
        began = time.perf_counter()
        with ErrorCounter() as burst_errors:
            await asyncio.gather(*(one(c, lang, ANSWERED + 1) for c, lang in chats))
        burst_seconds = time.perf_counter() - began
        burst_kb = peak.stop()
        stored = await bot.store.run_read(
            "SELECT COUNT(*) FROM answers WHERE round_id = ?", (round_id,)
        )
        return {
            "parser": parser,
            "respondents": respondents,
            "in_flight": min(in_flight, respondents),
            "idle_rss_mb": round(idle_kb / 1024, 1),
            "peak_rss_mb": round(steady_kb / 1024, 1),
            "delta_mb": round((steady_kb - idle_kb) / 1024, 1),
            "steady_seconds": round(steady_seconds, 2),
            "burst_peak_rss_mb": round(burst_kb / 1024, 1),
            "burst_delta_mb": round((burst_kb - idle_kb) / 1024, 1),
            "burst_kb_per_pending_update": round((burst_kb - idle_kb) / respondents, 1),
            "burst_seconds": round(burst_seconds, 2),
            "method": peak.method,
            "answers_stored": stored[0][0],
            "answers_expected": respondents * (ANSWERED + 2),
            "chat_data_entries": len(bot.application.chat_data),
            "chat_locks_left": len(bot.application.bot_data["ouderstem"].locks),
            "errors_logged": errors.count + burst_errors.count,
        }
    finally:
        await bot.close()


async def run(sizes: Sizes, workdir: Path) -> list[Result]:
    from bench.harness import seed_parents, start_real_bot

    seeding = await start_real_bot(workdir / DATABASE)  # here, so its garbage is not the child's
    try:
        await seed_parents(seeding, sizes.p5_respondents, answered=ANSWERED)
    finally:
        await seeding.close()
    name = f"P5 peak RSS, {sizes.p5_respondents:,} respondents mid-survey"
    seeded = workdir / DATABASE
    children: dict[str, dict[str, Any]] = {}
    for parser in PARSERS:  # before, then after, each on a fresh copy of the seeded parents
        folder = workdir / parser
        folder.mkdir(exist_ok=True)
        shutil.copyfile(seeded, folder / DATABASE)
        command = [
            sys.executable,
            "-m",
            "bench.p5_memory",
            "--child",
            str(sizes.p5_respondents),
            str(folder),
            str(sizes.p1_parents),
            parser,
        ]
        done = await asyncio.to_thread(
            subprocess.run,
            command,
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return [Result(scenario=name, metric="MB", value=None, skipped=f"child failed: {tail}")]
        children[parser] = json.loads(done.stdout.strip().splitlines()[-1])
    data = {**children["body"], "before": children["ptb"]}
    result = Result(
        scenario=name,
        metric="MB",
        value=data["peak_rss_mb"],
        baseline=data["idle_rss_mb"],
        baseline_name="same bot idle",
        target=f"< {TARGET_MB:.0f} MB",
        details=data,
    )
    result.met = (
        data["peak_rss_mb"] < TARGET_MB
        and data["answers_stored"] == data["answers_expected"]
        and data["errors_logged"] == 0
    )
    return [result]


def main() -> None:
    try:
        if len(sys.argv) not in (5, 6) or sys.argv[1] != "--child":
            raise ValueError
        if sys.argv[5:]:
            _variant(sys.argv[5])
    except ValueError:
        sys.exit(
            "usage: python -m bench.p5_memory --child RESPONDENTS DIR IN_FLIGHT "
            f"[{'|'.join(KINDS)}[+{'|'.join(FLAGS)}]...]"
        )
    hidden = as_in_production()
    import logging

    import bot  # noqa: F401  first, as in production, where the entry point is the bot's package

    logging.basicConfig(level=logging.WARNING)
    parser = sys.argv[5] if len(sys.argv) == 6 else "body"
    data = asyncio.run(_child(int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), parser))
    print(json.dumps({**data, "test_only_packages_hidden": hidden}))


if __name__ == "__main__":
    main()
