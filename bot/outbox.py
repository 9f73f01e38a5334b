"""The durable outbox: reminders, feedback and notices leave the database exactly once.

Messages are written to the `outbox` table first (`OutboxStore.enqueue`, bot/store/outbox.py),
in the same transaction as what caused them; this module decides when and how often each is
sent, and what an error means for it. The Bot API call itself and the mapping of Telegram's errors
to outcomes are the `Sender`'s: `bot.tg.outbox_sender.TelegramSender` in production.

    Outbox.drain()   send everything due now, then return a tally per outcome (tests call it)
    Outbox.start()   a background task: drain, sleep until the next message is due or `wake()`
    Outbox.stop()    stop taking messages, let the calls in flight finish

Exactly once. Before each Bot API call the message is marked `sending` and that is committed;
after the call it becomes `sent` (or pending again, blocked, failed). A message found `sending`
when the sender starts was interrupted mid-call: Telegram may or may not have delivered it, and
the Bot API has no idempotency key, so it is marked `unknown` and never sent again. Likewise a
call that broke after the request may have reached Telegram (read or write timeout, connection
lost mid-response) ends as `unknown`. So nothing is ever sent twice; what may be lost is counted
apart and shown to the school as "onzeker".

Errors (`Sender.classify`, for Telegram `bot.tg.outbox_sender.classify`):

    RetryAfter (429)                   wait retry_after (the whole sender pauses), then again;
                                       does not count as an attempt
    TimedOut / NetworkError, request   exponential backoff from BACKOFF_BASE, at most
      provably not sent (connect or    MAX_ATTEMPTS attempts, then `failed`
      pool timeout, connect error, an
      HTTP error answer such as 5xx)
    TimedOut / NetworkError, request   `unknown` (see above)
      may have arrived
    Forbidden (403)                    the person blocked the bot: `blocked`, `chats.blocked` is
                                       set, their other pending messages are blocked too; never
                                       retried
    BadRequest (400) and others        `failed`

Waking hours: a reminder or feedback message claimed outside its school's hours (its own, or
OUDERSTEM_WAKING_HOURS) goes back to pending until their next start, marked HELD; when a school's
hours change, `set_waking_hours` moves its HELD messages to the new start (`held_until`) in the
same transaction, so they neither wait longer than the new hours ask nor go before them; at
start-up every held message is timed by the hours this process has (the bot-wide setting may have
changed during a restart). (Deciding
this at claim time alone would need the families' local time in SQL, which SQLite cannot do, or
claiming every held message again on every pass.)

Rate: at most OUTBOX_PER_SECOND messages in any one second (below Telegram's 30 per second, so
live conversations keep room) and one per second per chat, by `RateLimiter`. In production PTB's
AIORateLimiter sits under this as well. Logs name message ids and error classes only: never a
text or a chat id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.config import DEFAULT_SEND_RATE
from bot.limits import BROADCAST_MESSAGES_PER_SECOND
from bot.schedule import (
    DEFAULT_WAKING,
    WakingHours,
    hours_of,
    waits_for_waking_hours,
    waking_moment,
)
from bot.store.protocols import OutboxStore
from bot.store.records import (
    BLOCKED,
    FAILED,
    GO,
    HELD,
    PENDING,
    SENT,
    UNKNOWN,
    BatchResult,
    NewMessage,
    Queued,
)
from bot.texts import staff as staff_texts

log = logging.getLogger(__name__)

# Of Telegram's BROADCAST_MESSAGES_PER_SECOND (30): 5/s left for live replies. The running bot
# takes OUDERSTEM_SEND_RATE (bot.config, same default).
OUTBOX_PER_SECOND = DEFAULT_SEND_RATE
PER_CHAT_SECONDS = 1.0  # Telegram: about one message per second to one chat
MAX_ATTEMPTS = 8  # network failures before a message is given up ("failed")
BACKOFF_BASE = timedelta(seconds=30)  # first wait after a network failure, doubled each time
BACKOFF_CAP = timedelta(minutes=15)
CLOCK_SLACK = 1e-6  # seconds: a wait shorter than this is a rounding error, not a wait
# After a stall (the loop blocked, a slow commit) the sender makes up the slots it missed: those
# of at most this long a stall (a longer pause is idleness: the schedule starts afresh), ...
CATCH_UP_SECONDS = 1.0
# ... evenly, at most this share above the rate (25/s: 28/s), and never closer than TELEGRAM_ROOM
# messages to Telegram's limit in any second (a make-up under a strict 25-a-second window is
# impossible without bursts: a missed slot can only be made up above the rate).
CATCH_UP_SHARE = 0.12
TELEGRAM_ROOM = 2  # messages/s kept free below Telegram's limit for the calls' jitter
MAX_IN_FLIGHT = 16  # Bot API calls at once
BATCH = 200  # messages read per pass
IDLE_SECONDS = 5.0  # how often an idle sender looks at the table without being woken
# Several workers: how often a worker that does not lead asks for the lead again, so the lead
# passes within this long of the leader's session ending (bot/store/postgres_coordination.py).
LEAD_RETRY_SECONDS = 2.0
STOP_GRACE_SECONDS = 10.0  # how long stop() lets the calls in flight finish

RETRY, FLOOD = "retry", "flood"  # tally keys besides the statuses
WAITING = "waiting"  # a reminder or feedback held back until waking hours

assert OUTBOX_PER_SECOND <= BROADCAST_MESSAGES_PER_SECOND


class RateLimiter:
    """`per_second` sends a second, evenly spaced (one every 1/`per_second` seconds, never the
    second's whole budget at once), and one per `per_chat` seconds per chat.

    Even spacing matters against Telegram's own sliding window: a burst at the start of each
    second lands there in clumps (the claim commits between the slot and the call add jitter)
    and draws 429s, and every 429 pauses the whole sender. `even=False` is the old, bursting
    behaviour, kept for the benchmark's before/after (bench/p4_broadcast.py).

    A stall (the event loop blocked, a slow commit) must not cost the slots it covered: the
    even schedule keeps its own clock (`_next`), so the slots of a stall of up to
    CATCH_UP_SECONDS are made up afterwards (a longer one is forgiven), evenly at `ceiling` a second (25/s: 28/s, below
    Telegram's 30 by TELEGRAM_ROOM). `ceiling` also bounds the slots in any one second; in a
    run without stalls it is never reached and the sends stay `per_second` apart. After a
    longer pause (idle) the schedule starts afresh. And `calling()`, right before each Bot API
    call, holds the calls themselves to `ceiling` in any second: slots taken before claims that
    a stall delayed must not reach Telegram in one clump. `catch_up=False` is the previous even
    limiter (a stall's slots lost, calls not counted), kept for the benchmark's before/after."""

    def __init__(
        self,
        per_second: float = OUTBOX_PER_SECOND,
        per_chat: float = PER_CHAT_SECONDS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        even: bool = True,
        catch_up: bool = True,
    ) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self.monotonic = monotonic
        self.sleep = sleep
        self.even = even
        self.catch_up = catch_up and even  # the bursting limiter is kept as it was
        self.spacing = 1.0 / per_second
        # The most slots (and calls) in any one second: above the rate only to make up a stall.
        self.ceiling = per_second
        if self.catch_up:
            room = BROADCAST_MESSAGES_PER_SECOND - TELEGRAM_ROOM
            self.ceiling = max(per_second, min(per_second * (1 + CATCH_UP_SHARE), room))
        self._recent: deque[float] = deque()  # slots taken in the last second
        self._calls: deque[float] = deque()  # Bot API calls made in the last second
        self._next = 0.0  # the even schedule's next slot (catch_up)
        self._last: dict[int, float] = {}

    def wait_for(self, chat_id: int) -> float:
        """Seconds until a message to this chat may go."""
        now = self.monotonic()
        _forget_older(self._recent, now)
        wait = 0.0
        if len(self._recent) >= self.ceiling:
            wait = 1.0 - (now - self._recent[0])
        if self.even and self._recent:
            if self.catch_up:  # the schedule's slot; owed ones evenly at `ceiling` a second
                quickest = 1.0 / self.ceiling - (now - self._recent[-1])
                wait = max(wait, self._next - now, quickest)
            else:
                wait = max(wait, self.spacing - (now - self._recent[-1]))
        last = self._last.get(chat_id)
        if last is not None:
            wait = max(wait, self.per_chat - (now - last))
        return wait if wait > CLOCK_SLACK else 0.0  # rounding must not make it wait forever

    async def acquire(self, chat_id: int) -> None:
        while (wait := self.wait_for(chat_id)) > 0:
            await self.sleep(wait)
        now = self.monotonic()
        idle = not self._recent or now - self._recent[-1] >= CATCH_UP_SECONDS
        self._recent.append(now)
        if idle:
            self._next = now + self.spacing  # the schedule starts afresh
        else:  # owed slots (a stall's) stay owed, up to CATCH_UP_SECONDS of them
            self._next = max(self._next, now - CATCH_UP_SECONDS) + self.spacing
        self._last[chat_id] = now
        if len(self._last) > 10_000:  # forget chats whose pause is long over
            self._last = {c: t for c, t in self._last.items() if now - t < self.per_chat}

    async def calling(self) -> None:
        """Right before the Bot API call of a slot: wait while `ceiling` calls were made in the
        last second, then count this one."""
        if not self.catch_up:
            return
        while True:
            now = self.monotonic()
            _forget_older(self._calls, now)
            if len(self._calls) < self.ceiling:
                break
            wait = 1.0 - (now - self._calls[0])
            if wait > CLOCK_SLACK:
                await self.sleep(wait)
            else:
                self._calls.popleft()  # a rounding error: that call is a second old
        self._calls.append(now)


def _forget_older(moments: deque[float], now: float) -> None:
    """Drop the moments a second or more before `now` (a sliding second's window)."""
    while moments and now - moments[0] >= 1.0:
        moments.popleft()


class Sender(Protocol):
    """The transport under the outbox: one call per message, and what its errors mean."""

    async def send(self, message: Queued) -> None:
        """Deliver one message; raise on any failure (`classify` reads the error)."""
        ...

    def classify(self, exc: BaseException) -> tuple[str, float]:
        """(what to do, seconds to wait): FLOOD, BLOCKED, FAILED, RETRY or UNKNOWN."""
        ...


def held_until(hours: str | None, default: WakingHours, now: datetime) -> datetime:
    """When a school's held reminders and feedback go once its hours are `hours` (None: the
    bot-wide `default`): now if that is in the hours, else their next start. Whoever changes a
    school's hours passes this to `set_waking_hours`, which re-times the held messages."""
    return waking_moment(now, hours_of(hours, default))


def backoff(attempt: int) -> timedelta:
    """The wait after the `attempt`-th failed call (1, 2, ...)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))


def result_text(title: str, counts: dict[str, int]) -> str:
    """What a school reads about a feedback broadcast."""
    return staff_texts.say(
        staff_texts.FEEDBACK_RESULT,
        round=title,
        sent=counts.get(SENT, 0),
        waiting=counts.get(PENDING, 0) + counts.get("sending", 0),
        blocked=counts.get(BLOCKED, 0),
        failed=counts.get(FAILED, 0),
        unknown=counts.get(UNKNOWN, 0),
    )


def result_notice(result: BatchResult) -> NewMessage | None:
    """The message that tells a feedback's author how it went, once every message settled."""
    if result.batch.kind != "feedback" or result.creator_chat is None:
        return None
    return NewMessage(
        chat_id=result.creator_chat,
        kind="notice",
        language="nl",
        text=result_text(result.batch.title, result.counts),
        dedupe_key=f"batch:{result.batch.id}",
    )


class Outbox:
    """Sends what the outbox table holds, at Telegram's pace, exactly once (see the module)."""

    def __init__(
        self,
        staff: OutboxStore,
        sender: Sender,
        clock: Clock,
        *,
        limiter: RateLimiter | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        waking: WakingHours = DEFAULT_WAKING,
        lead: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.staff = staff
        # Several workers: only the elected one sends (bot/store/postgres_coordination.py says
        # why); None: this process always sends.
        self.lead = lead
        self.sender = sender
        self.waking = waking
        self.clock = clock
        self.limiter = limiter or RateLimiter()
        self.max_in_flight = max_in_flight
        self.paused_until: datetime | None = None
        self._recovered = False
        self._stopping = False
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- sending -------------------------------------------------------------------------------

    async def drain(self) -> dict[str, int]:
        """Send every message due now; return how each went (sent, retry, blocked, ...)."""
        async with self._lock:
            tally: Counter[str] = Counter()
            if not self._recovered:
                tally["interrupted"] += await self.staff.recover(self.clock())
                now = self.clock()  # held messages follow the hours this process has
                await self.staff.retime_every_held(lambda own: held_until(own, self.waking, now))
                self._recovered = True
            while not self._stopping and not self._paused():
                due = self._one_per_chat(await self.staff.due(self.clock(), BATCH))
                if not due:
                    finished = await self.staff.finish_batches(self.clock(), result_notice)
                    if any(result_notice(r) for r in finished):
                        continue  # a result notice was queued: send it too
                    break
                await self._send_all(due, tally)
                if self.lead is not None and not await self.lead():
                    # The lead went to another worker mid-drain (our session ended): it sends
                    # from here, after marking what we had in flight `unknown`.
                    self._recovered = False
                    break
            return {k: v for k, v in tally.items() if v}

    def _paused(self) -> bool:
        return self.paused_until is not None and self.clock() < self.paused_until

    @staticmethod
    def _one_per_chat(messages: list[Queued]) -> list[Queued]:
        """At most one message per chat per pass: the next one waits for the per-chat pause."""
        seen: set[int] = set()
        picked = []
        for message in messages:
            if message.chat_id not in seen:
                seen.add(message.chat_id)
                picked.append(message)
        return picked

    async def _send_all(self, messages: list[Queued], tally: Counter[str]) -> None:
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks = []
        for message in messages:
            if self._stopping or self._paused():
                break
            await self.limiter.acquire(message.chat_id)
            await slots.acquire()
            tasks.append(asyncio.create_task(self._deliver(message, tally, slots)))
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, Exception):  # the database failed: the next pass tries again
                log.error("outbox delivery failed: %s", type(outcome).__name__)
            elif isinstance(outcome, BaseException):  # the process is going down: let it
                raise outcome

    async def _deliver(
        self, message: Queued, tally: Counter[str], slots: asyncio.Semaphore
    ) -> None:
        try:
            claimed = await self.staff.claim(message.id, self.clock())
            if claimed != GO:
                tally[claimed] += 1
                return
            now = self.clock()
            hours = hours_of(message.waking_hours, self.waking)  # the school's own, or the setting
            if waits_for_waking_hours(message.kind, now, hours):  # not at night, not Sunday
                later = waking_moment(now, hours)
                await (
                    self.staff.settle(  # marked HELD: it follows its school's hours if they change
                        message.id,
                        PENDING,
                        now,
                        error=HELD,
                        next_attempt_at=later,
                        refund_attempt=True,
                    )
                )
                tally[WAITING] += 1
                return
            await self.limiter.calling()  # the call itself kept under the rate
            try:
                await self.sender.send(message)
            except Exception as exc:
                await self._failed(message, exc, tally)
            else:
                await self.staff.settle(message.id, SENT, self.clock())
                tally[SENT] += 1
        finally:
            slots.release()

    async def _failed(self, message: Queued, exc: Exception, tally: Counter[str]) -> None:
        what, wait = self.sender.classify(exc)
        now = self.clock()
        error = type(exc).__name__
        log.warning("outbox message %d: %s (%s)", message.id, error, what)
        attempt = message.attempts + 1
        if what == FLOOD:
            self.paused_until = now + timedelta(seconds=wait)
            await self.staff.settle(
                message.id,
                PENDING,
                now,
                error=error,
                next_attempt_at=self.paused_until,
                refund_attempt=True,
            )
            tally[RETRY] += 1
        elif what == BLOCKED:
            await self.staff.mark_blocked(message.id, message.chat_id, now)
            tally[BLOCKED] += 1
        elif what == RETRY and attempt < MAX_ATTEMPTS:
            await self.staff.settle(
                message.id, PENDING, now, error=error, next_attempt_at=now + backoff(attempt)
            )
            tally[RETRY] += 1
        else:
            status = UNKNOWN if what == UNKNOWN else FAILED
            await self.staff.settle(message.id, status, now, error=error)
            tally[status] += 1

    # ---- the background task -------------------------------------------------------------------

    def wake(self) -> None:
        """New messages are due: look now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Drain, then sleep until the next message is due (or `wake`), until `stop`."""
        while not self._stopping:
            self._wake.clear()
            try:
                if self.lead is not None and not await self.lead():
                    self._recovered = False  # on taking the lead: recover what the last left
                    delay = LEAD_RETRY_SECONDS
                else:
                    await self.drain()
                    delay = await self._idle_delay()
            except Exception as exc:  # keep running: the table keeps every message
                log.error("outbox pass failed: %s", type(exc).__name__)
                delay = IDLE_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _idle_delay(self) -> float:
        now = self.clock()
        moments = [
            m for m in (await self.staff.next_due(), self.paused_until) if m is not None and m > now
        ]
        if not moments:
            return IDLE_SECONDS
        return max(0.05, min(IDLE_SECONDS, (min(moments) - now).total_seconds()))

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="ouderstem-outbox")

    async def stop(self) -> None:
        """Take no new message; let the calls in flight finish (then cancel)."""
        self._stopping = True
        self.wake()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("outbox stopped with calls in flight; they count as unknown")
