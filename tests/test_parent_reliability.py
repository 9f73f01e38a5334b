"""Reliability of the parent's conversation: redelivered updates, restarts, rounds that close,
and a Bot API that fails after the answer was taken. Persist first, reply after."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.store import SqliteStore
from bot.texts import parents as texts
from bot.tg.stub_api import SimulatedUser, StubBotApi, error_response


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def question_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next(m for m in reversed(messages) if m.get("text", "").startswith("Vraag "))


def tap(parent: SimulatedUser, label: str) -> dict[str, Any]:
    """The update a tap on a button of the latest keyboard would produce (not yet delivered)."""
    message = copy.deepcopy(parent.last_with_keyboard())
    assert message is not None
    data = next(
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if label in b["text"]
    )
    return parent.callback_update(data, message)


async def stored(store: SqliteStore) -> tuple[Any, ...]:
    """Every row a parent's conversation writes, for before/after comparisons."""
    return (
        tuple(await store.run_read("SELECT * FROM answers ORDER BY respondent_id, question_id")),
        tuple(await store.run_read("SELECT respondent_id, state FROM sessions ORDER BY 1")),
        tuple(await store.run_read("SELECT id, status, language FROM respondents ORDER BY 1")),
        tuple(
            await store.run_read(
                "SELECT chat_id, language, language_confirmed, active_respondent, pending_token FROM chats ORDER BY 1"
            )
        ),
    )


async def test_a_redelivered_update_changes_nothing_and_sends_nothing(
    bot: Any, join: Callable[..., Any]
) -> None:
    _, opened = await bot.school_and_round()
    parent = bot.user()
    start = parent.command_update("/start", opened.start_token)
    assert texts_of(await parent.send(start))[0].startswith(texts.CHOOSE_LANGUAGE)
    assert await parent.send(start) == []
    language = tap(parent, "Nederlands")
    assert texts_of(await parent.send(language))[-1].startswith("Vraag 1 van 30")
    assert await parent.send(language) == []
    assert await bot.store.count_respondents(opened.id) == {"waiting": 1}

    for update in (
        tap(parent, "🙂"),
        parent.message_update(text="4"),
        parent.message_update(text="hallo"),
        parent.command_update("/help"),
        parent.command_update("/stop"),
        parent.message_update(text="weer verder"),
        parent.command_update("/onbekend"),
    ):
        first = await parent.send(update)
        assert first, f"the first delivery of {update} is answered"
        before = await stored(bot.store)
        assert await parent.send(update) == [], f"a redelivery of {update} sends nothing"
        assert await stored(bot.store) == before, f"a redelivery of {update} changes nothing"
    rows = await bot.store.run_read("SELECT question_id, value FROM answers ORDER BY question_id")
    assert rows == [("welkom_1", "4"), ("welkom_2", "4")]


async def test_a_restart_between_two_answers_loses_nothing(
    tmp_path: Path, bot_factory: Callable[..., Any]
) -> None:
    path = tmp_path / "restart.db"
    api = StubBotApi()
    first_store = SqliteStore(path)
    await first_store.open()
    first = await bot_factory(first_store, api)
    _, opened = await first.school_and_round()
    parent = first.user()
    await parent.command("/start", opened.start_token)
    await parent.press("Nederlands")
    await parent.press("😄")
    last_before = tap(parent, "🙁")
    await parent.send(last_before)
    assert parent.last_text().startswith("Vraag 3 van 30")
    await first.application.shutdown()
    await first_store.close()

    second_store = SqliteStore(path)
    await second_store.open()
    try:
        second = await bot_factory(second_store, api)
        again = SimulatedUser(second.application, api, user_id=parent.user_id, seen=parent.seen)
        assert await again.send(last_before) == [], (
            "an update handled before the restart stays handled"
        )
        replies = await again.press("😐")  # a button the first process sent
        assert question_of(replies)["text"].startswith("Vraag 4 van 30")
        rows = await second_store.run_read(
            "SELECT question_id, value FROM answers ORDER BY answered_at, question_id"
        )
        assert rows == [("welkom_1", "5"), ("welkom_2", "2"), ("welkom_3", "3")]
        assert await second_store.count_respondents(opened.id) == {"waiting": 1}
    finally:
        await second.application.shutdown()
        await second_store.close()


