"""The patched emulator speaks the Bot API as Telegram does; each patch switched off shows why.

No bot here: the tests call the Bot API over HTTP (httpx, and python-telegram-bot's ``Bot``) and
play users through the client API.
"""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import telegram
from harness import (
    BOT_USERNAME,
    LAUNCHER,
    EmulatedUser,
    Emulator,
    group_chat,
    new_token,
    node_missing_reason,
)
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest

pytestmark = pytest.mark.e2e

KEYBOARD = {
    "inline_keyboard": [[{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]]
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    """Factory for extra launchers, e.g. ``launch(no_patch=["date_seconds"])``."""
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)
    started: list[Emulator] = []

    def start(**kwargs: Any) -> Emulator:
        server = Emulator.start(tmp_path / f"emu{len(started)}", **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def send(emu: Emulator, token: str, chat_id: int, text: str, **params: Any) -> dict[str, Any]:
    response = emu.api(token, "sendMessage", chat_id=chat_id, text=text, **params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["result"]
    return result


def closed_port() -> int:
    """A loopback port nobody listens on (for a webhook that fails)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# ---------------------------------------------------------------------------------------------
# With every patch on (the session emulator)
# ---------------------------------------------------------------------------------------------


def test_get_me_has_is_bot(emulator: Emulator) -> None:
    result = emulator.api(new_token(), "getMe").json()["result"]
    assert result["is_bot"] is True
    assert result["username"] == BOT_USERNAME


def test_send_message_date_is_in_seconds(emulator: Emulator) -> None:
    result = send(emulator, new_token(), 5, "hallo")
    assert abs(result["date"] - time.time()) < 120
    assert result["from"]["is_bot"] is True


def test_callback_query_has_chat_instance(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    send(emulator, token, user.chat_id, "kies", reply_markup=KEYBOARD)
    assert user.press("B") == "b"
    updates = emulator.api(token, "getUpdates").json()["result"]
    query = updates[-1]["callback_query"]
    assert query["data"] == "b"
    assert query["chat_instance"]
    assert query["from"]["id"] == user.user_id
    assert abs(query["message"]["date"] - time.time()) < 120


def test_edit_message_text_returns_message_and_drops_keyboard(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    sent = send(emulator, token, user.chat_id, "vraag", reply_markup=KEYBOARD)
    response = emulator.api(
        token,
        "editMessageText",
        chat_id=user.chat_id,
        message_id=sent["message_id"],
        text="beantwoord",
    )
    edited = response.json()["result"]
    assert edited["message_id"] == sent["message_id"]
    assert edited["text"] == "beantwoord"
    assert "reply_markup" not in edited
    [current] = user.history()
    assert current.text == "beantwoord" and current.edited
    assert current.buttons == []


def test_edit_reply_markup_returns_message_and_removes_keyboard(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    sent = send(emulator, token, user.chat_id, "vraag")
    mid = sent["message_id"]
    added = emulator.api(
        token, "editMessageReplyMarkup", chat_id=user.chat_id, message_id=mid, reply_markup=KEYBOARD
    ).json()["result"]
    assert added["reply_markup"] == KEYBOARD
    assert user.history()[0].buttons == ["A", "B"]
    removed = emulator.api(
        token, "editMessageReplyMarkup", chat_id=user.chat_id, message_id=mid
    ).json()["result"]
    assert "reply_markup" not in removed
    assert user.history()[0].buttons == []


def test_edit_that_changes_nothing_is_400(emulator: Emulator) -> None:
    token = new_token()
    sent = send(emulator, token, 7, "zelfde")
    response = emulator.api(
        token, "editMessageText", chat_id=7, message_id=sent["message_id"], text="zelfde"
    )
    assert response.status_code == 400
    assert "message is not modified" in response.json()["description"]


def test_edit_of_missing_message_is_400(emulator: Emulator) -> None:
    response = emulator.api(new_token(), "editMessageText", chat_id=7, message_id=999999, text="x")
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message to edit not found"


def test_answer_callback_query_returns_true(emulator: Emulator) -> None:
    response = emulator.api(new_token(), "answerCallbackQuery", callback_query_id="1")
    assert response.json() == {"ok": True, "result": True}


def test_delete_message_true_then_400(emulator: Emulator) -> None:
    token = new_token()
    sent = send(emulator, token, 8, "weg")
    first = emulator.api(token, "deleteMessage", chat_id=8, message_id=sent["message_id"])
    assert first.json() == {"ok": True, "result": True}
    again = emulator.api(token, "deleteMessage", chat_id=8, message_id=sent["message_id"])
    assert again.status_code == 400
    assert again.json()["error_code"] == 400


def test_set_webhook_returns_true_and_shows_in_info(emulator: Emulator) -> None:
    token = new_token()
    url = f"http://127.0.0.1:{closed_port()}/hook"
    assert emulator.api(token, "setWebhook", url=url).json()["result"] is True
    assert emulator.api(token, "getWebhookInfo").json()["result"]["url"] == url
    assert emulator.api(token, "deleteWebhook").json()["result"] is True
    assert emulator.api(token, "getWebhookInfo").json()["result"]["url"] == ""


def test_housekeeping_methods_answer_true(emulator: Emulator) -> None:
    token = new_token()
    commands = [{"command": "start", "description": "Begin"}]
    assert emulator.api(token, "setMyCommands", commands=commands).json()["result"] is True
    assert emulator.api(token, "getMyCommands").json()["result"] == commands
    housekeeping: list[tuple[str, dict[str, Any]]] = [
        ("setMyDescription", {"description": "Ouderstem"}),
        ("setMyShortDescription", {"short_description": "Ouderstem"}),
        ("sendChatAction", {"chat_id": 5, "action": "typing"}),
        ("deleteMyCommands", {}),
    ]
    for method, params in housekeeping:
        assert emulator.api(token, method, **params).json() == {"ok": True, "result": True}
    assert emulator.api(token, "getMyCommands").json()["result"] == []
    info = emulator.api(token, "getWebhookInfo").json()["result"]
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def test_send_photo_multipart_is_stored_for_the_client(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    response = emulator.http.post(
        f"/bot{token}/sendPhoto",
        data={"chat_id": str(user.chat_id), "caption": "foto"},
        files={"photo": ("plaatje.png", PNG, "image/png")},
    )
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["caption"] == "foto" and result["photo"][0]["file_id"]
    [message] = user.wait_for_replies(1)
    assert message.media == "photo" and message.caption == "foto"
    assert message.raw["message"]["upload"] == {
        "filename": "plaatje.png",
        "size": len(PNG),
        "content_type": "image/png",
    }


def test_send_media_by_file_id_and_upload(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    voice = emulator.api(token, "sendVoice", chat_id=user.chat_id, voice="voice-file-id")
    assert voice.json()["result"]["voice"]["file_id"] == "voice-file-id"
    audio = emulator.api(
        token, "sendAudio", chat_id=user.chat_id, audio="audio-file-id", caption="liedje"
    )
    assert audio.json()["result"]["caption"] == "liedje"
    document = emulator.http.post(
        f"/bot{token}/sendDocument",
        data={"chat_id": str(user.chat_id)},
        files={"document": ("brief.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert document.json()["result"]["document"]["file_name"] == "brief.pdf"
    assert [m.media for m in user.wait_for_replies(3)] == ["voice", "audio", "document"]
    missing = emulator.api(token, "sendPhoto", chat_id=user.chat_id)
    assert missing.status_code == 400


def test_unknown_method_is_a_clear_400(emulator: Emulator) -> None:
    response = emulator.api(new_token(), "sendDice", chat_id=5)
    assert response.status_code == 400
    assert response.json()["description"].endswith("method not supported by the emulator: sendDice")


def test_get_updates_redelivers_until_confirmed_and_long_polls(emulator: Emulator) -> None:
    token = new_token()
    user = EmulatedUser(emulator, token)
    user.send_text("een")
    first = emulator.api(token, "getUpdates").json()["result"]
    again = emulator.api(token, "getUpdates").json()["result"]
    assert [u["message"]["text"] for u in again] == ["een"] == [u["message"]["text"] for u in first]
    offset = first[-1]["update_id"] + 1
    started = time.monotonic()
    empty = emulator.api(token, "getUpdates", offset=offset, timeout=1).json()["result"]
    assert empty == [] and time.monotonic() - started >= 0.9
    user.send_text("twee")
    later = emulator.api(token, "getUpdates", offset=offset, timeout=5).json()["result"]
    assert [u["message"]["text"] for u in later] == ["twee"]


def test_bot_messages_carry_the_bot_and_the_real_chat(emulator: Emulator) -> None:
    token = new_token()
    chat = group_chat("Klas 5B")
    user = EmulatedUser(emulator, token, chat=chat)
    user.send_command("start", mention=True)
    result = send(emulator, token, chat["id"], "hallo groep")
    assert result["chat"] == chat
    assert result["from"]["username"] == BOT_USERNAME


def test_failed_webhook_does_not_kill_the_emulator(launch: Callable[..., Emulator]) -> None:
    emu = launch(no_patch=["webhook_delivery"])  # with it, a failed POST is delivered again
    token = new_token()
    emu.api(token, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    EmulatedUser(emu, token).send_text("hallo")
    assert wait_until(lambda: "unhandled rejection" in emu.log())
    assert emu.alive()
    assert emu.api(token, "getMe").status_code == 200


def test_unknown_patch_name_is_refused() -> None:
    if node_missing_reason():
        pytest.skip(str(node_missing_reason()))
    result = subprocess.run(
        ["node", str(LAUNCHER), "--no-patch=no_such_patch"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown patch(es): no_such_patch" in result.stderr


def test_python_telegram_bot_works_against_the_launcher(emulator: Emulator) -> None:
    token = new_token()
    chat_id = EmulatedUser(emulator, token).chat_id

    async def scenario() -> None:
        bot = telegram.Bot(token, base_url=f"{emulator.base_url}/bot")
        async with bot:  # initialize() calls getMe
            me = await bot.get_me()
            assert me.is_bot and me.username == BOT_USERNAME
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
            sent = await bot.send_message(chat_id, "hallo", reply_markup=keyboard)
            assert abs(sent.date.timestamp() - time.time()) < 120
            edited = await bot.edit_message_text(
                "hallo!", chat_id=chat_id, message_id=sent.message_id
            )
            assert isinstance(edited, telegram.Message)
            assert edited.text == "hallo!" and edited.reply_markup is None
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("hallo!", chat_id=chat_id, message_id=sent.message_id)
            photo = await bot.send_photo(chat_id, PNG, caption="foto")
            assert photo.photo and photo.caption == "foto"
            assert await bot.set_my_commands([BotCommand("start", "Begin")]) is True
            assert await bot.send_chat_action(chat_id, ChatAction.TYPING) is True
            assert await bot.delete_message(chat_id, sent.message_id) is True
            with pytest.raises(BadRequest, match="not found"):
                await bot.delete_message(chat_id, sent.message_id)

    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------
# Each patch switched off: the disagreement with the real Bot API is there
# ---------------------------------------------------------------------------------------------


def _off_getme_is_bot(emu: Emulator, token: str) -> None:
    assert "is_bot" not in emu.api(token, "getMe").json()["result"]

    async def initialize() -> None:
        async with telegram.Bot(token, base_url=f"{emu.base_url}/bot"):
            pass

    with pytest.raises(TypeError, match="is_bot"):  # Application.initialize() fails the same way
        asyncio.run(initialize())


def _off_date_seconds(emu: Emulator, token: str) -> None:
    assert send(emu, token, 5, "x")["date"] > 10**12  # milliseconds


def _off_chat_instance(emu: Emulator, token: str) -> None:
    user = EmulatedUser(emu, token)
    send(emu, token, user.chat_id, "kies", reply_markup=KEYBOARD)
    user.press("A")
    query = emu.api(token, "getUpdates").json()["result"][-1]["callback_query"]
    assert "chat_instance" not in query


def _off_edit_returns_message(emu: Emulator, token: str) -> None:
    sent = send(emu, token, 5, "x")
    edit = emu.api(token, "editMessageText", chat_id=5, message_id=sent["message_id"], text="y")
    assert edit.json() == {"ok": True, "result": None}


def _off_edit_drops_keyboard(emu: Emulator, token: str) -> None:
    user = EmulatedUser(emu, token)
    sent = send(emu, token, user.chat_id, "x", reply_markup=KEYBOARD)
    emu.api(token, "editMessageText", chat_id=user.chat_id, message_id=sent["message_id"], text="y")
    assert user.history()[0].buttons == ["A", "B"]  # a stale keyboard a user could press


def _off_edit_not_modified(emu: Emulator, token: str) -> None:
    sent = send(emu, token, 5, "x")
    edit = emu.api(token, "editMessageText", chat_id=5, message_id=sent["message_id"], text="x")
    assert edit.status_code == 200


def _off_answer_callback_true(emu: Emulator, token: str) -> None:
    answer = emu.api(token, "answerCallbackQuery", callback_query_id="1")
    assert answer.json() == {"ok": True, "result": None}


def _off_delete_message_400(emu: Emulator, token: str) -> None:
    response = emu.api(token, "deleteMessage", chat_id=5, message_id=999999)
    assert response.status_code == 200 and "result" not in response.json()


class WebhookReceiver:
    """A loopback HTTP server that records webhook POSTs (headers, body) and fails the first
    `fail_first` of them with 502, as a proxy does while a worker is down."""

    def __init__(self, fail_first: int = 0) -> None:
        import http.server
        import json
        import threading

        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server calls it by this name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append((dict(self.headers), json.loads(body)))
                failing = len(receiver.received) <= receiver.fail_first
                self.send_response(502 if failing else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/telegram"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhook_delivery_sends_the_secret_numbers_each_update_and_delivers_again(
    emulator: Emulator,
) -> None:
    receiver = WebhookReceiver(fail_first=2)
    token = new_token()
    try:
        emulator.api(token, "setWebhook", url=receiver.url, secret_token="s3cret")
        user = EmulatedUser(emulator, token)
        user.send_text("een")
        user.send_text("twee")  # sent while the first is still being delivered
        assert wait_until(lambda: len(receiver.received) >= 4, timeout=10)
        headers = [h.get("X-Telegram-Bot-Api-Secret-Token") for h, _ in receiver.received]
        assert set(headers) == {"s3cret"}
        accepted = [b for _, b in receiver.received[2:]]  # the first two answers were 502
        assert sorted(b["message"]["text"] for b in accepted) == ["een", "twee"]
        assert len({b["update_id"] for b in accepted}) == 2  # each update its own id
        stats = emulator.client("/_e2e/webhook", {})
        assert stats["retried"] >= 2 and stats["dropped"] == 0
    finally:
        emulator.api(token, "deleteWebhook")
        receiver.close()


def _off_webhook_delivery(emu: Emulator, token: str) -> None:
    receiver = WebhookReceiver()
    try:
        emu.api(token, "setWebhook", url=receiver.url, secret_token="s3cret")
        user = EmulatedUser(emu, token)
        user.send_text("een")
        user.send_text("twee")
        assert wait_until(lambda: len(receiver.received) >= 2, timeout=10)
        assert all("X-Telegram-Bot-Api-Secret-Token" not in h for h, _ in receiver.received)
    finally:
        emu.api(token, "deleteWebhook")
        receiver.close()


def _off_setwebhook_true(emu: Emulator, token: str) -> None:
    hook = emu.api(token, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    assert hook.json()["result"] is None
    emu.api(token, "deleteWebhook")


def _off_stub_methods(emu: Emulator, token: str) -> None:
    response = emu.api(token, "setMyCommands", commands=[])
    assert response.status_code == 400 and "not supported" in response.text


def _off_media(emu: Emulator, token: str) -> None:
    response = emu.api(token, "sendPhoto", chat_id=5, photo="file-id")
    assert response.status_code == 400 and "not supported" in response.text


def _off_multipart(emu: Emulator, token: str) -> None:
    user = EmulatedUser(emu, token)
    response = emu.http.post(
        f"/bot{token}/sendPhoto",
        data={"chat_id": str(user.chat_id)},
        files={"photo": ("p.png", PNG, "image/png")},
    )
    assert response.status_code == 400  # the fields never reach the handler
    assert user.history() == []


def _off_unknown_method_400(emu: Emulator, token: str) -> None:
    response = emu.api(token, "sendDice", chat_id=5)
    assert response.status_code == 500 and "is not supported" in response.text


def _off_getupdates_offset(emu: Emulator, token: str) -> None:
    EmulatedUser(emu, token).send_text("een")
    assert len(emu.api(token, "getUpdates").json()["result"]) == 1
    started = time.monotonic()
    assert emu.api(token, "getUpdates", offset=0, timeout=2).json()["result"] == []  # lost
    assert time.monotonic() - started < 1.0  # no long polling


def _off_bot_message_shape(emu: Emulator, token: str) -> None:
    chat = group_chat()
    EmulatedUser(emu, token, chat=chat).send_text("hoi")
    result = send(emu, token, chat["id"], "x")
    assert "from" not in result and result["chat"]["type"] == "private"


def _off_catch_rejections(emu: Emulator, token: str) -> None:
    emu.api(token, "setWebhook", url=f"http://127.0.0.1:{closed_port()}/hook")
    EmulatedUser(emu, token).send_text("hallo")
    assert wait_until(lambda: not emu.alive())  # Node 20 dies of the rejection


# A patch whose disagreement only shows with another patch off too: a failed webhook POST is an
# unhandled rejection only when `webhook_delivery` does not catch it and deliver again.
ALSO_OFF: dict[str, tuple[str, ...]] = {"catch_rejections": ("webhook_delivery",)}

DISAGREEMENTS: dict[str, Callable[[Emulator, str], None]] = {
    name.removeprefix("_off_"): check
    for name, check in list(globals().items())
    if name.startswith("_off_") and callable(check)
}


def test_every_patch_has_a_disagreement_test() -> None:
    source = LAUNCHER.read_text()
    block = re.search(r"const PATCHES = \[(.*?)\];", source, re.DOTALL)
    assert block is not None
    assert set(re.findall(r"'(\w+)'", block.group(1))) == set(DISAGREEMENTS)


@pytest.mark.parametrize("patch", sorted(DISAGREEMENTS))
def test_disagreement_without_patch(patch: str, launch: Callable[..., Emulator]) -> None:
    emu = launch(no_patch=[patch, *ALSO_OFF.get(patch, ())])
    DISAGREEMENTS[patch](emu, new_token())
