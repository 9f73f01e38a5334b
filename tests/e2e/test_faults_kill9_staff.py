"""kill -9 of the real bot while school staff work: the /ronde dialogue and a feedback broadcast.

Issue 12 asks for the staff dialogues and the outbox under the same crash tests as the parent
conversation. Through the emulator, with the real bot process (tests.faults.killable_bot):

- the /ronde dialogue is killed after every step; the staff member goes on tapping the buttons
  they have, and the dialogue goes on where it was (its state lives in the database);
- the bot is killed right after the round was opened and its first message went out (before
  the QR code and the invitations): exactly one round exists, and a tap on the old start button
  never opens a second one;
- a feedback broadcast is killed after a few of its messages were confirmed: after the restart
  nothing is left pending, no parent gets it twice, every message marked sent arrived, and the messages
  whose send may or may not have reached Telegram (those in flight at the kill) are counted
  apart and never sent again (at most once): the school's notice says how many.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable

import pytest
from faults import checks
from faults.e2e_steps import Talk
from harness import REPO_ROOT, BotFactory, BotProcess, EmulatedUser

from bot.engine import FACES
from bot.outbox import MAX_IN_FLIGHT
from bot.texts import staff as staff_texts
from bot.texts.staff import say

pytestmark = pytest.mark.e2e

START_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")
RESTART_TIMEOUT = 120.0
PARENTS = 8
FEEDBACK = "Bedankt! Vanaf mei is er elke maand een infomoment over huiswerk."


def killable(bot_process: BotFactory) -> BotProcess:
    # Feedback waits for waking hours (issue 15): this test runs at any hour.
    env = {"PYTHONPATH": str(REPO_ROOT), "OUDERSTEM_WAKING_HOURS": "always"}
    return bot_process(module="tests.faults.killable_bot", extra_env=env)


def starts(text: str) -> Callable[..., bool]:
    head = say(text).split("{")[0].strip()
    return lambda m: m.body.startswith(head)


def with_button(label: str) -> Callable[..., bool]:
    return lambda m: any(label in b for b in m.buttons)


def tap(talk: Talk, message: object, label: str) -> None:
    """Tap the button whose label is `label` or starts with it (some carry an emoji or a date)."""
    found = [b for b in message.buttons if b == label or label in b]  # type: ignore[attr-defined]
    assert found, f"no button {label!r} on {message.buttons}"  # type: ignore[attr-defined]
    talk.press(message, found[0])  # type: ignore[arg-type]


def restart(bot: BotProcess, kill_at: str | None = None) -> None:
    """kill -9 (if it still runs) and start again, optionally with a kill moment for that life."""
    if bot.running:
        assert bot.kill() == -9
    if kill_at is None:
        bot.env.pop("OUDERSTEM_KILL_AT", None)
    else:
        bot.env["OUDERSTEM_KILL_AT"] = kill_at
    bot.start(timeout=RESTART_TIMEOUT)


def wait_dead(bot: BotProcess, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while bot.running and time.monotonic() < end:
        time.sleep(0.05)
    assert not bot.running, "the kill moment never came"


def admin_of_new_school(bot: BotProcess, make_user: Callable[..., EmulatedUser]) -> Talk:
    school = bot.add_school("Basisschool De Regenboog")
    payload = START_LINK.search(school["admin_invite_link"]).group(1)  # type: ignore[union-attr]
    admin = Talk(make_user(language_code="nl", first_name="Directie"))
    admin.user.send_command("start", payload)
    admin.next(lambda m: "Basisschool De Regenboog" in m.body)
    return admin


@pytest.mark.slow  # a dozen starts of the bot
def test_staff_dialogue_and_feedback_broadcast_survive_kill9(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = killable(bot_process)
    admin = admin_of_new_school(bot, make_user)

    # /ronde, killed after every step: the old buttons still lead on.
    admin.user.send_command("ronde")
    step = admin.next(with_button(say(staff_texts.FLOW_NAMES["barometer-ouders"])))
    restart(bot)
    admin.press(step, say(staff_texts.FLOW_NAMES["barometer-ouders"]))
    step = admin.next(with_button(say(staff_texts.GROUPS_ALL)), timeout=30)
    restart(bot)
    admin.press(step, say(staff_texts.GROUPS_ALL))
    step = admin.next(with_button(say(staff_texts.SKIP_EXPECTED)), timeout=30)
    restart(bot)
    admin.press(step, say(staff_texts.SKIP_EXPECTED))
    step = admin.next(starts(staff_texts.RONDE_CLOSES), timeout=30)
    restart(bot)
    admin.press_data(step, step.inline_keyboard[0][0]["callback_data"])
    confirm = admin.next(with_button(f"✅ {say(staff_texts.START)}"), timeout=30)

    # Start: killed once the first message of the opened round was confirmed.
    restart(bot, kill_at="after_send:1")
    admin.press(confirm, f"✅ {say(staff_texts.START)}")
    wait_dead(bot)
    restart(bot)
    started = admin.next(lambda m: START_LINK.search(m.body) is not None, timeout=30)
    token = START_LINK.search(started.body).group(1)  # type: ignore[union-attr]
    admin.press(confirm, f"✅ {say(staff_texts.START)}")  # an impatient second tap
    admin.new(settle=2.0)
    rounds = checks.rows(bot.db_path, "SELECT status FROM rounds")
    assert rounds == [("open",)], "one round, however often start was tapped or killed"

    # Parents take part (one answer each makes a participant).
    parents = []
    for _ in range(PARENTS):
        parent = Talk(make_user(language_code="nl"))
        parent.user.send_command("start", token)
        menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons), timeout=30)
        parent.press(menu, menu.buttons[0])
        question = parent.question("welkom_1", timeout=30)
        parent.press(question, FACES["4"])
        parent.question("welkom_2", timeout=30)
        parents.append(parent)

    # /terugkoppeling, up to the last confirmation; the life that sends it dies mid-broadcast.
    admin.user.send_command("terugkoppeling")
    step = admin.next(with_button(say(staff_texts.FLOW_NAMES["barometer-ouders"])), timeout=30)
    admin.press_data(step, step.inline_keyboard[0][0]["callback_data"])  # the round
    admin.next(lambda m: "Nederlands" in m.body, timeout=30)
    admin.user.send_text(FEEDBACK)
    menu = admin.next(lambda m: f"{PARENTS} mensen" in m.body, timeout=30)
    tap(admin, menu, "Versturen")
    sure = admin.next(with_button("Ja, versturen"), timeout=30)
    restart(bot, kill_at="after_send:4")  # the notice "wordt verstuurd", then three parents
    tap(admin, sure, "Ja, versturen")
    wait_dead(bot)
    restart(bot)

    end = time.monotonic() + 60
    while time.monotonic() < end:
        pending = checks.rows(
            bot.db_path,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback' "
            "AND status IN ('pending', 'sending')",
        )
        if pending == [(0,)]:
            break
        time.sleep(0.2)
    statuses = Counter(
        dict(
            checks.rows(
                bot.db_path,
                "SELECT status, COUNT(*) FROM outbox WHERE kind = 'feedback' GROUP BY status",
            )
        )
    )
    received = {
        parent.user.chat_id: sum(1 for m in parent.new(settle=1.0) if FEEDBACK in m.body)
        for parent in parents
    }
    print(f"feedback after the kill: outbox {dict(statuses)}; copies per parent {received}")
    assert max(received.values()) == 1, "no parent gets the broadcast twice"
    assert statuses["sent"] + statuses["unknown"] == PARENTS
    assert statuses["unknown"] <= MAX_IN_FLIGHT, "only messages in flight at the kill are in doubt"
    sent_to = {
        chat_id
        for (chat_id,) in checks.rows(
            bot.db_path, "SELECT chat_id FROM outbox WHERE kind = 'feedback' AND status = 'sent'"
        )
    }
    assert all(received[chat_id] == 1 for chat_id in sent_to), "every 'sent' arrived"
    notice = admin.next(lambda m: "verstuurd" in m.body and "onzeker" in m.body, timeout=30)
    assert f"{statuses['sent']} verstuurd" in notice.body
    assert f"{statuses['unknown']} onzeker" in notice.body  # the school is told, not silenced
    assert checks.problems(bot.db_path) == []
    assert bot.stop() == 0
