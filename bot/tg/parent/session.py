"""The parent's session as the host keeps it: who is talking, one step through the flow
(engine, then a durable commit, then the replies) and the rendering of what the engine said.
The calls that carry the replies are `replies`; delivering what a crash swallowed is `owed`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot import engine
from bot.engine import (
    AlreadyCompleted,
    AnswerRecorded,
    AnswerRejected,
    AnswerRemoved,
    DuplicateIgnored,
    Event,
    FlowCompleted,
    InfoShown,
    Input,
    QuestionAsked,
    SelectionChanged,
    SessionState,
    Status,
)
from bot.errors import UnknownFlow
from bot.flow_model import Flow, Question, get_flow
from bot.i18n import SOURCE_LANGUAGE, flow_text, normalize_language, t
from bot.limits import MAX_MESSAGE_CHARS, MAX_OPEN_ANSWER_CHARS
from bot.store.records import Chat, Respondent, Round, Turn
from bot.texts import parents as texts
from bot.tg import render
from bot.tg.deps import WEBHOOK_REPLY, Deps, note_claimed, note_settled
from bot.tg.parent.replies import (
    SideCalls,
    Tuning,
    answer_quietly,
    edit_markup_quietly,
    edit_quietly,
    held_in_response,
    release_held,
    reply,
    send_reply,
)
from bot.tg.parent.sounds import prepare_sound

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


async def active_of(deps: Deps, chat: Chat | None, round_id: int | None = None) -> Active | None:
    """The chat's respondent with their round and session, in one read (issue 16: the store's
    `active_session` joins them). `round_id`, the round a tap's button names, is no longer
    needed for that; it is kept for the callers."""
    if chat is None or chat.active_respondent is None:
        return None
    rid = chat.active_respondent
    round_: Round | None = None
    if Tuning.reads_together:
        found = await deps.store.active_session(rid)
        respondent, state, round_ = found if found is not None else (None, None, None)
    else:  # before issue 16: three reads, one after the other (the benchmark's "before")
        respondent = await deps.store.respondent(rid)
        state = await deps.store.session(rid) if respondent is not None else None
        if respondent is not None:
            round_ = await deps.store.round(respondent.round_id)
    if respondent is None or round_ is None or state is None:
        return None
    try:
        flow = get_flow(round_.flow_id, round_.flow_version)
    except UnknownFlow:
        return None
    return Active(respondent, round_, flow, state)


async def answering(update: Update, deps: Deps) -> tuple[Chat | None, str, Active] | None:
    """The chat, its language and the respondent it answers as; None, once the parent is told
    there is nothing to answer, when no unfinished session waits (/stop, typed text, a voice)."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    language = language_of(chat, update)
    active = await active_of(deps, chat)
    if active is None or active.state.status == Status.COMPLETED:
        await reply(update, t(language, texts.NOTHING_ACTIVE))
        return None
    return chat, language, active


async def render_context(
    deps: Deps, language: str, active: Active, chat: Chat | None
) -> render.Context:
    audio = deps.audio
    can_listen = bool(audio and await audio.offers(language, active.flow))
    return render.Context(
        language=language,
        flow=active.flow,
        round_id=active.round.id,
        can_listen=can_listen,
        topic=active.round.topic,
    )


async def say(update: Update, deps: Deps, text: str) -> None:
    """Send one catalog text in the chat's language (the handlers that only say something)."""
    chat = await deps.store.chat(update.effective_chat.id)  # type: ignore[union-attr]
    await reply(update, t(language_of(chat, update), text))


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
    owes = None
    if active.respondent.status != state.status.value:
        owes = owed_chat(update, events)
        await save_turn(deps, active, state, [], language, update_id=update_id, owes=owes)
    if welcome_back:
        await reply(update, t(language, texts.WELCOME_BACK))
    active.state = state
    ctx = await render_context(deps, language, active, chat)
    ctx.legend = welcome_back  # back after a pause: the faces explained again
    await show_events(update, deps, ctx, active, events)
    if update.effective_chat is not None:  # nothing is owed once the question is out
        await settle_when_out(deps, update.effective_chat.id)


