"""Wire the PTB Application: one function, no logic of its own."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import school_texts, texts
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, t
from bot.tg import parent
from bot.tg.deps import DEPS_KEY, ChatOrderedProcessor, Deps

log = logging.getLogger(__name__)

# RetryAfter.retry_after as a timedelta (PTB 22's coming default); without it every 429 warns.
os.environ.setdefault("PTB_TIMEDELTA", "1")

PRIVATE = filters.ChatType.PRIVATE
# Staff modules add their handlers in this group, before the parent's catch-alls.
STAFF_GROUP = -1

Extension = Callable[[Application, Deps], None]  # type: ignore[type-arg]
# Feature modules with an `install(application, deps)` that adds their handlers, jobs and
# services; a module that does not exist yet is skipped.
EXTENSION_MODULES = ("bot.audio", "bot.tg.staff", "bot.tg.report_handlers", "bot.outbox")


def default_extensions() -> list[Extension]:
    import importlib

    found: list[Extension] = []
    for name in EXTENSION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        found.append(module.install)
    return found


def build_application(
    deps: Deps,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    extensions: list[Extension] | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot: every handler, the error handler and start-up tasks, around `deps`."""
    settings = deps.settings
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        # Parents in parallel; one parent's updates in arrival order (bot.tg.deps).
        .concurrent_updates(ChatOrderedProcessor(256))
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    application.bot_data[DEPS_KEY] = deps

    for extension in extensions if extensions is not None else default_extensions():
        extension(application, deps)

    groups = ~PRIVATE & (filters.ChatType.GROUPS | filters.ChatType.CHANNEL)
    application.add_handler(MessageHandler(groups, parent.on_group))
    commands = [
        ("start", parent.on_start),
        ("help", parent.on_help),
        ("stop", parent.on_stop),
        ("taal", parent.on_language_command),
        ("language", parent.on_language_command),
        ("vergeet", parent.on_forget),
    ]
    for name, callback in commands:
        application.add_handler(
            CommandHandler(name, callback, filters=PRIVATE & filters.UpdateType.MESSAGE)
        )
    application.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED, parent.on_edited))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, parent.on_unknown_command))
    application.add_handler(MessageHandler(PRIVATE & filters.FORWARDED, parent.on_unusable))
    application.add_handler(MessageHandler(PRIVATE & filters.TEXT, parent.on_text))
    application.add_handler(
        MessageHandler(PRIVATE & (filters.VOICE | filters.AUDIO), parent.on_voice)
    )
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, parent.on_unusable)
    )
    application.add_handler(CallbackQueryHandler(parent.on_button))
    application.add_error_handler(on_error)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Localized command menu and descriptions, set once at start-up."""
    bot = application.bot
    deps: Deps = application.bot_data[DEPS_KEY]
    if bot.username:  # links and QR codes made from the chat name this very bot
        deps.settings.bot_username = bot.username
    for language in LANGUAGES:
        code = None if language == SOURCE_LANGUAGE else language
        commands = [
            BotCommand("help", t(language, texts.CMD_HELP)),
            BotCommand("stop", t(language, texts.CMD_STOP)),
            BotCommand("taal", t(language, texts.CMD_TAAL)),
            BotCommand("vergeet", t(language, texts.CMD_VERGEET)),
            BotCommand("voorlezen", t(language, texts.CMD_VOORLEZEN)),
            BotCommand("geenherinnering", t(language, school_texts.CMD_GEENHERINNERING)),
        ]
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(t(language, texts.BOT_DESCRIPTION), language_code=code)
            await bot.set_my_short_description(
                t(language, texts.BOT_SHORT_DESCRIPTION), language_code=code
            )
        except TelegramError as exc:
            log.warning("could not set the command menu for %s: %s", language, exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure (no texts, no chat ids) and tell the person kindly."""
    error = context.error
    log.error(
        "handling update %s failed: %s",
        update.update_id if isinstance(update, Update) else "?",
        type(error).__name__,
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    deps: Deps = context.application.bot_data[DEPS_KEY]
    if update.callback_query:
        # The handler may have answered it already: Telegram refuses a second answer.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        chat = await deps.store.chat(update.effective_chat.id)
        language = parent.language_of(chat, update)
        await update.effective_chat.send_message(t(language, texts.ERROR))
        if isinstance(error, TelegramError):
            # A reply failed on its way out after the answer was stored: without the question
            # the parent has nothing to tap, and tapping the old one again does nothing.
            await parent.show_current_question(update, deps, chat, language)
    except Exception as exc:  # the apology itself failed: nothing more to do
        log.error("could not send the error message: %s", type(exc).__name__)
