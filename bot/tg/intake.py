"""An incoming update, parsed into what the handlers read (issue 16, P5 and P1's CPU).

A tap on a button brings the whole tapped message back, with its keyboard: for a question,
every answer button, which python-telegram-bot turns into one object per button (about half of
an answer's `Update` objects, and of the memory an answer holds while it waits for its turn).
No handler reads that keyboard: the next one is built from the session, and an edit sets its
own. Nor does one read who sent the tapped message (the bot itself: a `User` per update) or its
entities (links and commands Telegram found in the question's text; the ✅ edit is made from
the text). So those are left out of the tapped message before parsing (`LEFT_OUT`); everything
else of the update (its ids, the message's text and date, the callback data, the parent who
tapped) is parsed as PTB does.

An update waiting for its chat's turn or a handler slot is not parsed yet (`Pending`): it
waits as the webhook's body (bytes) or getUpdates' lean JSON, a third of a parsed update's
memory, and is parsed once it is due (`Pending.parse`). Its chat, which the turn needs, is read
from the JSON for a message and a tap (nearly every update); any other kind is parsed at once.

Used by the webhook (`bot.web.app`), the poller (`bot.tg.polling`, on getUpdates' raw JSON) and
the benchmarks.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Update

# Fields of a tapped message that no handler reads: its keyboard, its sender (the bot), the
# entities in its text. Measured in bench P5: 2.76 -> 2.40 KB per parsed tap without the sender.
LEFT_OUT = ("reply_markup", "from", "entities")


def lean(data: dict[str, Any]) -> dict[str, Any]:
    """The update's JSON without the keyboard, sender and entities of the message a button was
    tapped on (a copy; `data` itself is left as it is)."""
    query = data.get("callback_query")
    if not isinstance(query, dict):
        return data
    message = query.get("message")
    if not isinstance(message, dict) or not any(key in message for key in LEFT_OUT):
        return data
    kept = {key: value for key, value in message.items() if key not in LEFT_OUT}
    return {**data, "callback_query": {**query, "message": kept}}


def parse_update(data: dict[str, Any], bot: Bot) -> Update:
    """`Update.de_json` of the lean update."""
    return Update.de_json(lean(data), bot)


class Pending:
    """An update that waits for its turn: its JSON, its id and its chat (`Update.effective_chat`'s
    id, None for none). `parse` makes the `Update` when it is due."""

    __slots__ = ("chat_id", "data", "update_id")

    def __init__(self, data: bytes | dict[str, Any] | Update, update_id: int, chat_id: int | None):
        self.data = data
        self.update_id = update_id
        self.chat_id = chat_id

    def parse(self, bot: Bot) -> Update:
        """The update, parsed as `parse_update` does (it raises what PTB raises for bad JSON)."""
        data = self.data
        if isinstance(data, Update):
            return data
        return parse_update(json.loads(data) if isinstance(data, bytes) else data, bot)

    @classmethod
    def of_body(cls, body: bytes, bot: Bot) -> Pending | None:
        """A webhook body, kept as it came; None when it is not an update (not a JSON object
        with an integer `update_id`, or, for a kind parsed at once, one PTB refuses)."""
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return None
        known, chat_id = chat_in(data)
        if known:
            return cls(body, data["update_id"], chat_id)
        return _parsed_now(data, bot)

    @classmethod
    def of_polled(cls, data: dict[str, Any], bot: Bot) -> Pending:
        """One update of getUpdates' result, kept lean (PTB's `get_updates` parses them all)."""
        known, chat_id = chat_in(data)
        if known:
            return cls(lean(data), data["update_id"], chat_id)
        update = Update.de_json(lean(data), bot)
        chat = update.effective_chat
        return cls(update, update.update_id, chat.id if chat is not None else None)


def _parsed_now(data: dict[str, Any], bot: Bot) -> Pending | None:
    try:
        update = parse_update(data, bot)
    except Exception:  # PTB raises what the malformed field makes it raise
        return None
    chat = update.effective_chat
    return Pending(update, update.update_id, chat.id if chat is not None else None)


def chat_in(data: dict[str, Any]) -> tuple[bool, int | None]:
    """(True, what `Update.effective_chat` will be) for a message or a tap, read from the JSON;
    (False, None) for any other kind or shape, which is parsed at once instead."""
    if len(data) != 2:  # update_id and exactly one kind, as Telegram sends them
        return False, None
    message = data.get("message")
    if message is None:
        query = data.get("callback_query")
        if not isinstance(query, dict):
            return False, None
        message = query.get("message")
        if message is None:  # a button under an inline-mode message: no chat
            return True, None
    if not isinstance(message, dict):
        return False, None
    chat = message.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    if type(chat_id) is not int:
        return False, None
    return True, chat_id
