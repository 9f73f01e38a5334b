"""Rounds that close themselves, and the reminder policy: which rounds close now, which reminders
are due and to whom.

    reminder_cutoffs(now)                    who counts as paused on purpose or busy answering
    rounds_to_remind(rounds, now, days)      the open rounds in their last `days` days
    reminders_for(round, school, ...)        who gets a reminder for one round, and which kind
    RoundKeeper.tick()                       one pass: close what is due, queue the reminders
    waking_moment(now, hours)                now, or the next moment a family may get a message
    school_waking_hours(text)                a school's own hours, checked and written the one way
    hours_of(text, default)                  a school's stored hours, or the bot-wide ones

The policy is pure: it decides from what the store found, with the clock injected. No Telegram
here: how a reminder reads (its text, its button) is the host's `compose` function
(`bot.tg.reminders.reminder_message`); the queued messages leave through the outbox.

A reminder goes at most once per round and person (the outbox's dedupe key), only during the
last `Settings.reminder_days` days, never to who finished, asked for no reminders (/geenherinnering)
or blocked the bot, not to who paused on purpose less than PAUSE_RESPECTED ago nor to who is
answering right now (ACTIVE_QUIET). In a team round, team members who have not started get one
too, with the link.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import SOURCE_LANGUAGE
from bot.staff import ACTIVE_QUIET, PAUSE_RESPECTED, reminder_window
from bot.store.records import NewMessage, Recipient, Round

log = logging.getLogger(__name__)

TEAM = "team"  # the audience of a team round

# ---- waking hours: reminders and feedback never arrive at night or on Sunday --------------------
# Schools' own apps learned this: a message at 23:00 wakes a family and feels like pressure.
FAMILY_TIME_ZONE = ZoneInfo("Europe/Brussels")
REST_DAYS = frozenset({6})  # Sunday (Monday is 0)
DEFAULT_WAKING_HOURS = "08:00-20:00"
ALWAYS_SETTING = "always"
# The outbox kinds that wait for waking hours. Replies in a conversation the parent started, and
# notices to staff, go at once.
WAKING_HOURS_KINDS = frozenset({"reminder", "feedback"})


@dataclass(frozen=True, slots=True)
class WakingHours:
    """From `start` to `end` (local time in `zone`), not on `rest_days`."""

    start: time = time(8)
    end: time = time(20)
    rest_days: frozenset[int] = REST_DAYS
    zone: ZoneInfo = FAMILY_TIME_ZONE

    @classmethod
    def parse(cls, text: str) -> WakingHours:
        """ "08:00-20:00" (the setting `OUDERSTEM_WAKING_HOURS`), or "always" (every moment of
        every day: a test bench, never families); ValueError when unreadable."""
        if text.strip() == ALWAYS_SETTING:
            return cls(time.min, time.max, frozenset())
        first, sep, last = text.strip().partition("-")
        if not sep:
            raise ValueError(f"waking hours must read like {DEFAULT_WAKING_HOURS!r}")
        try:
            start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(f"waking hours must read like {DEFAULT_WAKING_HOURS!r}") from None
        if not start < end:
            raise ValueError("waking hours must start before they end, on the same day")
        return cls(start, end)

    @property
    def text(self) -> str:
        """The hours as the setting reads them ("07:30-19:00")."""
        spec = "minutes" if self.start.second == self.end.second == 0 else "seconds"
        return f"{self.start.isoformat(spec)}-{self.end.isoformat(spec)}"


DEFAULT_WAKING = WakingHours.parse(DEFAULT_WAKING_HOURS)


def school_waking_hours(text: str) -> str:
    """A school's own waking hours (`schools.waking_hours`), as stored: "07:30 - 19:00" becomes
    "07:30-19:00". ValueError when unreadable, and for "always" (a test bench, never a school)."""
    if text.strip() == ALWAYS_SETTING:
        raise ValueError("a school's waking hours are hours, like '07:30-19:00'")
    return WakingHours.parse(text).text


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> WakingHours:
    return WakingHours.parse(text)


def hours_of(text: str | None, default: WakingHours) -> WakingHours:
    """A school's stored waking hours, or `default` (the bot-wide setting) when it has none or
    they no longer read (logged, without the school)."""
    if text is None:
        return default
    try:
        return _parsed(text)
    except ValueError:
        log.warning("a school's waking hours do not read; the bot-wide ones apply")
        return default


def waking_moment(now: datetime, hours: WakingHours = DEFAULT_WAKING) -> datetime:
    """`now` when it falls in waking hours, else the next start of waking hours (in now's zone).

    `now` must be timezone-aware. Hours are read on the families' local clock (Europe/Brussels),
    so summer time moves them with the clock on the wall.
    """
    local = now.astimezone(hours.zone)
    if local.weekday() not in hours.rest_days and hours.start <= local.time() < hours.end:
        return now
    day = local.date() if local.time() < hours.start else local.date() + timedelta(days=1)
    while day.weekday() in hours.rest_days:
        day += timedelta(days=1)
    return datetime.combine(day, hours.start, tzinfo=hours.zone).astimezone(now.tzinfo)


def waits_for_waking_hours(kind: str, now: datetime, hours: WakingHours = DEFAULT_WAKING) -> bool:
    """Whether a message of this outbox kind must wait, at `now`."""
    return kind in WAKING_HOURS_KINDS and waking_moment(now, hours) != now


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder due now: to whom, for which round, and whether they began."""

    round: Round
    school: str
    chat_id: int
    language: str
    respondent_id: str | None = None
    started: bool = True  # False: a team member who has not begun (gets the round's link)

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.round.id}:{self.chat_id}"


