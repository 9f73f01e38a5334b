"""The parent's commands: /start (join by deep link, or pick up), /help, /stop, /taal, /vergeet,
/voorlezen."""

from __future__ import annotations

import logging
import re

from telegram import (
    Update,
)
from telegram.ext import ContextTypes

from bot import engine
from bot.engine import (
    Status,
)
from bot.flow_model import Flow, QuestionType, get_flow, topic_key
from bot.i18n import command_for, flow_text, normalize_language, t, tn
from bot.store.records import Chat, RoundLink, Turn
from bot.texts import audio as audio_texts
from bot.texts import parents as texts
from bot.tg import render
from bot.tg.deps import Deps, guarded
from bot.tg.parent.replies import reply
from bot.tg.parent.session import (
    active_of,
    answering,
    continue_session,
    language_of,
    render_context,
    save_turn,
    say,
    settle,
    show_events,
)

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SECONDS_PER_TAP = 15  # a question answered with one tap, for "about N minutes" in the welcome
SECONDS_PER_OPEN = 60  # a question answered in one's own words
READ_ALOUD_COMMAND = "voorlezen"  # /voorlezen (its aliases per language in the catalogs)


def expected_minutes(flow: Flow) -> int:
    """About how long a flow takes, from its questions (the welcome says it)."""
    seconds = sum(
        SECONDS_PER_OPEN if q.type == QuestionType.OPEN else SECONDS_PER_TAP
        for q in flow.answerable_questions
    )
    return max(1, round(seconds / 60))


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
        # Not claimed: writing the token again is harmless, and a crash before the menu goes
        # out must let the redelivered update show it (the update is marked once replied).
        await deps.store.save_chat(chat_id, now, pending_token=token)
        prompt, markup = render.language_menu(suggested)
        await reply(update, prompt, markup)
        return
    await begin(update, deps, language, link, update_id=update_id)


async def begin(
    update: Update, deps: Deps, language: str, link: RoundLink, update_id: int | None
) -> None:
    """Create the anonymous respondent, commit the first state, then welcome and ask."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    flow = get_flow(link.round.flow_id, link.round.flow_version)
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
        owed_chat=chat_id,  # the welcome and first question, until they are out
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
    await show_events(
        update, deps, await render_context(deps, language, active, chat), active, events
    )
    await settle(deps, chat_id)


@guarded
async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/help: what this bot is and the few commands there are."""
    await say(update, deps, texts.HELP)


@guarded
async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/stop: pause; answers so far are kept, any message later resumes."""
    talking = await answering(update, deps)
    if talking is None:
        return
    _, language, active = talking
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


@guarded
async def on_unknown_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps
) -> None:
    """Any other /command."""
    await say(update, deps, texts.UNKNOWN_COMMAND)


# ---- /voorlezen --------------------------------------------------------------------------------


@guarded
async def on_always_audio(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/voorlezen: read every question aloud from now on, or stop doing so."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    chat = await deps.store.chat(chat_id)
    language = language_of(chat, update)
    active = await active_of(deps, chat)
    audio = deps.audio
    turn_on = not (chat is not None and chat.always_audio)
    if audio is None or (
        turn_on and not await audio.offers(language, active.flow if active else None)
    ):
        await deps.store.mark_processed(update.update_id, deps.clock())
        await reply(update, t(language, audio_texts.NOT_IN_LANGUAGE))
        return
    await deps.store.save_chat(
        chat_id, deps.clock(), update_id=update.update_id, always_audio=int(turn_on)
    )
    if not turn_on:
        await reply(update, t(language, audio_texts.ALWAYS_OFF))
        return
    command = "/" + command_for(language, READ_ALOUD_COMMAND)
    await reply(update, t(language, audio_texts.ALWAYS_ON, command=command))
    if active is not None and active.state.status == Status.WAITING and active.state.current:
        await audio.send_question(
            update, active.flow, active.state.current, language, active.round.topic
        )
