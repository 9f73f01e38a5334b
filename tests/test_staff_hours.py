"""/uren (issue 15): a school's admin sees when families get reminders and feedback, and sets the
school's own hours from the chat, by a button or typed; the outbox then holds the school's
messages until those hours. Everyone else gets the one polite refusal. All through the real bot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.i18n import t
from bot.outbox import Outbox
from bot.schedule import WakingHours, school_waking_hours
from bot.store.postgres import PostgresStore
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg import callbacks
from bot.tg.app import build_application
from bot.tg.callbacks import (
    DialogueButton,
    DialogueKind,
    HoursChoice,
    HoursTyping,
    PickFor,
    SchoolChoice,
)
from bot.tg.deps import Deps
from bot.tg.school import hours
from bot.tg.stub_api import SimulatedUser, StubBotApi, button_labels
from tests.conftest import TOKEN, BotHarness
from tests.postgresql_server import Server
from tests.test_every_parent_understands import AVOID, MAX_WORDS, sentences, words
from tests.test_school_waking_hours import EARLY, local, send_feedback, took_part
from tests.test_staff_support import (
    MovingClock,
    admin_payload,
    clock,
    drain,
    fast_outbox,
    invite,
    join,
    make_admin,
    new_school,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

NOT_FOR_YOU = t("nl", school_texts.NOT_FOR_YOU)
BAD = say(staff_texts.HOURS_BAD, example=hours.EXAMPLE)
TYPE = say(staff_texts.HOURS_TYPE_BUTTON)


def last_buttons(person: SimulatedUser) -> list[str]:
    message = person.last_with_keyboard()
    return button_labels(message) if message is not None else []


def choices_left(person: SimulatedUser) -> list[str]:
    """The buttons still on the latest /uren message."""
    asked = say(staff_texts.HOURS_CHOOSE)
    shown = next(m for m in reversed(person.all_messages()) if asked in (m.get("text") or ""))
    return button_labels(shown)


async def stored(harness: BotHarness, school_id: int) -> str | None:
    return await harness.store.waking_hours(school_id)


# ---- an admin, by the buttons; then the outbox keeps to the new hours -----------------------


async def test_an_admin_sees_the_default_picks_early_hours_and_feedback_goes_at_a_quarter_to_eight(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    clock.now = local(2, 7)  # Monday, 07:00 in Brussels
    early_admin, early_school, early_parent = await took_part(staffbot, "De Vroege Vogel")
    plain_admin, _, plain_parent = await took_part(staffbot, "Het Anker")
    await drain(staffbot)

    shown = texts_of(await early_admin.command("/uren"))
    assert say(staff_texts.HOURS_NOW, school="De Vroege Vogel", start="08:00", end="20:00") in shown
    assert say(staff_texts.HOURS_DEFAULT) in shown  # the bot-wide hours, and it says so
    assert say(staff_texts.HOURS_SUNDAY) in shown
    assert say(staff_texts.HOURS_CHOOSE) in shown
    # the hours in force are no choice, and "back to the usual hours" only once it has its own
    assert last_buttons(early_admin) == ["07:30 tot 19:00", "08:00 tot 18:00", TYPE]

    done = texts_of(await early_admin.press("07:30 tot 19:00"))
    assert say(staff_texts.HOURS_SAVED) in done
    assert "komen van 07:30 tot 19:00." in done
    assert say(staff_texts.HOURS_OWN) in done and say(staff_texts.HOURS_SUNDAY) in done
    assert await stored(staffbot, early_school.id) == EARLY
    assert await staffbot.store.dialogue(early_admin.user_id) is None  # typing is over
    assert not choices_left(early_admin)  # the choices were taken off

    clock.now = local(2, 7, 45)
    await send_feedback(early_admin, early_parent)
    await send_feedback(plain_admin, plain_parent)
    assert await drain(staffbot) == {"sent": 2, "waiting": 1}  # the early parent, the notice
    assert "Bedankt voor uw antwoorden" in texts_of(early_parent.replies())
    assert plain_parent.replies() == []  # Het Anker keeps the bot-wide hours: from 08:00
    clock.now = local(2, 8)
    assert await drain(staffbot) == {"sent": 2}
    assert "Bedankt voor uw antwoorden" in texts_of(plain_parent.replies())

    shown = texts_of(await early_admin.command("/uren"))
    assert "komen van 07:30 tot 19:00." in shown and say(staff_texts.HOURS_OWN) in shown
    assert last_buttons(early_admin) == ["08:00 tot 18:00", "Gewone uren: 08:00 tot 20:00", TYPE]
    done = texts_of(await early_admin.press("Gewone uren"))
    assert "komen van 08:00 tot 20:00." in done and say(staff_texts.HOURS_DEFAULT) in done
    assert await stored(staffbot, early_school.id) is None  # the bot-wide hours again


async def test_the_admin_s_welcome_names_uren(staffbot: BotHarness) -> None:
    school = await new_school(staffbot)
    admin = staffbot.user(first_name="Directeur")
    welcome = texts_of(await admin.command("/start", await admin_payload(staffbot, school)))
    assert "/uren – wanneer ouders herinneringen en berichten krijgen" in welcome


# ---- typed hours -----------------------------------------------------------------------------


async def test_typed_hours_are_read_the_one_way_and_bad_ones_get_one_kind_line(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    await admin.command("/uren")
    asked = await admin.press(TYPE)
    assert texts_of(asked) == say(staff_texts.HOURS_TYPE, example="07:30-19:00")
    assert button_labels(asked[-1]) == [say(staff_texts.CANCEL)]
    assert not choices_left(admin)  # the choices were taken off
    for bad in ["19:00-07:30", "late", "7u30 tot 19u", "always", "07:30-25:00"]:
        replies = await admin.text(bad)
        assert [m["text"] for m in replies] == [BAD], bad  # one line, with an example
        assert await stored(staffbot, school.id) is None, bad  # nothing changed
    assert "07:30-19:00" in BAD and len(BAD.splitlines()) == 1

    done = texts_of(await admin.text("08:00 - 17:30"))  # still waiting after the bad ones
    assert "komen van 08:00 tot 17:30." in done
    assert await stored(staffbot, school.id) == school_waking_hours("08:00-17:30")
    # the dialogue is over: what the admin types now is no longer hours
    assert BAD not in texts_of(await admin.text("19:00-07:30"))
    assert await stored(staffbot, school.id) == "08:00-17:30"


async def test_looking_at_the_hours_catches_no_typing_and_ends_no_ronde(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    asked = await staffbot.store.dialogue(admin.user_id)
    assert asked is not None and asked.kind == DialogueKind.RONDE
    await admin.command("/uren")
    assert await staffbot.store.dialogue(admin.user_id) == asked  # /ronde goes on
    assert BAD not in texts_of(await admin.text("19:00-07:30"))  # /ronde's step, not /uren's

    await admin.command("/uren")
    await admin.press(TYPE)
    assert texts_of(await admin.press(say(staff_texts.CANCEL))) == say(staff_texts.CANCELLED)
    assert await staffbot.store.dialogue(admin.user_id) is None
    await admin.text(EARLY)  # no longer hours: the parent's turn
    assert await stored(staffbot, school.id) is None


# ---- who may -----------------------------------------------------------------------------------


async def test_a_team_member_gets_the_kind_refusal_and_changes_nothing(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    member = await join(staffbot, await invite(admin, "Teamlid dat rapporten mag lezen"))
    assert texts_of(await member.command("/uren")) == NOT_FOR_YOU
    assert last_buttons(member) == []
    # a button made for the admin, pressed by the team member: refused, nothing written
    forged = callbacks.encode(HoursChoice(school.id, EARLY))
    assert texts_of(await member.press_data(forged)) == NOT_FOR_YOU
    assert (
        texts_of(await member.press_data(callbacks.encode(SchoolChoice(PickFor.HOURS, school.id))))
        == NOT_FOR_YOU
    )
    typing = callbacks.encode(HoursTyping(school.id))
    assert texts_of(await member.press_data(typing)) == NOT_FOR_YOU
    assert await staffbot.store.dialogue(member.user_id) is None
    await member.text(EARLY)  # no /uren dialogue: typed hours are a parent's text
    assert await stored(staffbot, school.id) is None

    stranger = staffbot.user()
    assert texts_of(await stranger.command("/uren")) == NOT_FOR_YOU
    assert texts_of(await stranger.press_data(forged)) == NOT_FOR_YOU
    assert await stored(staffbot, school.id) is None


async def test_an_admin_of_another_school_cannot_set_these_hours(staffbot: BotHarness) -> None:
    _, school = await make_admin(staffbot, await new_school(staffbot, "De Vroege Vogel"))
    other, _ = await make_admin(staffbot, await new_school(staffbot, "Het Anker"))
    forged = callbacks.encode(HoursChoice(school.id, EARLY))
    assert texts_of(await other.press_data(forged)) == NOT_FOR_YOU
    assert await stored(staffbot, school.id) is None


async def test_buttons_that_are_no_hours_are_refused(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    for data in [f"x|hr|{school.id}|late", f"x|hr|{school.id}|19:00-07:30", "x|hr|x|std"]:
        assert texts_of(await admin.press_data(data)) == NOT_FOR_YOU, data
    assert await stored(staffbot, school.id) is None
    stale = callbacks.encode(DialogueButton(DialogueKind.HOURS, "abcdef12", "stop"))
    await admin.command("/uren")
    await admin.press(TYPE)  # a dialogue of its own nonce waits
    assert texts_of(await admin.press_data(stale)) == say(staff_texts.BUTTON_OLD)
    assert await staffbot.store.dialogue(admin.user_id) is not None  # still waiting


async def test_uren_in_a_group_works_only_in_a_private_chat(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    group = SimulatedUser(staffbot.application, staffbot.api, admin.user_id, chat_id=-4242)
    assert texts_of(await group.command("/uren")) == t("nl", school_texts.PRIVATE_ONLY)


# ---- an admin of two schools ---------------------------------------------------------------


async def test_an_admin_of_two_schools_is_asked_which_school(staffbot: BotHarness) -> None:
    admin, first = await make_admin(staffbot, await new_school(staffbot, "De Vroege Vogel"))
    second = await new_school(staffbot, "Het Anker")
    assert "schoolbeheerder" in texts_of(
        await admin.command("/start", await admin_payload(staffbot, second))
    )
    assert texts_of(await admin.command("/uren")) == say(staff_texts.PICK_SCHOOL)
    assert last_buttons(admin) == ["De Vroege Vogel", "Het Anker"]
    shown = texts_of(await admin.press("Het Anker"))
    assert "van Het Anker komen van 08:00 tot 20:00." in shown
    await admin.press("08:00 tot 18:00")
    assert await stored(staffbot, second.id) == "08:00-18:00"
    assert await stored(staffbot, first.id) is None  # only the school that was chosen


# ---- the codec and the words ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (HoursChoice(3, "07:30-19:00"), "x|hr|3|07:30-19:00"),
        (HoursChoice(3, None), "x|hr|3|std"),
        (HoursTyping(3), "x|ht|3"),
        (SchoolChoice(PickFor.HOURS, 3), "x|sc|uur|3"),
        (DialogueButton(DialogueKind.HOURS, "abcdef12", "hours", "-"), "x|u|abcdef12|hours|-"),
    ],
)
def test_the_hours_buttons_on_the_wire(button: Any, data: str) -> None:
    assert callbacks.encode(button) == data
    assert callbacks.decode(data) == button


@pytest.mark.parametrize(
    "data", ["x|hr|3|late", "x|hr|3|7:30-19:00", "x|hr||std", "x|hr|3", "x|ht|x"]
)
def test_hours_buttons_that_do_not_read_decode_to_nothing(data: str) -> None:
    assert callbacks.decode(data) is None


def test_every_choice_is_hours_a_school_may_have() -> None:
    assert all(school_waking_hours(choice) == choice for choice in hours.CHOICES)
    assert school_waking_hours(hours.EXAMPLE) == hours.EXAMPLE


HOURS_TEXTS = [name for name in vars(staff_texts) if name.startswith("HOURS_")]


@pytest.mark.parametrize("name", HOURS_TEXTS)
def test_the_hours_texts_are_plain_dutch(name: str) -> None:
    text = getattr(staff_texts, name)
    for sentence in sentences(text):
        assert len(words(sentence)) <= MAX_WORDS, f"{name}: {sentence!r}"
    for avoid in AVOID:
        assert not re.search(avoid, text, re.IGNORECASE), f"{name}: {avoid!r}"


# ---- the same through the bot on PostgreSQL ------------------------------------------------


@pytest.fixture
async def pgbot(
    postgresql_server: Server, tmp_path: Path, clock: MovingClock
) -> AsyncIterator[BotHarness]:
    """The real bot, as `staffbot`, over a fresh PostgreSQL database."""
    url = postgresql_server.create()
    settings = Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": url,
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio"),
        }
    )
    async with PostgresStore(url) as store:
        api = StubBotApi()
        deps = Deps(settings=settings, store=store, clock=clock)
        application = build_application(deps, request=api.request(), rate_limit=False)
        await application.initialize()
        harness = BotHarness(deps=deps, api=api, application=application, store=store)  # type: ignore[arg-type]
        fast_outbox(harness)
        yield harness
        await application.shutdown()


async def test_an_admin_sets_and_clears_the_hours_on_postgresql(pgbot: BotHarness) -> None:
    admin, school = await make_admin(pgbot)
    await admin.command("/uren")
    await admin.press(TYPE)
    assert texts_of(await admin.text("19:00-07:30")) == BAD
    assert "komen van 07:30 tot 19:00." in texts_of(await admin.text("07:30 - 19:00"))
    assert await stored(pgbot, school.id) == EARLY
    assert await pgbot.store.dialogue(admin.user_id) is None
    await admin.command("/uren")
    await admin.press("Gewone uren")
    assert await stored(pgbot, school.id) is None


async def test_uren_with_hours_on_postgresql_sets_them_at_once(pgbot: BotHarness) -> None:
    admin, school = await make_admin(pgbot)
    assert texts_of(await admin.command("/uren", "19:00-07:30")) == BAD
    assert await stored(pgbot, school.id) is None
    done = texts_of(await admin.command("/uren", "07:30", "-", "19:00"))
    assert say(staff_texts.HOURS_SAVED) in done and "komen van 07:30 tot 19:00." in done
    assert await stored(pgbot, school.id) == EARLY


# ---- /uren with the hours in one command ---------------------------------------------------


async def test_uren_with_hours_sets_them_at_once_as_typed_hours_would(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    done = await admin.command("/uren", "07:30-19:00")
    assert texts_of(done).splitlines()[0] == say(staff_texts.HOURS_SAVED)  # the confirmation
    assert "komen van 07:30 tot 19:00." in texts_of(done)
    assert say(staff_texts.HOURS_OWN) in texts_of(done)
    assert say(staff_texts.HOURS_SUNDAY) in texts_of(done)
    assert button_labels(done[-1]) == []  # nothing to choose: it is done
    assert await stored(staffbot, school.id) == EARLY
    assert await staffbot.store.dialogue(admin.user_id) is None  # no dialogue waits

    # the typed step's forms: spaces around the dash (one argument or several)
    assert "komen van 08:00 tot 17:30." in texts_of(await admin.command("/uren", "08:00 - 17:30"))
    assert await stored(staffbot, school.id) == "08:00-17:30"
    assert "komen van 08:00 tot 18:00." in texts_of(
        await admin.command("/uren", "08:00", "-", "18:00")
    )
    assert await stored(staffbot, school.id) == "08:00-18:00"

    # unreadable hours: the typed step's one kind line, and nothing changes
    for bad in ["19:00-07:30", "late", "7u30 tot 19u", "always", "07:30-25:00"]:
        replies = await admin.command("/uren", *bad.split())
        assert [m["text"] for m in replies] == [BAD], bad
        assert await stored(staffbot, school.id) == "08:00-18:00", bad
        assert await staffbot.store.dialogue(admin.user_id) is None, bad


async def test_uren_with_hours_ends_the_typing_and_leaves_a_ronde_alone(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    await admin.command("/uren")
    await admin.press(TYPE)  # a dialogue waits for typed hours ...
    await admin.command("/uren", EARLY)  # ... and the command gives them
    assert await stored(staffbot, school.id) == EARLY
    assert await staffbot.store.dialogue(admin.user_id) is None

    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    asked = await staffbot.store.dialogue(admin.user_id)
    assert asked is not None and asked.kind == DialogueKind.RONDE
    await admin.command("/uren", "08:00-18:00")
    assert await stored(staffbot, school.id) == "08:00-18:00"
    assert await staffbot.store.dialogue(admin.user_id) == asked  # /ronde goes on


async def test_uren_with_hours_is_refused_to_who_may_not_set_them(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    member = await join(staffbot, await invite(admin, "Teamlid dat rapporten mag lezen"))
    stranger = staffbot.user()
    for person in (member, stranger):
        for value in (EARLY, "late"):  # the refusal first, never a word about the hours
            assert texts_of(await person.command("/uren", value)) == NOT_FOR_YOU, value
            assert last_buttons(person) == []
    assert await stored(staffbot, school.id) is None


async def test_uren_with_hours_asks_an_admin_of_two_schools_which_school(
    staffbot: BotHarness,
) -> None:
    admin, first = await make_admin(staffbot, await new_school(staffbot, "De Vroege Vogel"))
    second = await new_school(staffbot, "Het Anker")
    await admin.command("/start", await admin_payload(staffbot, second))

    assert [m["text"] for m in await admin.command("/uren", "late")] == [BAD]  # no picker
    assert texts_of(await admin.command("/uren", EARLY)) == say(staff_texts.PICK_SCHOOL)
    assert last_buttons(admin) == ["De Vroege Vogel", "Het Anker"]
    assert await stored(staffbot, first.id) is None  # nothing before the choice
    assert await stored(staffbot, second.id) is None
    done = texts_of(await admin.press("Het Anker"))
    assert say(staff_texts.HOURS_SAVED) in done
    assert "van Het Anker komen van 07:30 tot 19:00." in done
    assert await stored(staffbot, second.id) == EARLY
    assert await stored(staffbot, first.id) is None  # only the school that was chosen
    assert last_buttons(admin) == []  # the picker was taken off

    # a colleague of only the first school cannot use the second school's button
    other, _ = await make_admin(staffbot, await new_school(staffbot, "De Linde"))
    forged = callbacks.encode(HoursChoice(first.id, "08:00-18:00"))
    assert texts_of(await other.press_data(forged)) == NOT_FOR_YOU
    assert await stored(staffbot, first.id) is None


def test_hours_typed_with_seconds_fit_the_school_button() -> None:
    value = school_waking_hours("07:30:15-19:00")  # the typed step takes seconds too
    button = HoursChoice(3, value)
    assert callbacks.decode(callbacks.encode(button)) == button


# ---- messages the outbox holds follow the school's new hours (SQLite and PostgreSQL) -------


@pytest.fixture(params=["sqlite", "postgresql"])
def anybot(request: pytest.FixtureRequest) -> BotHarness:
    """The real bot on either engine (`staffbot`, `pgbot`), with the moving `clock`."""
    harness: BotHarness = request.getfixturevalue(
        "staffbot" if request.param == "sqlite" else "pgbot"
    )
    return harness


async def test_held_feedback_goes_at_the_new_start_when_the_hours_move_earlier(
    anybot: BotHarness, clock: MovingClock
) -> None:
    clock.now = local(2, 6)  # Monday, 06:00 in Brussels: before the usual 08:00
    admin, _, parent = await took_part(anybot, "De Vroege Vogel")
    await drain(anybot)
    await send_feedback(admin, parent)
    assert await drain(anybot) == {"waiting": 1}  # held for 08:00, the bot-wide start
    assert parent.replies() == []

    clock.now = local(2, 6, 30)
    await admin.command("/uren", "07:00-19:00")  # the school wakes earlier
    assert await anybot.store.next_due() == local(2, 7)  # the held message follows the hours
    clock.now = local(2, 6, 59)
    assert await drain(anybot) == {}
    clock.now = local(2, 7)
    assert await drain(anybot) == {"sent": 2}  # the parent, then the admin's notice
    assert "Bedankt voor uw antwoorden" in texts_of(parent.replies())
    assert "1 verstuurd" in texts_of(admin.replies())


async def test_held_feedback_goes_at_once_when_the_new_hours_have_begun(
    anybot: BotHarness, clock: MovingClock
) -> None:
    clock.now = local(2, 7)  # Monday, 07:00
    admin, _, parent = await took_part(anybot, "De Vroege Vogel")
    await drain(anybot)
    await send_feedback(admin, parent)
    assert await drain(anybot) == {"waiting": 1}  # held for 08:00
    clock.now = local(2, 7, 30)
    await admin.command("/uren", "07:15-19:00")  # begun a quarter of an hour ago
    assert await drain(anybot) == {"sent": 2}
    assert "Bedankt voor uw antwoorden" in texts_of(parent.replies())


async def test_held_feedback_waits_for_the_new_start_when_the_hours_move_later(
    anybot: BotHarness, clock: MovingClock
) -> None:
    clock.now = local(2, 6)
    admin, _, parent = await took_part(anybot, "Het Anker")
    await drain(anybot)
    await send_feedback(admin, parent)
    assert await drain(anybot) == {"waiting": 1}  # held for 08:00

    await admin.command("/uren")
    await admin.press(TYPE)
    await admin.text("09:00-20:00")  # the school wakes later
    assert await anybot.store.next_due() == local(2, 9)  # not 08:00 any more
    clock.now = local(2, 8)
    assert await drain(anybot) == {}  # not claimed at the old start, and not sent
    clock.now = local(2, 8, 59)
    assert await drain(anybot) == {}
    assert parent.replies() == []
    clock.now = local(2, 9)
    assert await drain(anybot) == {"sent": 2}
    assert "Bedankt voor uw antwoorden" in texts_of(parent.replies())

    # back to the bot-wide hours (08:00) in the evening: what waits now goes at 08:00 tomorrow
    clock.now = local(2, 21)
    await send_feedback(admin, parent)
    assert await drain(anybot) == {"waiting": 1}  # held for 09:00 tomorrow
    assert await anybot.store.next_due() == local(3, 9)
    await admin.command("/uren")
    await admin.press("Gewone uren")
    assert await anybot.store.next_due() == local(3, 8)
    clock.now = local(3, 8)
    assert await drain(anybot) == {"sent": 2}


async def test_held_feedback_follows_a_bot_wide_setting_changed_during_a_restart(
    anybot: BotHarness, clock: MovingClock
) -> None:
    """OUDERSTEM_WAKING_HOURS moved from 08:00 to 07:00 while the bot was down: what it held
    for 08:00 goes at 07:00 after the restart (the outbox times held messages when it starts)."""
    clock.now = local(2, 6)  # Monday, 06:00
    admin, _, parent = await took_part(anybot, "Het Anker")  # no hours of its own
    await drain(anybot)
    await send_feedback(admin, parent)
    assert await drain(anybot) == {"waiting": 1}  # held for 08:00, the bot-wide start
    before: Outbox = anybot.deps.outbox

    restarted = Outbox(  # the same store and Telegram, the new setting
        anybot.store,
        before.sender,
        before.clock,
        limiter=before.limiter,
        waking=WakingHours.parse("07:00-20:00"),
    )
    clock.now = local(2, 6, 30)
    assert await restarted.drain() == {}
    assert await anybot.store.next_due() == local(2, 7)
    clock.now = local(2, 7)
    assert await restarted.drain() == {"sent": 2}  # the parent, then the admin's notice
    assert "Bedankt voor uw antwoorden" in texts_of(parent.replies())
