"""The parent's session as the host keeps it: who is talking, one step through the flow
(engine, then a durable commit, then the replies) and the rendering of what the engine said.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

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
from bot.flow_model import Flow, Question, get_flow, question_key
from bot.i18n import SOURCE_LANGUAGE, flow_text, normalize_language, t
from bot.limits import MAX_MESSAGE_CHARS, MAX_OPEN_ANSWER_CHARS
from bot.store.records import Chat, Owed, Respondent, Round, Turn
from bot.texts import parents as texts
from bot.tg import render
from bot.tg.deps import DEPS_KEY, WEBHOOK_REPLY, Deps, note_claimed, note_settled

log = logging.getLogger(__name__)
T = TypeVar("T")

PREPARING: set[asyncio.Task[None]] = set()  # sounds synthesised ahead (kept from the GC)
PREPARING_GRACE = 5.0  # seconds a cancelled synthesis may take to kill its tools at shutdown
OWED_SENDS_AT_ONCE = 8  # owed questions sent in parallel at start-up (the rate limiter paces them)

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
    """The chat's respondent with their round and session. `round_id`, the round a tap's
    button names, lets the three reads go in one trip to the database (issue 16); a wrong
    guess costs one more read, never a wrong answer."""
    if chat is None or chat.active_respondent is None:
        return None
    rid = chat.active_respondent
    guessed: Round | None = None
    if round_id is not None and Tuning.reads_together:
        respondent, state, guessed = await asyncio.gather(
            deps.store.respondent(rid), deps.store.session(rid), deps.store.round(round_id)
        )
    elif Tuning.reads_together:
        respondent, state = await asyncio.gather(
            deps.store.respondent(rid), deps.store.session(rid)
        )
    else:
        respondent = await deps.store.respondent(rid)
        state = await deps.store.session(rid) if respondent is not None else None
    if respondent is None:
        return None
    round_ = guessed
    if round_ is None or round_.id != respondent.round_id:
        round_ = await deps.store.round(respondent.round_id)
    if round_ is None or state is None:
        return None
    try:
        flow = get_flow(round_.flow_id, round_.flow_version)
    except UnknownFlow:
        return None
    return Active(respondent, round_, flow, state)


class Tuning:
    """Issue 16's levers on the way to the next question, switchable so that `bench/p1_network.py`
    measures each before and after in one run. Production keeps them all on."""

    reads_together = True  # chat with is_processed; respondent, session and round in one trip
    context_with_commit = True  # the render context (recordings) is read while the commit runs
    question_first = True  # the next question is the first call after the commit
    unparsed = True  # replies nobody reads (the question's Message, the edit's) are not parsed


async def render_context(
    deps: Deps, language: str, active: Active, chat: Chat | None
) -> render.Context:
    audio = deps.audio
    can_listen = bool(audio and await audio.offers(language, active.flow))
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


async def send_reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> object:
    """`reply` for show_events, whose caller never reads the sent message: PTB's `_post` (its
    parameters, defaults, rate limiter and errors) without de-serialising Telegram's answer into
    a `Message` with its keyboard (issue 16: ~15 % of an answer's CPU was such parsing)."""
    chat = update.effective_chat
    if chat is None or not Tuning.unparsed:
        return await reply(update, text, markup)
    params = {"chat_id": chat.id, "text": text[:MAX_MESSAGE_CHARS], "reply_markup": markup}
    return await update.get_bot()._post("sendMessage", params)


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
    if update.effective_chat is not None and not held_in_response():  # nothing is owed
        await settle(deps, update.effective_chat.id)


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
    if not held_in_response():  # a reply in the webhook response is never confirmed
        await settle(deps, owes)


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


class SideCalls:
    """Bot API calls that change nothing the parent waits for (the tap's spinner, the answered
    question's ✅ edit): they go out together with the next message sent, concurrently, instead
    of one round trip each before it. Each swallows its own Telegram errors.

    The message goes first (`Tuning.question_first`): `asyncio.gather` starts its tasks in the
    order given, and each builds its request before the next one starts, so the next question
    leaves before the side calls' requests are built; over a network they overlap."""

    concurrent = True  # False: one after another, as before issue 16 (the benchmark's "before")

    def __init__(self) -> None:
        self.pending: list[Coroutine[Any, Any, None]] = []

    def add(self, call: Coroutine[Any, Any, None]) -> None:
        self.pending.append(call)

    async def with_(self, call: Awaitable[T]) -> T:
        """Await `call` together with the pending side calls; return what `call` returned."""
        if not self.pending:
            return await call
        pending, self.pending = self.pending, []
        if not self.concurrent:
            for side in pending:
                await side
            return await call
        if Tuning.question_first:
            result, *_ = await asyncio.gather(call, *pending)
        else:
            *_, result = await asyncio.gather(*pending, call)
        return result  # type: ignore[no-any-return]

    async def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            await asyncio.gather(*pending)


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


async def release_held() -> None:
    """Send the message held for the webhook response now: something must come after it."""
    slot = WEBHOOK_REPLY.get()
    if slot is not None:
        await slot.release()


def held_in_response() -> bool:
    """This update's reply waits in the webhook response: Telegram will not confirm it."""
    slot = WEBHOOK_REPLY.get()
    return slot is not None and not slot.free()


def delivered_since(update: Update, owed: Owed) -> bool:
    """The parent tapped a message the bot sent after the owed note was written: what was owed
    (a reply held in a webhook response, which Telegram never confirms) reached them."""
    query = update.callback_query
    message = query.message if query is not None else None
    if not isinstance(message, Message):
        return False
    return message.date.timestamp() >= int(owed.since.timestamp())


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
            prepare_sound(self.deps, self.active.flow, event.question_id, language)
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
                self.update, self.active.flow, event.question_id, self.ctx.language
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
        key = question_key(event.question_id)
        text = flow_text(self.ctx.language, self.active.flow.id, key, question.text)
        await self.reply(self.update, text)

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


def prepare_sound(deps: Deps, flow: Flow, question_id: str, language: str) -> None:
    """Synthesise a question's sound in the background, so the repair question that may follow
    sends it from the cache instead of waiting ~1.4 s for espeak and ffmpeg."""
    audio = deps.audio
    if audio is None:
        return

    async def synthesise() -> None:
        from bot.audio import AudioError  # bot.audio imports this package (its /voorlezen)

        try:
            await audio.ensure(audio.clip(flow, question_id, language))
        except (AudioError, OSError) as exc:  # send_question will say so, if it comes to that
            log.info("preparing a sound failed: %s", type(exc).__name__)

    task = asyncio.create_task(synthesise())
    PREPARING.add(task)
    task.add_done_callback(PREPARING.discard)


async def drop_preparing() -> None:
    """Cancel this event loop's sounds in preparation and wait until they are gone (shutdown)."""
    loop = asyncio.get_running_loop()
    mine = [task for task in PREPARING if task.get_loop() is loop]
    for task in mine:
        task.cancel()
    if mine:
        await asyncio.wait(mine, timeout=PREPARING_GRACE)


# ---- what a crash may have swallowed ---------------------------------------------------------


async def deliver_owed(bot: Bot, deps: Deps, owed: Owed) -> None:
    """Send again what a chat is owed: its current question (harmless if it came twice), or the
    closing of a flow just completed; then settle. Never a broadcast: those are the outbox's."""
    chat = await deps.store.chat(owed.chat_id)
    active = await active_of(deps, chat)
    if active is not None and active.respondent.id == owed.respondent_id:
        language = (chat.language if chat else None) or active.respondent.language
        ctx = await render_context(deps, language, active, chat)
        asked = engine.current(active.flow, active.state)
        if active.state.status == Status.WAITING and asked is not None:
            view = render.ask(ctx, asked, active.state.selection)
            await bot.send_message(owed.chat_id, view.text, reply_markup=view.keyboard)
        elif active.state.status == Status.COMPLETED:
            await bot.send_message(owed.chat_id, closing_text(language, active))
    await deps.store.settle_owed(owed.chat_id)


async def deliver_owed_after(update: Update, deps: Deps) -> None:
    """An update from a chat still owed a reply (its delivery at start-up failed) that its
    handler did not answer with the question: deliver it, so the parent has a question on
    screen whatever they sent."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    owed = await deps.store.owed(chat.id)
    if owed is None:
        return
    # A reply held in a webhook response got there. Only where replies are held: elsewhere an
    # owed note outlives a reply only when the reply was not confirmed, and a tap on a message
    # of the same second (Telegram's dates are whole seconds) proves nothing (issue 13).
    if WEBHOOK_REPLY.get() is not None and delivered_since(update, owed):
        await settle(deps, chat.id)
        return
    try:
        await deliver_owed(update.get_bot(), deps, owed)
    except TelegramError as exc:
        log.info("an owed question is still not delivered: %s", type(exc).__name__)


async def deliver_owed_at_start(application: Application) -> None:  # type: ignore[type-arg]
    """After a restart, before polling: every chat owed a reply gets its current question."""
    deps: Deps = application.bot_data[DEPS_KEY]
    owed = await deps.store.all_owed()
    if not owed:
        return
    gate = asyncio.Semaphore(OWED_SENDS_AT_ONCE)
    delivered = 0

    async def one(item: Owed) -> None:
        nonlocal delivered
        async with gate, deps.locks.hold(item.chat_id):
            try:
                await deliver_owed(application.bot, deps, item)
                delivered += 1
            except Forbidden:  # blocked the bot: nothing can reach them
                await deps.store.settle_owed(item.chat_id)
            except TelegramError as exc:
                log.warning(
                    "an owed question could not be sent (%s); it goes with the chat's next update",
                    type(exc).__name__,
                )

    await asyncio.gather(*(one(item) for item in owed))
    log.info("after a restart: %d of %d owed questions delivered", delivered, len(owed))


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
        if Tuning.unparsed:  # nobody reads the edited message: Telegram's answer stays JSON
            params: dict[str, object] = {"chat_id": message.chat_id, "text": text}
            params |= {"message_id": message.message_id, "text": text[:MAX_MESSAGE_CHARS]}
            await message.get_bot()._post("editMessageText", params)
        else:
            await message.edit_text(text[:MAX_MESSAGE_CHARS], reply_markup=None)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)


async def edit_markup_quietly(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_reply_markup(reply_markup=markup)
    except TelegramError as exc:
        log.info("edit skipped: %s", exc.message)
