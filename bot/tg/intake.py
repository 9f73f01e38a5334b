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

Used by the webhook (`bot.web.app`), the poller (`bot.tg.polling`, on getUpdates' raw JSON) and
the benchmarks.
"""

from __future__ import annotations

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
