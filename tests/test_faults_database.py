"""The database locked by another process for longer than the busy timeout.

The parent gets a clear, kind error in their own language; nothing is half-written (no answer,
the session where it was, the update not marked as handled); and the next try works.
The busy timeout is lowered to 0.2 s here so the test does not wait 3 x 5 s.
"""

from __future__ import annotations

import pytest
from faults import checks
from faults.inproc import ErrorSpy, current_of, make_bot, stored_answers, tap, texts_of
from faults.locker import DatabaseLocker

import bot.store.sqlite_database as sqlite_store
from bot.errors import StoreError
from bot.i18n import t
from bot.store import SqliteStore
from bot.texts import parents as texts


@pytest.fixture
async def impatient_store(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_MS", 200)
    async with SqliteStore(tmp_path / "locked.db") as opened:
        yield opened


@pytest.fixture
async def bot(impatient_store):
    made = await make_bot(impatient_store, rate_limit=False)
    yield made
    await made.application.shutdown()


async def test_an_answer_while_the_database_is_locked(bot):
    opened = await bot.open_round()
    parent = await bot.joined(opened, "tr")
    spy = ErrorSpy().install(bot.application)
    update = tap(parent, "4")
    with DatabaseLocker(bot.store.path):
        replies = texts_of(await parent.send(update))
        assert await current_of(bot.store, parent.chat_id) == "welkom_1"  # reads still work
    assert replies == [t("tr", texts.ERROR)]
    assert [type(e) for e in spy.errors] == [StoreError]
    # Nothing half-written: no answer, the session unchanged, the update free to be tried again.
    assert await stored_answers(bot.store, parent.chat_id) == {}
    assert await current_of(bot.store, parent.chat_id) == "welkom_1"
    assert not await bot.store.is_processed(update["update_id"])
    # The next try works; the question message still has its buttons (it was never edited).
    replies = texts_of(await parent.send(tap(parent, "4")))
    assert replies[-1].startswith(t("tr", texts.PROGRESS, number=2, total=30))
    assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": "4"}
    assert checks.problems(bot.store.path) == []


async def test_a_join_that_meets_a_locked_database_is_not_half_done(bot):
    """The lock comes between the two writes of joining: the language is saved, the respondent
    is not. The parent hears it went wrong; tapping the language again joins them once."""
    opened = await bot.open_round()
    parent = bot.user("ar")
    locker = DatabaseLocker(bot.store.path)

    def lock_when_the_language_is_confirmed(method, params):
        if (
            method == "sendMessage"
            and params.get("text") == t("ar", texts.LANGUAGE_SET)
            and locker.process is None
        ):
            locker.lock()
        return None

    await parent.command("/start", opened.start_token)
    menu = parent.last_with_keyboard()
    bot.api.fault = lock_when_the_language_is_confirmed
    try:
        replies = texts_of(await parent.press_data("l|ar", menu))
    finally:
        locker.release()
    assert replies == [t("ar", texts.LANGUAGE_SET), t("ar", texts.ERROR)]
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(0,)]
    assert await bot.store.run_read("SELECT language, pending_token IS NOT NULL FROM chats") == [
        ("ar", 1)
    ]
    bot.api.fault = None
    replies = texts_of(await parent.press_data("l|ar", menu))
    assert replies[-1].startswith(t("ar", texts.PROGRESS, number=1, total=30))
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(1,)]
    assert await bot.store.run_read("SELECT pending_token FROM chats") == [(None,)]
    assert checks.problems(bot.store.path) == []


async def test_a_stop_while_locked_is_refused_whole(bot):
    opened = await bot.open_round()
    parent = await bot.joined(opened, "fr")
    await parent.send(tap(parent, "2"))
    with DatabaseLocker(bot.store.path):
        replies = texts_of(await parent.command("/stop"))
    assert replies == [t("fr", texts.ERROR)]
    assert await bot.store.run_read("SELECT status FROM respondents") == [("waiting",)]
    replies = texts_of(await parent.command("/stop"))
    assert replies == [t("fr", texts.PAUSED)]
    assert await bot.store.run_read("SELECT status FROM respondents") == [("paused",)]
