"""Fetch updates ourselves, so Telegram forgets an update only once it is handled.

PTB's Updater confirms a batch to Telegram (the `offset` of the next getUpdates) as soon as it
has fetched it, before any handler ran: a crash in between loses those updates for good. Here
the offset never passes an update that is still in hand:

    fetched ──▶ in flight ──(handler done: committed and replied)──▶ handled ──▶ confirmed

`Confirmations` is that rule, pure and unit-tested. `Poller` runs it: each fetched update that
is not already in hand goes to the application's update processor (bot.tg.deps: one chat's
updates in arrival order, different chats concurrently); a re-fetched update that is in flight
or handled is skipped. After a crash, Telegram sends the unconfirmed updates again and the
store's processed-update check makes a handled one a no-op.

Telegram returns every unconfirmed update on each getUpdates, so while an update is in hand a
poll comes back at once: the poller then waits for a handler to finish (or a short while)
instead of asking again in a tight loop.

Each fetched update is parsed as the webhook parses it (`bot.tg.intake.parse_update`: the
tapped message's keyboard, sender and entities are left out; issue 16, P5), from getUpdates'
raw JSON (PTB's `Bot._post`, the call `Bot.get_updates` makes before it parses everything), and
only once it is due: until its chat's turn and a handler slot are free it waits as that lean
JSON (`bot.tg.intake.Pending`, `ChatOrderedProcessor.process_when_due`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.tg.deps import ChatOrderedProcessor
from bot.tg.intake import Pending

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 10  # getUpdates waits this long for news when nothing is in hand (PTB's too)
BATCH_LIMIT = 100  # getUpdates' own maximum per call
IN_HAND_RECHECK_SECONDS = 0.25  # while updates are in hand, look for new ones this often
BACKOFF_FIRST_SECONDS = 1.0  # after a failed poll; grows x1.5 up to the maximum (as PTB did)
BACKOFF_FACTOR = 1.5
BACKOFF_MAX_SECONDS = 30.0
# An update still in hand after this long is given up (logged with where it waits): Telegram
# returns at most BATCH_LIMIT updates from the offset, so one stuck handler would otherwise keep
# every parent behind it in silence. A report is built off the event loop well within this.
STUCK_UPDATE_SECONDS = 120.0
AWAIT_CHAIN_LIMIT = 30  # coroutines named in that log line


class Confirmations:
    """Which updates are in hand, and how far Telegram may forget (the next `offset`)."""

    def __init__(self) -> None:
        self.in_flight: set[int] = set()
        self.handled: set[int] = set()  # done, but an earlier update is still in flight
        self.offset: int | None = None  # everything below is confirmed to Telegram

    def take(self, update_id: int) -> bool:
        """A fetched update: True when it is new work, False when it is already in hand."""
        if self.offset is not None and update_id < self.offset:
            return False
        if update_id in self.in_flight or update_id in self.handled:
            return False
        self.in_flight.add(update_id)
        return True

    def done(self, update_id: int) -> None:
        """Its handler finished: the answer is committed and the replies are out."""
        self.in_flight.discard(update_id)
        self.handled.add(update_id)

    def next_offset(self) -> int | None:
        """The offset for the next getUpdates: the oldest update in flight, else past the last
        handled one. It never moves back."""
        if self.in_flight:
            offset = min(self.in_flight)
        elif self.handled:
            offset = max(self.handled) + 1
        else:
            return self.offset
        if self.offset is None or offset > self.offset:
            self.offset = offset
        self.handled = {u for u in self.handled if u >= self.offset}
        return self.offset


class Poller:
    """getUpdates in a loop, handing updates to the application and confirming them after."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        *,
        poll_interval: float = 0.0,
        allowed_updates: Sequence[str] | None = None,
        long_poll: float = LONG_POLL_SECONDS,
        stuck_after: float = STUCK_UPDATE_SECONDS,
    ) -> None:
        self.application = application
        self.poll_interval = poll_interval
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.long_poll = long_poll
        self.stuck_after = stuck_after
        self.confirmations = Confirmations()
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop fetching (a signal handler may call this); updates in hand still finish."""
        self._stopping.set()

    async def run(self) -> None:
        """Poll until `stop`, then let the updates in hand finish and confirm them."""
        backoff = BACKOFF_FIRST_SECONDS
        while not self._stopping.is_set():
            self._progress.clear()  # set by any handler that finishes from here on
            try:
                updates = await self._fetch()
            except InvalidToken:
                raise
            except TelegramError as exc:
                log.warning(
                    "polling failed (%s: %s); retrying in %.1f s", type(exc).__name__, exc, backoff
                )
                await self._pause(backoff)
                backoff = min(backoff * BACKOFF_FACTOR, BACKOFF_MAX_SECONDS)
                continue
            if updates is None:  # stopped while waiting
                break
            backoff = BACKOFF_FIRST_SECONDS
            fresh = [u for u in updates if self.confirmations.take(u.update_id)]
            for update in fresh:
                self._start(update)
            if fresh:
                if self.poll_interval:
                    await self._pause(self.poll_interval)
            elif self.confirmations.in_flight:
                await self._wait_progress(IN_HAND_RECHECK_SECONDS)
        await self.drain()

    async def drain(self) -> None:
        """Wait for the updates in hand, then confirm them with one last short getUpdates."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        offset = self.confirmations.next_offset()
        if offset is None:
            return
        with contextlib.suppress(TelegramError):
            await self.application.bot.get_updates(offset=offset, timeout=0, limit=1)

    async def _fetch(self) -> tuple[Pending, ...] | None:
        """One getUpdates; None when `stop` came first (the poll is abandoned, not confirmed)."""
        waiting = 0 if self.confirmations.in_flight else self.long_poll
        poll = asyncio.ensure_future(self._get_updates(waiting))
        stopping = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if poll not in done:
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await poll
            return None
        stopping.cancel()
        return poll.result()

    async def _get_updates(self, waiting: float) -> tuple[Pending, ...]:
        """getUpdates as `Bot.get_updates` makes it (its read timeout: the long poll's wait plus
        2 s, plus the wait again, as PTB adds it), each update kept lean until it is due."""
        bot = self.application.bot
        data = {
            "offset": self.confirmations.next_offset(),
            "limit": BATCH_LIMIT,
            "timeout": waiting,
            "allowed_updates": self.allowed_updates,
        }
        result = await bot._post("getUpdates", data, read_timeout=2 * waiting + 2)
        return tuple(Pending.of_polled(raw, bot) for raw in result)

    def _parsed(self, pending: Pending) -> Update:
        """The update, parsed as the webhook parses it, as `Bot.get_updates` hands it over."""
        bot = self.application.bot
        update = pending.parse(bot)
        insert = getattr(bot, "insert_callback_data", None)  # ExtBot's (a no-op for our buttons)
        if insert is not None:
            insert(update)
        return update

    async def _due(self, pending: Pending) -> None:
        """Its chat's turn and a slot are held: parse it and hand it to the handlers."""
        await self.application.process_update(self._parsed(pending))

    async def _unordered(self, pending: Pending) -> None:
        """Through an update processor without chat turns (tests may wire PTB's own)."""
        update = self._parsed(pending)
        processor = self.application.update_processor
        await processor.process_update(update, self.application.process_update(update))

    def _start(self, pending: Pending) -> None:
        task = asyncio.create_task(self._handle(pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, pending: Pending) -> None:
        processor = self.application.update_processor
        if isinstance(processor, ChatOrderedProcessor):
            due = processor.process_when_due(pending.chat_id, lambda: self._due(pending))
        else:
            due = self._unordered(pending)
        work = asyncio.ensure_future(due)
        try:
            try:
                done, _ = await asyncio.wait({work}, timeout=self.stuck_after)
            except asyncio.CancelledError:
                work.cancel()  # the poller itself is being stopped
                raise
            if not done:
                self._give_up(pending.update_id, work)
                await asyncio.wait({work})  # let it unwind
            elif not work.cancelled() and work.exception() is not None:
                # PTB's error handlers saw it; the update must not block the offset
                log.error(
                    "update %d failed outside its handler",
                    pending.update_id,
                    exc_info=work.exception(),
                )
        finally:
            self.confirmations.done(pending.update_id)
            self._progress.set()

    def _give_up(self, update_id: int, work: asyncio.Future[None]) -> None:
        """Log where a stuck update waits (code lines only: no texts, no chat ids), cancel it."""
        log.error(
            "update %d still in hand after %.0f s: given up so the updates behind it go on; "
            "it waits at %s",
            update_id,
            self.stuck_after,
            " > ".join(awaiting(work)) or "an unknown place",
        )
        work.cancel()

    async def _wait_progress(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def awaiting(work: asyncio.Future[Any]) -> list[str]:
    """Where a suspended task waits: each coroutine down its chain of awaits, as file:line."""
    places: list[str] = []
    step: Any = work.get_coro() if isinstance(work, asyncio.Task) else None
    while step is not None and len(places) < AWAIT_CHAIN_LIMIT:
        frame = getattr(step, "cr_frame", None) or getattr(step, "gi_frame", None)
        if frame is None:
            break
        places.append(f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}")
        step = getattr(step, "cr_await", None) or getattr(step, "gi_yieldfrom", None)
    return places


async def serve(
    application: Application,  # type: ignore[type-arg]
    poller: Poller,
    *,
    before_polling: Callable[[Application], Awaitable[None]] | None = None,  # type: ignore[type-arg]
) -> None:
    """The application's life around our poller: initialize, post_init, `before_polling`
    (deliver what is owed), start, poll until stopped, then stop and shut down in PTB's order."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        if before_polling is not None:
            await before_polling(application)
        await application.start()
        try:
            await poller.run()
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
