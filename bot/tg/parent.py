"""The parent's conversation: join by deep link, choose a language, answer, pause, forget.

Each handler translates one kind of update into an engine input, lets the store commit the
answer and the new state, and only then replies. Texts come from `bot.texts` via the catalogs.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot import engine, texts
from bot.engine import (
    AlreadyCompleted,
    AnswerRecorded,
    AnswerRejected,
    AnswerRemoved,
    Choose,
    DuplicateIgnored,
    FlowCompleted,
    InfoShown,
    Input,
    QuestionAsked,
    SelectionChanged,
    SessionState,
    Status,
)
from bot.errors import UnknownFlow
from bot.flow_model import NO, YES, Flow, get_flow, question_key, topic_key
from bot.i18n import SOURCE_LANGUAGE, flow_text, normalize_language, t, tn
from bot.limits import MAX_MESSAGE_CHARS, MAX_OPEN_ANSWER_CHARS
from bot.store.base import Turn
from bot.store.records import Chat, Respondent, Round, RoundLink
from bot.tg import callbacks, render
from bot.tg.callbacks import (
    ForgetButton,
    LanguageButton,
    QuestionAction,
    QuestionButton,
    RoundAction,
    RoundButton,
)
from bot.tg.deps import Deps, guarded

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SECONDS_PER_TAP = 15  # a question answered with one tap, for "about N minutes" in the welcome
SECONDS_PER_OPEN = 60  # a question answered in one's own words


def expected_minutes(flow: Flow) -> int:
    """About how long a flow takes, from its questions (the welcome says it)."""
    seconds = sum(
        SECONDS_PER_OPEN if q.type.value == "open" else SECONDS_PER_TAP
        for q in flow.answerable_questions
    )
    return max(1, round(seconds / 60))


# ---- who is talking --------------------------------------------------------------------------


def language_of(chat: Chat | None, update: Update) -> str:
    """The chat's chosen language, else the Telegram profile's, else Dutch."""
    if chat is not None and chat.language:
        return chat.language
    user = update.effective_user
    return normalize_language(user.language_code if user else None) or SOURCE_LANGUAGE


@dataclass
class Active:
    """The respondent this chat is answering as, with their round, flow and session."""

    respondent: Respondent
    round: Round
    flow: Flow
    state: SessionState


async def active_of(deps: Deps, chat: Chat | None) -> Active | None:
    if chat is None or chat.active_respondent is None:
        return None
    respondent = await deps.store.respondent(chat.active_respondent)
    if respondent is None:
        return None
    round_ = await deps.store.round(respondent.round_id)
    state = await deps.store.session(respondent.id)
    if round_ is None or state is None:
        return None
    try:
        flow = get_flow(round_.flow_id)
    except UnknownFlow:
        return None
    return Active(respondent, round_, flow, state)


def render_context(deps: Deps, language: str, active: Active, chat: Chat | None) -> render.Context:
    audio = deps.audio
    can_listen = bool(audio and audio.available(language, active.flow))
    return render.Context(
        language=language, flow=active.flow, round_id=active.round.id, can_listen=can_listen
    )


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send a message to the chat of this update (private chats only reach here)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text[:MAX_MESSAGE_CHARS], reply_markup=markup)


# ---- commands --------------------------------------------------------------------------------


@guarded
async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/start [token]: join a round from its link, or pick up where the parent left off."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    if chat is not None and chat.blocked:  # they unblocked the bot: reachable again
        chat = await deps.store.save_chat(chat.chat_id, deps.clock(), blocked=0)
    language = language_of(chat, update)
    payload = context.args[0] if context.args else ""
    for prefix, hook in deps.start_hooks.items():
        if payload.startswith(prefix):
            await hook(update, context, deps, payload)
            return
    if not payload:
        active = await active_of(deps, chat)
        if active and active.state.status != Status.COMPLETED:
            await continue_session(
                update, deps, chat, active, language, welcome_back=True, update_id=update.update_id
            )
        else:
            await reply(update, t(language, texts.NO_TOKEN))
        return
    link = await deps.store.round_by_token(payload) if TOKEN_PATTERN.match(payload) else None
    if link is None:
        log.info("start with an unknown token")
        await reply(update, t(language, texts.UNKNOWN_TOKEN))
        return
    await open_link(update, deps, chat, language, link, update.update_id)


async def open_link(
    update: Update,
    deps: Deps,
    chat: Chat | None,
    language: str,
    link: RoundLink,
    update_id: int | None,
) -> None:
    """A parent followed a round's link: resume, refuse kindly, ask the language, or begin.

    `update_id` is claimed by the first write, or None when the caller already claimed it.
    """
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    now = deps.clock()
    existing = await deps.store.respondent_in_round(chat_id, link.round.id)
    if existing is not None:
        if chat is None or chat.active_respondent != existing.id:
            chat = await deps.store.save_chat(chat_id, now, active_respondent=existing.id)
        active = await active_of(deps, chat)
        if active is None or active.state.status == Status.COMPLETED:
            await reply(update, t(language, texts.ALREADY_DONE))
        elif not link.round.is_open(now):
            await reply(update, t(language, texts.ROUND_CLOSED_MIDWAY))
        else:
            await continue_session(
                update, deps, chat, active, language, welcome_back=True, update_id=update_id
            )
        return
    if not link.round.is_open(now):
        await reply(update, t(language, texts.ROUND_CLOSED))
        return
    if chat is None or not chat.language_confirmed:
        suggested = normalize_language(
            update.effective_user.language_code if update.effective_user else None
        )
        token = link.group.token if link.group else link.round.start_token
        await deps.store.save_chat(chat_id, now, update_id=update_id, pending_token=token)
        prompt, markup = render.language_menu(suggested)
        await reply(update, prompt, markup)
        return
    await begin(update, deps, language, link, update_id=update_id)


async def begin(
    update: Update, deps: Deps, language: str, link: RoundLink, update_id: int | None
) -> None:
    """Create the anonymous respondent, commit the first state, then welcome and ask."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    flow = get_flow(link.round.flow_id)
    state, events = engine.start(flow)
    respondent_id = deps.respondent_ids()
    turn = Turn(
        update_id=update_id,
        respondent_id=respondent_id,
        state=state,
        status=state.status.value,
        round_id=link.round.id,
        language=language,
        at=deps.clock(),
    )
    await deps.store.join_round(
        chat_id=chat_id, respondent_id=respondent_id, link=link, language=language, first=turn
    )
    school = await deps.store.school(link.round.school_id)
    minutes = expected_minutes(flow)
    lines = [
        t(language, texts.WELCOME, school=school.name if school else ""),
        "",
        flow_text(language, flow.id, "intro", flow.intro),
        "",
        f"⏱️ {tn(language, *texts.DURATION, minutes)}",
    ]
    if link.round.topic:
        topic = next((tp for tp in flow.topics if tp.id == link.round.topic), None)
        if topic is not None:
            lines += [
                "",
                t(
                    language,
                    texts.TOPIC_LINE,
                    topic=flow_text(language, flow.id, topic_key(topic.id), topic.text),
                ),
            ]
    await reply(update, "\n".join(lines))
    chat = await deps.store.chat(chat_id)
    active = await active_of(deps, chat)
    assert active is not None
    await show_events(update, deps, render_context(deps, language, active, chat), active, events)


