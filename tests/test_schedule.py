"""The round keeper and the reminder policy, without Telegram: a fixed clock and a store in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule import (
    FAMILY_TIME_ZONE,
    Reminder,
    RoundKeeper,
    WakingHours,
    reminder_cutoffs,
    reminders_for,
    rounds_to_remind,
    waits_for_waking_hours,
    waking_moment,
)
from bot.staff import ACTIVE_QUIET, PAUSE_RESPECTED
from bot.store.records import NewMessage, Recipient, Round

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def a_round(round_id: int = 1, *, closes_in: timedelta | None = timedelta(days=2), **kw) -> Round:  # type: ignore[no-untyped-def]
    base = Round(
        id=round_id,
        school_id=1,
        flow_id="barometer-ouders",
        flow_version=1,
        audience="parents",
        topic=None,
        start_token="t" * 22,
        status="open",
        expected=None,
        opens_at=NOW - timedelta(days=10),
        closes_at=NOW + closes_in if closes_in is not None else None,
        closed_at=None,
        created_at=NOW - timedelta(days=10),
    )
    return replace(base, **kw)


# ---- the policy, pure ------------------------------------------------------------------------


def test_reminders_start_the_given_number_of_days_before_the_end() -> None:
    early = a_round(1, closes_in=timedelta(days=3, seconds=1))
    window = a_round(2, closes_in=timedelta(days=3))
    last_minute = a_round(3, closes_in=timedelta(seconds=1))
    over = a_round(4, closes_in=timedelta(0))
    endless = a_round(5, closes_in=None)
    rounds = [early, window, last_minute, over, endless]
    assert rounds_to_remind(rounds, NOW, 3) == [window, last_minute]
    assert rounds_to_remind(rounds, NOW, 0) == [], "0 days: no reminders at all"


def test_who_paused_on_purpose_or_is_answering_now_is_left_alone() -> None:
    assert reminder_cutoffs(NOW) == (NOW - PAUSE_RESPECTED, NOW - ACTIVE_QUIET)


def test_parents_who_started_get_a_reminder_in_their_language() -> None:
    round_ = a_round()
    found = reminders_for(round_, "De Regenboog", [Recipient(10, "tr", "resp-1")])
    assert found == [Reminder(round_, "De Regenboog", 10, "tr", "resp-1", started=True)]
    assert found[0].dedupe_key == "reminder:1:10"


def test_team_members_who_did_not_start_are_reminded_in_dutch_only_in_a_team_round() -> None:
    not_started = [Recipient(20, "ar")]
    team = a_round(audience="team")
    assert reminders_for(team, "S", [], not_started) == [
        Reminder(team, "S", 20, "nl", None, started=False)
    ]
    assert reminders_for(a_round(), "S", [], not_started) == []


# ---- the keeper, against a store in memory ---------------------------------------------------


class Rounds:
    def __init__(self, rounds: list[Round]) -> None:
        self.rounds = {r.id: r for r in rounds}

    async def close_due_rounds(self, now: datetime) -> list[Round]:
        due = [
            r
            for r in self.rounds.values()
            if r.status == "open" and r.closes_at is not None and r.closes_at <= now
        ]
        for r in due:
            self.rounds[r.id] = replace(r, status="closed", closed_at=now)
        return due

    async def round(self, round_id: int) -> Round | None:
        return self.rounds.get(round_id)


class Staff:
    def __init__(self, rounds: Rounds, started: list[Recipient], team: list[Recipient]) -> None:
        self.rounds = rounds
        self.started = started
        self.team = team
        self.queued: list[NewMessage] = []
        self.asked: list[tuple[int, datetime, datetime]] = []

    async def open_rounds(self) -> list[int]:
        return [r.id for r in self.rounds.rounds.values() if r.status == "open"]

    async def school_names(self, school_ids: Sequence[int]) -> dict[int, str]:
        return {1: "De Regenboog"}

    async def reminder_candidates(
        self, round_id: int, *, paused_since: datetime, active_since: datetime
    ) -> list[Recipient]:
        self.asked.append((round_id, paused_since, active_since))
        return self.started

    async def team_not_started(self, round_id: int, school_id: int) -> list[Recipient]:
        return self.team

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> object:
        self.queued += messages
        return None


def compose(reminder: Reminder) -> NewMessage:
    return NewMessage(
        reminder.chat_id,
        "reminder",
        reminder.language,
        f"{reminder.school}:{reminder.started}",
        round_id=reminder.round.id,
        dedupe_key=reminder.dedupe_key,
    )


async def test_one_pass_closes_what_is_due_and_queues_the_reminders_that_are_due() -> None:
    due = a_round(1, closes_in=timedelta(0))
    reminding = a_round(2, closes_in=timedelta(days=1), audience="team")
    later = a_round(3, closes_in=timedelta(days=20))
    rounds = Rounds([due, reminding, later])
    staff = Staff(rounds, started=[Recipient(10, "tr", "r-10")], team=[Recipient(20, "nl")])
    woken: list[bool] = []
    keeper = RoundKeeper(rounds, staff, lambda: NOW, 3, compose, lambda: woken.append(True))

    assert await keeper.tick() == {"closed": 1, "reminders": 2}
    assert rounds.rounds[1].status == "closed"
    assert [(m.chat_id, m.language, m.text, m.round_id) for m in staff.queued] == [
        (10, "tr", "De Regenboog:True", 2),
        (20, "nl", "De Regenboog:False", 2),
    ]
    assert staff.asked == [(2, NOW - PAUSE_RESPECTED, NOW - ACTIVE_QUIET)]
    assert woken == [True], "the outbox is woken once per pass with messages"


async def test_a_quiet_pass_queues_nothing_and_wakes_nobody() -> None:
    rounds = Rounds([a_round(1, closes_in=timedelta(days=20))])
    staff = Staff(rounds, started=[Recipient(10, "nl", "r")], team=[])
    woken: list[bool] = []
    keeper = RoundKeeper(rounds, staff, lambda: NOW, 3, compose, lambda: woken.append(True))
    assert await keeper.tick() == {"closed": 0, "reminders": 0}
    assert staff.queued == [] and woken == []


# ---- waking hours (issue 15): reminders and feedback never at night, never on Sunday ----------

BRUSSELS = FAMILY_TIME_ZONE


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment on the families' clock (March 2026: Monday 2 ... Sunday 8; summer time from 29)."""
    return datetime(2026, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2, 8), local(2, 8)),  # Monday 08:00: at once
        (local(2, 12, 30), local(2, 12, 30)),
        (local(2, 19, 59), local(2, 19, 59)),
        (local(2, 20), local(3, 8)),  # 20:00 is evening already: the next morning
        (local(2, 23, 30), local(3, 8)),
        (local(3, 0, 5), local(3, 8)),  # after midnight: the same morning
        (local(3, 7, 59), local(3, 8)),
        (local(7, 21), local(9, 8)),  # Saturday evening: not Sunday, Monday morning
        (local(8, 11), local(9, 8)),  # Sunday noon: Monday morning
        (local(28, 22), local(30, 8)),  # over the change to summer time
    ],
)
def test_waking_moment(now: datetime, expected: datetime) -> None:
    assert waking_moment(now.astimezone(UTC)) == expected.astimezone(UTC)
    assert waking_moment(now.astimezone(UTC)).tzinfo == UTC  # in the zone it was given


def test_waking_hours_are_read_on_the_brussels_clock_in_summer_too() -> None:
    # 06:30 UTC is 08:30 in Brussels in summer (UTC+2) and 07:30 in winter (UTC+1).
    summer = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)
    winter = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    assert waking_moment(summer) == summer
    assert waking_moment(winter) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def test_waking_hours_can_be_set() -> None:
    hours = WakingHours.parse("09:30-18:00")
    assert waking_moment(local(2, 9), hours) == local(2, 9, 30)
    assert waking_moment(local(2, 18), hours) == local(3, 9, 30)
    always = WakingHours.parse("always")  # a test bench only
    assert waking_moment(local(8, 23, 59), always) == local(8, 23, 59)
    for bad in ("", "8-20", "20:00-08:00", "08:00", "08:00-25:00"):
        with pytest.raises(ValueError):
            WakingHours.parse(bad)


def test_only_reminders_and_feedback_wait() -> None:
    night = local(2, 23).astimezone(UTC)
    assert waits_for_waking_hours("reminder", night)
    assert waits_for_waking_hours("feedback", night)
    assert not waits_for_waking_hours("notice", night)  # to staff, who asked for it
    assert not waits_for_waking_hours("reminder", local(2, 10).astimezone(UTC))
