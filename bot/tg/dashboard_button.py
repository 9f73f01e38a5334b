"""The dashboard (bot/web/dashboard/) from the chat: a `web_app` button under /rapport, and the
bot's menu button of a staff chat that may read reports.

Telegram opens only https URLs as a Mini App, so both exist only when OUDERSTEM_PUBLIC_URL is
set; without it the staff help says the dashboard is not set up and /rapport works as before.
The URL names nothing: which person, school or round is decided inside, from Telegram's signed
initData and the chosen school, never from the address.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, MenuButtonDefault, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError

from bot.config import Settings
from bot.staff import Access, Action, schools_for
from bot.texts import dashboard as dashboard_texts
from bot.texts.staff import say

log = logging.getLogger(__name__)

PATH = "/app/"  # bot.web.dashboard.PATH, with the slash its relative links need


def dashboard_url(settings: Settings) -> str | None:
    """The Mini App's https URL, or None when the dashboard is not set up."""
    return None if settings.public_url is None else settings.public_url + PATH


def open_button(settings: Settings) -> InlineKeyboardButton | None:
    """The inline button that opens the dashboard, or None without a public URL."""
    url = dashboard_url(settings)
    if url is None:
        return None
    return InlineKeyboardButton(say(dashboard_texts.OPEN_BUTTON), web_app=WebAppInfo(url))


def help_line(settings: Settings) -> str:
    """What the staff help says about the dashboard: where it opens, or that it is not set up."""
    if dashboard_url(settings) is None:
        return say(dashboard_texts.HELP_WITHOUT)
    return say(dashboard_texts.HELP_WITH)


async def set_menu_button(bot: Bot, chat_id: int, settings: Settings, access: Access) -> None:
    """The chat's menu button: the dashboard for someone who may read reports, else the default.

    Without a public URL nothing is sent (the chat keeps Telegram's default). A failure is
    logged and forgotten: the button is a convenience, /rapport still works."""
    url = dashboard_url(settings)
    if url is None:
        return
    readers = schools_for(access, Action.REPORT) or schools_for(access, Action.OVERVIEW)
    button = (
        MenuButtonWebApp(say(dashboard_texts.MENU_BUTTON), WebAppInfo(url))
        if url is not None and readers
        else MenuButtonDefault()
    )
    try:
        await bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as exc:
        log.warning("the menu button was not set: %s", type(exc).__name__)
