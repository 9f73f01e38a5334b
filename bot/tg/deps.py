"""What every handler needs, wired once in `bot.tg.app` and found in `application.bot_data`.

Also the guard every handler runs under: one parent's updates are handled one at a time (a
lock per chat, so the application itself can handle different parents concurrently), and an
update id handled before is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, ContextTypes

from bot.clock import Clock, TokenFactory, new_respondent_id, new_token, system_clock
from bot.config import Settings
from bot.store.protocols import DuplicateUpdate

if TYPE_CHECKING:
    from bot.outbox import Outbox
    from bot.schedule import RoundKeeper
    from bot.store.protocols import Store
    from bot.tg.audio_sender import TelegramAudio

log = logging.getLogger(__name__)
DEPS_KEY = "ouderstem"

UNREAD: Any = object()  # a chat row nobody read yet (None is "no such chat")

StartHook = Callable[[Update, ContextTypes.DEFAULT_TYPE, "Deps", str], Awaitable[None]]


# The chat lock the running code holds already, as (id of its ChatLocks, chat id): the update's
# turn (`ChatOrderedProcessor`) is the guard's lock too, so `guarded` inside it takes no second
# lock (issue 16: one chat lock per update).
_HOLDING: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "ouderstem_chat_lock", default=None
)


class ChatLocks:
    """One turn per chat: one task holds it, the others wait for it in arrival order.

    A chat nobody else waits for costs one dict entry while it is held, nothing once let go: no
    lock object is made unless a second task asks for the chat while it is held (then its
    waiters queue behind it, first come first served, as with an `asyncio.Lock`). With
    thousands of parents each answering one question at a time, contention is the exception
    (bench P5, issue 16: an `asyncio.Lock` and a generator context manager per update were
    ~0.6 MB with 1,000 updates in flight).

    Holding a chat's turn again inside its own `hold` (the same task, or a task it started and
    awaits) takes nothing more: the update's turn and the handler's guard are the same turn
    (`bot.tg.app` wires it so)."""

    def __init__(self) -> None:
        # chat id -> the tasks waiting for its turn (None: held, nobody waiting); absent: free
        self._held: dict[int, deque[asyncio.Future[None]] | None] = {}

    def hold(self, chat_id: int | None) -> contextlib.AbstractAsyncContextManager[None]:
        """The chat's turn for the `async with` block (nothing for None, or when held here)."""
        return _Turn(self, chat_id)

    async def _take(self, chat_id: int) -> None:
        if chat_id not in self._held:
            self._held[chat_id] = None
            return
        waiters = self._held[chat_id]
        if waiters is None:
            waiters = self._held[chat_id] = deque()
        turn = asyncio.get_running_loop().create_future()
        waiters.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # handed over as it was cancelled: pass on
                self._pass(chat_id)
            elif turn in waiters:
                waiters.remove(turn)
            raise

    def _pass(self, chat_id: int) -> None:
        """Hand the turn to the first task still waiting, or free the chat."""
        waiters = self._held[chat_id]
        while waiters:
            turn = waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        del self._held[chat_id]

    def __len__(self) -> int:
        return len(self._held)


class _Turn:
    """`ChatLocks.hold`: a plain object (an update holds two or three of these at once)."""

    __slots__ = ("_chat_id", "_locks", "_token")

    def __init__(self, locks: ChatLocks, chat_id: int | None) -> None:
        self._locks = locks
        self._chat_id = chat_id
        self._token: contextvars.Token[tuple[int, int] | None] | None = None

    async def __aenter__(self) -> None:
        chat_id = self._chat_id
        if chat_id is None or _HOLDING.get() == (id(self._locks), chat_id):
            return
        await self._locks._take(chat_id)
        self._token = _HOLDING.set((id(self._locks), chat_id))

    async def __aexit__(self, *exc_info: object) -> None:
        token = self._token
        if token is None:  # nothing was taken
            return
        self._token = None
        _HOLDING.reset(token)
        assert self._chat_id is not None
        self._locks._pass(self._chat_id)


# A person taps and types a few updates a second at most; a chat with more than this many
# updates waiting (or running) is flooding, and what comes on top is dropped (issue 11, item 10).
MAX_QUEUED_PER_CHAT = 20
UNBOUNDED = 1 << 30  # PTB's own semaphore is left wide open: the slots are taken below


