"""SIGTERM stops the real bot cleanly: exit code 0, the updates in hand handled, nothing lost.

Six parents tap an answer at the same moment; the bot gets SIGTERM a moment later, while it is
handling them, and six more tap while it shuts down. Whatever it had fetched it finishes (the parent gets the next question)
before it exits with 0; what it had not fetched stays with Telegram (the emulator keeps it
until confirmed) and is handled after the restart. Every tap is applied exactly once, every
parent gets the next question exactly once, and the log shows no error.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
from faults import checks
from faults.e2e_steps import Talk, question_id
from harness import BotFactory, EmulatedUser

from bot.engine import FACES

pytestmark = pytest.mark.e2e

PARENTS = 12


def test_sigterm_while_parents_answer(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    parents = [Talk(make_user(language_code="nl")) for _ in range(PARENTS)]
    firsts = []
    for parent in parents:
        parent.user.send_command("start", opened["token"])
        menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons))
        parent.press(menu, menu.buttons[0])
        firsts.append(parent.question("welkom_1"))

    half = PARENTS // 2
    for parent, first in zip(parents[:half], firsts[:half], strict=True):
        parent.press(first, FACES["5"])
    time.sleep(0.15)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    # The other half taps while the bot is shutting down: those wait with Telegram.
    for parent, first in zip(parents[half:], firsts[half:], strict=True):
        parent.press(first, FACES["5"])
    bot.process.wait(timeout=30)
    assert bot.stop() == 0
    before_restart = [
        p for p in parents if any(question_id(m) == "welkom_2" for m in p.new(settle=0.3))
    ]
    log = bot.log()
    assert "Ouderstem stopped" in log
    assert bot.errors() == []

    bot.start()
    for parent in parents:
        if parent not in before_restart:
            parent.question("welkom_2", timeout=30)
    time.sleep(1.0)  # nothing more may come: each tap is handled once
    for parent in parents:
        assert sum(question_id(m) == "welkom_2" for m in parent.seen) == 1
    answers = checks.rows(bot.db_path, "SELECT question_id, value FROM answers")
    assert answers == [("welkom_1", "5")] * PARENTS
    assert checks.problems(bot.db_path) == []
    assert bot.stop() == 0
    assert bot.errors() == []
    print(
        f"{len(before_restart)} of {PARENTS} taps handled before the SIGTERM exit, the rest after the restart"
    )


def test_sigterm_when_idle_exits_at_once(bot_process: BotFactory) -> None:
    bot = bot_process()
    started = time.monotonic()
    assert bot.stop(timeout=30) == 0
    assert time.monotonic() - started < 10
    assert "Ouderstem stopped" in bot.log()
    assert bot.errors() == []