async def continue_session(
    update: Update,
    deps: Deps,
    chat: Chat | None,
    active: Active,
    language: str,
    *,
    welcome_back: bool,
    update_id: int | None = None,
) -> None:
    """Ask the current question again; a paused session becomes waiting.

    `update_id` is claimed with the status change, so a redelivered update does not act twice.
    """
    if not active.round.is_open(deps.clock()):
        if active.state.status != Status.EXPIRED:
            expired = active.state.model_copy(update={"status": Status.EXPIRED})
            await save_turn(deps, active, expired, [], language, update_id=update_id)
        await reply(update, t(language, texts.ROUND_CLOSED_MIDWAY))
        return
    state, events = engine.resume(active.flow, active.state, engine.Resume())
    if active.respondent.status != state.status.value:
        await save_turn(deps, active, state, [], language, update_id=update_id)
    if welcome_back:
        await reply(update, t(language, texts.WELCOME_BACK))
    active.state = state
    ctx = render_context(deps, language, active, chat)
    ctx.legend = welcome_back  # back after a pause: the faces explained again
    await show_events(update, deps, ctx, active, events)


@guarded
async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/help: what this bot is and the few commands there are."""
    await say(update, deps, texts.HELP)


@guarded
async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/stop: pause; answers so far are kept, any message later resumes."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    active = await active_of(deps, chat)
    if active is None or active.state.status == Status.COMPLETED:
        await reply(update, t(language, texts.NOTHING_ACTIVE))
        return
    state = active.state.model_copy(update={"status": Status.PAUSED})
    await save_turn(deps, active, state, [], language, update_id=update.update_id)
    markup = render.resume_menu(language, active.round.id)
    await reply(update, t(language, texts.PAUSED), markup)


@guarded
async def on_language_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps
) -> None:
    """/taal: choose another language at any moment; answers are kept."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    current = language_of(chat, update)
    prompt, markup = render.language_menu(current)
    await reply(update, prompt, markup)


