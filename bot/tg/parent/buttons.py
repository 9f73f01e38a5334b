"""The parent's buttons: languages, /vergeet's confirmation, and the questions' own."""

from __future__ import annotations

import contextlib
import logging

from telegram import (
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import engine
from bot.engine import (
    Choose,
    Input,
    Status,
)
from bot.i18n import normalize_language, t
from bot.store.records import Chat
from bot.texts import parents as texts
from bot.tg import callbacks, render
from bot.tg.callbacks import (
    ForgetButton,
    LanguageButton,
    QuestionAction,
    QuestionButton,
    RoundAction,
    RoundButton,
)
from bot.tg.deps import UNREAD, Deps, guarded, guarded_reading_chat, read_chat_once
from bot.tg.parent.commands import open_link
from bot.tg.parent.replies import answer_quietly, reply
from bot.tg.parent.session import (
    Active,
    active_of,
    continue_session,
    language_of,
    render_context,
    take_turn,
)

log = logging.getLogger(__name__)

# ---- buttons ---------------------------------------------------------------------------------


async def private_tap(update: Update, deps: Deps) -> tuple[Chat | None, str] | None:
    """The chat and language of a tap in a private chat; None (tap answered) anywhere else."""
    query = update.callback_query
    assert query is not None
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await answer_quietly(query)
        return None
    chat = read_chat_once(update.effective_chat.id)  # read with is_processed, when it was
    if chat is UNREAD:
        chat = await deps.store.chat(update.effective_chat.id)
    return chat, language_of(chat, update)


@guarded
async def on_language_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps
) -> None:
    """A language was chosen (or "all languages")."""
    tap = await private_tap(update, deps)
    query = update.callback_query
    assert query is not None
    button = callbacks.decode(query.data)
    if tap is not None and isinstance(button, LanguageButton):
        await choose_language(update, deps, tap[0], button.language)


@guarded
async def on_forget_button(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/vergeet confirmed or cancelled."""
    tap = await private_tap(update, deps)
    query = update.callback_query
    assert query is not None
    button = callbacks.decode(query.data)
    if tap is not None and isinstance(button, ForgetButton):
        await answer_quietly(query)
        await forget(update, deps, tap[1], button.confirmed)


@guarded_reading_chat
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """A button of the questions (answer, back, resume, ...), or data that is no button of ours:
    stale or forged data gets "this button no longer works" and the current question again."""
    query = update.callback_query
    assert query is not None
    tap = await private_tap(update, deps)
    if tap is None:
        return
    chat, language = tap
    button = callbacks.decode(query.data)
    guess = button.round_id if isinstance(button, QuestionButton | RoundButton) else None
    active = await active_of(deps, chat, guess)
    if (
        not isinstance(button, QuestionButton | RoundButton)
        or active is None
        or button.round_id != active.round.id
    ):
        await answer_quietly(query, t(language, texts.BUTTON_EXPIRED))
        if active is not None and active.state.status != Status.COMPLETED:
            await continue_session(
                update, deps, chat, active, language, welcome_back=False, update_id=update.update_id
            )
        return
    if isinstance(button, RoundButton):
        await answer_quietly(query)
        if button.kind == RoundAction.RESUME:
            await continue_session(
                update, deps, chat, active, language, welcome_back=True, update_id=update.update_id
            )
        else:
            await take_turn(update, deps, chat, active, language, engine.Back())
        return
    flow_key = f"{active.flow.id}@{button.version}"
    tapped: Input | None = None
    match button.kind:
        case QuestionAction.ANSWER:
            value = button.value or ""
            tapped = Choose(question_id=button.question_id, value=value, flow_key=flow_key)
        case QuestionAction.DONE:
            tapped = engine.Done(question_id=button.question_id, flow_key=flow_key)
        case QuestionAction.SKIP:
            tapped = engine.Skip(question_id=button.question_id, flow_key=flow_key)
        case QuestionAction.ORIGINAL:
            await answer_quietly(query)
            await show_dutch(update, deps, active, language, button.question_id)
        case QuestionAction.HEAR:
            await answer_quietly(query)
            if deps.audio is not None:
                await deps.audio.send_question(
                    update, active.flow, button.question_id, language, active.round.topic
                )
    if tapped is not None:
        await take_turn(update, deps, chat, active, language, tapped, answer_tap=True)


async def choose_language(update: Update, deps: Deps, chat: Chat | None, language: str) -> None:
    query = update.callback_query
    assert query is not None
    if language == "*" or normalize_language(language) != language:
        await answer_quietly(query)
        prompt, markup = render.language_menu(None)
        await reply(update, prompt, markup)
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    # Not claimed here: setting the language again is harmless, so a crash before the survey
    # begins lets the redelivered tap begin it; joining the round claims the update.
    chat = await deps.store.save_chat(
        chat_id, deps.clock(), language=language, language_confirmed=1
    )
    await answer_quietly(query)
    await reply(update, t(language, texts.LANGUAGE_SET))
    if chat.pending_token:
        link = await deps.store.round_by_token(chat.pending_token)
        if link is not None:
            await open_link(update, deps, chat, language, link, update_id=update.update_id)
            return
    active = await active_of(deps, chat)
    if active is not None and active.state.status != Status.COMPLETED:
        await continue_session(update, deps, chat, active, language, welcome_back=False)


async def forget(update: Update, deps: Deps, language: str, confirmed: bool) -> None:
    if not confirmed:
        await reply(update, t(language, texts.NOT_FORGOTTEN))
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    copies = await deps.store.forwarded_copies(chat_id)  # voice answers a brugfiguur received
    await deps.store.forget_chat(chat_id, update.update_id, deps.clock())
    for copy_chat, message_id in copies:
        with contextlib.suppress(TelegramError):  # too old, or already deleted by them
            await update.get_bot().delete_message(copy_chat, message_id)
    log.info("a chat's data was deleted on request")
    await reply(update, t(language, texts.FORGOTTEN))


async def show_dutch(
    update: Update, deps: Deps, active: Active, language: str, question_id: str
) -> None:
    try:
        question = active.flow.question(question_id)
    except KeyError:
        return
    ctx = await render_context(deps, language, active, None)
    await reply(update, render.dutch_original(ctx, question))
