"""The real bot process at OUDERSTEM_LOG_LEVEL=DEBUG logs no answer, chat id or bot token.

Everything the process writes (stdout and stderr, every library, warnings included) goes to
its log file; a whole conversation with typed answers, a sticker, a group message, /stop, an
open answer and /vergeet must leave none of those in it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from faults import checks
from faults.e2e_steps import Talk, question_id, starts_with
from harness import BotFactory, EmulatedUser, group_chat, sticker_message

from bot.engine import FACES
from bot.texts import parents as texts

pytestmark = pytest.mark.e2e

CHAT = 918_273_645
OPEN_ANSWER = "Mijn zoon wordt gepest op de speelplaats QWZ-5521"


def test_debug_log_of_a_whole_conversation_holds_no_secrets(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process(extra_env={"OUDERSTEM_LOG_LEVEL": "DEBUG"})
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    parent = Talk(make_user(user_id=CHAT, language_code="nl", first_name="Fatima"))
    parent.user.send_command("start", opened["token"])
    menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons))
    parent.press(menu, menu.buttons[0])
    question = parent.question()
    parent.user.send_text("3")  # a typed answer
    question = parent.question()
    parent.user.send_message(sticker_message())
    parent.next(starts_with("nl", texts.UNSUPPORTED))
    parent.user.send_command("stop")
    parent.next(starts_with("nl", texts.PAUSED))
    parent.user.send_text("verder graag")
    question = parent.question()
    while question_id(question) != "opmerking":
        parent.press(question, FACES["2"])
        question = parent.question()
    parent.user.send_text(OPEN_ANSWER)
    parent.next(lambda m: m.body.startswith("Bedankt"))
    assert checks.rows(bot.db_path, "SELECT text FROM answers WHERE text IS NOT NULL") == [
        (OPEN_ANSWER,)
    ]
    group = Talk(make_user(chat=group_chat("Klas 2B"), user_id=CHAT + 1))
    group.user.send_text("wie weet het huiswerk van " + OPEN_ANSWER[:10])
    group.next(starts_with("nl", texts.GROUP_CHAT))
    parent.user.send_command("vergeet")
    confirm = parent.next(lambda m: any(b.startswith("🗑️") for b in m.buttons))
    parent.press(confirm, confirm.buttons[0])
    parent.next(starts_with("nl", texts.FORGOTTEN))
    assert bot.stop() == 0

    log = bot.log()
    assert "DEBUG" in log or "INFO" in log  # the log is really there
    secret = bot.token.split(":", 1)[1]
    for needle in (
        str(CHAT),
        str(CHAT + 1),
        OPEN_ANSWER,
        "QWZ-5521",
        bot.token,
        secret,
        "Fatima",
        "verder graag",
    ):
        assert needle not in log, needle
    assert bot.errors() == []