# ---- one step through the flow ---------------------------------------------------------------


async def take_turn(
    update: Update,
    deps: Deps,
    chat: Chat | None,
    active: Active,
    language: str,
    event: Input,
    *,
    unusable: str | None = None,
    answer_tap: bool = False,
) -> None:
    """Apply one input: engine, then a durable commit, then the replies.

    `unusable` ("unsupported" or "forwarded") words the engine's rejection of a sticker, photo
    or forwarded message. With `answer_tap` the tap's spinner stops after the commit, with a
    "saved ✅" toast when the tap repeats an answer already stored.
    """
    now = deps.clock()
    state, events = engine.resume(active.flow, active.state, event)
    if not active.round.is_open(now):
        if unusable is not None:  # said first, as when the round is open
            await show_rejections(update, active, language, events, unusable)
        await save_turn(
            deps,
            active,
            active.state.model_copy(update={"status": Status.EXPIRED}),
            [],
            language,
            update.update_id,
        )
        if answer_tap and update.callback_query is not None:
            await answer_quietly(update.callback_query)
        await reply(update, t(language, texts.ROUND_CLOSED_MIDWAY))
        return
    owes = owed_chat(update, events)
    commit = save_turn(deps, active, state, events, language, update.update_id, owes=owes)
    if Tuning.context_with_commit:  # what the keyboard needs is read while the commit runs
        _, ctx = await asyncio.gather(commit, render_context(deps, language, active, chat))
    else:
        await commit
        ctx = await render_context(deps, language, active, chat)
    active.state = state
    # Committed: from here on the replies go. The tap's answer does not wait for its own round
    # trip: it goes with the first message sent (the next question), concurrently.
    side = SideCalls()
    if answer_tap and update.callback_query is not None:
        repeated = any(isinstance(e, DuplicateIgnored) for e in events)
        side.add(
            answer_quietly(update.callback_query, t(language, texts.SAVED) if repeated else None)
        )
    if unusable is not None:
        await show_rejections(update, active, language, events, unusable)
        events = [e for e in events if not isinstance(e, AnswerRejected)]
    await show_events(update, deps, ctx, active, events, chat=chat, side=side)
    await settle_when_out(deps, owes)


def owed_chat(update: Update, events: Sequence[Event]) -> int | None:
    """The chat owed this step's reply, when the reply carries a question or the closing: a
    crash before it goes out must not leave the parent with nothing to tap."""
    chat = update.effective_chat
    if chat is None or not any(isinstance(e, QuestionAsked | FlowCompleted) for e in events):
        return None
    return chat.id


async def settle(deps: Deps, owes: int | None) -> None:
    """The replies are out (the Bot API confirmed each call): nothing is owed any more."""
    if owes is not None:
        await deps.store.settle_owed(owes)
        note_settled(owes)


async def settle_when_out(deps: Deps, owes: int | None) -> None:
    """`settle` now; or, when the reply waits in the webhook response (Telegram confirms nothing
    about it), once `bot.web.app` has written that response (`WebhookReply.out`)."""
    slot = WEBHOOK_REPLY.get()
    if slot is None or not held_in_response():
        await settle(deps, owes)
    elif owes is not None:
        slot.settle_when_out(functools.partial(settle, deps, owes))


async def show_rejections(
    update: Update, active: Active, language: str, events: list[Event], unusable: str
) -> None:
    """The engine refused a sticker, photo or forwarded message: say so in the words for it."""
    for event in events:
        if isinstance(event, AnswerRejected):
            question = active.flow.question(event.question_id)
            await reply(update, t(language, rejection_text(unusable, event.attempts, question)))


