"""Staff onboarding and every refusal, through real PTB updates.

Invites are one-time, expiring and unguessable; every staff command checks role and school on
every call (buttons too); whoever may not gets one polite sentence that says nothing about
schools or rounds; staff commands work only in private chats.
"""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.staff import Grant, Role
from bot.staff_cli import make_invite
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from tests.conftest import BotHarness
from tests.test_staff_support import (
    MovingClock,
    admin_payload,
    button_labels,
    clock,
    invite,
    join,
    launch,
    make_admin,
    new_school,
    parent_answers,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

REFUSAL = t("nl", school_texts.NOT_FOR_YOU)
STAFF_COMMANDS = ["/uitnodigen", "/ronde", "/status", "/sluit", "/terugkoppeling"]


async def table(harness: BotHarness, name: str) -> list[tuple]:
    return [tuple(r) for r in await harness.store.run_read(f"SELECT * FROM {name}")]


# ---- onboarding ------------------------------------------------------------------------------


async def test_school_add_invite_makes_an_admin_once(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    roles = await staffbot.store.run_read("SELECT role, school_id FROM staff_roles")
    assert [tuple(r) for r in roles] == [("admin", school.id)]
    invites = await staffbot.store.run_read("SELECT token_hash, used_at FROM staff_invites")
    assert len(invites) == 1 and invites[0][1] is not None
    # The token itself is stored nowhere: only its hash.
    token = await admin_payload(staffbot, school)
    rows = await staffbot.store.run_read("SELECT * FROM staff_invites")
    assert all(token[len("inv-") :] not in str(value) for row in rows for value in row)
    assert "Regenboog" in admin.all_messages()[0]["text"]


async def test_an_invite_works_once(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    payload = await invite(admin, "Teamlid")
    await join(staffbot, payload)
    intruder = staffbot.user()
    replies = await intruder.command("/start", payload)
    assert texts_of(replies) == staff_texts.INVITE_INVALID
    assert "Regenboog" not in texts_of(replies)
    assert len(await table(staffbot, "staff_members")) == 2


async def test_an_invite_expires(staffbot: BotHarness, clock: MovingClock) -> None:
    admin, _ = await make_admin(staffbot)
    payload = await invite(admin, "Brugfiguur")
    clock.advance(days=7, seconds=1)
    late = staffbot.user()
    assert texts_of(await late.command("/start", payload)) == staff_texts.INVITE_INVALID
    assert texts_of(await late.command("/status")) == REFUSAL


@pytest.mark.parametrize(
    "payload", ["inv-", "inv-short", "inv-" + "A" * 22, "inv-" + "x" * 80, "inv-ab|cd" * 3]
)
async def test_unknown_invites_are_refused_alike(staffbot: BotHarness, payload: str) -> None:
    await make_admin(staffbot)
    replies = await staffbot.user().command("/start", payload)
    assert texts_of(replies) == staff_texts.INVITE_INVALID


async def test_admin_invites_each_role(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    reader = await join(staffbot, await invite(admin, "Teamlid dat rapporten"))
    brug = await join(staffbot, await invite(admin, "Brugfiguur"))
    second = await join(staffbot, await invite(admin, "Schoolbeheerder"))
    assert "teamlid" in team.all_messages()[-1]["text"]
    assert "/status" not in team.all_messages()[-1]["text"]
    assert "/status" in reader.all_messages()[-1]["text"]
    assert "brugfiguur" in brug.all_messages()[-1]["text"]
    assert "/ronde" in second.all_messages()[-1]["text"]
    rows = await staffbot.store.run_read(
        "SELECT m.name, r.role, r.reports, r.school_id FROM staff_roles r JOIN staff_members m "
        "ON m.id = r.member_id ORDER BY r.id"
    )
    assert [tuple(r)[1:] for r in rows] == [
        ("admin", 0, school.id),
        ("team", 0, school.id),
        ("team", 1, school.id),
        ("brugfiguur", 0, school.id),
        ("admin", 0, school.id),
    ]


async def test_brugfiguur_follows_two_schools(staffbot: BotHarness) -> None:
    admin_a, _school_a = await make_admin(staffbot)
    admin_b, _school_b = await make_admin(staffbot, await new_school(staffbot, "GO! Atheneum"))
    brug = await join(staffbot, await invite(admin_a, "Brugfiguur"))
    replies = await brug.command("/start", await invite(admin_b, "Brugfiguur"))
    assert "GO! Atheneum" in texts_of(replies)
    await launch(admin_b)
    replies = await brug.command("/status")
    assert button_labels(replies[-1]) == ["Basisschool De Regenboog", "GO! Atheneum"]
    replies = await brug.press("GO! Atheneum")
    assert button_labels(replies[-1])[0].startswith("Barometer voor ouders")
    replies = await brug.press("Barometer voor ouders")
    assert "Begonnen: 0" in texts_of(replies)
    # Following is all a brugfiguur does.
    for command in ("/sluit", "/ronde", "/terugkoppeling", "/uitnodigen"):
        assert texts_of(await brug.command(command)) == REFUSAL, command


async def test_coordinator_follows_the_schools_of_the_centre(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    other = await new_school(staffbot, "Buiten het centrum")
    store = staffbot.store
    centre = await store.add_centre("Onderwijscentrum Gent", staffbot.deps.clock())
    await store.join_centre(school.id, centre)
    unnamed = await new_school(staffbot, "Niet genoemd")
    await store.join_centre(unnamed.id, centre)

    async def agree(conn):  # type: ignore[no-untyped-def]
        await conn.execute("UPDATE schools SET share_named = 1 WHERE id = ?", (school.id,))

    await store.run_write(agree)
    made = await make_invite(
        staffbot.store, staffbot.deps.settings, Grant(Role.COORDINATOR, centre_id=centre)
    )
    coordinator = await join(staffbot, made["link"].split("start=")[1])
    assert "coördinator bij Onderwijscentrum Gent" in coordinator.all_messages()[-1]["text"]
    await launch(admin)
    opened = (await staffbot.store.rounds(school.id))[0]
    other_round = await staffbot.store.open_round(
        school_id=other.id,
        flow_id="barometer-ouders",
        flow_version=1,
        audience="parents",
        token="T" * 22,
        at=staffbot.deps.clock(),
    )
    assert "Begonnen: 0" in texts_of(await coordinator.command("/status", str(opened.id)))
    assert texts_of(await coordinator.command("/status", str(other_round.id))) == REFUSAL
    assert texts_of(await coordinator.command("/sluit", str(opened.id))) == REFUSAL
    # A school of the centre that did not agree to be named: its participation stays unseen.
    unnamed_round = await staffbot.store.open_round(
        school_id=unnamed.id,
        flow_id="barometer-ouders",
        flow_version=1,
        audience="parents",
        token="U" * 22,
        at=staffbot.deps.clock(),
    )
    assert texts_of(await coordinator.command("/status", str(unnamed_round.id))) == REFUSAL


# ---- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_a_stranger_is_refused_every_staff_command(
    staffbot: BotHarness, command: str
) -> None:
    await make_admin(staffbot)
    stranger = staffbot.user(language_code="en")
    replies = await stranger.command(command)
    assert texts_of(replies) == t("en", school_texts.NOT_FOR_YOU)
    assert await table(staffbot, "staff_dialogues") == []
    assert len(await table(staffbot, "staff_invites")) == 1  # only the admin's own


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_a_parent_is_refused_and_can_go_on_answering(
    staffbot: BotHarness, command: str
) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    opened = (await staffbot.store.rounds())[0]
    parent = await parent_answers(staffbot, opened.start_token, answers=3)
    parent.replies()
    assert texts_of(await parent.command(command)) == REFUSAL
    assert texts_of(await parent.command(command, str(opened.id))) == REFUSAL
    replies = await parent.press("🙂")
    assert replies[-1]["text"].startswith("Vraag 5 van 30")  # the survey goes on


async def test_a_refusal_does_not_say_whether_a_round_or_school_exists(
    staffbot: BotHarness,
) -> None:
    admin_a, _ = await make_admin(staffbot)
    admin_b, _ = await make_admin(staffbot, await new_school(staffbot, "GO! Atheneum"))
    await launch(admin_b)
    theirs = (await staffbot.store.rounds())[-1]
    answers = []
    for arg in (str(theirs.id), "999", "0", "9" * 30):
        answers.append(texts_of(await admin_a.command("/status", arg)))
        answers.append(texts_of(await admin_a.command("/sluit", arg)))
    assert set(answers) == {REFUSAL}
    assert (await staffbot.store.round(theirs.id)).status == "open"  # type: ignore[union-attr]


async def test_forged_buttons_are_checked_like_commands(staffbot: BotHarness) -> None:
    admin_a, school_a = await make_admin(staffbot)
    admin_b, school_b = await make_admin(staffbot, await new_school(staffbot, "GO! Atheneum"))
    await launch(admin_b)
    theirs = (await staffbot.store.rounds())[-1]
    invites_before = len(await table(staffbot, "staff_invites"))
    for data in (
        f"x|st|{theirs.id}",
        f"x|sl|{theirs.id}",
        f"x|sly|{theirs.id}",
        f"x|iv|{school_b.id}|admin",
        f"x|sc|ron|{school_b.id}",
        f"x|sc|ter|{school_b.id}",
        f"x|sc|inv|{school_b.id}",
        f"x|iv|{school_a.id}|coordinator",
        "x|fr|1",
        "x|zzz",
        "x|st|1|2|3|4|5",
        "x|st|²",
        "x|st|99999999999999999999999",
        f"x|sc|sta|{school_b.id}0000000000000000000000",
    ):
        replies = await admin_a.press_data(data)
        assert texts_of(replies) == REFUSAL, data
    assert (await staffbot.store.round(theirs.id)).status == "open"  # type: ignore[union-attr]
    assert len(await table(staffbot, "staff_invites")) == invites_before
    assert await table(staffbot, "staff_dialogues") == []


async def test_a_dialogue_button_without_a_dialogue(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    stranger = staffbot.user()
    for data in ("x|r|abcdef12|go|-", "x|f|abcdef12|yes|-"):
        assert texts_of(await admin.press_data(data)) == staff_texts.BUTTON_OLD  # e.g. a double tap
        assert texts_of(await stranger.press_data(data)) == REFUSAL
    assert await staffbot.store.rounds() == []


async def test_team_member_without_reports_is_refused_all_but_answering(
    staffbot: BotHarness,
) -> None:
    admin, _ = await make_admin(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    reader = await join(staffbot, await invite(admin, "Teamlid dat rapporten"))
    await launch(admin)
    for command in STAFF_COMMANDS:
        assert texts_of(await team.command(command)) == REFUSAL, command
    assert texts_of(await reader.command("/status")) == staff_texts.PICK_ROUND
    assert "Begonnen: 0" in texts_of(await reader.press("Barometer voor ouders"))
    for command in ("/ronde", "/sluit", "/terugkoppeling", "/uitnodigen"):
        assert texts_of(await reader.command(command)) == REFUSAL, command


async def test_a_role_taken_away_mid_dialogue_stops_it(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    await admin.command("/ronde")
    member = await staffbot.store.member(admin.chat_id)  # type: ignore[arg-type]
    assert member is not None
    await staffbot.store.revoke(member.id, school.id)
    assert texts_of(await admin.press("Barometer voor ouders")) == REFUSAL
    assert await staffbot.store.rounds() == []


async def test_staff_commands_work_only_in_private_chats(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    in_group = staffbot.user(chat_id=-100123)
    in_group.user_id = admin.user_id
    for command in [*STAFF_COMMANDS, "/geenherinnering"]:
        replies = await in_group.command(command)
        assert texts_of(replies) == t("nl", school_texts.PRIVATE_ONLY), command
    assert await table(staffbot, "staff_dialogues") == []


async def test_a_stale_dialogue_button_is_refused_kindly(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    old = admin.last_with_keyboard()
    await admin.command("/ronde")  # a new dialogue replaces the first
    replies = await admin.press_data(
        old["reply_markup"]["inline_keyboard"][0][0]["callback_data"], old
    )  # type: ignore[index]
    assert texts_of(replies) == staff_texts.BUTTON_OLD


async def test_an_update_delivered_twice_makes_one_invite(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    await admin.command("/uitnodigen")
    message = admin.last_with_keyboard()
    data = message["reply_markup"]["inline_keyboard"][1][0]["callback_data"]  # type: ignore[index]
    raw = admin.callback_update(data, message)
    await admin.send(raw)
    await admin.send(raw)
    assert len(await table(staffbot, "staff_invites")) == 2  # the admin's own, and this one
    del school


async def test_forget_removes_staff_access(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await admin.command("/vergeet")
    await admin.press("Ja, wis alles")
    assert await table(staffbot, "staff_members") == []
    assert texts_of(await admin.command("/ronde")) == REFUSAL


def test_refusal_is_polite_and_short() -> None:
    assert len(REFUSAL) < 120
    assert "school" not in REFUSAL.lower()
