"""The webhook's intake parses a tap without the tapped message's keyboard (issue 16, P5)."""

from __future__ import annotations

import copy
from typing import Any

from telegram import Bot, Message

from bot.tg.intake import lean, parse_update

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
