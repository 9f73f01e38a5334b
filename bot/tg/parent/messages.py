"""What a parent types or sends: open answers, typed replies, voice notes, anything unusable."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot import engine
from bot.engine import (
    Choose,
    Input,
    Status,
)
from bot.flow_model import (
    NO,
    YES,
    QuestionType,
    option_key,
)
from bot.i18n import SOURCE_LANGUAGE, flow_text, normalize_language, t
from bot.texts import parents as texts
from bot.tg.deps import Deps, guarded
from bot.tg.parent.replies import answer_quietly, reply
from bot.tg.parent.session import (
    Active,
    active_of,
    answering,
    continue_session,
    language_of,
    rejection_text,
    say,
    take_turn,
)

log = logging.getLogger(__name__)

# ---- messages --------------------------------------------------------------------------------


@guarded
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Typed text: an open answer, or a typed digit, emoji or word where buttons are."""
    message = update.effective_message
    assert message is not None and message.text is not None
    talking = await answering(update, deps)
    if talking is None:
        return
    chat, language, active = talking
    if active.state.status == Status.PAUSED:
        await continue_session(
            update, deps, chat, active, language, welcome_back=True, update_id=update.update_id
        )
        return
    await take_turn(
        update, deps, chat, active, language, typed_input(active, language, message.text)
    )


def typed_input(active: Active, language: str, text: str) -> Input:
    """A typed "ja"/"evet" or an option's own words become the button they stand for."""
    if active.state.current is None:
        return engine.Text(text=text)
    question = active.flow.question(active.state.current)
    said = text.strip().casefold()
    words = {t(language, texts.YES).casefold(): YES, t(language, texts.NO).casefold(): NO}
    if question.type == QuestionType.YESNO and said in words:
        return Choose(question_id=question.id, value=words[said])
    for option in question.options:
        names = {
            option.text.casefold(),
            flow_text(
                language, active.flow.id, option_key(question.id, option.id), option.text
            ).casefold(),
        }
        if said in names:
            return Choose(question_id=question.id, value=option.id)
    return engine.Text(text=text)


@guarded
async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """A voice note: an open answer (only its Telegram file id is kept)."""
    message = update.effective_message
    assert message is not None
    voice = message.voice or message.audio
    talking = await answering(update, deps)
    if talking is None:
        return
    chat, language, active = talking
    if voice is None:
        return
    seconds = media_seconds(voice)
    await take_turn(
        update, deps, chat, active, language, engine.Voice(file_id=voice.file_id, seconds=seconds)
    )


def media_seconds(media: object) -> int:
    """A voice note's length in seconds, read without PTB 22's int-or-timedelta warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = getattr(media, "duration", 0)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value or 0)


@guarded
async def on_unusable(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Stickers, photos, files, locations, contacts, forwarded messages, ..."""
    message = update.effective_message
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    forwarded = message is not None and message.forward_origin is not None
    kind = "forwarded" if forwarded else "unsupported"
    active = await active_of(deps, chat)
    if active is None or active.state.status in (Status.COMPLETED, Status.PAUSED):
        await reply(update, t(language, rejection_text(kind, attempts=1)))
        return
    what = "forwarded" if forwarded else "media"
    await take_turn(update, deps, chat, active, language, engine.Unusable(what=what), unusable=kind)


@guarded
async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """An edited message cannot change a stored answer; say how to change it."""
    await say(update, deps, texts.EDITED)


@guarded
async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Surveys run only in private chats: say so, with a button to open one."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.CHANNEL:
        return
    user = update.effective_user
    language = normalize_language(user.language_code if user else None) or SOURCE_LANGUAGE
    # The username Telegram gave this bot (getMe), not a setting that may name another bot.
    url = f"https://t.me/{context.bot.username or deps.settings.bot_username}"
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(language, texts.OPEN_PRIVATE), url=url)]]
    )
    if update.callback_query:
        await answer_quietly(update.callback_query, t(language, texts.BUTTON_EXPIRED))
    await chat.send_message(t(language, texts.GROUP_CHAT), reply_markup=markup)
