"""Rounds run from the chat: launch (/ronde), follow (/status), close (/sluit, or by date),
remind; each person through real PTB updates, with what they see and what is stored."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from bot.i18n import t
from bot.schedule import FAMILY_TIME_ZONE, waking_moment
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.tg.school.follow import status_text
from tests.conftest import BotHarness, start_bot
from tests.test_staff_support import (
    START,
    MovingClock,
    button_labels,
    clock,
    drain,
    fast_outbox,
    invite,
    join,
    latest_round,
    launch,
    links_in,
    make_admin,
    parent_answers,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]


def uploads(harness: BotHarness, chat_id: int, method: str) -> list[dict]:
    return [p for m, p in harness.api.calls if m == method and int(p["chat_id"]) == chat_id]


# ---- /ronde ----------------------------------------------------------------------------------


async def test_admin_launches_a_round_per_class(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    replies = await launch(admin, groups="1A, 1B", expected="20, 22", weeks=2)
    first = replies[0]["text"]
    assert "De ronde is gestart" in first and "tot en met 16 maart 2026" in first
    links = links_in(first)
    assert set(links) == {"1A", "1B"}
    opened = await latest_round(staffbot)
    assert (opened.flow_id, opened.audience, opened.expected, opened.status) == (
        "barometer-ouders",
        "parents",
        42,
        "open",
    )
    assert opened.closes_at == datetime(
        2026, 3, 16, 22, 59, 59, tzinfo=UTC
    )  # end of that day in Flanders
    groups = await staffbot.store.round_groups(opened.id)
    assert [(g.name, g.expected, g.token) for g in groups] == [
        ("1A", 20, links["1A"]),
        ("1B", 22, links["1B"]),
    ]
    # Files: a QR code per link, one PDF with a page per link, a PNG per link.
    photos = uploads(staffbot, admin.chat_id, "sendPhoto")  # type: ignore[arg-type]
    assert [p["caption"] for p in photos] == [
        f"{g.name}: https://t.me/OuderstemBot?start={g.token}" for g in groups
    ]
    assert all(p["photo"]["size"] > 300 for p in photos)
    documents = uploads(staffbot, admin.chat_id, "sendDocument")  # type: ignore[arg-type]
    assert [d["document"]["filename"] for d in documents] == [
        "uitnodiging.pdf",
        "uitnodiging-1.png",
        "uitnodiging-2.png",
    ]
    assert all(d["document"]["size"] > 10_000 for d in documents)
    assert await staffbot.store.run_read("SELECT * FROM staff_dialogues") == []
    # A parent who follows the 1B link is counted in 1B.
    await parent_answers(staffbot, links["1B"], answers=2)
    rows = await staffbot.store.run_read("SELECT group_id FROM respondents")
    assert [r[0] for r in rows] == [groups[1].id]
    del school


async def test_dialogue_round_with_a_topic_for_the_whole_school(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    replies = await launch(admin, "Dialoog met ouders", topic="Huiswerk en leren thuis", weeks=3)
    token = links_in(replies[0]["text"])[""]
    opened = await latest_round(staffbot)
    assert (opened.flow_id, opened.topic, opened.expected) == ("dialoog", "huiswerk", None)
    assert await staffbot.store.round_groups(opened.id) == []
    parent = staffbot.user()
    await parent.command("/start", token)
    replies = await parent.press("Nederlands")
    assert "Het thema is: Huiswerk en leren thuis" in texts_of(replies)


async def test_typed_mistakes_are_explained_and_can_be_fixed(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Barometer voor leerlingen")
    await admin.press("Per klas of graad")
    assert texts_of(await admin.text("3A, 3a")) == staff_texts.INPUT_ERRORS["groups_double"]
    assert "Hoeveel gezinnen per groep" in texts_of(await admin.text("3A, 3B"))
    assert texts_of(await admin.text("25")) == staff_texts.INPUT_ERRORS["expected_count"]
    await admin.text("25, 24")
    replies = await admin.press("Andere datum")
    assert "Typ de laatste dag" in texts_of(replies)
    assert texts_of(await admin.text("gisteren")) == staff_texts.INPUT_ERRORS["date_format"]
    assert texts_of(await admin.text("01-03-2026")) == staff_texts.INPUT_ERRORS["date_past"]
    replies = await admin.text("20-03-2026")
    assert "Laatste dag: 20 maart 2026" in texts_of(replies)
    assert "Verwacht: 3A 25, 3B 24" in texts_of(replies)
    await admin.press("Start de ronde")
    opened = await latest_round(staffbot)
    assert (opened.audience, opened.expected) == ("pupils", 49)


async def test_cancel_leaves_nothing(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    replies = await admin.press("Annuleren")
    assert texts_of(replies) == staff_texts.CANCELLED
    assert await staffbot.store.rounds() == []
    assert await staffbot.store.run_read("SELECT * FROM staff_dialogues") == []


async def test_a_restart_mid_dialogue_loses_nothing(store, clock: MovingClock) -> None:  # type: ignore[no-untyped-def]
    first = await start_bot(store, clock=clock)
    fast_outbox(first)
    admin, _ = await make_admin(first)
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    await admin.press("Per klas of graad")
    await admin.text("Kleuters, Lager")
    old_message = admin.last_with_keyboard()
    await first.application.shutdown()

    second = await start_bot(store, api=first.api, clock=clock)  # a new process, same database
    admin.application = second.application
    replies = await admin.press("Weet ik niet")  # the button sent before the restart
    assert "Tot wanneer" in texts_of(replies)
    await admin.press("4 wk")
    replies = await admin.press("Start de ronde")
    assert set(links_in(replies[0]["text"])) == {"Kleuters", "Lager"}
    assert old_message is not None
    await second.application.shutdown()


async def test_an_abandoned_dialogue_lets_typed_text_through(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    await admin.press("Per klas of graad")
    clock.advance(hours=2, minutes=1)
    replies = await admin.text("1A, 1B")  # hours later: not taken as group names
    assert texts_of(replies) == t("nl", texts.NOTHING_ACTIVE)
    await admin.command("/ronde")  # a new dialogue starts cleanly
    assert "Welke bevraging" in admin.last_text()


async def test_double_tap_on_start_launches_one_round(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    await admin.press("Hele school")
    await admin.press("Weet ik niet")
    await admin.press("1 wk")
    confirm = admin.last_with_keyboard()
    assert confirm is not None
    data = confirm["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await admin.press_data(data, dict(confirm))
    assert texts_of(await admin.press_data(data, dict(confirm))) == staff_texts.BUTTON_OLD
    assert len(await staffbot.store.rounds()) == 1


async def test_files_that_fail_to_send_say_the_round_is_open_and_can_be_sent_again(
    staffbot: BotHarness,
) -> None:
    """Issue 12: the QR code fails on its way out. The round *is* open: the reply says so with
    the link and offers the files again; the button sends them, and no second round opens."""
    from faults.api_faults import Faults, server_error

    admin, _ = await make_admin(staffbot)
    staffbot.api.fault = Faults().fail("sendPhoto", server_error(502))
    replies = await launch(admin)
    failed = replies[-1]
    assert failed["text"].startswith("De ronde is geopend")
    opened = await latest_round(staffbot)
    assert f"https://t.me/OuderstemBot?start={opened.start_token}" in failed["text"]
    assert button_labels(failed) == [staff_texts.RESEND_FILES]
    resend = failed["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stale = copy.deepcopy(failed)
    staffbot.api.fault = None
    again = await admin.press(staff_texts.RESEND_FILES)
    assert "De ronde is gestart" in again[0]["text"]
    photos = uploads(staffbot, admin.chat_id, "sendPhoto")  # type: ignore[arg-type]
    assert len(photos) == 2, "the failed one, then the one sent again"
    documents = uploads(staffbot, admin.chat_id, "sendDocument")  # type: ignore[arg-type]
    assert [d["document"]["filename"] for d in documents] == ["uitnodiging.pdf", "uitnodiging.png"]
    assert len(await staffbot.store.rounds()) == 1
    assert await staffbot.store.run_read("SELECT * FROM staff_dialogues") == []
    old_button = admin.press_data(resend, stale)
    assert texts_of(await old_button) == staff_texts.BUTTON_OLD


async def test_groups_as_last_time(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin, groups="1A, 1B")
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    replies = await admin.press("Zoals vorige keer")
    assert "1A, 1B" in texts_of(replies)
    await admin.text("10, 12")
    await admin.press("1 wk")
    replies = await admin.press("Start de ronde")
    assert set(links_in(replies[0]["text"])) == {"1A", "1B"}


# ---- team rounds -----------------------------------------------------------------------------


async def test_team_round_link_reaches_the_team_through_the_outbox(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    brug = await join(staffbot, await invite(admin, "Brugfiguur"))
    replies = await launch(admin, "Barometer voor het team", expected="18")
    text = texts_of(replies)
    assert "De teambevraging is gestart" in text and "1 teamleden krijgen de link" in text
    opened = await latest_round(staffbot)
    assert (opened.audience, opened.expected) == ("team", 18)
    assert [
        d["document"]["filename"] for d in uploads(staffbot, admin.chat_id, "sendDocument")
    ] == ["teambevraging.pdf"]  # type: ignore[arg-type]
    team.replies(), brug.replies()
    assert await drain(staffbot) == {"sent": 1}
    got = texts_of(team.replies())
    assert f"start={opened.start_token}" in got and "barometer" in got
    assert brug.replies() == []
    # The team member answers the team barometer.
    await team.command("/start", opened.start_token)
    replies = await team.press("Nederlands")
    assert "Onze school vraagt" in texts_of(replies)


async def test_a_new_team_member_hears_of_the_open_team_round(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin, "Barometer voor het team")
    opened = await latest_round(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    assert f"start={opened.start_token}" in team.all_messages()[-1]["text"]


# ---- /status ---------------------------------------------------------------------------------


async def test_status_per_group_and_language_hides_small_groups(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    replies = await launch(admin, groups="1A, 1B", expected="20, 22")
    links = links_in(replies[0]["text"])
    for _ in range(5):
        await parent_answers(staffbot, links["1A"], language="nl")
    await parent_answers(staffbot, links["1A"], language="tr", answers=3)
    await parent_answers(staffbot, links["1B"], language="tr")
    clock.advance(days=3)
    await admin.command("/status")
    replies = await admin.press("Barometer voor ouders")
    text = texts_of(replies)
    assert "Open tot en met 16 maart 2026: nog 11 dagen." in text
    assert "Begonnen: 7. Helemaal ingevuld: 6 (86%)." in text
    assert "Verwacht: 42. Respons: 14%." in text
    # 1B (one parent) is small; 1A is hidden with it, or total minus 1A would be 1B (issue 11).
    assert "• 1A: niet getoond" in text
    assert "• 1B: minder dan 5" in text
    # Turkish (two parents) is not named, and Dutch is hidden beside it for the same reason.
    assert "• Nederlands: niet getoond" in text
    assert "• andere talen: minder dan 5" in text
    assert "Turks" not in text and "begonnen, 5 klaar" not in text
    assert "Groepen met minder dan 5 mensen tonen geen aantallen." in text
    # The same message for /status <round>.
    opened = await latest_round(staffbot)
    assert texts_of(await admin.command("/status", str(opened.id))) == text


def test_status_text_of_a_closed_round_without_groups() -> None:
    from bot.store.records import Round, StatusCell

    closed = Round(
        1,
        1,
        "barometer-ouders",
        1,
        "parents",
        None,
        "t" * 22,
        "closed",
        None,
        START,
        START + timedelta(days=7),
        START + timedelta(days=2),
        START,
    )
    text = status_text(closed, "School", [StatusCell(None, "nl", "completed", 2)], [], START, 5)
    assert "Gesloten op 4 maart 2026." in text
    assert "Begonnen: 2. Helemaal ingevuld: 2 (100%)." in text
    # Two Dutch parents: no language is named under the minimum, Dutch neither (rule 5).
    assert "• andere talen: minder dan 5" in text and "Nederlands" not in text
    assert "Verwacht" not in text


# ---- /sluit and closing by date --------------------------------------------------------------


async def test_admin_closes_a_round_and_a_late_parent_is_thanked(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    midway = await parent_answers(staffbot, token, answers=2)
    await parent_answers(staffbot, token)
    await admin.command("/sluit")
    replies = await admin.press("Barometer voor ouders")
    assert "Wilt u deze ronde nu sluiten?" in texts_of(replies)
    replies = await admin.press("Ja, sluiten")
    assert "2 mensen begonnen, 1 vulden alles in" in texts_of(replies)
    assert (await latest_round(staffbot)).status == "closed"
    late = staffbot.user()
    assert texts_of(await late.command("/start", token)) == t("nl", texts.ROUND_CLOSED)
    assert texts_of(await midway.press("🙂")) == t("nl", texts.ROUND_CLOSED_MIDWAY)
    assert texts_of(await admin.command("/sluit")) == staff_texts.NO_OPEN_ROUNDS


async def test_saying_no_keeps_the_round_open(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    opened = await latest_round(staffbot)
    await admin.command("/sluit", str(opened.id))
    assert texts_of(await admin.press("Nee")) == staff_texts.CANCELLED
    assert (await latest_round(staffbot)).status == "open"


async def test_rounds_close_by_themselves_at_their_date(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin, weeks=1)
    keeper = staffbot.deps.rounds
    clock.now = datetime(2026, 3, 9, 22, 59, tzinfo=UTC)
    assert (await keeper.tick())["closed"] == 0
    clock.advance(minutes=1)
    assert (await keeper.tick())["closed"] == 1
    assert (await latest_round(staffbot)).status == "closed"


def test_the_housekeeping_job_is_scheduled(staffbot: BotHarness) -> None:
    jobs = staffbot.application.job_queue.get_jobs_by_name("ouderstem-rounds")
    assert len(jobs) == 1


# ---- reminders -------------------------------------------------------------------------------


async def test_reminders_go_once_to_who_started_and_can_be_reminded(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin, weeks=2))[0]["text"])[""]
    keeper = staffbot.deps.rounds
    finished = await parent_answers(staffbot, token)
    started = await parent_answers(staffbot, token, answers=3)
    turkish = await parent_answers(staffbot, token, language="tr", answers=1)
    quiet = await parent_answers(staffbot, token, answers=2)
    await quiet.command("/geenherinnering")
    blocked = await parent_answers(staffbot, token, answers=2)
    await staffbot.store.save_chat(blocked.chat_id, clock(), blocked=1)  # type: ignore[arg-type]
    pauser = await parent_answers(staffbot, token, answers=2)
    people = [finished, started, turkish, quiet, blocked, pauser]

    assert await keeper.tick() == {"closed": 0, "reminders": 0}  # not yet 3 days before
    closes_at = (await latest_round(staffbot)).closes_at
    assert closes_at is not None
    clock.now = closes_at - timedelta(days=3, hours=2)  # reminders start 3 days before the end
    await pauser.command("/stop")
    clock.advance(hours=2, minutes=1)
    for person in people:
        person.replies()
    assert await keeper.tick() == {"closed": 0, "reminders": 2}
    # Queued at midnight (Brussels): they wait for waking hours, 08:00 (issue 15).
    assert clock().astimezone(FAMILY_TIME_ZONE).hour == 0
    assert await drain(staffbot) == {"waiting": 2}
    assert started.replies() == [] and turkish.replies() == []
    clock.now = waking_moment(clock())
    assert clock().astimezone(FAMILY_TIME_ZONE).hour == 8
    assert await drain(staffbot) == {"sent": 2}
    reminder = started.replies()
    assert len(reminder) == 1
    assert reminder[0]["text"] == t(
        "nl", school_texts.REMINDER, school="Basisschool De Regenboog", date="16 maart 2026"
    )
    assert button_labels(reminder[0]) == ["▶️ Verder"]
    assert len(turkish.replies()) == 1
    assert [p.replies() for p in (finished, quiet, blocked, pauser)] == [[], [], [], []]
    rows = await staffbot.store.run_read(
        "SELECT language FROM outbox WHERE kind = 'reminder' ORDER BY id"
    )
    assert sorted(r[0] for r in rows) == ["nl", "tr"]

    # "Verder" picks up the questions where the parent was.
    replies = await started.press("Verder")
    assert replies[-1]["text"].startswith("Vraag 4 van 30")
    # At most once per round; the one who paused on purpose gets theirs after 24 hours.
    assert (await keeper.tick())["reminders"] == 0
    clock.advance(hours=23)
    assert (await keeper.tick())["reminders"] == 1
    assert clock().astimezone(FAMILY_TIME_ZONE).weekday() == 6  # Sunday: no reminders
    assert await drain(staffbot) == {"waiting": 1}
    assert pauser.replies() == []
    clock.now = waking_moment(clock())  # Monday 08:00
    await drain(staffbot)
    assert len(pauser.replies()) == 1
    clock.advance(hours=5)
    assert (await keeper.tick())["reminders"] == 0


async def test_a_queued_reminder_is_not_sent_to_someone_who_just_finished(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin, weeks=1))[0]["text"])[""]
    parent = await parent_answers(staffbot, token, answers=29)
    clock.advance(days=5)
    assert (await staffbot.deps.rounds.tick())["reminders"] == 1
    await parent.text("Klaar!")  # finished before the outbox came round
    parent.replies()
    assert await drain(staffbot) == {"cancelled": 1}
    assert parent.replies() == []


async def test_team_reminders_also_reach_who_did_not_start(
    staffbot: BotHarness, clock: MovingClock
) -> None:
    admin, _ = await make_admin(staffbot)
    waiting = await join(staffbot, await invite(admin, "Teamlid"))
    begun = await join(staffbot, await invite(admin, "Teamlid"))
    brug = await join(staffbot, await invite(admin, "Brugfiguur"))
    await launch(admin, "Barometer voor het team", weeks=1)
    opened = await latest_round(staffbot)
    await drain(staffbot)  # the team links
    await begun.command("/start", opened.start_token)
    await begun.press("Nederlands")
    await begun.press("🙂")
    clock.advance(days=5)
    for person in (admin, waiting, begun, brug):
        person.replies()
    assert (await staffbot.deps.rounds.tick())["reminders"] == 3  # admin, waiting, begun
    await drain(staffbot)
    assert "Herinnering: de teambevraging" in texts_of(waiting.replies())
    assert "Herinnering: de teambevraging" in texts_of(admin.replies())
    assert "U bent begonnen" in texts_of(begun.replies())
    assert brug.replies() == []


async def test_no_reminders_command(staffbot: BotHarness) -> None:
    parent = staffbot.user(language_code="nl")
    replies = await parent.command("/geenherinnering")
    assert texts_of(replies) == t("nl", school_texts.NO_REMINDERS)
    assert (await staffbot.store.chat(parent.chat_id)).no_reminders  # type: ignore[arg-type, union-attr]
    replies = await parent.press("Toch herinneringen")
    assert texts_of(replies) == t("nl", school_texts.REMINDERS_ON)
    assert not (await staffbot.store.chat(parent.chat_id)).no_reminders  # type: ignore[arg-type, union-attr]


async def test_open_rounds_listing(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    assert await staffbot.store.open_rounds() == [(await latest_round(staffbot)).id]
