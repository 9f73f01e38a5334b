"""The outbox's Telegram side: one Bot API call per message, and what Telegram's errors mean.

`bot.outbox.Outbox` decides when a message goes and what an outcome does to it; this module makes
the call (`TelegramSender.send`) and sorts its errors into those outcomes (`classify`):

    RetryAfter (429)                          FLOOD, wait retry_after
    Forbidden (403)                           BLOCKED
    BadRequest (400), ChatMigrated            FAILED
    NetworkError (TimedOut included), the     RETRY
      request provably not sent
    NetworkError, the request may have        UNKNOWN
      reached Telegram
    other TelegramError (InvalidToken, ...)   RETRY: the operator must act
    anything else                             UNKNOWN: never risk a second send
"""

from __future__ import annotations

import json
import warnings
from datetime import timedelta

import httpx
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.outbox import FLOOD, RETRY
from bot.store.records import BLOCKED, FAILED, UNKNOWN, Queued

NOT_SENT_CAUSES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def never_sent(exc: BaseException) -> bool:
    """The request provably did not reach Telegram (or Telegram answered with an error)."""
    cause = exc.__cause__
    return cause is None or isinstance(cause, (TelegramError, *NOT_SENT_CAUSES))


def classify(exc: BaseException) -> tuple[str, float]:
    """(what to do, seconds to wait) for an error of a send: see the module docstring."""
    if isinstance(exc, RetryAfter):
        return FLOOD, _retry_after_seconds(exc)
    if isinstance(exc, Forbidden):
        return BLOCKED, 0.0
    if isinstance(exc, (BadRequest, ChatMigrated)):
        return FAILED, 0.0
    if isinstance(exc, NetworkError):  # TimedOut included
        return (RETRY, 0.0) if never_sent(exc) else (UNKNOWN, 0.0)
    if isinstance(exc, TelegramError):  # InvalidToken, Conflict: the operator must act
        return RETRY, 0.0
    return UNKNOWN, 0.0  # a bug after the call may have started: never risk a second send


class TelegramSender:
    """`bot.outbox.Sender` over a PTB `Bot`: sendMessage with the stored keyboard, if any."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Queued) -> None:
        await self.bot.send_message(
            message.chat_id, message.text, reply_markup=self._markup(message)
        )

    def classify(self, exc: BaseException) -> tuple[str, float]:
        return classify(exc)

    def _markup(self, message: Queued) -> InlineKeyboardMarkup | None:
        if not message.markup:
            return None
        return InlineKeyboardMarkup.de_json(json.loads(message.markup), self.bot)