class ChatOrderedProcessor(BaseUpdateProcessor):
    """PTB's concurrent update handling, with each chat's updates handled in arrival order,
    and no chat able to stall the others.

    PTB starts one task per update. A handler that awaits anything before it takes the chat
    lock in `guarded` (the staff text handler in group -1 reads the database first) lets a later
    update of the same chat overtake it: a typed answer followed by a tap, or by /stop, would be
    applied in the wrong order. Here the chat's turn is taken before any handler runs, in the
    order the poller handed the updates over; other chats still run concurrently.

    Fairness: the chat's turn is taken *before* one of the `max_concurrent_updates` slots, so a
    chat holds at most one slot however many updates it sends (PTB's own semaphore would take a
    slot first and let a thousand updates of one chat fill every slot while they wait for that
    chat's turn). And each chat has a budget: beyond `per_chat` updates waiting or running, an
    update is dropped unhandled (logged once per flood, without the chat id). With one update
    per chat in flight, a flooding chat also has at most one reply waiting for the rate limiter.

    Several workers (`ouderstem serve` behind a load balancer): `shared_turn`, set by
    `bot.tg.app` to the store's `chat_turn`, is also held around the update, so a parent's next
    update waits for the one before it whichever worker has it (an advisory lock on PostgreSQL,
    nothing on SQLite).
    """

    def __init__(self, max_concurrent_updates: int, per_chat: int = MAX_QUEUED_PER_CHAT) -> None:
        super().__init__(UNBOUNDED)
        self.slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self.per_chat = per_chat
        self.turns = ChatLocks()
        self.queued: dict[int, int] = {}  # chat id -> updates waiting for or holding its turn
        self.flooding: set[int] = set()  # chats whose flood was logged
        self.dropped = 0  # updates dropped over a chat's budget, for tests and benchmarks
        self.shared_turn: Callable[[int], contextlib.AbstractAsyncContextManager[None]] | None = (
            None
        )

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        await self._in_turn(chat.id if chat is not None else None, coroutine)

    async def process_when_due(
        self, chat_id: int | None, start: Callable[[], Awaitable[Any]]
    ) -> None:
        """`start()` once the chat's turn and a slot are held: an update that waits is kept as
        its JSON and parsed only then (`bot.tg.intake.Pending`; bench P5)."""
        await self._in_turn(chat_id, start)

    async def _in_turn(
        self, chat_id: int | None, work: Awaitable[Any] | Callable[[], Awaitable[Any]]
    ) -> None:
        """Run `work` (a coroutine, or what makes one) in the chat's turn and a slot."""
        if chat_id is not None:
            waiting = self.queued.get(chat_id, 0)
            if waiting >= self.per_chat:
                self.dropped += 1
                if chat_id not in self.flooding:  # logged once until the chat is calm again
                    self.flooding.add(chat_id)
                    log.warning("a chat sent more than %d updates at once; dropping", waiting)
                if inspect.iscoroutine(work):
                    work.close()  # never started: no "was never awaited" warning
                return
            self.queued[chat_id] = waiting + 1
        started = False
        try:
            if chat_id is None or self.shared_turn is None:
                async with self.turns.hold(chat_id), self.slots:
                    started = True
                    await (work() if callable(work) else work)
            else:
                async with self.turns.hold(chat_id), self.slots, self.shared_turn(chat_id):
                    started = True
                    await (work() if callable(work) else work)
        finally:
            if not started and inspect.iscoroutine(work):
                work.close()  # the shared turn failed (database down): never started
            if chat_id is not None:
                self._leave(chat_id)

    def _leave(self, chat_id: int) -> None:
        left = self.queued[chat_id] - 1
        if left:
            self.queued[chat_id] = left
        else:
            del self.queued[chat_id]
            self.flooding.discard(chat_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


@dataclass
class Deps:
    """The services, typed. The store is made by the caller; the audio service, the
    outbox sender and the round keeper by `bot.tg.app.build_application` (tests may swap them)."""

    settings: Settings
    store: Store
    clock: Clock = system_clock
    tokens: TokenFactory = new_token
    respondent_ids: Callable[[], str] = new_respondent_id
    locks: ChatLocks = field(default_factory=ChatLocks)
    start_hooks: dict[str, StartHook] = field(default_factory=dict)  # deep-link prefix -> hook
    audio: TelegramAudio | None = None  # /voorlezen and the 🔊 button; None: nothing is read
    outbox: Outbox | None = None  # the sender of queued messages; None: they wait in the table
    rounds: RoundKeeper | None = None  # closes rounds at their date, queues reminders
    # After each update of a chat: deliver a reply a crash left owed (bot.tg.parent).
    owed_delivery: Callable[[Update, Deps], Awaitable[None]] | None = None

    def wake_outbox(self) -> None:
        """New messages are queued: the sender looks now instead of at its next poll."""
        if self.outbox is not None:
            self.outbox.wake()


def deps_of(context: ContextTypes.DEFAULT_TYPE) -> Deps:
    return context.application.bot_data[DEPS_KEY]  # type: ignore[no-any-return]


async def deliver_owed(update: Update, deps: Deps) -> None:
    if deps.owed_delivery is not None:
        await deps.owed_delivery(update, deps)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Deps], Awaitable[None]]


