"""Issue 16's CPU levers, each measured before and after in one run: `python -m bench.p1_levers`.

For each lever the full stack of P1 (`bench.harness.start_real_bot`, the same light stub) answers
in alternating segments with the lever off and on (`ROUNDS` each, every parent of a segment at
once, `ANSWERS_EACH` answers each); the CPU of the process per answer is compared, off over on,
segment by segment. Everything else stays as production has it. `--only NAME,...` picks levers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from telegram import Update

from bench.harness import RealBot, answer, closed_loop, seed_parents, start_real_bot
from bot import engine
from bot.tg import callbacks
from bot.tg.deps import ChatLocks
from bot.tg.render import Keyboards
from bot.tg.requests import LeanRequest

PARENTS = 300  # at once, per segment
ANSWERS_EACH = 2
ROUNDS = 8  # segments with the lever off, and as many on, alternating


@contextmanager
def _switch(owner: Any, name: str, value: Any) -> Iterator[None]:
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


# name -> (what it is, a context manager factory that turns the lever OFF)
LEVERS: dict[str, tuple[str, Callable[[], Any]]] = {
    "lean_request": (
        "Bot API calls without files skip httpx.AsyncClient's per-call work (bot/tg/requests.py)",
        lambda: _switch(LeanRequest, "short", False),
    ),
    "json_body": (
        "Bot API calls send their parameters as one JSON body, not PTB's form (bot/tg/requests.py)",
        lambda: _switch(LeanRequest, "json_body", False),
    ),
    "decode_once": (
        "a tap's callback data decoded once, not by every handler's pattern (bot/tg/callbacks.py)",
        lambda: _switch(callbacks, "_decode_text", callbacks._decode_text.__wrapped__),
    ),
    "no_deep_copy": (
        "the engine copies the session's lists, not every answer (bot/engine.py: _fresh)",
        lambda: _switch(engine, "_fresh", lambda state: state.model_copy(deep=True)),
    ),
    "keyboards": (
        "question keyboards built and serialised once, then reused (bot/tg/render.py)",
        lambda: _switch(Keyboards, "enabled", False),
    ),
}


@contextmanager
def _two_locks(bot: RealBot) -> Iterator[None]:
    """As before issue 16: the update's turn and the guard each take a chat lock."""
    with _switch(bot.application.update_processor, "turns", ChatLocks()):
        yield


@contextmanager
def _reads_apart(bot: RealBot) -> Iterator[None]:
    """As before: the guard's `is_processed` and `chat` two queries at once, and the respondent,
    session and round three at once (the round guessed from the tapped button)."""
    store = bot.store

    async def chat_for_update(update_id: int, chat_id: int) -> Any:
        return await asyncio.gather(store.is_processed(update_id), store.chat(chat_id))

    async def active_session(respondent_id: str) -> Any:
        respondent, state, round_ = await asyncio.gather(
            store.respondent(respondent_id), store.session(respondent_id), store.round(bot.round.id)
        )
        return None if respondent is None or round_ is None else (respondent, state, round_)

    with (
        _switch(store, "chat_for_update", chat_for_update),
        _switch(store, "active_session", active_session),
    ):
        yield


# levers that need the bot to switch off
BOT_LEVERS: dict[str, tuple[str, Callable[[RealBot], Any]]] = {
    "joined_reads": (
        "2 reads per answer, not 5: chat with is_processed, respondent with session and round "
        "(bot/store/chats.py: chat_for_update, active_session)",
        _reads_apart,
    ),
    "intake_parse": (
        "a tap parsed by the intake production's poller and webhook use, without the tapped "
        "message's keyboard, sender and entities (bot/tg/intake.py), not PTB's Update.de_json",
        lambda bot: _switch(bot, "parse", Update.de_json),
    ),
    "one_chat_lock": (
        "the update's turn is the guard's chat lock (bot/tg/deps.py, wired in bot/tg/app.py)",
        _two_locks,
    ),
}


async def _segment(bot: RealBot, first_chat: int) -> float:
    parents = await seed_parents(bot, PARENTS, first_chat=first_chat)
    began = time.process_time()
    _, answers = await closed_loop(parents, ANSWERS_EACH, lambda p: answer(bot, p))
    return (time.process_time() - began) * 1000 / answers


@contextmanager
def _all_off(bot: RealBot) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        for name in [*LEVERS, *BOT_LEVERS]:
            if name != "all":
                stack.enter_context(_off(name, bot))
        yield


BOT_LEVERS["all"] = ("every lever above together", _all_off)


def _off(name: str, bot: RealBot) -> Any:
    if name in BOT_LEVERS:
        return BOT_LEVERS[name][1](bot)
    return LEVERS[name][1]()


async def measure(names: list[str], workdir: Path) -> dict[str, Any]:
    bot = await start_real_bot(workdir / "levers.db")
    gc.collect()
    gc.freeze()
    first = 0
    found: dict[str, Any] = {}
    try:
        first += 50
        await _segment(bot, 60_000_000)  # warm-up
        for name in names:
            off, on = [], []
            for _ in range(ROUNDS):
                with _off(name, bot):
                    off.append(await _segment(bot, first))
                first += PARENTS
                on.append(await _segment(bot, first))
                first += PARENTS
            pairs = [b / a for a, b in zip(off, on, strict=True)]
            found[name] = {
                "what": (LEVERS | BOT_LEVERS)[name][0],
                "cpu_ms_per_answer_off": round(statistics.median(off), 3),
                "cpu_ms_per_answer_on": round(statistics.median(on), 3),
                # each "on" segment over the "off" one just before it: the machine's load drifts
                "ratio_on_over_off": round(statistics.median(pairs), 3),
                "ratio_per_pair": [round(v, 3) for v in pairs],
                "off_per_round": [round(v, 3) for v in off],
                "on_per_round": [round(v, 3) for v in on],
            }
    finally:
        gc.unfreeze()
        await bot.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.p1_levers", description=__doc__)
    every = [*LEVERS, *BOT_LEVERS]
    parser.add_argument("--only", default="", help=f"comma-separated, of: {', '.join(every)}")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or every
    unknown = set(names) - set(every)
    if unknown:
        parser.error(f"unknown lever {', '.join(sorted(unknown))}")
    Path("/tmp/bench").mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="levers-", dir="/tmp/bench") as workdir:
        found = asyncio.run(measure(names, Path(workdir)))
    load_after = os.getloadavg()
    for name, figures in found.items():
        print(
            f"{name:<16} off {figures['cpu_ms_per_answer_off']:.3f} ms  "
            f"on {figures['cpu_ms_per_answer_on']:.3f} ms  "
            f"on/off {figures['ratio_on_over_off']:.3f}x (median of {ROUNDS} pairs)"
        )
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if args.json:
        payload = {"load_average": [load_before, load_after], "levers": found}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
