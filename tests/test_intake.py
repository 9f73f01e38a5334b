"""The webhook's intake parses a tap without the tapped message's keyboard (issue 16, P5)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from telegram import Bot, Message

from bot.tg.intake import Pending, lean, parse_update

KEYBOARD = {
    "inline_keyboard": [
        [{"text": str(face), "callback_data": f"a|7|1|w1|{face}"} for face in range(1, 6)],
        [{"text": "Weet ik niet", "callback_data": "a|7|1|w1|dontknow"}],
    ]
}


def tap(**message: Any) -> dict[str, Any]:
    return {
        "update_id": 501,
        "callback_query": {
            "id": "9001",
            "from": {"id": 42, "is_bot": False, "first_name": "Ouder", "language_code": "nl"},
            "chat_instance": "42",
            "data": "a|7|1|w1|4",
            "message": {
                "message_id": 77,
                "date": 1_780_000_000,
                "chat": {"id": 42, "type": "private"},
                "text": "Ik voel me welkom op school.",
                **message,
            },
        },
    }


def test_a_tap_is_parsed_without_the_tapped_keyboard_and_keeps_the_rest() -> None:
    raw = tap(reply_markup=KEYBOARD)
    before = copy.deepcopy(raw)
    update = parse_update(raw, Bot("1:TEST"))
    assert raw == before, "the caller's JSON is left as it was"
    query = update.callback_query
    assert query is not None and query.data == "a|7|1|w1|4" and query.id == "9001"
    message = query.message
    assert isinstance(message, Message)
    assert message.message_id == 77 and message.chat.id == 42
    assert message.text == "Ik voel me welkom op school."
    assert int(message.date.timestamp()) == 1_780_000_000
    assert message.reply_markup is None
    assert update.update_id == 501 and update.effective_chat is not None


def test_other_updates_are_parsed_as_they_come() -> None:
    typed = {
        "update_id": 502,
        "message": {
            "message_id": 78,
            "date": 1_780_000_001,
            "chat": {"id": 42, "type": "private"},
            "text": "Meer uitleg graag",
            "reply_markup": KEYBOARD,
        },
    }
    assert lean(typed) is typed
    untouched = tap()  # a tapped message without a keyboard
    assert lean(untouched) is untouched
    inaccessible = tap()
    inaccessible["callback_query"]["message"] = {"chat": {"id": 42, "type": "private"}}
    assert lean(inaccessible) is inaccessible


def test_the_tapped_message_s_sender_and_entities_are_left_out() -> None:
    bot_user = {"id": 1, "is_bot": True, "first_name": "Ouderstem", "username": "ouderstem_bot"}
    found = [{"type": "bot_command", "offset": 0, "length": 11}]
    raw = tap(reply_markup=KEYBOARD, entities=found, **{"from": bot_user})
    before = copy.deepcopy(raw)
    update = parse_update(raw, Bot("1:TEST"))
    assert raw == before, "the caller's JSON is left as it was"
    message = update.callback_query.message if update.callback_query else None
    assert isinstance(message, Message)
    assert message.from_user is None and message.entities == () and message.reply_markup is None
    assert message.text == "Ik voel me welkom op school." and message.chat.id == 42
    assert update.effective_user is not None and update.effective_user.id == 42
    assert update.effective_user.language_code == "nl"


# ---- an update that waits for its turn is kept as its JSON (bot.tg.intake.Pending) ----------

SHAPES: list[dict[str, Any]] = [
    tap(reply_markup=KEYBOARD),
    {
        "update_id": 502,
        "message": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "group"}, "text": "x"},
    },
    {  # a button under an inline-mode message: no chat
        "update_id": 503,
        "callback_query": {
            "id": "1",
            "from": {"id": 42, "is_bot": False, "first_name": "Ouder"},
            "chat_instance": "42",
            "inline_message_id": "abc",
            "data": "x",
        },
    },
    {  # another kind: parsed at once
        "update_id": 504,
        "my_chat_member": {
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Ouder"},
            "date": 0,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
        },
    },
]


@pytest.mark.parametrize("raw", SHAPES, ids=lambda raw: next(k for k in raw if k != "update_id"))
def test_a_waiting_update_knows_its_chat_and_parses_as_the_intake_does(raw: dict[str, Any]) -> None:
    bot = Bot("1:TEST")
    expected = parse_update(copy.deepcopy(raw), bot)
    chat = expected.effective_chat
    for pending in (
        Pending.of_body(json.dumps(raw).encode(), bot),
        Pending.of_polled(copy.deepcopy(raw), bot),
    ):
        assert pending is not None
        assert pending.update_id == raw["update_id"]
        assert pending.chat_id == (chat.id if chat is not None else None)
        assert pending.parse(bot) == expected
        assert pending.parse(bot).to_dict() == expected.to_dict()


def test_a_waiting_tap_is_kept_as_json_not_parsed() -> None:
    bot = Bot("1:TEST")
    body = json.dumps(tap(reply_markup=KEYBOARD)).encode()
    pending = Pending.of_body(body, bot)
    assert pending is not None and pending.data is body
    polled = Pending.of_polled(tap(reply_markup=KEYBOARD), bot)
    assert (
        isinstance(polled.data, dict)
        and "reply_markup" not in polled.data["callback_query"]["message"]
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"update_id": "x"}',
        b'{"update_id": 1, "message": {"chat": "x"}}',
    ],
)
def test_a_body_that_is_no_update_is_not_kept(body: bytes) -> None:
    assert Pending.of_body(body, Bot("1:TEST")) is None
