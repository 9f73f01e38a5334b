"""Delivery faults through the real Application and the in-process Bot API.

- The same update delivered twice (one after the other, at once, after a restart) is applied
  once and answered once.
- Two updates of one parent that arrive together (one polling batch, handled concurrently by
  PTB) are applied in the order the parent sent them: both applied, or the second rejected
  cleanly (a stale tap) with the current question shown again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faults.inproc import (
    ErrorSpy,
    current_of,
    deliver_together,
    stored_answers,
    tap,
    texts_of,
)
from telegram import Update

from bot.engine import FACES
from bot.i18n import t
from bot.texts import parents as texts


async def test_the_same_tap_twice_is_applied_and_answered_once(bot, join):
    parent, _, _ = await join(bot)
    spy = ErrorSpy().install(bot.application)
    update = tap(parent, "4")
    first = await parent.send(update)
    assert len(first) == 1  # the next question
    again = await parent.send(update)
    assert again == []
    assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": "4"}
    assert await current_of(bot.store, parent.chat_id) == "welkom_2"
    assert spy.errors == []


async def test_the_same_tap_delivered_twice_at_once_is_applied_once(bot, join):
    parent, _, _ = await join(bot)
    spy = ErrorSpy().install(bot.application)
    update = tap(parent, "2")
    before = len(parent.all_messages())
    await asyncio.gather(*(parent.send(update) for _ in range(5)))
    replies = parent.all_messages()[before:]
    assert len(replies) == 1 and replies[0]["text"].startswith(
        t("nl", texts.PROGRESS, number=2, total=30)
    )
    assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": "2"}
    assert spy.errors == []


async def test_a_redelivered_join_makes_one_respondent(bot):
    _, opened = await bot.school_and_round()
    parent = bot.user(language_code="tr")
    start = parent.command_update("/start", opened.start_token)
    await asyncio.gather(parent.send(start), parent.send(start))
    menus = parent.all_messages()
    assert len(menus) == 1  # one language menu
    choose = parent.callback_update("l|tr", menus[0])
    await asyncio.gather(parent.send(choose), parent.send(choose))
    assert await bot.store.run_read("SELECT COUNT(*) FROM respondents") == [(1,)]
    assert await bot.store.run_read("SELECT COUNT(*) FROM contacts") == [(1,)]
    after = texts_of(parent.all_messages()[1:])
    assert after.count(t("tr", texts.LANGUAGE_SET)) == 1
    assert sum(m.startswith(t("tr", texts.PROGRESS, number=1, total=30)) for m in after) == 1


async def test_a_redelivered_open_answer_is_stored_once(bot, join):
    parent, _, _ = await join(bot, flow_id="dialoog")
    question = await current_of(bot.store, parent.chat_id)
    update = parent.message_update(text="Meer contact met de juf, graag.")
    await parent.send(update)
    await parent.send(update)
    assert (
        list((await stored_answers(bot.store, parent.chat_id)).values()).count(
            "Meer contact met de juf, graag."
        )
        == 1
    )
    assert await current_of(bot.store, parent.chat_id) != question


async def test_an_update_redelivered_after_a_restart_is_skipped(store, bot_factory, join):
    first = await bot_factory(store)
    parent, _, _ = await join(first)
    update = tap(parent, "5")
    await parent.send(update)
    await first.application.shutdown()
    second = await bot_factory(store, api=first.api)  # same chat history, new process
    parent.application = second.application
    parent.replies()
    await parent.send(update)  # Telegram hands the unconfirmed update out again
    assert parent.replies() == []
    assert await stored_answers(store, parent.chat_id) == {"welkom_1": "5"}


async def test_a_text_and_a_tap_sent_together_are_applied_in_order(bot, join):
    """The parent types "3" for question 1, then taps 🙂 on it: one polling batch."""
    parent, _, _ = await join(bot)
    spy = ErrorSpy().install(bot.application)
    typed = parent.message_update(text="3")
    tapped = tap(parent, "4")
    await bot.application.start()
    try:
        await deliver_together(bot.application, [typed, tapped])
    finally:
        await bot.application.stop()
    # In order: "3" answers question 1; the tap on question 1 is then a stale button.
    assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": "3"}
    replies = texts_of(parent.replies())
    assert replies[-2:] == [t("nl", texts.REJECT_STALE), replies[-1]]
    assert replies[-1].startswith(t("nl", texts.PROGRESS, number=2, total=30))
    assert spy.errors == []


async def test_a_text_then_stop_sent_together_keep_their_order(bot, join):
    """An answer typed just before /stop is stored, and the session ends up paused."""
    parent, _, _ = await join(bot)
    await parent.send(tap(parent, "4"))  # question 2 is out
    typed = parent.message_update(text="😄")
    stop = parent.command_update("/stop")
    await bot.application.start()
    try:
        await deliver_together(bot.application, [typed, stop])
    finally:
        await bot.application.stop()
    assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": "4", "welkom_2": "5"}
    rows = await bot.store.run_read("SELECT status FROM respondents")
    assert rows == [("paused",)]


async def test_bursts_of_many_parents_keep_each_parents_order(bot):
    """Twenty parents each send a typed answer and then a tap on the same question, all at once."""
    _, opened = await bot.school_and_round()
    parents = []
    for _ in range(20):
        parent = bot.user(language_code="nl")
        await parent.command("/start", opened.start_token)
        await parent.press("Nederlands")
        parents.append(parent)
    spy = ErrorSpy().install(bot.application)
    batch: list[dict[str, Any]] = []
    for number, parent in enumerate(parents):
        batch += [parent.message_update(text=FACES[str(number % 5 + 1)]), tap(parent, "1")]
    await bot.application.start()
    try:
        await deliver_together(bot.application, batch)
    finally:
        await bot.application.stop()
    for number, parent in enumerate(parents):
        assert await stored_answers(bot.store, parent.chat_id) == {"welkom_1": str(number % 5 + 1)}
    assert spy.errors == []


async def test_two_different_taps_at_once_one_applies_the_other_is_rejected_cleanly(bot, join):
    parent, _, _ = await join(bot)
    spy = ErrorSpy().install(bot.application)
    first, second = tap(parent, "1"), tap(parent, "5")
    await asyncio.gather(
        bot.application.process_update(Update.de_json(first, bot.application.bot)),
        bot.application.process_update(Update.de_json(second, bot.application.bot)),
    )
    stored = await stored_answers(bot.store, parent.chat_id)
    assert stored in ({"welkom_1": "1"}, {"welkom_1": "5"})
    replies = texts_of(parent.replies())
    # The applied tap brought question 2; the other got a kind "stale" and question 2 again.
    assert t("nl", texts.REJECT_STALE) in replies
    assert sum(r.startswith(t("nl", texts.PROGRESS, number=2, total=30)) for r in replies) == 2
    assert await current_of(bot.store, parent.chat_id) == "welkom_2"
    assert spy.errors == []
