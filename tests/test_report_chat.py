"""/rapport in the chat: staff with the right role see the report; nobody else sees anything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import new_token
from bot.staff import Grant, Role
from bot.tg.stub_api import SimulatedUser, button_labels


async def make_member(bot, user: SimulatedUser, grant: Grant) -> None:
    """Give a chat a role the way the product does: an invite, accepted through the bot."""
    token = new_token()
    now = bot.deps.clock()
    await bot.store.create_invite(
        token, grant, created_by=None, at=now, expires_at=now + timedelta(days=1)
    )
    await user.command("/start", f"inv-{token}")


async def answered_round(bot, parents: int = 12):
    """A school and a parents' round answered by `parents` parents through the bot."""
    school, opened = await bot.school_and_round()
    for number in range(parents):
        parent = bot.user(language_code="nl")
        await parent.command("/start", opened.start_token)
        await parent.press("Nederlands")
        for _ in range(29):
            await parent.press("🙂" if number % 3 else "😄")
        await parent.text(f"Open antwoord nummer {number}")
    await bot.store.close_round(opened.id, bot.deps.clock())
    return school, opened


async def test_admin_sees_summary_charts_views_and_files(bot):
    school, _ = await answered_round(bot)
    admin = bot.user()
    await make_member(bot, admin, Grant(Role.ADMIN, school_id=school.id))
    admin.replies()
    replies = await admin.command("/rapport")
    assert any(
        "Kies" in (m.get("text") or "") or "ronde" in (m.get("text") or "").lower() for m in replies
    )
    replies = await admin.press("Barometer")
    photos = [m for m in replies if "photo" in m]
    assert photos, "the charts arrive as pictures"
    summary = replies[-1]["text"]
    assert "Deelname" in summary and "12" in summary
    labels = button_labels(replies[-1])
    assert "📄 PDF" in labels and "🧭 Thema's" in labels
    assert "🎤 Spraakberichten" not in labels  # voice answers are for the brugfiguur only
    themes = await admin.press("Thema's")
    assert "Welkom en relatie" in themes[-1]["text"]
    files = await admin.press("📄 XLSX")
    assert files[-1]["document"] and files[-1]["upload"]["filename"].endswith(".xlsx")


@pytest.mark.parametrize("role", ["stranger", "parent", "other-school", "team-without-reports"])
async def test_report_is_refused_to_everyone_else(bot, role):
    school, opened = await answered_round(bot, parents=6)
    other, _ = await bot.school_and_round()
    person = bot.user()
    if role == "other-school":
        await make_member(bot, person, Grant(Role.ADMIN, school_id=other.id))
    elif role == "team-without-reports":
        await make_member(bot, person, Grant(Role.TEAM, school_id=school.id))
    elif role == "parent":
        await person.command("/start", opened.start_token)
    person.replies()
    for attempt in (["/rapport"], ["/rapport", str(opened.id)]):
        replies = await person.command(*attempt)
        texts = " ".join(m.get("text") or "" for m in replies)
        assert "Deelname" not in texts and not any("photo" in m for m in replies)
    forged = await person.press_data(f"rp|r|{opened.id}")
    assert not any("photo" in m for m in forged)
    assert all("Deelname" not in (m.get("text") or "") for m in forged)
    forged = await person.press_data(f"rp|f|{opened.id}|csv")
    assert not any("document" in m for m in forged)


async def test_brugfiguur_hears_voice_answers_and_sees_schools_side_by_side(bot):
    school, opened = await answered_round(bot, parents=11)
    second, _ = await bot.school_and_round()
    brug = bot.user()
    await make_member(bot, brug, Grant(Role.BRUGFIGUUR, school_id=school.id))
    await make_member(bot, brug, Grant(Role.BRUGFIGUUR, school_id=second.id))
    brug.replies()
    replies = await brug.command("/rapport")
    labels = button_labels(replies[-1])
    assert "Al mijn scholen naast elkaar" in labels
    overview = await brug.press("Al mijn scholen naast elkaar")
    assert school.name in overview[-1]["text"]
    await brug.command("/rapport", str(opened.id))
    assert "🎤 Spraakberichten" in button_labels(brug.last_with_keyboard())
    voice = await brug.press("Spraakberichten")
    assert "spraakbericht" in voice[-1]["text"].lower()


async def test_report_in_a_group_points_to_a_private_chat(bot):
    await answered_round(bot, parents=1)
    member = bot.user(chat_id=-4242)
    replies = await member.command("/rapport")
    # "apart gesprek": plain Dutch for a private chat (issue 15)
    assert replies and "apart gesprek met mij" in replies[-1]["text"].lower()


async def test_coordinator_opens_only_schools_that_agreed_to_be_named(bot):
    """Issue 11, item 6, through the bot: a forged /rapport for an unnamed school is refused; the
    coordinator still reaches the centre overview, where the school is not named."""
    school, opened = await answered_round(bot, parents=10)
    staff = bot.store
    centre = await staff.add_centre("Centrum", bot.deps.clock())
    await staff.join_centre(school.id, centre)
    coordinator = bot.user()
    await make_member(bot, coordinator, Grant(Role.COORDINATOR, centre_id=centre))
    coordinator.replies()

    refused = await coordinator.command("/rapport", str(opened.id))
    assert not any("photo" in m for m in refused)
    assert "Open antwoord" not in " ".join(m.get("text") or "" for m in refused)
    overview = await coordinator.command("/rapport")
    text = " ".join(m.get("text") or "" for m in overview)
    assert "Overzicht" in text and school.name not in text

    async def agree(conn) -> None:  # type: ignore[no-untyped-def]
        await conn.execute("UPDATE schools SET share_named = 1 WHERE id = ?", (school.id,))

    await bot.store.run_write(agree)
    shown = await coordinator.command("/rapport", str(opened.id))
    assert any("photo" in m for m in shown)