@guarded
async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/vergeet: ask for confirmation before deleting everything of this chat."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    markup = render.forget_menu(language)
    await reply(update, t(language, texts.FORGET_CONFIRM), markup)


async def say(update: Update, deps: Deps, text: str) -> None:
    """Send one catalog text in the chat's language (the handlers that only say something)."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    await reply(update, t(language_of(chat, update), text))


@guarded
async def on_unknown_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps
) -> None:
    """Any other /command."""
    await say(update, deps, texts.UNKNOWN_COMMAND)


# ---- buttons ---------------------------------------------------------------------------------


async def private_tap(update: Update, deps: Deps) -> tuple[Chat | None, str] | None:
    """The chat and language of a tap in a private chat; None (tap answered) anywhere else."""
    query = update.callback_query
    assert query is not None
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await answer_quietly(query)
        return None
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


@guarded
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
    active = await active_of(deps, chat)
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
    match button.kind:
        case QuestionAction.ANSWER:
            await answer_quietly(query)
            await take_turn(
                update,
                deps,
                chat,
                active,
                language,
                Choose(question_id=button.question_id, value=button.value or "", flow_key=flow_key),
            )
        case QuestionAction.DONE:
            await answer_quietly(query)
            await take_turn(
                update,
                deps,
                chat,
                active,
                language,
                engine.Done(question_id=button.question_id, flow_key=flow_key),
            )
        case QuestionAction.SKIP:
            await answer_quietly(query)
            await take_turn(
                update,
                deps,
                chat,
                active,
                language,
                engine.Skip(question_id=button.question_id, flow_key=flow_key),
            )
        case QuestionAction.ORIGINAL:
            await answer_quietly(query)
            await show_dutch(update, deps, active, language, button.question_id)
        case QuestionAction.HEAR:
            await answer_quietly(query)
            if deps.audio is not None:
                await deps.audio.send_question(update, active.flow, button.question_id, language)


async def choose_language(update: Update, deps: Deps, chat: Chat | None, language: str) -> None:
    query = update.callback_query
    assert query is not None
    if language == "*" or normalize_language(language) != language:
        await answer_quietly(query)
        prompt, markup = render.language_menu(None)
        await reply(update, prompt, markup)
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    chat = await deps.store.save_chat(
        chat_id, deps.clock(), update_id=update.update_id, language=language, language_confirmed=1
    )
    await answer_quietly(query)
    await reply(update, t(language, texts.LANGUAGE_SET))
    if chat.pending_token:
        link = await deps.store.round_by_token(chat.pending_token)
        if link is not None:
            await open_link(update, deps, chat, language, link, update_id=None)
            return
    active = await active_of(deps, chat)
    if active is not None and active.state.status != Status.COMPLETED:
        await continue_session(update, deps, chat, active, language, welcome_back=False)


async def forget(update: Update, deps: Deps, language: str, confirmed: bool) -> None:
    if not confirmed:
        await reply(update, t(language, texts.NOT_FORGOTTEN))
        return
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await deps.store.forget_chat(chat_id, update.update_id, deps.clock())
    log.info("a chat's data was deleted on request")
    await reply(update, t(language, texts.FORGOTTEN))


async def show_dutch(
    update: Update, deps: Deps, active: Active, language: str, question_id: str
) -> None:
    try:
        question = active.flow.question(question_id)
    except KeyError:
        return
    ctx = render_context(deps, language, active, None)
    await reply(update, render.dutch_original(ctx, question))


# ---- messages --------------------------------------------------------------------------------


@guarded
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """Typed text: an open answer, or a typed digit, emoji or word where buttons are."""
    message = update.effective_message
    assert message is not None and message.text is not None
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    active = await active_of(deps, chat)
    if active is None or active.state.status == Status.COMPLETED:
        await reply(update, t(language, texts.NOTHING_ACTIVE))
        return
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
    if question.type.value == "yesno" and said in words:
        return Choose(question_id=question.id, value=words[said])
    for option in question.options:
        names = {
            option.text.casefold(),
            flow_text(
                language, active.flow.id, f"q.{question.id}.{option.id}", option.text
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
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    active = await active_of(deps, chat)
    if active is None or active.state.status == Status.COMPLETED:
        await reply(update, t(language, texts.NOTHING_ACTIVE))
        return
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
    active = await active_of(deps, chat)
    asking = active is not None and active.state.status not in (Status.COMPLETED, Status.PAUSED)
    # Counted like the engine counts unusable replies, so a third sticker gets other words.
    attempts = active.state.unusable + 1 if asking and active is not None else 1
    said = rejection_text("forwarded" if forwarded else "unsupported", attempts)
    await reply(update, t(language, said))
    if not asking or active is None:
        return
    what = "forwarded" if forwarded else "media"
    await take_turn(
        update, deps, chat, active, language, engine.Unusable(what=what), quiet_reject=True
    )


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


# ---- one step through the flow ---------------------------------------------------------------


async def take_turn(
    update: Update,
    deps: Deps,
    chat: Chat | None,
    active: Active,
    language: str,
    event: Input,
    *,
    quiet_reject: bool = False,
) -> None:
    """Apply one input: engine, then a durable commit, then the replies."""
    now = deps.clock()
    if not active.round.is_open(now):
        await save_turn(
            deps,
            active,
            active.state.model_copy(update={"status": Status.EXPIRED}),
            [],
            language,
            update.update_id,
        )
        await reply(update, t(language, texts.ROUND_CLOSED_MIDWAY))
        return
    state, events = engine.resume(active.flow, active.state, event)
    await save_turn(deps, active, state, events, language, update.update_id)
    active.state = state
    ctx = render_context(deps, language, active, chat)
    if quiet_reject:
        events = [
            e for e in events if not (isinstance(e, AnswerRejected) and e.reason == "unsupported")
        ]
    await show_events(update, deps, ctx, active, events)


async def save_turn(
    deps: Deps,
    active: Active,
    state: SessionState,
    events: list,
    language: str,
    update_id: int | None,
) -> None:
    upserts = [e.answer for e in events if isinstance(e, AnswerRecorded)]
    removals = [e.question_id for e in events if isinstance(e, AnswerRemoved)]
    await deps.store.record_turn(
        Turn(
            update_id=update_id,
            respondent_id=active.respondent.id,
            state=state,
            status=state.status.value,
            round_id=active.round.id,
            language=language,
            at=deps.clock(),
            upserts=upserts,
            removals=removals,
            completed=any(isinstance(e, FlowCompleted) for e in events),
        )
    )


async def show_events(
    update: Update, deps: Deps, ctx: render.Context, active: Active, events: list
) -> None:
    """Render what the engine said, in order. Runs only after the commit."""
    language = ctx.language
    tapped = update.callback_query.message if update.callback_query else None
    for event in events:
        match event:
            case AnswerRecorded(answer=answer):
                if isinstance(tapped, Message) and tapped.text:
                    question = active.flow.question(answer.question_id)
                    await edit_quietly(tapped, render.answered(ctx, tapped.text, question, answer))
                if answer.truncated:
                    await reply(update, t(language, texts.TRUNCATED, limit=MAX_OPEN_ANSWER_CHARS))
            case SelectionChanged(question_id=qid, selected=selected):
                view = render.ask(ctx, current_question_event(active.flow, active.state), selected)
                if isinstance(tapped, Message):
                    await edit_markup_quietly(tapped, view.keyboard)
                else:  # a typed number or option: show the new selection with its buttons
                    await reply(update, view.text, view.keyboard)
                del qid
            case AnswerRejected(reason=reason, attempts=attempts):
                await reply(update, t(language, rejection_text(reason, attempts)))
                if reason == "stale" and attempts != 2:
                    view = render.ask(
                        ctx,
                        current_question_event(active.flow, active.state),
                        active.state.selection,
                    )
                    await reply(update, view.text, view.keyboard)
            case QuestionAsked():
                view = render.ask(ctx, event, active.state.selection)
                await reply(update, view.text, view.keyboard)
                audio = deps.audio
                chat = (
                    await deps.store.chat(update.effective_chat.id)
                    if update.effective_chat
                    else None
                )
                if (
                    audio is not None and chat is not None and chat.always_audio and ctx.can_listen
                ) or (audio is not None and event.repair and ctx.can_listen):
                    await audio.send_question(update, active.flow, event.question_id, language)
            case InfoShown(question_id=qid):
                question = active.flow.question(qid)
                await reply(
                    update, flow_text(language, active.flow.id, question_key(qid), question.text)
                )
            case FlowCompleted():
                closing = flow_text(language, active.flow.id, "closing", active.flow.closing)
                when = render.feedback_when(language, active.round.closes_at)
                await reply(update, closing.replace("{feedback_when}", when))
            case AlreadyCompleted():
                await reply(update, t(language, texts.ALREADY_DONE))
            case DuplicateIgnored():
                pass


async def show_current_question(
    update: Update, deps: Deps, chat: Chat | None, language: str
) -> None:
    """Ask the question the parent is at again, if one waits (after a reply failed to go out)."""
    active = await active_of(deps, chat)
    if active is None or active.state.status != Status.WAITING or active.state.current is None:
        return
    ctx = render_context(deps, language, active, chat)
    view = render.ask(
        ctx, current_question_event(active.flow, active.state), active.state.selection
    )
    await reply(update, view.text, view.keyboard)


def current_question_event(flow: Flow, state: SessionState) -> QuestionAsked:
    assert state.current is not None
    number, total = engine.progress(flow, state.current)
    return QuestionAsked(
        question_id=state.current,
        number=number,
        total=total,
        can_go_back=len(state.path) >= 2,
        previous=state.answers.get(state.current),
    )


def rejection_text(reason: str, attempts: int) -> str:
    """Vary the words: the same error message is never sent twice in a row."""
    if attempts >= 3 and attempts % 2 == 1:
        return texts.REJECT_AGAIN
    return {
        "stale": texts.REJECT_STALE,
        "not_an_option": texts.REJECT_NOT_AN_OPTION,
        "need_choice": texts.REJECT_NEED_CHOICE,
        "need_selection": texts.REJECT_NEED_SELECTION,
        "not_optional": texts.REJECT_NOT_OPTIONAL,
        "empty": texts.REJECT_EMPTY,
        "unsupported": texts.UNSUPPORTED,
        "forwarded": texts.FORWARDED,
    }.get(reason, texts.REJECT_NEED_CHOICE)


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
        await message.edit_text(text[:MAX_MESSAGE_CHARS], reply_markup=None)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)


async def edit_markup_quietly(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)
