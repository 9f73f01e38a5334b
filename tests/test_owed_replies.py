"""The reply owed after a commit (issue 12): recorded with the answer, settled once out, and
delivered again after a crash: at start-up, or after the chat's next update."""

from __future__ import annotations

import pytest
from faults.api_faults import Faults, forbidden, to_chat
from faults.inproc import ErrorSpy, make_bot, stored_answers, tap, texts_of

from bot.i18n import t
from bot.texts import parents as texts
from bot.tg.parent import deliver_owed_at_start


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def inproc(store):  # type: ignore[no-untyped-def]
    bot = await make_bot(store, rate_limit=False)
    yield bot
    await bot.application.shutdown()


def progress(number: int) -> str:
    return t("nl", texts.PROGRESS, number=number, total=30)


async def lost_reply(inproc):  # type: ignore[no-untyped-def]
    """A parent answers question 1; the reply never reaches them (as if the bot died)."""
    opened = await inproc.open_round()
    parent = await inproc.joined(opened)
    ErrorSpy().install(inproc.application)
    inproc.api.fault = Faults().fail(None, forbidden(), times=10**6, when=to_chat(parent.chat_id))
    assert await parent.send(tap(parent, "4")) == []
    inproc.api.fault = None
    assert await stored_answers(inproc.store, parent.chat_id) == {"welkom_1": "4"}
    return parent


async def test_a_normal_answer_owes_nothing_once_its_reply_is_out(inproc) -> None:  # type: ignore[no-untyped-def]
    opened = await inproc.open_round()
    parent = await inproc.joined(opened)
    await parent.send(tap(parent, "4"))
    assert await inproc.store.all_owed() == []


async def test_a_reply_lost_after_the_commit_is_sent_at_start_up(inproc) -> None:  # type: ignore[no-untyped-def]
    parent = await lost_reply(inproc)
    owed = await inproc.store.all_owed()
    assert [o.chat_id for o in owed] == [parent.chat_id]
    await deliver_owed_at_start(inproc.application)
    replies = parent.replies()
    assert len(replies) == 1 and replies[0]["text"].startswith(progress(2))
    assert replies[0]["reply_markup"], "with its buttons"
    assert await inproc.store.all_owed() == []
    await deliver_owed_at_start(inproc.application)
    assert parent.replies() == [], "delivered once"


async def test_a_reply_still_owed_comes_after_the_chats_next_update(inproc) -> None:  # type: ignore[no-untyped-def]
    parent = await lost_reply(inproc)
    replies = texts_of(await parent.command("/help"))
    assert replies[0] == t("nl", texts.HELP)
    assert replies[-1].startswith(progress(2))
    assert await inproc.store.all_owed() == []


async def test_typed_text_with_no_question_on_screen_gets_the_question(inproc) -> None:  # type: ignore[no-untyped-def]
    parent = await lost_reply(inproc)
    replies = texts_of(await parent.text("hallo?"))
    assert replies[-1].startswith(progress(2))
    assert await stored_answers(inproc.store, parent.chat_id) == {"welkom_1": "4"}


async def test_a_re_tap_of_the_stored_answer_shows_the_question_it_is_at(inproc) -> None:  # type: ignore[no-untyped-def]
    parent = await lost_reply(inproc)
    replies = await parent.send(tap(parent, "4"))  # the same face on the same (old) message
    assert replies[-1]["text"].startswith(progress(2))
    toasts = [p for m, p in inproc.api.calls if m == "answerCallbackQuery"]
    assert toasts[-1].get("text") == t("nl", texts.SAVED)
    assert await stored_answers(inproc.store, parent.chat_id) == {"welkom_1": "4"}


async def test_a_blocked_chat_owed_a_reply_is_settled_at_start_up(inproc) -> None:  # type: ignore[no-untyped-def]
    parent = await lost_reply(inproc)
    inproc.api.fault = Faults().fail(None, forbidden(), times=10**6, when=to_chat(parent.chat_id))
    await deliver_owed_at_start(inproc.application)
    assert await inproc.store.all_owed() == []