def reminder_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """(paused since, active since): who paused after the first or answered after the second
    is left alone for now."""
    return now - PAUSE_RESPECTED, now - ACTIVE_QUIET


def rounds_to_remind(rounds: Iterable[Round], now: datetime, days: int) -> list[Round]:
    """The rounds whose reminder window is open now."""
    return [r for r in rounds if reminder_window(now, r.closes_at, days)]


def reminders_for(
    round_: Round,
    school: str,
    started: Sequence[Recipient],
    not_started: Sequence[Recipient] = (),
) -> list[Reminder]:
    """Who started and did not finish, in their language; in a team round also who did not
    start (in Dutch, with the link)."""
    found = [
        Reminder(round_, school, p.chat_id, p.language, p.respondent_id, started=True)
        for p in started
    ]
    if round_.audience == TEAM:
        found += [
            Reminder(round_, school, p.chat_id, SOURCE_LANGUAGE, started=False) for p in not_started
        ]
    return found


class RoundSource(Protocol):
    """What the keeper needs of the store to close rounds."""

    async def close_due_rounds(self, now: datetime) -> list[Round]: ...

    async def round(self, round_id: int) -> Round | None: ...


class ReminderSource(Protocol):
    """What the keeper needs of the store to remind: open rounds, people to remind, the outbox."""

    async def open_rounds(self) -> list[int]: ...

    async def school_names(self, school_ids: Sequence[int]) -> dict[int, str]: ...

    async def reminder_candidates(
        self, round_id: int, *, paused_since: datetime, active_since: datetime
    ) -> list[Recipient]: ...

    async def team_not_started(self, round_id: int, school_id: int) -> list[Recipient]: ...

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> object: ...


class RoundKeeper:
    """Closes rounds at their closing date and queues reminders; `tick()` does one pass."""

    def __init__(
        self,
        rounds: RoundSource,
        staff: ReminderSource,
        clock: Clock,
        reminder_days: int,
        compose: Callable[[Reminder], NewMessage],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.rounds = rounds
        self.staff = staff
        self.clock = clock
        self.reminder_days = reminder_days
        self.compose = compose
        self.wake = wake

    async def tick(self) -> dict[str, int]:
        """Close the rounds that are due; queue the reminders that are due (one transaction)."""
        now = self.clock()
        closed = await self.rounds.close_due_rounds(now)
        messages = [self.compose(r) for r in await self.due_reminders(now)]
        if messages:
            await self.staff.enqueue(messages, at=now)
            self.wake()
        if closed or messages:
            log.info(
                "housekeeping: %d rounds closed, %d reminders queued", len(closed), len(messages)
            )
        return {"closed": len(closed), "reminders": len(messages)}

    async def due_reminders(self, now: datetime) -> list[Reminder]:
        """Every reminder due now, over the open rounds in their reminder window."""
        open_rounds = [
            found
            for round_id in await self.staff.open_rounds()
            if (found := await self.rounds.round(round_id)) is not None
        ]
        paused_since, active_since = reminder_cutoffs(now)
        due: list[Reminder] = []
        for round_ in rounds_to_remind(open_rounds, now, self.reminder_days):
            school = (await self.staff.school_names([round_.school_id])).get(round_.school_id, "")
            started = await self.staff.reminder_candidates(
                round_.id, paused_since=paused_since, active_since=active_since
            )
            not_started = (
                await self.staff.team_not_started(round_.id, round_.school_id)
                if round_.audience == TEAM
                else []
            )
            due += reminders_for(round_, school, started, not_started)
        return due
