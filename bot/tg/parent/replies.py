"""The reply plumbing of the parent's conversation: the Bot API calls that carry a step's
replies, and the calls beside them (the tap's spinner, the answered question's edit) that must
never hold back the next question nor fail the step. Apart from the step itself, so that the
webhook-response hold and issue 16's levers (`Tuning`) sit in one place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from bot.limits import MAX_MESSAGE_CHARS
from bot.tg.deps import WEBHOOK_REPLY

log = logging.getLogger(__name__)
T = TypeVar("T")


class Tuning:
    """Issue 16's levers on the way to the next question, switchable so that `bench/p1_network.py`
    measures each before and after in one run. Production keeps them all on."""

    reads_together = True  # respondent, session and round in one read (`active_session`)
    context_with_commit = True  # the render context (recordings) is read while the commit runs
    question_first = True  # the next question is the first call after the commit
    unparsed = True  # replies nobody reads (the question's Message, the edit's) are not parsed


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send a message to the chat of this update (private chats only reach here)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text[:MAX_MESSAGE_CHARS], reply_markup=markup)


async def send_reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> object:
    """`reply` for show_events, whose caller never reads the sent message: PTB's `_post` (its
    parameters, defaults, rate limiter and errors) without de-serialising Telegram's answer into
    a `Message` with its keyboard (issue 16: ~15 % of an answer's CPU was such parsing)."""
    chat = update.effective_chat
    if chat is None or not Tuning.unparsed:
        return await reply(update, text, markup)
    params = {"chat_id": chat.id, "text": text[:MAX_MESSAGE_CHARS], "reply_markup": markup}
    return await update.get_bot()._post("sendMessage", params)


class SideCalls:
    """Bot API calls that change nothing the parent waits for (the tap's spinner, the answered
    question's ✅ edit): they go out together with the next message sent, concurrently, instead
    of one round trip each before it. Each swallows its own Telegram errors.

    The message goes first (`Tuning.question_first`): `asyncio.gather` starts its tasks in the
    order given, and each builds its request before the next one starts, so the next question
    leaves before the side calls' requests are built; over a network they overlap."""

    concurrent = True  # False: one after another, as before issue 16 (the benchmark's "before")

    def __init__(self) -> None:
        self.pending: list[Coroutine[Any, Any, None]] = []

    def add(self, call: Coroutine[Any, Any, None]) -> None:
        self.pending.append(call)

    async def with_(self, call: Awaitable[T]) -> T:
        """Await `call` together with the pending side calls; return what `call` returned."""
        if not self.pending:
            return await call
        pending, self.pending = self.pending, []
        if not self.concurrent:
            for side in pending:
                await side
            return await call
        if Tuning.question_first:
            result, *_ = await asyncio.gather(call, *pending)
        else:
            *_, result = await asyncio.gather(*pending, call)
        return result  # type: ignore[no-any-return]

    async def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            await asyncio.gather(*pending)


def held_in_response() -> bool:
    """This update's reply waits in the webhook response: Telegram will not confirm it."""
    slot = WEBHOOK_REPLY.get()
    return slot is not None and not slot.free()


async def release_held() -> None:
    """Send the message held for the webhook response now: something must come after it."""
    slot = WEBHOOK_REPLY.get()
    if slot is not None:
        await slot.release()


async def answer_quietly(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; best effort. Telegram refuses an answer to a tap older than
    ~15 s (one that waited while the bot restarted), and a network error can hit it too: the
    tap itself must still count."""
    try:
        await query.answer(text)
    except TelegramError as exc:
        log.info("callback answer skipped: %s", exc.message)


async def edit_quietly(message: Message, text: str) -> None:
    """Replace an answered question's buttons by the answer; a failed edit is harmless and
    must not hold back the next question (a 5xx or time-out included, not only a 400)."""
    try:
        if Tuning.unparsed:  # nobody reads the edited message: Telegram's answer stays JSON
            params: dict[str, object] = {"chat_id": message.chat_id, "text": text}
            params |= {"message_id": message.message_id, "text": text[:MAX_MESSAGE_CHARS]}
            await message.get_bot()._post("editMessageText", params)
        else:
            await message.edit_text(text[:MAX_MESSAGE_CHARS], reply_markup=None)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)


async def edit_markup_quietly(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)