@dataclass
class Handling:
    """What the handler of one update already knows, so `guarded` need not read it again."""

    update_id: int
    chat_id: int | None = None
    claimed: bool = False  # a committed write claimed this update id
    settled_chat: int | None = None  # this chat's owed note was settled after its reply went
    chat: Any = UNREAD  # the chat row, read together with `is_processed`
    held: bool = False  # the reply goes as the webhook's HTTP response (`WebhookReply`)


HANDLING: contextvars.ContextVar[Handling | None] = contextvars.ContextVar(
    "ouderstem_handling", default=None
)


def read_chat_once(chat_id: int) -> Any:
    """The chat row `guarded` read with the update's `is_processed` (issue 16: one query,
    `chat_for_update`), handed out once; UNREAD when there is none for this chat."""
    handling = HANDLING.get()
    if handling is None or handling.chat is UNREAD or handling.chat_id != chat_id:
        return UNREAD
    chat, handling.chat = handling.chat, UNREAD
    return chat


def note_held() -> None:
    """This update's reply waits in the webhook response: `guarded` must not deliver the owed
    question on top of it (it would reach the parent first, and twice)."""
    handling = HANDLING.get()
    if handling is not None:
        handling.held = True


def note_claimed(update_id: int | None) -> None:
    """A write of the update being handled committed with its id: it is processed."""
    handling = HANDLING.get()
    if handling is not None and update_id == handling.update_id:
        handling.claimed = True


def note_settled(chat_id: int) -> None:
    """The chat's owed note is gone: nothing is owed to deliver after this update."""
    handling = HANDLING.get()
    if handling is not None:
        handling.settled_chat = chat_id


GuardedHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def guarded(handler: Handler) -> GuardedHandler:
    """Run a handler under its chat's lock, once per update id; then deliver what the chat is
    still owed (a reply a crash swallowed that this handler did not show again)."""
    return _guard(handler, read_chat=False)


def guarded_reading_chat(handler: Handler) -> GuardedHandler:
    """`guarded`, and the chat row is read in the same trip as `is_processed` (the handler takes
    it with `read_chat_once`): for the parent's answers, where every round trip to the
    database before the commit delays the next question (issue 16)."""
    return _guard(handler, read_chat=True)


