"""Security: unguessable tokens, logs without answers or chat ids, /vergeet, refusals.

- Round links, group links and invites carry `bot.clock.new_token()`: 128 random bits,
  base64url; what the database stores of them has that shape (invites: only a SHA-256).
- With the bot's own logging at DEBUG (libraries kept at WARNING, as `bot.runner` sets them),
  a whole conversation, errors included, logs no answer text, no chat id and no bot token.
- /vergeet leaves no row that mentions the chat, its respondent or its answers, in any table.
- A parent with a round's link gets only their own questions: every staff command and forged
  staff or report button is refused with one polite sentence that reveals nothing.
- Staff of another school, a used or an expired invite, a team member without report rights:
  refused the same way, and nothing changes.
"""

from __future__ import annotations

import base64
import logging
import re
from datetime import timedelta

import pytest
from faults.api_faults import Faults, server_error
from faults.inproc import TOKEN, ErrorSpy, make_bot, tap, texts_of

from bot.clock import new_token
from bot.engine import FACES
from bot.i18n import t
from bot.runner import QUIET_LOGGERS, configure_logging
from bot.staff import Grant, Role
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.tg.stub_api import SimulatedUser

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22,}$")
CHAT = 987_654_321  # a chat id no other number in a log or table is likely to contain
SECRET_ANSWER = "Juf Zehra belt mij nooit terug ZQX-7731"


def token_bytes(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


# ---- tokens ----------------------------------------------------------------------------------


def test_new_tokens_carry_128_random_bits():
    tokens = [new_token() for _ in range(4000)]
    assert len(set(tokens)) == len(tokens)
    assert all(TOKEN_SHAPE.match(tok) and len(token_bytes(tok)) >= 16 for tok in tokens)
    # Every one of the 128 bits is set about half the time: no fixed or biased bits.
    raw = [int.from_bytes(token_bytes(tok)[:16], "big") for tok in tokens]
    for bit in range(128):
        share = sum((value >> bit) & 1 for value in raw) / len(raw)
        assert 0.44 < share < 0.56, (bit, share)


def test_stored_round_group_and_invite_tokens_are_unguessable(tmp_path, monkeypatch, capsys):
    """What the command line makes and stores: round tokens, group tokens, invite hashes."""
    import asyncio
    import json

    from bot import cli
    from bot.store import SqliteStore

    db = tmp_path / "tokens.db"
    monkeypatch.setenv("OUDERSTEM_DB", str(db))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)  # no stray .env
    assert cli.main(["init"]) == 0
    assert cli.main(["school", "add", "De Regenboog", "--json"]) == 0
    school = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (
        cli.main(
            ["round", "open", "--school", str(school["id"]), "--flow", "barometer-ouders", "--json"]
        )
        == 0
    )
    assert (
        cli.main(["staff", "invite", "--school", str(school["id"]), "--role", "team", "--json"])
        == 0
    )
    printed = capsys.readouterr().out + school.get("admin_invite_link", "")

    async def read() -> tuple[list, list, list]:
        async with SqliteStore(db) as store:
            await store.add_round_group(1, "1A", new_token(), None)
            return (
                await store.run_read("SELECT start_token FROM rounds"),
                await store.run_read("SELECT token FROM round_groups"),
                await store.run_read("SELECT * FROM staff_invites"),
            )

    rounds, groups, invites = asyncio.run(read())
    for (token,) in rounds + groups:
        assert TOKEN_SHAPE.match(token) and len(token_bytes(token)) >= 16, token
    assert rounds[0][0] in printed  # shown once to the school, on purpose
    links = re.findall(r"start=inv-([A-Za-z0-9_-]+)", printed)
    assert len(links) == 2 and all(len(token_bytes(link)) >= 16 for link in links)
    assert len(invites) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", row[0]) for row in invites)
    assert not any(link in str(invites) for link in links)  # only a hash is kept


def _now():
    from bot.clock import system_clock

    return system_clock()


# ---- logs ------------------------------------------------------------------------------------


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + " " + repr(record.args))


