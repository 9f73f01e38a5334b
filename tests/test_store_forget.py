"""/vergeet at the store: `forget_chat` leaves no row of that chat anywhere, and only that chat.

Every table in the database (read from sqlite_master, so tables of later migrations count too)
is searched for the chat id and for the ids of the chat's respondents.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import pytest

from bot import engine
from bot.flow_model import get_flow
from bot.store import DuplicateUpdate, SqliteStore, Turn
from bot.store.records import RoundLink

AT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
FORGOTTEN_CHAT, KEPT_CHAT = 731_500_111, 731_500_222


async def join_and_answer(
    store: SqliteStore, link: RoundLink, chat_id: int, respondent_id: str, answers: int
) -> None:
    flow = get_flow(link.round.flow_id)
    state, _ = engine.start(flow)
    await store.join_round(
        chat_id=chat_id,
        respondent_id=respondent_id,
        link=link,
        language="nl",
        first=Turn(None, respondent_id, state, "waiting", link.round.id, "nl", AT),
    )
    for _ in range(answers):
        question = flow.question(state.current or "")
        inp: engine.Input = (
            engine.Text(text=f"open answer of chat {chat_id}")
            if question.type.value == "open"
            else engine.Choose(question_id=question.id, value=question.allowed_values()[0])
        )
        state, events = engine.resume(flow, state, inp)
        await store.record_turn(
            Turn(
                None,
                respondent_id,
                state,
                state.status.value,
                link.round.id,
                "nl",
                AT,
                upserts=[e.answer for e in events if isinstance(e, engine.AnswerRecorded)],
            )
        )


async def outbox_row(store: SqliteStore, chat_id: int, round_id: int, respondent_id: str) -> None:
    """A reminder waiting in the outbox for this chat (when the outbox migration is there)."""
    tables = {
        r[0] for r in await store.run_read("SELECT name FROM sqlite_master WHERE type='table'")
    }
    if "outbox" not in tables:
        return

    async def op(conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "INSERT INTO outbox(chat_id, kind, round_id, respondent_id, language, text, dedupe_key, "
            "next_attempt_at, created_at, updated_at) VALUES (?, 'reminder', ?, ?, 'nl', 'Herinnering', ?, ?, ?, ?)",
            (
                chat_id,
                round_id,
                respondent_id,
                f"reminder:{round_id}:{chat_id}",
                AT.isoformat(),
                AT.isoformat(),
                AT.isoformat(),
            ),
        )

    await store.run_write(op)


async def test_forget_chat_leaves_no_row_of_that_chat(
    store: SqliteStore, find_rows: Callable[..., Any]
) -> None:
    school = await store.add_school("De Regenboog", AT)
    rounds = []
    for flow_id, token in (
        ("barometer-ouders", "tok_parents_0123456789"),
        ("dialoog", "tok_dialogue_012345678"),
    ):
        flow = get_flow(flow_id)
        opened = await store.open_round(
            school_id=school.id,
            flow_id=flow_id,
            flow_version=flow.version,
            audience="parents",
            token=token,
            at=AT,
        )
        rounds.append(RoundLink(opened, None))
    mine = ["resp-forget-1", "resp-forget-2"]
    theirs = ["resp-keep-1", "resp-keep-2"]
    for link, respondent in zip(rounds, mine, strict=True):
        await join_and_answer(store, link, FORGOTTEN_CHAT, respondent, answers=3)
        await outbox_row(store, FORGOTTEN_CHAT, link.round.id, respondent)
    for link, respondent in zip(rounds, theirs, strict=True):
        await join_and_answer(store, link, KEPT_CHAT, respondent, answers=2)
        await outbox_row(store, KEPT_CHAT, link.round.id, respondent)
    await store.save_chat(FORGOTTEN_CHAT, AT, language="tr", language_confirmed=1)

    before = await find_rows(store, FORGOTTEN_CHAT, *mine)
    tables_before = {table for table, _ in before}
    assert {"chats", "contacts", "respondents", "sessions", "answers"} <= tables_before

    removed = await store.forget_chat(FORGOTTEN_CHAT, update_id=9100, at=AT)

    assert removed == 2
    assert await find_rows(store, FORGOTTEN_CHAT, *mine) == []
    assert await store.chat(FORGOTTEN_CHAT) is None
    for link in rounds:
        assert await store.respondent_in_round(FORGOTTEN_CHAT, link.round.id) is None
    # the other parent keeps everything, and so do the school and its rounds
    kept = await find_rows(store, KEPT_CHAT, *theirs)
    assert {"chats", "contacts", "respondents", "sessions", "answers"} <= {t for t, _ in kept}
    assert len(await store.answers_of("resp-keep-1")) == 2
    assert len(await store.rounds()) == 2
    # the request itself is remembered (by update id only), so a redelivery does nothing
    assert await store.is_processed(9100)
    with pytest.raises(DuplicateUpdate):
        await store.forget_chat(KEPT_CHAT, update_id=9100, at=AT)
    assert await store.chat(KEPT_CHAT) is not None


async def test_forgetting_an_unknown_chat_is_harmless(
    store: SqliteStore, find_rows: Callable[..., Any]
) -> None:
    assert await store.forget_chat(12345, update_id=None, at=AT) == 0
    assert await find_rows(store, 12345) == []
