"""Wire the PTB Application: one function, no logic of its own."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable
from typing import Any

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

from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, command_for, command_names, t
from bot.outbox import Outbox, RateLimiter
from bot.schedule import RoundKeeper, WakingHours
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.tg import callbacks, parent, reminders, report_handlers
from bot.tg.audio_sender import TelegramAudio
from bot.tg.callbacks import is_kind
from bot.tg.deps import DEPS_KEY, ChatOrderedProcessor, Deps
from bot.tg.outbox_sender import TelegramSender
from bot.tg.requests import LeanRequest
from bot.tg.school import common, dialogue, feedback, follow, hours, invites, launch, recordings
from bot.tg.school.common import STAFF_COMMANDS

log = logging.getLogger(__name__)

# RetryAfter.retry_after as a timedelta (PTB 22's coming default); without it every 429 warns.
os.environ.setdefault("PTB_TIMEDELTA", "1")

PRIVATE = filters.ChatType.PRIVATE
PRIVATE_MESSAGE = PRIVATE & filters.UpdateType.MESSAGE
GROUP_MESSAGE = ~PRIVATE & filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
# School staff, /rapport and /geenherinnering come first and stop the update there
# (ApplicationHandlerStop); the parent's conversation, with its catch-alls, comes after.
STAFF_GROUP = -1
BOT_API_CONNECTIONS = 256  # PTB's default pool for the handlers' Bot API calls


def build_application(
    deps: Deps,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot: every handler, the error handler, the outbox sender and the housekeeping job."""
    settings = deps.settings
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(settings.require_token())
        .base_url(settings.api_url)
        .base_file_url(settings.file_url)
        # Parents in parallel; one parent's updates in arrival order (bot.tg.deps).
        .concurrent_updates(ChatOrderedProcessor(256))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:  # PTB's own request for getUpdates; the handlers' calls take the shorter path
        builder = builder.request(LeanRequest(connection_pool_size=BOT_API_CONNECTIONS))
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    application.bot_data[DEPS_KEY] = deps

    # Services. The outbox sender starts in _post_init and stops in _post_stop.
    if deps.audio is None:
        deps.audio = TelegramAudio.from_settings(settings, recordings=deps.store)
    waking = WakingHours.parse(settings.waking_hours)
    deps.outbox = Outbox(
        deps.store,
        TelegramSender(application.bot),
        deps.clock,
        waking=waking,
        limiter=RateLimiter(settings.send_rate),
        lead=deps.store.lead,  # several workers: one sends (bot/store/postgres_coordination.py)
    )
    if isinstance(application.update_processor, ChatOrderedProcessor):
        application.update_processor.shared_turn = deps.store.chat_turn  # across workers
        application.update_processor.turns = deps.locks  # the guard's lock is the update's turn
    deps.rounds = RoundKeeper(
        deps.store,
        deps.store,
        deps.clock,
        settings.reminder_days,
        compose=functools.partial(reminders.reminder_message, deps),
        wake=deps.wake_outbox,
    )

    add_parent_handlers(application)
    add_school_handlers(application, deps)
    add_report_handlers(application)
    application.add_error_handler(on_error)

    if application.job_queue is not None:  # rounds close at their date, reminders are queued
        application.job_queue.run_repeating(
            reminders.housekeeping,
            interval=reminders.HOUSEKEEPING_SECONDS,
            first=reminders.HOUSEKEEPING_SECONDS,
            name=reminders.HOUSEKEEPING_JOB,
        )
    return application


def add_parent_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """The parent's conversation (group 0), /voorlezen and /geenherinnering."""
    deps: Deps = application.bot_data[DEPS_KEY]
    deps.owed_delivery = parent.deliver_owed_after  # a reply a crash swallowed, after the update
    application.add_handler(
        CommandHandler(
            command_names("geenherinnering"), reminders.on_no_reminders, filters=PRIVATE_MESSAGE
        ),
        group=STAFF_GROUP,
    )
    application.add_handler(
        CommandHandler(
            command_names("geenherinnering"), common.on_not_private, filters=GROUP_MESSAGE
        ),
        group=STAFF_GROUP,
    )
    application.add_handler(
        CallbackQueryHandler(reminders.on_reminders_on, pattern=is_kind(callbacks.RemindersOn)),
        group=STAFF_GROUP,
    )

    groups = ~PRIVATE & (filters.ChatType.GROUPS | filters.ChatType.CHANNEL)
    application.add_handler(MessageHandler(groups, parent.on_group))
    commands = [
        ("start", parent.on_start),
        ("help", parent.on_help),
        ("stop", parent.on_stop),
        ("taal", parent.on_language_command),
        ("vergeet", parent.on_forget),
    ]
    for name, callback in commands:  # the Dutch name and its aliases (bot.i18n.COMMAND_ALIASES)
        application.add_handler(
            CommandHandler(
                command_names(name), callback, filters=PRIVATE & filters.UpdateType.MESSAGE
            )
        )
    application.add_handler(
        CommandHandler(
            command_names(parent.READ_ALOUD_COMMAND),
            parent.on_always_audio,
            filters=PRIVATE_MESSAGE,
        )
    )
    # Only a parent's own messages in their private chat: never a business-connection message
    # (another person writing to a business account), which PTB also hands to MessageHandlers.
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, parent.on_edited)
    )
    application.add_handler(
        MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, parent.on_unknown_command)
    )
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.FORWARDED, parent.on_unusable))
    application.add_handler(MessageHandler(PRIVATE_MESSAGE & filters.TEXT, parent.on_text))
    application.add_handler(
        MessageHandler(PRIVATE_MESSAGE & (filters.VOICE | filters.AUDIO), parent.on_voice)
    )
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, parent.on_unusable)
    )
    application.add_handler(
        CallbackQueryHandler(parent.on_language_button, pattern=is_kind(callbacks.LanguageButton))
    )
    application.add_handler(
        CallbackQueryHandler(parent.on_forget_button, pattern=is_kind(callbacks.ForgetButton))
    )
    # Answers, back, resume, and any data that is no button of ours ("no longer works").
    application.add_handler(CallbackQueryHandler(parent.on_button))


