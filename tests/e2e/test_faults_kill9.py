"""kill -9 of the real bot process while a crowd of parents answers, through the emulator.

120 parents answer the whole parents' barometer at once (asyncio tasks on the emulator's client
API) while the bot is SIGKILLed at seeded random moments and restarted. The emulator keeps
updates pending until the bot confirms them with `offset` (patch `getupdates_offset`), so a
restart really gets redeliveries. Afterwards:

- every answer the bot acknowledged (the parent had received the next question) is stored,
  once, with the value the parent gave; no acknowledged question was ever asked again;
- every parent finished (a parent that hears nothing opens the link again, as people do);
- one respondent per parent; `PRAGMA integrity_check` ok; the consistency checks pass;
- the bot's log has no error in any of its lives.

The bot runs as `python -m tests.faults.unthrottled_bot run`: the real bot with PTB's rate
limiter raised (see that module), or 120 parents would wait minutes at 30 messages a second.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from faults import checks
from faults.crowd import BotUp, CrowdParent, emulator_client, run_crowd
from faults.e2e_steps import Talk
from harness import REPO_ROOT, BotFactory, BotProcess, EmulatedUser

from bot.engine import FACES
from bot.flow_model import get_flow

pytestmark = pytest.mark.e2e

PARENTS = 100
KILLS = 4
SEED = 20240611
VALUES = ("1", "2", "3", "4", "5", "dontknow")
LANGUAGES = ("nl", "tr", "ar", "fr", "uk", "bg", None)  # None: no profile language
RESTART_TIMEOUT = 120.0
TIME_LIMIT = 400.0  # a hang guard: ~60-100 s on an idle 2-core machine, kills included


def plan_for(rng: random.Random, flow_id: str) -> dict[str, str]:
    flow = get_flow(flow_id)
    plan = {}
    for question in flow.questions:
        if question.type.value == "open":
            plan[question.id] = f"open antwoord {rng.randrange(10**9)}"
        elif question.type.value == "scale":
            plan[question.id] = rng.choice(VALUES)
    return plan


def unthrottled(bot_process: BotFactory) -> BotProcess:
    return bot_process(
        module="tests.faults.unthrottled_bot",
        extra_env={"PYTHONPATH": str(REPO_ROOT)},
    )


async def kill_and_restart(
    bot: BotProcess, rng: random.Random, parents: list[CrowdParent]
) -> list[float]:
    """SIGKILL the bot KILLS times at random moments while parents answer; restart each time."""
    moments = []
    started = time.monotonic()
    for _ in range(KILLS):
        await asyncio.sleep(rng.uniform(3.0, 10.0))
        if all(p.completed for p in parents):
            break
        assert await asyncio.to_thread(bot.kill) == -9
        moments.append(round(time.monotonic() - started, 2))
        await asyncio.sleep(rng.uniform(0.0, 1.0))  # parents keep tapping while it is down
        # A restart under this load can take a while (imports, 45 menu calls, the crowd).
        await asyncio.to_thread(bot.start, timeout=RESTART_TIMEOUT)
    return moments


@pytest.mark.slow  # ~80-100 s on an idle 2-core machine
def test_kill9_while_a_crowd_answers(bot_process: BotFactory, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    bot = unthrottled(bot_process)
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    flow = get_flow("barometer-ouders")

    async def scenario() -> tuple[list[CrowdParent], list[BaseException], list[float]]:
        async with emulator_client(bot.emulator.base_url) as client:
            parents = [
                CrowdParent(
                    client,
                    bot.token,
                    opened["token"],
                    flow,
                    plan_for(rng, flow.id),
                    language_code=LANGUAGES[i % len(LANGUAGES)],
                )
                for i in range(PARENTS)
            ]
            deadline = time.monotonic() + TIME_LIMIT
            crowd = asyncio.create_task(run_crowd(parents, deadline))
            try:
                kills = await kill_and_restart(bot, rng, parents)
            except BaseException:
                crowd.cancel()  # no parent may outlive the client (or the test)
                await asyncio.gather(crowd, return_exceptions=True)
                raise
            failures = await crowd
            return parents, failures, kills

    parents, failures, kills = asyncio.run(scenario())
    assert len(kills) >= 2, f"the crowd finished before the bot was killed twice: {kills}"
    assert failures == [], failures[:3]
    assert all(p.completed for p in parents)
    regressions = [r for p in parents for r in p.regressions]
    assert regressions == [], regressions[:5]

    db = bot.db_path
    assert checks.problems(db) == []
    by_chat = dict(checks.rows(db, "SELECT c.chat_id, COUNT(*) FROM contacts c GROUP BY c.chat_id"))
    assert by_chat == {p.user_id: 1 for p in parents}, "one respondent per parent"
    stored = {
        (chat_id, question_id): (value, text)
        for chat_id, question_id, value, text in checks.rows(
            db,
            "SELECT c.chat_id, a.question_id, a.value, a.text FROM answers a "
            "JOIN contacts c ON c.respondent_id = a.respondent_id",
        )
    }
    pairs = Counter(
        (chat_id, question_id)
        for chat_id, question_id in checks.rows(
            db,
            "SELECT c.chat_id, a.question_id FROM answers a JOIN contacts c USING (respondent_id)",
        )
    )
    assert max(pairs.values()) == 1
    for parent in parents:
        for question_id, given in parent.acked.items():
            assert (parent.user_id, question_id) in stored, (
                f"acknowledged answer lost: {question_id}"
            )
            value, text = stored[(parent.user_id, question_id)]
            assert given in (value, text)
        assert len([k for k in stored if k[0] == parent.user_id]) == len(flow.questions)
    statuses = dict(checks.rows(db, "SELECT status, COUNT(*) FROM respondents GROUP BY status"))
    assert statuses == {"completed": PARENTS}
    listed = bot.cli("round", "list")
    assert listed["rounds"][0]["respondents"] == {"completed": PARENTS}

    assert bot.stop() == 0
    bot.assert_no_errors()
    redelivered = bot.log().count("was handled before; skipped")
    recoveries = sum(p.recoveries for p in parents)
    print(
        f"kills at {kills} s; redelivered updates skipped: {redelivered}; parent recoveries: {recoveries}"
    )


# ---- issue 12: after a crash every parent sees their next question, without typing -----------

QUIET_PARENTS = 32
SILENCE_LIMIT = 6.0  # seconds with nothing to tap while the bot is up: a silent parent
READING = (0.2, 0.9)  # seconds a parent reads a question before tapping
# One seed keeps the file under ~4 minutes; more: OUDERSTEM_CRASH_SEEDS=1201,1202,1203 (each
# ~100 s). Seen so far: 1201 and 1202, six kills each, 0 silent parents of 32.
KILL_SEEDS = tuple(int(s) for s in os.environ.get("OUDERSTEM_CRASH_SEEDS", "1201").split(","))
# Each life of the bot ends at one of these moments (tests/faults/killable_bot.py), the n-th time
# it comes (n seeded); "random" is a kill from outside at a seeded time.
KILL_MOMENTS = ("during_poll", "after_commit", "mid_reply", "before_commit", "after_send", "random")


def killable(bot_process: BotFactory) -> BotProcess:
    return bot_process(module="tests.faults.killable_bot", extra_env={"PYTHONPATH": str(REPO_ROOT)})


async def crash_lives(
    bot: BotProcess, rng: random.Random, parents: list[CrowdParent], up: BotUp
) -> list[str]:
    """Start each life with its kill moment, wait for the kill, restart; the last life lives."""
    moments = list(KILL_MOMENTS)
    rng.shuffle(moments)
    done: list[str] = []
    up.starts = []
    for moment in moments:
        if moment == "random":
            bot.env.pop("OUDERSTEM_KILL_AT", None)
        else:
            count = rng.randint(10, 60) if moment != "during_poll" else rng.randint(5, 30)
            bot.env["OUDERSTEM_KILL_AT"] = f"{moment}:{count}"
        began = time.monotonic()
        await asyncio.to_thread(bot.start, timeout=RESTART_TIMEOUT)
        up.ready_at = time.monotonic()
        up.starts.append(round(up.ready_at - began, 1))
        if moment == "random":
            await asyncio.sleep(rng.uniform(2.0, 6.0))
            if all(p.completed for p in parents):
                break
            await asyncio.to_thread(bot.kill)
        else:
            while bot.running and not all(p.completed for p in parents):
                await asyncio.sleep(0.05)
            if bot.running:
                break  # everyone finished before this moment came
            assert await asyncio.to_thread(bot.kill) == -9
        up.ready_at = None
        done.append(moment)
        await asyncio.sleep(rng.uniform(0.0, 1.0))  # parents keep tapping while it is down
    bot.env.pop("OUDERSTEM_KILL_AT", None)
    if not bot.running:
        await asyncio.to_thread(bot.start, timeout=RESTART_TIMEOUT)
        up.ready_at = time.monotonic()
    return done


@pytest.mark.slow  # ~100 s per seed on a busy 2-core machine (seven starts of the bot)
@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_after_each_kill_every_parent_gets_the_current_question_without_typing(
    bot_process: BotFactory, seed: int
) -> None:
    rng = random.Random(seed)
    bot = killable(bot_process)
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    bot.stop()
    flow = get_flow("barometer-ouders")
    up = BotUp()

    async def scenario() -> tuple[list[CrowdParent], list[BaseException], list[str]]:
        async with emulator_client(bot.emulator.base_url) as client:
            parents = [
                CrowdParent(
                    client,
                    bot.token,
                    opened["token"],
                    flow,
                    plan_for(rng, flow.id),
                    language_code=LANGUAGES[i % len(LANGUAGES)],
                    reopen=False,
                    reading=READING,
                    rng=random.Random(rng.random()),
                    bot_up=up,
                    silence_limit=SILENCE_LIMIT,
                )
                for i in range(QUIET_PARENTS)
            ]
            crowd = asyncio.create_task(run_crowd(parents, time.monotonic() + TIME_LIMIT))
            try:
                kills = await crash_lives(bot, rng, parents, up)
            except BaseException:
                crowd.cancel()
                await asyncio.gather(crowd, return_exceptions=True)
                raise
            return parents, await crowd, kills

    parents, failures, kills = asyncio.run(scenario())
    silent = sum(1 for p in parents if p.silences)
    copies = max(max(p.asked.values(), default=0) for p in parents)
    log = bot.log()
    print(
        f"seed {seed}: kills at {kills}; silent parents {silent} of {len(parents)}; "
        f"most copies of one question {copies}; owed questions re-sent at start-up "
        f"{log.count('owed questions delivered')} times; redelivered updates skipped "
        f"{log.count('was handled before; skipped')}; seconds to restart {up.starts}"
    )
    assert len(kills) >= 5, f"the crowd finished before five kills: {kills}"
    assert failures == [], failures[:3]
    assert silent == 0, f"{silent} parents heard nothing for {SILENCE_LIMIT} s (seed {seed})"
    assert all(p.recoveries == 0 for p in parents), "nobody needs /start"
    assert copies <= 2, "no parent receives the same question more than twice"
    assert [r for p in parents for r in p.regressions] == []
    db = bot.db_path
    assert checks.problems(db) == []
    pairs = Counter(
        checks.rows(
            db,
            "SELECT c.chat_id, a.question_id FROM answers a JOIN contacts c USING (respondent_id)",
        )
    )
    assert max(pairs.values()) == 1, "no answer stored twice"
    stored = {
        (chat_id, question_id): (value, text)
        for chat_id, question_id, value, text in checks.rows(
            db,
            "SELECT c.chat_id, a.question_id, a.value, a.text FROM answers a "
            "JOIN contacts c ON c.respondent_id = a.respondent_id",
        )
    }
    for parent in parents:
        for question_id, given in parent.acked.items():
            assert given in stored[(parent.user_id, question_id)], "acknowledged answer lost"
    statuses = dict(checks.rows(db, "SELECT status, COUNT(*) FROM respondents GROUP BY status"))
    assert statuses == {"completed": QUIET_PARENTS}
    assert checks.rows(db, "SELECT COUNT(*) FROM owed_messages") == [(0,)]
    assert bot.stop() == 0


def test_an_update_handled_but_not_confirmed_comes_again_and_is_skipped(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    """Real redelivery, made certain: with a 5 s poll interval the bot handles a tap and replies
    long before its next getUpdates confirms it. Killed in between, the restarted bot gets the
    tap again from Telegram: it must skip it (no second answer, no second question)."""
    bot = bot_process(extra_env={"OUDERSTEM_POLL_INTERVAL": "5"})
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    parent = Talk(make_user(language_code="nl"))
    parent.user.send_command("start", opened["token"])
    menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons), timeout=30)
    parent.press(menu, menu.buttons[0])
    first = parent.question("welkom_1", timeout=30)
    time.sleep(5.5)  # let the poller confirm what came before, and start a long poll
    parent.press(first, FACES["3"])
    second = parent.question("welkom_2", timeout=20)
    polls_at_reply = len(bot.calls("getUpdates"))
    assert bot.kill() == -9  # handled and answered, not yet confirmed
    assert len(bot.calls("getUpdates")) == polls_at_reply, "the poller confirmed before the kill"
    bot.start(timeout=RESTART_TIMEOUT)
    deadline = time.monotonic() + 30
    while "was handled before; skipped" not in bot.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "was handled before; skipped" in bot.log()
    assert parent.new(settle=1.0) == []  # no second question 2
    assert checks.rows(bot.db_path, "SELECT question_id, value FROM answers") == [("welkom_1", "3")]
    parent.press(second, FACES["4"])
    parent.question("welkom_3", timeout=30)
    assert checks.rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(2,)]
    assert bot.errors() == []
