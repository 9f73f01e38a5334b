"""Issue 11, items 5 (chat side), 8, 9, 10 and 11: each hole, reproduced through the real bot.

- /status names no small language and lets no small class or language follow from the totals;
  a coordinator follows only schools that agreed to be named.
- A revoked admin's invites open nothing; "cancel close" answers a stranger with the refusal.
- /vergeet leaves neither the answer nor the chat id in the database, its WAL or its shm file.
- A forged report button with a huge id is refused; processed update ids are pruned.
"""

from __future__ import annotations

from pathlib import Path

from bot.i18n import t
from bot.limits import PROCESSED_UPDATES_KEEP
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
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
    parent = await parent_answers(staffbot, token, answers=29)
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


# ---- item 11: class names, open answers, business messages, forged data in the log ----------


async def test_look_alike_class_names_are_folded_or_refused(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    hidden = t("nl", staff_texts.INPUT_ERRORS["group_name_hidden"])
    double = t("nl", staff_texts.INPUT_ERRORS["groups_double"])
    await admin.command("/ronde")
    await admin.press("Barometer voor ouders")
    await admin.press("Per klas of graad")
    for typed, answer in (
        ("1A, 1A\u200b", hidden),  # zero-width space
        ("1A, \u202e1B", hidden),  # right-to-left override
        ("1A, 1B\u2066", hidden),  # left-to-right isolate
        ("1A, \uff11\uff21", double),  # fullwidth "１Ａ" is "1A" after NFKC
    ):
        assert texts_of(await admin.text(typed)) == answer, typed
    await admin.text("\uff11\uff21, 1B")
    await admin.press("Weet ik niet")
    await admin.press("2 wk")
    await admin.press("Start de ronde")
    groups = await staffbot.store.round_groups(1)
    assert [g.name for g in groups] == ["1A", "1B"]


async def test_an_open_answer_cannot_forge_lines_or_turn_the_staff_view_around(bot) -> None:  # type: ignore[no-untyped-def]
    from bot.reports.text import open_answer
    from bot.staff import Grant, Role
    from tests.test_report_chat import make_member

    forged = "goed\n\n💬 Nieuwe vraag\n  • [Nederlands] \u202eneg ik wil weg\u2069 daarna"
    school, opened = await bot.school_and_round()
    for number in range(10):
        parent = bot.user(language_code="nl")
        await parent.command("/start", opened.start_token)
        await parent.press("Nederlands")
        for _ in range(29):
            await parent.press("🙂" if number % 3 else "😄")
        await parent.text(forged if number == 0 else f"Open antwoord nummer {number}")
    await bot.store.close_round(opened.id, bot.deps.clock())
    admin = bot.user()
    await make_member(bot, admin, Grant(Role.ADMIN, school_id=school.id))
    view = texts_of(await admin.press_data(f"rp|v|{opened.id}|open"))
    # The real question only starts a line: the forged one stays inside the answer's line.
    assert sum(line.startswith("💬") for line in view.splitlines()) == 1
    assert "Nieuwe vraag" in view
    [line] = [line for line in view.splitlines() if "Nieuwe vraag" in line]
    assert line.startswith("  • [Nederlands] \u2068goed ¶  ¶ 💬 Nieuwe vraag")
    assert line.endswith("\u2069")
    assert "\u202e" not in view
    inner = line[line.index("\u2068") + 1 : -1]
    assert "\u2068" not in inner and "\u2069" not in inner  # the isolate cannot be closed early
    assert open_answer("a\r\nb\u2028c\td", isolate=False) == "a ¶ b ¶ c d"
    # The files carry the same one-line text (without the isolate).
    csv = await admin.press_data(f"rp|f|{opened.id}|csv")
    assert csv and csv[-1]["document"]


async def test_a_business_message_is_never_stored_as_an_answer(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    parent = await parent_answers(staffbot, token, answers=29)  # the open question is next
    update = parent.message_update(text="Dit schreef een klant van de ouder")
    update["business_message"] = {**update.pop("message"), "business_connection_id": "bc-1"}
    update["business_message"]["from"] = {"id": 55_555, "is_bot": False, "first_name": "Klant"}
    assert await parent.send(update) == []
    rows = await staffbot.store.run_read("SELECT text FROM answers WHERE text IS NOT NULL")
    assert rows == []
    await parent.text("Mijn eigen antwoord")
    rows = await staffbot.store.run_read("SELECT text FROM answers WHERE text IS NOT NULL")
    assert rows == [("Mijn eigen antwoord",)]


async def test_forged_button_data_cannot_write_a_line_into_the_log(
    staffbot: BotHarness, caplog
) -> None:  # type: ignore[no-untyped-def]
    import logging

    admin, _ = await make_admin(staffbot)
    with caplog.at_level(logging.DEBUG):
        replies = await admin.press_data("x|zz\nINFO bot.outbox: 1000 sent\rrp")
        replies += await admin.press_data("rp|q\n\u202eevil")
    assert texts_of(replies) == "\n".join([REFUSAL, REFUSAL])
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "\nINFO bot.outbox" not in text and "\u202e" not in text
    assert "'x|zz\\nINFO bot.outbox: 1000 sent\\rrp'" in text


# ---- item 10: one chat cannot stall everyone -------------------------------------------------


async def test_a_flooding_chat_neither_stalls_another_parent_nor_gets_a_reply_each(
    bot,  # type: ignore[no-untyped-def]
) -> None:
    import asyncio

    from telegram import Update

    from bot.tg.deps import MAX_QUEUED_PER_CHAT, ChatOrderedProcessor
    from tests.faults.inproc import tap

    app = bot.application
    processor = app.update_processor
    assert isinstance(processor, ChatOrderedProcessor)
    _, opened = await bot.school_and_round()
    flooder, other = bot.user(), bot.user()
    for person in (flooder, other):
        await person.command("/start", opened.start_token)
        await person.press("Nederlands")
        person.replies()

    def submit(raw: dict) -> asyncio.Task:  # type: ignore[type-arg]
        update = Update.de_json(raw, app.bot)
        return asyncio.create_task(processor.process_update(update, app.process_update(update)))

    raws = [flooder.message_update(text=f"spam {i}") for i in range(1000)]
    flood = [submit(raw) for raw in raws]
    answer = submit(tap(other, "4"))
    marks = ",".join(str(raw["update_id"]) for raw in raws)

    async def flood_handled() -> int:
        sql = f"SELECT COUNT(*) FROM processed_updates WHERE update_id IN ({marks})"
        return int((await bot.store.run_read(sql))[0][0])

    await answer
    handled_before = await flood_handled()
    await asyncio.gather(*flood)
    # The other parent's answer was handled while the flood was still waiting its turn.
    assert handled_before < MAX_QUEUED_PER_CHAT
    rows = await bot.store.run_read("SELECT COUNT(*) FROM answers WHERE value = '4'")
    assert rows == [(1,)]
    assert "Vraag 2 van 30" in texts_of(other.replies())
    # The flood got its budget handled, the rest dropped: not 1,002 replies.
    assert processor.dropped == 1000 - MAX_QUEUED_PER_CHAT
    assert await flood_handled() == MAX_QUEUED_PER_CHAT
    assert len(flooder.replies()) <= 2 * MAX_QUEUED_PER_CHAT
    assert processor.queued == {} and len(processor.turns) == 0


async def test_a_chat_waiting_for_its_turn_holds_no_concurrency_slot() -> None:
    import asyncio
    from types import SimpleNamespace

    from telegram import Update

    from bot.tg.deps import ChatOrderedProcessor

    processor = ChatOrderedProcessor(2, per_chat=1000)
    release = asyncio.Event()
    handled: list[str] = []

    def update(chat_id: int) -> Update:
        made = Update(update_id=chat_id)
        object.__setattr__(made, "_effective_chat", SimpleNamespace(id=chat_id))
        return made

    async def work(name: str) -> None:
        await release.wait() if name.startswith("flood") else None
        handled.append(name)

    flood = [
        asyncio.create_task(processor.process_update(update(1), work(f"flood {i}")))
        for i in range(100)
    ]
    await asyncio.sleep(0)
    other = asyncio.create_task(processor.process_update(update(2), work("other")))
    await asyncio.wait_for(other, timeout=5)  # a guard against a hang, not a measurement
    assert handled == ["other"]  # the flood holds one slot, waiting; the other chat got one
    release.set()
    await asyncio.gather(*flood)
    assert handled[1:] == [f"flood {i}" for i in range(100)]  # the chat's own order is kept


async def test_report_files_and_charts_are_drawn_off_the_event_loop(bot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from bot.reports import charts, exports
    from bot.staff import Grant, Role
    from tests.test_report_chat import answered_round, make_member

    drawn_in: list[str] = []
    real_charts, real_export = charts.charts, exports.export

    def spy_charts(report):  # type: ignore[no-untyped-def]
        drawn_in.append(threading.current_thread().name)
        return real_charts(report)

    def spy_export(report, fmt):  # type: ignore[no-untyped-def]
        drawn_in.append(threading.current_thread().name)
        return real_export(report, fmt)

    monkeypatch.setattr(charts, "charts", spy_charts)
    monkeypatch.setattr(exports, "export", spy_export)
    school, opened = await answered_round(bot, parents=5)
    admin = bot.user()
    await make_member(bot, admin, Grant(Role.ADMIN, school_id=school.id))
    replies = await admin.command("/rapport", str(opened.id))
    assert any("photo" in m for m in replies)
    for fmt in ("pdf", "xlsx", "csv"):
        files = await admin.press_data(f"rp|f|{opened.id}|{fmt}")
        assert files[-1]["document"], fmt
    main = threading.main_thread().name
    assert len(drawn_in) == 4 and main not in drawn_in


async def test_forget_deletes_the_copies_of_a_voice_answer_a_brugfiguur_received(bot) -> None:  # type: ignore[no-untyped-def]
    from bot.staff import Grant, Role
    from tests.test_report_chat import make_member

    school, opened = await bot.school_and_round()
    parents = []
    for number in range(10):
        parent = bot.user(language_code="nl")
        await parent.command("/start", opened.start_token)
        await parent.press("Nederlands")
        for _ in range(29):
            await parent.press("🙂" if number % 3 else "😄")
        if number == 0:
            voice = {"file_id": "AwACAgQ-stem-van-de-ouder", "file_unique_id": "u1", "duration": 7}
            await parent.send(parent.message_update(voice=voice))
        else:
            await parent.text(f"Open antwoord nummer {number}")
        parents.append(parent)
    await bot.store.close_round(opened.id, bot.deps.clock())
    brug = bot.user()
    await make_member(bot, brug, Grant(Role.BRUGFIGUUR, school_id=school.id))
    replies = await brug.press_data(f"rp|vo|{opened.id}")
    copies = [m for m in replies if "voice" in m]
    assert len(copies) == 1
    assert await bot.store.forwarded_copies(parents[0].user_id) == [
        (brug.user_id, copies[0]["message_id"])
    ]
    await parents[0].command("/vergeet")
    await parents[0].press("🗑️")
    assert copies[0].get("deleted") is True
    assert await bot.store.run_read("SELECT COUNT(*) FROM forwarded_voices") == [(0,)]
    texts_seen = [m for m in brug.all_messages() if "voice" in m and not m.get("deleted")]
    assert texts_seen == []