async def save_turn(
    deps: Deps,
    active: Active,
    state: SessionState,
    events: list,
    language: str,
    update_id: int | None,
    *,
    owes: int | None = None,
) -> None:
    """Commit one step; `owes` names the chat that is owed its reply until `settle`."""
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
            owed_chat=owes,
        )
    )
    note_claimed(update_id)  # committed with its id: guarded need not ask the store again


UNREAD: Any = object()  # show_events' `chat` when the caller did not read it


async def show_events(
    update: Update,
    deps: Deps,
    ctx: render.Context,
    active: Active,
    events: list,
    *,
    chat: Chat | None = UNREAD,
    side: SideCalls | None = None,
) -> None:
    """Render what the engine said, in order. Runs only after the commit.

    Edits (the ✅ of the answered question) and `side` calls go concurrently with the next
    message sent; messages themselves go one after the other, in order. Returns when every
    call is confirmed. `chat` is the chat row this update read (for /voorlezen's setting)."""
    side = side if side is not None else SideCalls()
    slot = WEBHOOK_REPLY.get()

    async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        target = update.effective_chat
        if slot is not None:
            await slot.release()  # an earlier message of this update goes before this one
        if slot is None or target is None or markup is None:
            # Only a question is held: a later tap on it proves it arrived (`delivered_since`).
            await side.with_(send_reply(update, text, markup))
            return
        text = text[:MAX_MESSAGE_CHARS]
        params = {"chat_id": target.id, "text": text, "reply_markup": markup}
        slot.hold(update.get_bot(), "sendMessage", params, lambda: send_reply(update, text, markup))

    try:
        await _show_events(update, deps, ctx, active, events, chat, side, reply)
    finally:
        if slot is not None and not slot.free():  # after the response: nothing waits for them
            slot.after += side.pending
            side.pending = []
        await side.flush()


@dataclass
class _Shown:
    """One update's rendering of its events (show_events): a method per kind of event."""

    update: Update
    deps: Deps
    ctx: render.Context
    active: Active
    chat: Chat | None
    side: SideCalls
    reply: Callable[..., Awaitable[None]]
    asks_again: bool  # a question follows in the same events (the repair question)

    @property
    def tapped(self) -> Message | None:
        query = self.update.callback_query
        message = query.message if query else None
        return message if isinstance(message, Message) else None

    async def ask_current(self) -> None:
        asked = engine.current(self.active.flow, self.active.state)
        if asked is not None:
            view = render.ask(self.ctx, asked, self.active.state.selection)
            await self.reply(self.update, view.text, view.keyboard)

    async def recorded(self, event: AnswerRecorded) -> None:
        answer, tapped = event.answer, self.tapped
        if tapped is not None and tapped.text:
            question = self.active.flow.question(answer.question_id)
            self.side.add(
                edit_quietly(tapped, render.answered(self.ctx, tapped.text, question, answer))
            )
        if answer.truncated:
            text = t(self.ctx.language, texts.TRUNCATED, limit=MAX_OPEN_ANSWER_CHARS)
            await self.reply(self.update, text)

    async def selection(self, event: SelectionChanged) -> None:
        asked = engine.current(self.active.flow, self.active.state)
        assert asked is not None
        view = render.ask(self.ctx, asked, event.selected)
        if self.tapped is not None:
            await self.side.with_(edit_markup_quietly(self.tapped, view.keyboard))
        else:  # a typed number or option: show the new selection with its buttons
            await self.reply(self.update, view.text, view.keyboard)

    async def rejected(self, event: AnswerRejected) -> None:
        language = self.ctx.language
        if self.ctx.can_listen and not self.asks_again:  # the repair question may come next
            prepare_sound(
                self.deps, self.active.flow, event.question_id, language, self.active.round.topic
            )
        question = self.active.flow.question(event.question_id)
        text = t(language, rejection_text(event.reason, event.attempts, question))
        await self.reply(self.update, text)
        if event.reason == "stale" and not self.asks_again:
            await self.ask_current()

    async def asked(self, event: QuestionAsked) -> None:
        view = render.ask(self.ctx, event, self.active.state.selection)
        await self.reply(self.update, view.text, view.keyboard)
        if await self.reads_aloud(event):
            await self.side.flush()
            await release_held()  # the sound follows its question
            assert self.deps.audio is not None
            await self.deps.audio.send_question(
                self.update, self.active.flow, event.question_id, self.ctx.language, self.ctx.topic
            )

    async def reads_aloud(self, event: QuestionAsked) -> bool:
        """/voorlezen is on, or a repair question (always read aloud where a voice exists)."""
        if self.deps.audio is None or not self.ctx.can_listen:
            return False
        if event.repair:
            return True
        if self.chat is UNREAD:
            target = self.update.effective_chat
            self.chat = await self.deps.store.chat(target.id) if target else None
        return self.chat is not None and bool(self.chat.always_audio)

    async def info(self, event: InfoShown) -> None:
        question = self.active.flow.question(event.question_id)
        await self.reply(self.update, render.question_text(self.ctx, question))

    async def completed(self, event: FlowCompleted) -> None:
        await self.reply(self.update, closing_text(self.ctx.language, self.active))

    async def already_done(self, event: AlreadyCompleted) -> None:
        await self.reply(self.update, t(self.ctx.language, texts.ALREADY_DONE))

    async def duplicate(self, event: DuplicateIgnored) -> None:
        """A re-tap of a stored answer: the question it is at now."""
        if self.active.state.status == Status.WAITING:
            await self.ask_current()