def add_school_handlers(application: Application, deps: Deps) -> None:  # type: ignore[type-arg]
    """Staff commands, their buttons and the typed text of their dialogues (group -1)."""
    deps.start_hooks[invites.INVITE_PREFIX] = invites.on_invite_link
    commands = [
        ("uitnodigen", invites.on_invite),
        ("ronde", launch.on_ronde),
        ("status", follow.on_status),
        ("sluit", follow.on_close),
        ("terugkoppeling", feedback.on_feedback),
        ("opnemen", recordings.on_record),
        ("opnames", recordings.on_review),
        (hours.COMMAND, hours.on_hours),
    ]
    for name, callback in commands:
        application.add_handler(
            CommandHandler(name, callback, filters=PRIVATE_MESSAGE), group=STAFF_GROUP
        )
    application.add_handler(
        CommandHandler(STAFF_COMMANDS, common.on_not_private, filters=GROUP_MESSAGE),
        group=STAFF_GROUP,
    )
    buttons = [
        (callbacks.SchoolChoice, dialogue.on_school_button),
        (callbacks.RoleChoice, invites.on_role_button),
        (callbacks.StatusChoice, follow.on_status_button),
        (callbacks.CloseChoice, follow.on_close_button),
        (callbacks.CloseConfirmed, follow.on_close_yes_button),
        (callbacks.CloseCancelled, follow.on_close_no_button),
        (callbacks.FeedbackResult, feedback.on_result_button),
        (callbacks.RecordingDecision, recordings.on_decision_button),
        (callbacks.HoursChoice, hours.on_choice_button),
        (callbacks.HoursTyping, hours.on_typing_button),
        (callbacks.DialogueButton, dialogue.on_dialogue_button),
    ]
    add_staff_buttons(application, buttons, forged=callbacks.STAFF)
    application.add_handler(
        MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, dialogue.on_text),
        group=STAFF_GROUP,
    )
    application.add_handler(
        MessageHandler(PRIVATE_MESSAGE & filters.VOICE, dialogue.on_voice), group=STAFF_GROUP
    )


def add_staff_buttons(
    application: Application,  # type: ignore[type-arg]
    buttons: list[tuple[type, Callable[..., Any]]],
    *,
    forged: str,
) -> None:
    """Each kind of staff button to its handler; any other data with the `forged` prefix is
    refused (group -1)."""
    for kind, handler in buttons:
        application.add_handler(
            CallbackQueryHandler(handler, pattern=is_kind(kind)), group=STAFF_GROUP
        )
    application.add_handler(
        CallbackQueryHandler(common.on_forged_button, pattern=callbacks.has_prefix(forged)),
        group=STAFF_GROUP,
    )


def add_report_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """/rapport and its buttons (group -1)."""
    application.add_handler(
        CommandHandler("rapport", report_handlers.on_report, filters=PRIVATE_MESSAGE),
        group=STAFF_GROUP,
    )
    application.add_handler(
        CommandHandler("rapport", common.on_not_private, filters=GROUP_MESSAGE), group=STAFF_GROUP
    )
    buttons = [
        (callbacks.ReportSchool, report_handlers.on_school_button),
        (callbacks.ReportRound, report_handlers.on_round_button),
        (callbacks.ReportDetail, report_handlers.on_detail_button),
        (callbacks.ReportFile, report_handlers.on_file_button),
        (callbacks.ReportVoice, report_handlers.on_voice_button),
        (callbacks.ReportOverview, report_handlers.on_overview_button),
    ]
    add_staff_buttons(application, buttons, forged=callbacks.REPORT)


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Localized command menu and descriptions, set once at start-up; the outbox sender starts."""
    bot = application.bot
    deps: Deps = application.bot_data[DEPS_KEY]
    if bot.username:  # links and QR codes made from the chat name this very bot
        deps.settings.bot_username = bot.username
    for language in LANGUAGES:
        code = None if language == SOURCE_LANGUAGE else language
        commands = [
            BotCommand("help", t(language, texts.CMD_HELP)),
            BotCommand("stop", t(language, texts.CMD_STOP)),
            BotCommand(command_for(language, "taal"), t(language, texts.CMD_TAAL)),
            BotCommand(command_for(language, "vergeet"), t(language, texts.CMD_VERGEET)),
            BotCommand(command_for(language, "voorlezen"), t(language, texts.CMD_VOORLEZEN)),
            BotCommand(
                command_for(language, "geenherinnering"),
                t(language, school_texts.CMD_GEENHERINNERING),
            ),
        ]
        try:
            await bot.set_my_commands(commands, language_code=code)
            await bot.set_my_description(t(language, texts.BOT_DESCRIPTION), language_code=code)
            await bot.set_my_short_description(
                t(language, texts.BOT_SHORT_DESCRIPTION), language_code=code
            )
        except TelegramError as exc:
            log.warning("could not set the command menu for %s: %s", language, exc)
    if deps.outbox is not None:
        await deps.outbox.start()


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    """The outbox sender stops: no new message, the calls in flight finish; then the lead goes
    to another worker at once (several workers)."""
    deps: Deps = application.bot_data[DEPS_KEY]
    if deps.outbox is not None:
        await deps.outbox.stop()
    await deps.store.resign()


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    """Sounds still being made ahead of time are dropped: nothing may outlive the application."""
    await parent.drop_preparing()


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
