"""Waking hours per school (issue 15): a school may set its own hours for reminders and feedback
(`ouderstem school set-hours`); a school without them follows OUDERSTEM_WAKING_HOURS. The outbox
holds a parent's message until the hours of that parent's school."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.schedule import (
    DEFAULT_WAKING,
    FAMILY_TIME_ZONE,
    WakingHours,
    hours_of,
    school_waking_hours,
    waits_for_waking_hours,
    waking_moment,
)
from bot.store import SqliteStore
from bot.store.records import School
from bot.tg.stub_api import SimulatedUser
from tests.conftest import BotHarness
from tests.test_staff_support import (
    MovingClock,
    clock,
    drain,
    launch,
    links_in,
    make_admin,
    new_school,
    parent_answers,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

EARLY = "07:30-19:00"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment on the families' clock, in UTC (March 2026: Monday 2 ... Sunday 8)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=FAMILY_TIME_ZONE).astimezone(UTC)


# ---- the policy (pure) ---------------------------------------------------------------------


def test_a_school_s_hours_are_read_by_the_settings_parser() -> None:
    assert school_waking_hours(EARLY) == EARLY
    assert school_waking_hours(" 07:30 - 19:00 ") == EARLY  # stored the one way
    assert WakingHours.parse(school_waking_hours(EARLY)) == WakingHours.parse(EARLY)
    assert DEFAULT_WAKING.text == "08:00-20:00"
    for bad, why in [
        ("19:00-07:30", "start before they end"),
        ("late", "must read like"),
        ("7:30-19:00", "must read like"),
        ("07:30-25:00", "must read like"),
        ("always", "are hours"),  # a test bench's setting, never a school's
    ]:
        with pytest.raises(ValueError, match=why):
            school_waking_hours(bad)


def test_a_message_waits_for_its_school_s_hours() -> None:
    early = hours_of(EARLY, DEFAULT_WAKING)
    quarter_to_eight = local(2, 7, 45)  # Monday
    assert not waits_for_waking_hours("feedback", quarter_to_eight, early)
    assert waits_for_waking_hours("feedback", quarter_to_eight, hours_of(None, DEFAULT_WAKING))
    assert waking_moment(quarter_to_eight, DEFAULT_WAKING) == local(2, 8)
    assert waits_for_waking_hours("reminder", local(2, 19, 30), early)  # ends earlier too
    assert waking_moment(local(2, 19, 30), early) == local(3, 7, 30)
    assert waits_for_waking_hours("reminder", local(8, 10), early)  # never on Sunday
    assert waking_moment(local(8, 10), early) == local(9, 7, 30)


def test_hours_that_no_longer_read_fall_back_to_the_setting(
    caplog: pytest.LogCaptureFixture,
) -> None:
    setting = WakingHours.parse("09:00-17:00")
    assert hours_of(None, setting) is setting
    assert hours_of("not hours", setting) is setting
    assert "not hours" not in caplog.text  # the warning names neither the text nor the school
    assert "waking hours" in caplog.text


# ---- through the real bot: a feedback broadcast at 07:45 -----------------------------------


async def took_part(
    harness: BotHarness, school_name: str
) -> tuple[SimulatedUser, School, SimulatedUser]:
    """A school with an admin, an open round and one parent who took part."""
    admin, school = await make_admin(harness, await new_school(harness, school_name))
    token = links_in((await launch(admin))[0]["text"])[""]
    parent = await parent_answers(harness, token, answers=1)
    return admin, school, parent


async def send_feedback(admin: SimulatedUser, parent: SimulatedUser) -> None:
    """The admin sends feedback through /terugkoppeling; the parent's inbox is read empty."""
    await admin.command("/terugkoppeling")
    await admin.press("Barometer voor ouders")
    await admin.text("Bedankt voor uw antwoorden. We bespreken ze op de volgende vergadering.")
    await admin.press("Versturen")
    replies = await admin.press("Ja, versturen")
    assert "wordt verstuurd naar 1 " in texts_of(replies)
    parent.replies()


async def test_feedback_at_a_quarter_to_eight_goes_where_the_school_wakes_early(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    clock.now = local(2, 7)  # Monday, 07:00 in Brussels
    early_admin, early_school, early_parent = await took_part(staffbot, "De Vroege Vogel")
    plain_admin, _, plain_parent = await took_part(staffbot, "Het Anker")
    assert await staffbot.store.set_waking_hours(early_school.id, EARLY, held_until=local(2, 7))
    await drain(staffbot)

    clock.now = local(2, 7, 45)
    await send_feedback(early_admin, early_parent)
    await send_feedback(plain_admin, plain_parent)
    tally = await drain(staffbot)
    assert tally == {"sent": 2, "waiting": 1}  # the early parent, the early admin's notice
    assert "Bedankt voor uw antwoorden" in texts_of(early_parent.replies())
    assert plain_parent.replies() == []  # Het Anker follows the setting: from 08:00

    clock.now = local(2, 7, 59)
    assert await drain(staffbot) == {}  # still waiting, and not claimed again
    assert plain_parent.replies() == []
    clock.now = local(2, 8)
    assert await drain(staffbot) == {"sent": 2}  # the parent, then the admin's notice
    assert "Bedankt voor uw antwoorden" in texts_of(plain_parent.replies())
    assert "1 verstuurd" in texts_of(plain_admin.replies())


# ---- the command line ----------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("OUDERSTEM_DB", str(path))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "SchoolBot")
    monkeypatch.delenv("OUDERSTEM_WAKING_HOURS", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def stored_hours(path: Path, school: int) -> str | None:
    async with SqliteStore(path) as store:
        return await store.waking_hours(school)


async def test_school_set_hours(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    def cli(*argv: str) -> tuple[int, str, str]:
        return run(capsys, *argv)

    code, out, err = await asyncio.to_thread(cli, "school", "add", "De Vroege Vogel", "--json")
    assert code == 0, err
    school = str(json.loads(out)["id"])
    code, out, _ = await asyncio.to_thread(
        cli, "school", "set-hours", "--school", school, "07:30 - 19:00"
    )
    assert code == 0
    assert out.strip() == f"School {school}: reminders and feedback between {EARLY}, not on Sunday."
    assert await stored_hours(db, int(school)) == EARLY
    code, out, _ = await asyncio.to_thread(
        cli, "school", "set-hours", "--school", school, "--default", "--json"
    )
    assert code == 0 and json.loads(out) == {"school_id": int(school), "waking_hours": None}
    assert await stored_hours(db, int(school)) is None

    await asyncio.to_thread(cli, "school", "set-hours", "--school", school, EARLY)
    for argv, message in [
        ([school, "19:00-07:30"], "'19:00-07:30': waking hours must start before they end"),
        ([school, "late"], "'late': waking hours must read like '08:00-20:00'"),
        ([school, "always"], "'always': a school's waking hours are hours"),
        ([school], "give the hours (like 07:30-19:00) or --default, not both"),
        ([school, EARLY, "--default"], "give the hours (like 07:30-19:00) or --default"),
        (["42", EARLY], "no school with id 42"),
    ]:
        code, out, err = await asyncio.to_thread(cli, "school", "set-hours", "--school", *argv)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and message in lines[0], (argv, err)
        assert "Traceback" not in err and out == ""
    assert await stored_hours(db, int(school)) == EARLY  # nothing written by a refusal