_SHOW: dict[type, Callable[[_Shown, Any], Awaitable[None]]] = {
    AnswerRecorded: _Shown.recorded,
    SelectionChanged: _Shown.selection,
    AnswerRejected: _Shown.rejected,
    QuestionAsked: _Shown.asked,
    InfoShown: _Shown.info,
    FlowCompleted: _Shown.completed,
    AlreadyCompleted: _Shown.already_done,
    DuplicateIgnored: _Shown.duplicate,
}


async def _show_events(
    update: Update,
    deps: Deps,
    ctx: render.Context,
    active: Active,
    events: list,
    chat: Chat | None,
    side: SideCalls,
    reply: Callable[..., Awaitable[None]],
) -> None:
    asks_again = any(isinstance(e, QuestionAsked) for e in events)
    shown = _Shown(update, deps, ctx, active, chat, side, reply, asks_again)
    for event in events:
        show = _SHOW.get(type(event))
        if show is not None:
            await show(shown, event)


async def show_current_question(
    update: Update, deps: Deps, chat: Chat | None, language: str
) -> None:
    """Ask the question the parent is at again, if one waits (after a reply failed to go out)."""
    active = await active_of(deps, chat)
    if active is None or active.state.status != Status.WAITING:
        return
    asked = engine.current(active.flow, active.state)
    if asked is None:
        return
    ctx = await render_context(deps, language, active, chat)
    view = render.ask(ctx, asked, active.state.selection)
    await reply(update, view.text, view.keyboard)
    if update.effective_chat is not None:  # it went out: a crash left nothing owed any more
        await deps.store.settle_owed(update.effective_chat.id)


def closing_text(language: str, active: Active) -> str:
    closing = flow_text(language, active.flow.id, "closing", active.flow.closing)
    return closing.replace(
        "{feedback_when}", render.feedback_when(language, active.round.closes_at)
    )


def rejection_text(reason: str, attempts: int, question: Question | None = None) -> str:
    """Vary the words: the same error message is never sent twice in a row.

    "Or skip the question" only where a skip button shows: a face question that must be
    answered offers 🤷 instead.
    """
    if attempts >= 3 and attempts % 2 == 1:
        if question is not None and not render.has_skip_button(question, repair=True):
            return texts.REJECT_AGAIN_FACES
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
