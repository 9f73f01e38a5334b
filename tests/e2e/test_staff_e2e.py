"""School staff in the chat with the real bot through the emulator: open, follow, close, report.

The first admin gets in with the invite link `python -m bot school add --json` prints, launches a
parents' round with /ronde (the links, the QR code and the printable invitations arrive), a
parent answers through the new link, /status shows the count, /sluit closes the round (the
parent's next tap hears that it closed), /rapport shows the report without showing a group of
one. A parent who tries the staff commands gets one polite sentence and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from faults import checks
from faults.e2e_steps import Talk, question_id, starts_with
from harness import BotFactory, EmulatedUser

from bot.engine import FACES
from bot.i18n import t
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say

pytestmark = pytest.mark.e2e

START_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


def said(text: str, **placeholders: object) -> Callable[..., bool]:
    head = (
        say(text, **placeholders).split("{")[0].strip()
        if placeholders
        else text.split("{")[0].strip()
    )
    return lambda m: m.body.startswith(head)


def with_button(label: str) -> Callable[..., bool]:
    return lambda m: any(b == label or b.startswith(label) for b in m.buttons)


def admin_of_new_school(bot, make_user) -> tuple[Talk, dict]:  # type: ignore[no-untyped-def]
    school = bot.add_school("Basisschool De Regenboog")
    payload = START_LINK.search(school["admin_invite_link"]).group(1)
    admin = Talk(make_user(language_code="nl", first_name="Directie"))
    admin.user.send_command("start", payload)
    admin.next(
        said(
            say(
                staff_texts.WELCOME,
                role=say(staff_texts.ROLE_NAMES["admin"]),
                place="Basisschool De Regenboog",
            )
        )
    )
    return admin, school


def test_admin_opens_follows_closes_and_reports_a_round_from_the_chat(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    admin, school = admin_of_new_school(bot, make_user)

    # /ronde: flow, whole school, expected unknown, first closing option, start.
    admin.user.send_command("ronde")
    step = admin.next(with_button(say(staff_texts.FLOW_NAMES["barometer-ouders"])))
    admin.press(step, say(staff_texts.FLOW_NAMES["barometer-ouders"]))
    step = admin.next(with_button(say(staff_texts.GROUPS_ALL)))
    admin.press(step, say(staff_texts.GROUPS_ALL))
    step = admin.next(with_button(say(staff_texts.SKIP_EXPECTED)))
    admin.press(step, say(staff_texts.SKIP_EXPECTED))
    step = admin.next(said(staff_texts.RONDE_CLOSES))
    admin.press_data(step, step.inline_keyboard[0][0]["callback_data"])
    step = admin.next(with_button(f"✅ {say(staff_texts.START)}"))
    admin.press(step, f"✅ {say(staff_texts.START)}")
    started = admin.next(lambda m: START_LINK.search(m.body) is not None)
    token = START_LINK.search(started.body).group(1)
    admin.next(lambda m: m.media == "photo")  # the QR code
    documents = [admin.next(lambda m: m.media == "document") for _ in range(2)]  # PDF, PNG
    assert [d.raw["message"]["upload"]["filename"] for d in documents] == [
        "uitnodiging.pdf",
        "uitnodiging.png",
    ]
    [(round_id, status)] = checks.rows(bot.db_path, "SELECT id, status FROM rounds")
    assert status == "open"

    # A parent answers three questions through the new link.
    parent = Talk(make_user(language_code="nl"))
    parent.user.send_command("start", token)
    menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons))
    parent.press(menu, menu.buttons[0])
    question = parent.question()
    for _ in range(3):
        parent.press(question, FACES["4"])
        question = parent.question()

    # /status: choose the round, see one parent started (and no small-group numbers).
    admin.user.send_command("status")
    picker = admin.next(said(staff_texts.PICK_ROUND))
    admin.press_data(picker, picker.inline_keyboard[0][0]["callback_data"])
    status = admin.next(lambda m: "Basisschool De Regenboog" in m.body)
    assert (
        say(staff_texts.STATUS_TOTAL, started=1, completed=0, rate="0%").split("(")[0]
        in status.body
    )

    # /sluit: choose, confirm; the parent's next tap hears the round closed.
    admin.user.send_command("sluit")
    picker = admin.next(said(staff_texts.PICK_ROUND))
    admin.press_data(picker, picker.inline_keyboard[0][0]["callback_data"])
    confirm = admin.next(with_button(say(staff_texts.SLUIT_YES)))
    admin.press(confirm, say(staff_texts.SLUIT_YES))
    admin.next(said(say(staff_texts.SLUIT_DONE, started=1, completed=0)))
    assert checks.rows(bot.db_path, "SELECT status FROM rounds") == [("closed",)]
    parent.press(question, FACES["4"])
    parent.next(starts_with("nl", texts.ROUND_CLOSED_MIDWAY))
    assert checks.rows(bot.db_path, "SELECT COUNT(*) FROM answers") == [(3,)]

    # /rapport <round>: a summary with its buttons; a group of one parent shows no figures.
    admin.user.send_command("rapport", str(round_id))
    summary = admin.next(lambda m: any(b.startswith("📄") for b in m.buttons), timeout=60)
    assert "🙂" not in summary.body
    assert checks.problems(bot.db_path) == []
    assert school["id"] == 1
    assert bot.errors() == []


def test_a_parent_with_a_link_gets_nothing_from_the_staff_commands(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    _, school = admin_of_new_school(bot, make_user)
    opened = bot.open_round(school["id"])
    parent = Talk(make_user(language_code="tr"))
    parent.user.send_command("start", opened["token"])
    menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons))
    parent.press(menu, menu.buttons[0])
    question = parent.question()
    refusal = t("tr", school_texts.NOT_FOR_YOU)
    for command in ("status", "rapport", "sluit", "uitnodigen", "ronde", "terugkoppeling"):
        for args in ((), (str(opened["id"]),)):
            parent.user.send_command(command, *args)
            answer = parent.next(lambda m: question_id(m) is None)
            assert (answer.body, answer.buttons) == (refusal, []), (command, args)
    # Forged staff and report buttons are refused the same way.
    for data in (
        f"x|sly|{opened['id']}",
        f"x|st|{opened['id']}",
        f"rp|r|{opened['id']}",
        f"rp|f|{opened['id']}|csv",
        "x|sc|slu|1",
        "rp|o",
    ):
        parent.press_data(question, data)
        answer = parent.next(lambda m: question_id(m) is None)
        assert (answer.body, answer.buttons) == (refusal, []), data
    assert parent.new() == []
    assert checks.rows(bot.db_path, "SELECT status FROM rounds") == [("open",)]
    assert bot.errors() == []