@pytest.fixture
def debug_logs():
    """The bot's logging as `bot.runner.configure_logging("DEBUG")` sets it, collected."""
    root = logging.getLogger()
    saved = (
        root.level,
        list(root.handlers),
        {n: logging.getLogger(n).level for n in QUIET_LOGGERS},
    )
    configure_logging("DEBUG")
    collect = Collect()
    root.addHandler(collect)
    yield collect
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_debug_logging_keeps_the_chatty_libraries_quiet(debug_logs):
    # httpx logs every request URL (with the bot token) at INFO; PTB logs request data at DEBUG.
    for name in ("httpx", "httpcore", "telegram", "telegram.ext", "telegram.request"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


async def test_a_whole_conversation_at_debug_logs_no_answers_chat_ids_or_token(store, debug_logs):
    bot = await make_bot(store, rate_limit=False)
    try:
        spy = ErrorSpy().install(bot.application)
        opened = await bot.open_round()
        parent = SimulatedUser(
            bot.application, bot.api, user_id=CHAT, language_code="tr", first_name="Ayşe"
        )
        await parent.command("/start", opened.start_token)
        await parent.press("Türkçe")
        await parent.send(
            parent.message_update(
                sticker={
                    "file_id": "s",
                    "file_unique_id": "s",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            )
        )
        faults = Faults().fail("sendMessage", server_error(502))  # one failure: the error path logs
        bot.api.fault = faults
        await parent.send(tap(parent, "2"))
        bot.api.fault = None
        await parent.press_data("a|1|2|welkom_1|9")  # forged
        await parent.command("/stop")
        await parent.text("ik ben terug")
        for _ in range(35):
            if "opmerking" in str(parent.last_with_keyboard() or ""):
                break
            await parent.send(tap(parent, "4"))
        await parent.text(SECRET_ANSWER)
        rows = await store.run_read("SELECT text FROM answers WHERE question_id = 'opmerking'")
        assert rows == [(SECRET_ANSWER,)]
        await parent.command("/vergeet")
        await parent.press("🗑️")
        assert len(spy.errors) == 1 and faults.injected
    finally:
        await bot.application.shutdown()
    logged = "\n".join(debug_logs.lines)
    assert len(debug_logs.lines) >= 3, "the conversation logged nothing at all?"
    assert any("Traceback" in line for line in debug_logs.lines)  # the error path was logged too
    for needle in (
        str(CHAT),
        SECRET_ANSWER,
        "ZQX-7731",
        TOKEN,
        TOKEN.split(":")[1],
        "Ayşe",
        "ik ben terug",
    ):
        assert needle not in logged, needle


# ---- /vergeet --------------------------------------------------------------------------------


async def test_forget_leaves_no_row_behind(store, find_rows):
    bot = await make_bot(store, rate_limit=False)
    try:
        opened = await bot.open_round()
        parent = SimulatedUser(bot.application, bot.api, user_id=CHAT, language_code="ar")
        await parent.command("/start", opened.start_token)
        await parent.press_data("l|ar", parent.last_with_keyboard())
        for _ in range(29):
            await parent.send(tap(parent, "5"))
        await parent.text(SECRET_ANSWER)
        await parent.command("/geenherinnering")
        [(respondent,)] = await store.run_read("SELECT id FROM respondents")
        # Something waits in the outbox for this chat, as a reminder or feedback would.
        from bot.store.records import NewMessage

        await store.enqueue(
            [
                NewMessage(
                    CHAT,
                    "notice",
                    "ar",
                    "Bericht",
                    round_id=opened.id,
                    respondent_id=respondent,
                    dedupe_key=f"notice:{opened.id}:{CHAT}",
                )
            ],
            at=_now(),
        )
        assert await find_rows(store, CHAT, respondent, SECRET_ANSWER)
        await parent.command("/vergeet")
        replies = await parent.press_data("f|yes", parent.last_with_keyboard())
        assert texts_of(replies)[-1] == t("ar", texts.FORGOTTEN)
        assert await find_rows(store, CHAT, respondent, SECRET_ANSWER) == []
        assert await store.run_read("SELECT COUNT(*) FROM answers") == [(0,)]
        # The parent can take part again, as someone new.
        await parent.command("/start", opened.start_token)
        assert parent.last_with_keyboard() is not None
    finally:
        await bot.application.shutdown()


async def test_forget_of_a_staff_member_removes_the_member_and_roles(store, find_rows):
    bot = await make_bot(store, rate_limit=False)
    try:
        await bot.open_round()
        token = new_token()
        await store.create_invite(
            token,
            Grant(Role.ADMIN, school_id=1),
            created_by=None,
            at=_now(),
            expires_at=_now() + timedelta(days=1),
        )
        admin = SimulatedUser(bot.application, bot.api, user_id=CHAT, language_code="nl")
        await admin.command("/start", f"inv-{token}")
        assert await store.run_read("SELECT COUNT(*) FROM staff_roles") == [(1,)]
        await admin.command("/vergeet")
        await admin.press_data("f|yes", admin.last_with_keyboard())
        assert await find_rows(store, CHAT) == []
        assert await store.run_read("SELECT COUNT(*) FROM staff_roles") == [(0,)]
    finally:
        await bot.application.shutdown()


# ---- refusals --------------------------------------------------------------------------------

STAFF_COMMANDS = ("status", "rapport", "sluit", "uitnodigen", "ronde", "terugkoppeling")


@pytest.fixture
async def two_schools(store):
    """School 1 with an admin and an open round; school 2 with its own open round."""
    bot = await make_bot(store, rate_limit=False)
    first = await bot.open_round()
    second = await bot.open_round()
    staff = store
    admin_token = new_token()
    await staff.create_invite(
        admin_token,
        Grant(Role.ADMIN, school_id=first.school_id),
        created_by=None,
        at=_now(),
        expires_at=_now() + timedelta(days=7),
    )
    admin = SimulatedUser(
        bot.application, bot.api, user_id=CHAT + 1, language_code="nl", first_name="Directie"
    )
    await admin.command("/start", f"inv-{admin_token}")
    yield bot, first, second, admin
    await bot.application.shutdown()


async def refused(user: SimulatedUser, language: str, *sends) -> None:  # type: ignore[no-untyped-def]
    for send in sends:
        replies = await send
        assert [(m.get("text"), m.get("reply_markup")) for m in replies] == [
            (t(language, school_texts.NOT_FOR_YOU), None)
        ]


async def test_a_parent_with_a_link_reads_nothing(two_schools):
    bot, first, second, _ = two_schools
    parent = await bot.joined(first, "uk")
    await parent.send(tap(parent, "3"))
    for command in STAFF_COMMANDS:
        for args in ((), (str(first.id),), (str(second.id),), ("1; DROP TABLE rounds",)):
            await refused(parent, "uk", parent.command(f"/{command}", *args))
    for data in (
        f"x|sly|{first.id}",
        f"x|st|{first.id}",
        f"x|sl|{first.id}",
        f"x|sc|slu|{first.school_id}",
        f"x|iv|{first.school_id}|admin",
        f"rp|r|{first.id}",
        f"rp|v|{first.id}|open",
        f"rp|f|{first.id}|csv",
        f"rp|vo|{first.id}",
        "rp|o",
        f"rp|s|{first.school_id}",
    ):
        await refused(parent, "uk", parent.press_data(data, parent.last_with_keyboard()))
    # A staff invite cannot be guessed from a parent's chat either.
    replies = await parent.command("/start", "inv-" + new_token())
    assert texts_of(replies) == [t("nl", staff_texts.INVITE_INVALID)]
    assert await bot.store.run_read("SELECT COUNT(*) FROM staff_members") == [(1,)]
    assert await bot.store.run_read("SELECT status FROM rounds") == [("open",), ("open",)]


async def test_staff_of_another_school_is_refused(two_schools):
    bot, first, second, admin = two_schools
    await refused(
        admin,
        "nl",
        admin.command("/status", str(second.id)),
        admin.command("/sluit", str(second.id)),
        admin.command("/rapport", str(second.id)),
        admin.press_data(f"x|sly|{second.id}"),
        admin.press_data(f"x|st|{second.id}"),
        admin.press_data(f"x|sc|slu|{second.school_id}"),
        admin.press_data(f"x|iv|{second.school_id}|admin"),
        admin.press_data(f"rp|r|{second.id}"),
        admin.press_data(f"rp|f|{second.id}|csv"),
        admin.press_data(f"rp|s|{second.school_id}"),
    )
    assert await bot.store.run_read("SELECT status FROM rounds ORDER BY id") == [
        ("open",),
        ("open",),
    ]
    # The same admin may act on their own school's round.
    replies = await admin.command("/sluit", str(first.id))
    assert texts_of(replies)[0] != t("nl", school_texts.NOT_FOR_YOU)


async def test_a_used_or_expired_invite_opens_nothing(two_schools):
    bot, first, _, _ = two_schools
    staff = bot.store
    used, expired = new_token(), new_token()
    await staff.create_invite(
        used,
        Grant(Role.BRUGFIGUUR, school_id=first.school_id),
        created_by=None,
        at=_now(),
        expires_at=_now() + timedelta(days=7),
    )
    await staff.create_invite(
        expired,
        Grant(Role.ADMIN, school_id=first.school_id),
        created_by=None,
        at=_now() - timedelta(days=8),
        expires_at=_now() - timedelta(days=1),
    )
    first_taker = SimulatedUser(bot.application, bot.api, user_id=CHAT + 2)
    await first_taker.command("/start", f"inv-{used}")
    second_taker = SimulatedUser(bot.application, bot.api, user_id=CHAT + 3)
    late = SimulatedUser(bot.application, bot.api, user_id=CHAT + 4)
    for person, token in ((second_taker, used), (late, expired)):
        replies = await person.command("/start", f"inv-{token}")
        assert texts_of(replies) == [t("nl", staff_texts.INVITE_INVALID)]
        await refused(
            person,
            "nl",
            person.command("/status", str(first.id)),
            person.command("/sluit", str(first.id)),
        )
    members = await bot.store.run_read("SELECT chat_id FROM staff_members ORDER BY chat_id")
    assert members == [(CHAT + 1,), (CHAT + 2,)]


async def test_a_team_member_without_report_rights_is_refused(two_schools):
    bot, first, _, _ = two_schools
    token = new_token()
    await bot.store.create_invite(
        token,
        Grant(Role.TEAM, school_id=first.school_id),
        created_by=None,
        at=_now(),
        expires_at=_now() + timedelta(days=7),
    )
    member = SimulatedUser(bot.application, bot.api, user_id=CHAT + 5)
    await member.command("/start", f"inv-{token}")
    await refused(
        member,
        "nl",
        member.command("/status", str(first.id)),
        member.command("/rapport", str(first.id)),
        member.command("/sluit", str(first.id)),
        member.command("/uitnodigen"),
        member.press_data(f"rp|f|{first.id}|csv"),
    )


def test_faces_used_here_are_the_bots():
    assert FACES["4"] == "🙂"
