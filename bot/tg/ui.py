"""Small chat plumbing shared by the school side and the parent's /geenherinnering.

final(handler)          guarded (chat lock, update dedupe), then stop: group 0 never sees it
reply(update, text)     a message in this update's chat, cut to Telegram's limit
keyboard(rows)          inline buttons from (label, Button) rows, through the codec
drop_buttons(update)    take the buttons off the tapped message
long_date, link         a date as people read it; a deep link to this bot
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.i18n import SOURCE_LANGUAGE, format_date
from bot.limits import MAX_BUTTON_LABEL_CHARS, MAX_MESSAGE_CHARS
from bot.staff import local_day
from bot.tg import callbacks
from bot.tg.deps import Deps, guarded

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
Rows = Sequence[Sequence[tuple[str, callbacks.Button]]]


def final(handler: Callable[..., Awaitable[None]]) -> Callback:
    """Guarded (chat lock, update dedupe), then stop: group 0 never sees this update."""
    inner = guarded(handler)

    @functools.wraps(handler)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await inner(update, context)
        raise ApplicationHandlerStop

    return run


def chat_id_of(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text[:MAX_MESSAGE_CHARS], reply_markup=markup)


def cut(label: str) -> str:
    """A button label cut to what a phone shows."""
    if len(label) <= MAX_BUTTON_LABEL_CHARS:
        return label
    return label[: MAX_BUTTON_LABEL_CHARS - 1] + "…"


def keyboard(rows: Rows) -> InlineKeyboardMarkup:
    """Buttons from (label, button) rows; labels are cut to what a phone shows."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(cut(label), callback_data=callbacks.encode(button))
                for label, button in row
            ]
            for row in rows
        ]
    )


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the message that was tapped (a harmless failure if it cannot)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        log.info("edit skipped: %s", exc.message)


def long_date(moment: datetime, language: str = SOURCE_LANGUAGE) -> str:
    return format_date(language, local_day(moment))


def link(deps: Deps, payload: str) -> str:
    return f"https://t.me/{deps.settings.bot_username}?start={payload}"
