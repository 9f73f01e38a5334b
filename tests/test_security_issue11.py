"""Issue 11, items 5 (chat side), 8, 9, 10 and 11: each hole, reproduced through the real bot.

- /status names no small language and lets no small class or language follow from the totals;
  a coordinator follows only schools that agreed to be named.
- A revoked admin's invites open nothing; "cancel close" answers a stranger with the refusal.
- /vergeet leaves neither the answer nor the chat id in the database, its WAL or its shm file.
- A forged report button with a huge id is refused; processed update ids are pruned.
"""

from __future__ import annotations

from pathlib import Path

from bot import school_texts, staff_texts
from bot.i18n import t
from bot.limits import PROCESSED_UPDATES_KEEP
from tests.conftest import BotHarness
from tests.test_staff_support import (
    clock,
    invite,
    launch,
    links_in,
    make_admin,
    parent_answers,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

REFUSAL = t("nl", school_texts.NOT_FOR_YOU)
SECRET = "Meester Koen roept ZQX-4471 tegen mijn zoon"


# ---- item 5: /status -------------------------------------------------------------------------


async def test_status_names_no_small_language_and_no_class_follows_from_the_total(
    staffbot: BotHarness,
) -> None:
    admin, _ = await make_admin(staffbot)
    links = links_in((await launch(admin, groups="1A, 1B, 1C"))[0]["text"])
    for _ in range(5):
        await parent_answers(staffbot, links["1A"], language="nl", answers=2)
    for _ in range(5):
        await parent_answers(staffbot, links["1B"], language="nl", answers=2)
    await parent_answers(staffbot, links["1C"], language="tr", answers=2)
    await parent_answers(staffbot, links["1C"], language="tr", answers=2)
    text = texts_of(await admin.command("/status", "1"))
    assert "Begonnen: 12." in text
    # 1C (two) is small; one more class is hidden beside it, so 12 - 5 - 5 is never computed.
    lines = [line for line in text.splitlines() if line.startswith("• 1")]
    assert "• 1C: minder dan 5" in lines
    assert sum("niet getoond" in line for line in lines) == 1
    assert sum("begonnen" in line for line in lines) == 1
    # Turkish (two families) is never named: "andere talen", and Dutch is hidden beside it.
    assert "Turks" not in text
    assert "• andere talen: minder dan 5" in text
    assert "• Nederlands: niet getoond" in text


async def test_status_shows_languages_that_are_large_enough(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    for language, many in (("nl", 6), ("tr", 5), ("ar", 1), ("bg", 1), ("pl", 3)):
        for _ in range(many):
            await parent_answers(staffbot, token, language=language, answers=1)
    text = texts_of(await admin.command("/status", "1"))
    assert "• Nederlands: 6 begonnen" in text
    assert "• Turks: 5 begonnen" in text
    assert "• andere talen: 5 begonnen" in text  # Arabic, Bulgarian and Polish, never named
    for name in ("Arabisch", "Bulgaars", "Pools"):
        assert name not in text


# ---- item 8: revoked admins, cancel close ----------------------------------------------------


async def test_a_revoked_admins_invite_opens_nothing(staffbot: BotHarness) -> None:
    admin, school = await make_admin(staffbot)
    payload = await invite(admin, "Schoolbeheerder")
    member = await staffbot.store.member(admin.user_id)
    assert member is not None
    await staffbot.store.revoke(member.id, school.id)
    assert await staffbot.store.run_read(
        "SELECT COUNT(*) FROM staff_invites WHERE used_at IS NULL"
    ) == [(0,)]
    stranger = staffbot.user()
    assert texts_of(await stranger.command("/start", payload)) == t(
        "nl", staff_texts.INVITE_INVALID
    )
    assert texts_of(await stranger.command("/status")) == REFUSAL
    assert await staffbot.store.run_read("SELECT COUNT(*) FROM staff_members") == [(0,)]


async def test_an_invite_is_void_once_its_maker_lost_the_right_to_invite(
    staffbot: BotHarness,
) -> None:
    admin, school = await make_admin(staffbot)
    payload = await invite(admin, "Teamlid")

    async def demote(conn):  # type: ignore[no-untyped-def]
        # The role changed by hand (not through revoke): the invite itself is left in place.
        await conn.execute("UPDATE staff_roles SET role = 'team' WHERE school_id = ?", (school.id,))

    await staffbot.store.run_write(demote)
    stranger = staffbot.user()
    assert texts_of(await stranger.command("/start", payload)) == t(
        "nl", staff_texts.INVITE_INVALID
    )
    assert await staffbot.store.member(stranger.user_id) is None


async def test_cancel_close_answers_a_stranger_with_the_refusal(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    stranger = staffbot.user()
    for data in ("x|sln|1", "x|sln|-", "x|sln|99999999999999999999"):
        assert texts_of(await stranger.press_data(data)) == REFUSAL, data
    # The admin who asked still gets "cancelled".
    await admin.command("/sluit", "1")
    replies = await admin.press(t("nl", staff_texts.SLUIT_NO))
    assert texts_of(replies) == t("nl", staff_texts.CANCELLED)


# ---- item 9: /vergeet leaves no traces -------------------------------------------------------


def raw_files(db: str) -> dict[str, bytes]:
    return {
        suffix: Path(db + suffix).read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(db + suffix).exists()
    }


async def test_forget_leaves_no_trace_in_the_database_wal_or_shm_files(
    staffbot: BotHarness,
) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    parent = await parent_answers(staffbot, token, answers=21)
    await parent.text(SECRET)
    chat = parent.user_id
    needles = {
        "answer": SECRET.encode(),
        "answer part": b"ZQX-4471",
        "chat id as text": str(chat).encode(),
        "chat id as integer": chat.to_bytes(4, "big"),  # how SQLite stores it in a record
    }
    before = raw_files(staffbot.store.path)
    assert any(needles["answer"] in data for data in before.values())
    await parent.command("/vergeet")
    await parent.press("🗑️")
    after = raw_files(staffbot.store.path)
    assert after.get("-wal", b"") == b""  # checkpointed and truncated
    for name, needle in needles.items():
        for suffix, data in after.items():
            assert needle not in data, (name, suffix)
    pragma = await staffbot.store.run_read("PRAGMA secure_delete")
    assert pragma == [(1,)]


# ---- item 11: smaller holes ------------------------------------------------------------------


async def test_a_forged_report_button_with_a_huge_id_gets_the_refusal(
    staffbot: BotHarness,
) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    for data in (
        "rp|r|99999999999999999999",
        "rp|v|99999999999999999999|open",
        "rp|f|99999999999999999999|csv",
        "rp|s|99999999999999999999",
        "x|st|99999999999999999999",
    ):
        replies = await admin.press_data(data)
        assert texts_of(replies) == REFUSAL, data


async def test_housekeeping_prunes_processed_update_ids(staffbot: BotHarness) -> None:
    from types import SimpleNamespace

    from bot.tg.reminders import housekeeping

    oldest = 10_000_000

    async def fill(conn):  # type: ignore[no-untyped-def]
        await conn.executemany(
            "INSERT INTO processed_updates(update_id, processed_at) VALUES (?, '2026-01-01')",
            [(oldest + i,) for i in range(PROCESSED_UPDATES_KEEP + 50)],
        )

    await staffbot.store.run_write(fill)
    await housekeeping(SimpleNamespace(application=staffbot.application))  # type: ignore[arg-type]
    [(kept,)] = await staffbot.store.run_read("SELECT COUNT(*) FROM processed_updates")
    assert kept == PROCESSED_UPDATES_KEEP
    assert not await staffbot.store.is_processed(oldest)
    assert await staffbot.store.is_processed(oldest + PROCESSED_UPDATES_KEEP + 49)