def _guard(handler: Handler, *, read_chat: bool) -> GuardedHandler:
    @functools.wraps(handler)
    async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        deps = deps_of(context)
        chat_id = update.effective_chat.id if update.effective_chat else None
        async with deps.locks.hold(chat_id):
            chat: Any = UNREAD
            if read_chat and chat_id is not None:  # one query for both
                processed, chat = await deps.store.chat_for_update(update.update_id, chat_id)
            else:
                processed = await deps.store.is_processed(update.update_id)
            if processed:
                log.info("update %d was handled before; skipped", update.update_id)
                if update.callback_query:
                    await update.callback_query.answer()
                await deliver_owed(update, deps)
                return
            handling = Handling(update.update_id, chat_id, chat=chat)
            token = HANDLING.set(handling)
            try:
                await handler(update, context, deps)
            except DuplicateUpdate:
                log.info("update %d was handled before; skipped", update.update_id)
                await deliver_owed(update, deps)
                return
            finally:
                HANDLING.reset(token)
            if not handling.held and (chat_id is None or handling.settled_chat != chat_id):
                await deliver_owed(update, deps)  # else nothing is owed, or it is in the response
            # A handler that wrote nothing (/help, a rejected reply, ...) still must not answer
            # a redelivery again: remember the update once its replies are out.
            if not handling.claimed and not await deps.store.is_processed(update.update_id):
                with contextlib.suppress(DuplicateUpdate):
                    await deps.store.mark_processed(update.update_id, deps.clock())

    return run


# ---- the webhook's HTTP response as a reply (issue 16) -------------------------------------------


@dataclass
class WebhookReply:
    """One Bot API method may go back to Telegram as the webhook's HTTP response, a round trip
    saved: Telegram calls it when it reads the response. `bot.web.app` sets one per update
    (`WEBHOOK_REPLY`) when `ouderstem serve` replies in the response; the parent's session holds
    the first message of its reply here instead of sending it (`hold`).

    Telegram says nothing back about a method in the response: neither success nor the message
    id. So the owed note of a held reply is settled when the response is written (`out`, called
    by `bot.web.app` while the chat's turn is still held, so neither the chat's next update nor
    a new leader delivering owed replies sees the note in between), not when the Bot API
    confirms. A worker that dies before writing leaves the note, and the next leader (or the
    update's redelivery) delivers the question; one that dies between writing and settling
    leaves a note for a question that went: the parent may get it twice, the price of
    at-least-once. A second message in the same update must come after the first, so `release`
    sends the held one through the Bot API first. Calls that change nothing the parent waits
    for (`after`: the tap's answer, the ✅ edit) run once the response is sent.
    """

    body: dict[str, Any] | None = None
    send: Callable[[], Awaitable[object]] | None = None  # the held call, made for real
    after: list[Coroutine[Any, Any, None]] = field(default_factory=list)
    settle: Callable[[], Awaitable[None]] | None = None  # the owed note the held reply carries

    def free(self) -> bool:
        return self.body is None

    def hold(
        self, bot: Any, method: str, params: dict[str, Any], send: Callable[[], Awaitable[object]]
    ) -> None:
        """Hold `method` with `params` as the response; `send` makes the same call for real."""
        self.body = method_body(bot, method, params)
        self.send = send
        note_held()

    def settle_when_out(self, settle: Callable[[], Awaitable[None]]) -> None:
        """`settle` (the owed note's) runs once the held reply is out (`out`)."""
        self.settle = settle

    async def out(self) -> None:
        """The held reply is out (the response written, or sent through the Bot API after all):
        what it carried is no longer owed."""
        settle, self.settle = self.settle, None
        if settle is not None:
            await settle()

    async def release(self) -> None:
        """Send the held method through the Bot API now (something must follow it)."""
        send, self.body, self.send = self.send, None, None
        if send is not None:
            await send()
            await self.out()  # confirmed by the Bot API: a note waiting for it is settled

    async def finish(self) -> None:
        """After the response: the side calls (each swallows its own errors)."""
        after, self.after = self.after, []
        if after:
            await asyncio.gather(*after)

    def drop(self) -> None:
        """The update's handling ended abruptly (cancelled, the process dying): the side calls
        never run."""
        after, self.after = self.after, []
        for call in after:
            call.close()


WEBHOOK_REPLY: contextvars.ContextVar[WebhookReply | None] = contextvars.ContextVar(
    "ouderstem_webhook_reply", default=None
)


def method_body(bot: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a Bot API call as PTB would send it (its defaults, None dropped, objects
    as dicts), with the method named in `method`: what a webhook response carries."""
    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter  # PTB's own encoder

    data: dict[str, object] = dict(params)
    bot._insert_defaults(data)  # ExtBot's Defaults, as `Bot._post` does
    parameters = [RequestParameter.from_input(k, v) for k, v in data.items() if v is not None]
    return {"method": method, **RequestData(parameters).parameters}
