"""The harness itself, driven through a tiny stand-in bot (stub_bot.py) as a real subprocess.

These prove the fixtures work (deep links, button presses, edits, media both ways, CLI JSON,
error detection, stop/kill/restart) before the real bot exists; the bot's own e2e tests use the
same fixtures with the default ``python -m bot``.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

import pytest
from harness import (
    E2E_DIR,
    BotFactory,
    BotProcess,
    HarnessError,
    group_chat,
    location_message,
    photo_message,
    sticker_message,
    voice_message,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def stub_bot(bot_process: BotFactory) -> Callable[..., BotProcess]:
    """``bot_process`` running stub_bot.py instead of the real ``bot`` package."""

    def make(**kwargs: Any) -> BotProcess:
        return bot_process(module="stub_bot", cwd=E2E_DIR, **kwargs)

    return make


def test_deep_link_press_and_edit(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    user.send_command("start", "school42")
    [reply] = user.wait_for_replies(1)
    assert reply.text == "start args=['school42']"
    assert reply.buttons == ["Ja", "Nee"]
    assert user.press("Nee") == "no"
    edited = user.wait_for_history(lambda m: m.edited)  # edits show only in the history
    assert edited.message_id == reply.message_id
    assert edited.text == "pressed no answered=True"
    assert edited.buttons == []  # the edit dropped the keyboard
    assert [c["status"] for c in bot.calls("answerCallbackQuery")] == [200]
    assert bot.calls("setMyCommands")
    bot.assert_no_errors()


def test_forged_callback_data_reaches_the_bot(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    user.send_command("start")
    [reply] = user.wait_for_replies(1)
    user.press_data("forged-data", reply)
    user.wait_for_history(lambda m: m.text == "pressed forged-data answered=True")
    bot.assert_no_errors()


def test_user_media_reach_the_bot(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    for message in (
        sticker_message(),
        photo_message("mijn foto"),
        voice_message(),
        location_message(),
    ):
        user.send_message(message)
    replies = user.wait_for_replies(4)
    assert [m.text for m in replies] == [
        "got sticker:",
        "got photo:",
        "got voice:",
        "got location:",
    ]
    user.send_text("hallo")
    assert [m.text for m in user.wait_for_replies(1)] == ["got text: hallo"]
    user.expect_no_reply(0.3)
    bot.assert_no_errors()


def test_bot_uploads_reach_the_client(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    user.send_command("photo")
    photo, document = user.wait_for_replies(2)
    assert (photo.media, photo.caption) == ("photo", "foto")
    assert photo.raw["message"]["upload"]["filename"] == "plaatje.png"
    assert (document.media, document.caption) == ("document", "pdf")
    assert bot.calls("sendChatAction")
    bot.assert_no_errors()


def test_group_chat_users_share_a_chat(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    chat = group_chat("Klas 5B")
    anna, bert = bot.user(chat=chat, first_name="Anna"), bot.user(chat=chat, first_name="Bert")
    anna.send_command("start", mention=True)
    [reply] = bert.wait_for_replies(1)
    assert reply.chat_id == chat["id"] and reply.text == "start args=[]"
    bert.press("Ja")
    anna.wait_for_history(lambda m: m.text == "pressed yes answered=True")
    bot.assert_no_errors()


def test_cli_helpers_parse_json(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot(start=False)
    school = bot.add_school("De Regenboog")
    assert school == {"id": 1, "name": "De Regenboog"}
    opened = bot.open_round(school["id"])
    assert opened["link"] == f"https://t.me/TestNameBot?start={opened['token']}"
    with pytest.raises(HarnessError, match="exited 2"):
        bot.cli("no-such-command")


def test_errors_in_the_log_are_found(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    user.send_command("boom")
    user.send_text("na de fout")
    user.wait_for_replies(1)
    assert any("handler failed" in line for line in bot.errors())
    assert any("Traceback" in line for line in bot.errors())
    with pytest.raises(AssertionError, match="bot logged errors"):
        bot.assert_no_errors()


def test_stop_kill_and_restart(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    assert bot.stop() == 0  # PTB handles SIGTERM and shuts down cleanly
    user.send_text("terwijl de bot uit staat")
    bot.start()
    assert [m.text for m in user.wait_for_replies(1)] == ["got text: terwijl de bot uit staat"]
    assert bot.kill() == -signal.SIGKILL
    bot.start()
    user.send_text("weer terug")
    assert [m.text for m in user.wait_for_replies(1)] == ["got text: weer terug"]
    bot.assert_no_errors()


def test_waiting_and_pressing_fail_clearly(stub_bot: Callable[..., BotProcess]) -> None:
    bot = stub_bot()
    user = bot.user()
    with pytest.raises(HarnessError, match="bot log tail"):
        user.wait_for_replies(1, timeout=0.3)
    user.send_command("start")
    user.wait_for_replies(1)
    with pytest.raises(HarnessError, match=r"buttons there: \['Ja', 'Nee'\]"):
        user.press("Misschien", timeout=0.3)
    bot.assert_no_errors()