async def test_a_round_that_closes_mid_survey(bot: Any, join: Callable[..., Any]) -> None:
    parent, opened, _ = await join(bot)
    await parent.press("🙂")
    await bot.store.close_round(opened.id, bot.deps.clock())
    before = await bot.store.run_read("SELECT question_id, value FROM answers")
    replies = await parent.press("😄")
    assert texts_of(replies) == [texts.ROUND_CLOSED_MIDWAY]
    assert await bot.store.count_respondents(opened.id) == {"expired": 1}
    for act in (
        lambda: parent.text("3"),
        lambda: parent.command("/start"),
        lambda: parent.command("/start", opened.start_token),
        lambda: parent.text("hallo"),
    ):
        replies = await act()
        assert texts_of(replies) == [texts.ROUND_CLOSED_MIDWAY], (
            "no question after the round closed"
        )
    assert (
        await bot.store.run_read("SELECT question_id, value FROM answers")
        == before
        == [("welkom_1", "4")]
    )
    assert await bot.store.count_respondents(opened.id) == {"expired": 1}


async def test_a_round_past_its_closing_time(
    store: SqliteStore, bot_factory: Callable[..., Any]
) -> None:
    now = [datetime(2026, 5, 4, 12, 0, tzinfo=UTC)]
    harness = await bot_factory(store, clock=lambda: now[0])
    _, opened = await harness.school_and_round(closes_in_days=1)
    parent = harness.user()
    await parent.command("/start", opened.start_token)
    await parent.press("Nederlands")
    await parent.press("🙂")
    await parent.command("/stop")
    now[0] += timedelta(days=2)
    replies = await parent.press("Verder")
    assert texts_of(replies) == [texts.ROUND_CLOSED_MIDWAY]
    replies = await parent.press_data(f"a|{opened.id}|1|welkom_2|4")
    assert texts_of(replies) == [texts.ROUND_CLOSED_MIDWAY]
    assert await store.run_read("SELECT question_id FROM answers") == [("welkom_1",)]
    assert await store.count_respondents(opened.id) == {"expired": 1}


async def test_the_answer_is_committed_before_the_next_question_is_sent(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, _, _ = await join(bot)
    seen_in_db: list[Any] = []

    def fault(method: str, params: dict[str, Any]) -> httpx.Response | None:
        if (
            method == "sendMessage"
            and str(params.get("text", "")).startswith("Vraag 2 van 30")
            and not seen_in_db
        ):
            with sqlite3.connect(
                bot.store.path
            ) as other:  # another connection: only what is committed
                seen_in_db.extend(
                    other.execute("SELECT question_id, value FROM answers").fetchall()
                )
            other.close()
            return error_response(502, "Bad Gateway")
        return None

    bot.api.fault = fault
    replies = await parent.press("🙂")
    bot.api.fault = None
    assert seen_in_db == [("welkom_1", "4")], "committed before the next question was sent"
    assert texts_of(replies)[0] == texts.ERROR, (
        "the parent hears something went wrong, answers kept"
    )
    assert all(t.startswith("Vraag 2 van 30") for t in texts_of(replies)[1:])  # perhaps asked again
    assert await bot.store.run_read("SELECT question_id, value FROM answers") == [("welkom_1", "4")]

    replies = await parent.command("/start")  # the next update continues where the parent is
    assert texts_of(replies)[0] == texts.WELCOME_BACK
    assert question_of(replies)["text"].startswith("Vraag 2 van 30")
    replies = await parent.press("😄")
    assert question_of(replies)["text"].startswith("Vraag 3 van 30")
    assert await bot.store.run_read(
        "SELECT question_id, value FROM answers ORDER BY question_id"
    ) == [("welkom_1", "4"), ("welkom_2", "5")]


async def test_a_typed_answer_after_a_failed_send_still_counts(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, _, _ = await join(bot)
    failed: list[str] = []

    def fault(method: str, params: dict[str, Any]) -> httpx.Response | None:
        if (
            method == "sendMessage"
            and str(params.get("text", "")).startswith("Vraag 2")
            and not failed
        ):
            failed.append(method)
            return error_response(500, "Internal Server Error")
        return None

    bot.api.fault = fault
    await parent.press("🙂")
    assert failed
    bot.api.fault = None
    replies = await parent.text("2")  # the parent knows the scale and types the next answer
    assert question_of(replies)["text"].startswith("Vraag 3 van 30")
    assert await bot.store.run_read(
        "SELECT question_id, value FROM answers ORDER BY question_id"
    ) == [("welkom_1", "4"), ("welkom_2", "2")]


async def test_a_failed_edit_does_not_hold_back_the_next_question(
    bot: Any, join: Callable[..., Any]
) -> None:
    parent, _, _ = await join(bot)
    bot.api.fault = lambda method, params: (
        error_response(502, "Bad Gateway") if method.startswith("editMessage") else None
    )
    replies = await parent.press("🙂")
    bot.api.fault = None
    assert question_of(replies)["text"].startswith("Vraag 2 van 30")
    assert texts.ERROR not in texts_of(replies)
