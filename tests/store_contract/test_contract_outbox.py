"""OutboxStore: enqueue, due, claim, settle, blocked chats, recovery, batches: never sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import DuplicateUpdate, Store
from bot.store.records import (
    BLOCKED,
    CANCELLED,
    FAILED,
    GO,
    GONE,
    PENDING,
    SENT,
    UNKNOWN,
    BatchResult,
    Dialogue,
    NewMessage,
)
from store_contract.builders import AT, LATER, admin_of, join, member, school_and_round

A, B, C = 800_001, 800_002, 800_003


def note(chat_id: int, text: str = "Hallo", **extra: object) -> NewMessage:
    return NewMessage(chat_id, "notice", "nl", text, **extra)  # type: ignore[arg-type]


async def test_enqueued_messages_are_due_in_order(store: Store) -> None:
    assert await store.next_due() is None
    assert await store.enqueue([note(A, "een"), note(B, "twee", markup='{"k": 1}')], at=AT) == (
        None,
        2,
    )
    await store.enqueue([note(C, "drie")], at=LATER)
    due = await store.due(AT, 10)
    assert [(m.chat_id, m.kind, m.text, m.markup, m.attempts, m.batch_id) for m in due] == [
        (A, "notice", "een", None, 0, None),
        (B, "notice", "twee", '{"k": 1}', 0, None),
    ]
    assert [m.chat_id for m in await store.due(LATER, 10)] == [A, B, C]
    assert [m.chat_id for m in await store.due(LATER, 1)] == [A]
    assert await store.next_due() == AT
    assert await store.outbox_counts() == {"notice": {PENDING: 3}}


async def test_a_dedupe_key_is_queued_once(store: Store) -> None:
    assert await store.enqueue([note(A, dedupe_key="k1"), note(A, dedupe_key="k1")], at=AT) == (
        None,
        1,
    )
    assert await store.enqueue([note(A, dedupe_key="k1")], at=LATER) == (None, 0)
    assert len(await store.due(LATER, 10)) == 1


async def test_a_redelivered_enqueue_writes_nothing(store: Store) -> None:
    await store.enqueue([note(A)], at=AT, update_id=3001)
    with pytest.raises(DuplicateUpdate):
        await store.enqueue([note(B)], at=AT, update_id=3001, batch_kind="feedback", title="T")
    assert [m.chat_id for m in await store.due(AT, 10)] == [A]


async def test_a_claimed_message_is_never_claimed_again(store: Store) -> None:
    await store.enqueue([note(A)], at=AT)
    (message,) = await store.due(AT, 10)
    assert await store.claim(message.id, AT) == GO
    assert await store.claim(message.id, AT) == GONE
    assert await store.due(LATER, 10) == []
    await store.settle(message.id, SENT, AT)
    assert await store.claim(message.id, LATER) == GONE
    assert await store.due(LATER, 10) == []
    assert await store.outbox_counts() == {"notice": {SENT: 1}}
    assert await store.claim(message.id + 1000, AT) == GONE


async def test_settle_back_to_pending_waits_and_may_refund_the_attempt(store: Store) -> None:
    await store.enqueue([note(A), note(B)], at=AT)
    first, second = await store.due(AT, 10)
    for message in (first, second):
        assert await store.claim(message.id, AT) == GO
    retry = AT + timedelta(minutes=5)
    await store.settle(first.id, PENDING, AT, error="RetryAfter", next_attempt_at=retry)
    await store.settle(second.id, PENDING, AT, next_attempt_at=retry, refund_attempt=True)
    assert await store.due(AT, 10) == []
    assert await store.next_due() == retry
    again = {m.id: m.attempts for m in await store.due(retry, 10)}
    assert again == {first.id: 1, second.id: 0}
    # settling a message that is not 'sending' changes nothing
    await store.settle(first.id, SENT, retry)
    assert [m.id for m in await store.due(retry, 10)] == [first.id, second.id]


async def test_a_blocked_chat_blocks_its_pending_messages(store: Store) -> None:
    await store.enqueue([note(A, "een"), note(A, "twee"), note(A, "drie"), note(B)], at=AT)
    first, *_ = await store.due(AT, 10)
    assert await store.claim(first.id, AT) == GO
    assert await store.mark_blocked(first.id, A, AT) == 2
    chat = await store.chat(A)
    assert chat is not None and chat.blocked
    assert [m.chat_id for m in await store.due(LATER, 10)] == [B]
    assert await store.outbox_counts() == {"notice": {BLOCKED: 3, PENDING: 1}}
    await store.enqueue([note(A, "later")], at=AT)
    later = [m for m in await store.due(LATER, 10) if m.chat_id == A]
    assert await store.claim(later[0].id, LATER) == BLOCKED


async def test_recover_marks_interrupted_sends_unknown_never_to_be_sent(store: Store) -> None:
    await store.enqueue([note(A), note(B)], at=AT)
    first, _ = await store.due(AT, 10)
    assert await store.claim(first.id, AT) == GO
    assert await store.recover(LATER) == 1
    assert [m.chat_id for m in await store.due(LATER, 10)] == [B]
    assert await store.claim(first.id, LATER) == GONE
    assert await store.outbox_counts() == {"notice": {UNKNOWN: 1, PENDING: 1}}
    assert await store.recover(LATER) == 0


async def test_a_reminder_no_longer_wanted_is_cancelled_at_claim(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, A, "ra")
    await join(store, link, B, "rb")
    await join(store, link, C, "rc")
    await store.set_status("rb", "completed", AT)
    await store.save_chat(C, AT, no_reminders=True)

    def reminder(chat_id: int, respondent_id: str) -> NewMessage:
        return NewMessage(
            chat_id,
            "reminder",
            "nl",
            "Herinnering",
            round_id=link.round.id,
            respondent_id=respondent_id,
            dedupe_key=f"reminder:{link.round.id}:{chat_id}",
        )

    await store.enqueue([reminder(A, "ra"), reminder(B, "rb"), reminder(C, "rc")], at=AT)
    outcomes = {m.chat_id: await store.claim(m.id, AT) for m in await store.due(AT, 10)}
    assert outcomes == {A: GO, B: CANCELLED, C: CANCELLED}


async def test_a_reminder_for_a_closed_round_is_cancelled(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, A, "ra")
    await store.enqueue(
        [NewMessage(A, "reminder", "nl", "?", round_id=link.round.id, respondent_id="ra")], at=AT
    )
    await store.close_round(link.round.id, AT)
    (message,) = await store.due(AT, 10)
    assert await store.claim(message.id, AT) == CANCELLED
    assert await store.outbox_counts() == {"reminder": {CANCELLED: 1}}


async def test_a_batch_finishes_once_and_tells_its_creator(store: Store) -> None:
    link = await school_and_round(store)
    admin = await member(store, C, admin_of(link.round.school_id))
    await store.save_dialogue(Dialogue(C, admin.member_id, "terug", "n1", "confirm"), AT)
    batch_id, added = await store.enqueue(
        [note(A), note(B)],
        at=AT,
        batch_kind="feedback",
        school_id=link.round.school_id,
        round_id=link.round.id,
        title="Terugkoppeling",
        created_by=admin.member_id,
        end_dialogue_of=C,
    )
    assert batch_id is not None and added == 2
    assert await store.dialogue(C) is None
    batch = await store.batch(batch_id)
    assert batch is not None
    assert (batch.kind, batch.school_id, batch.round_id, batch.title, batch.created_by) == (
        "feedback",
        link.round.school_id,
        link.round.id,
        "Terugkoppeling",
        admin.member_id,
    )
    assert batch.finished_at is None
    assert await store.batch(batch_id + 1000) is None
    assert {m.batch_id for m in await store.due(AT, 10)} == {batch_id}

    seen: list[BatchResult] = []

    def notice(result: BatchResult) -> NewMessage | None:
        seen.append(result)
        return note(result.creator_chat or 0, f"klaar: {result.counts}")

    first, second = await store.due(AT, 10)
    await store.claim(first.id, AT)
    await store.settle(first.id, SENT, AT)
    assert await store.finish_batches(AT, notice) == []  # one still pending
    await store.claim(second.id, AT)
    await store.settle(second.id, FAILED, AT, error="BadRequest")
    assert await store.batch_counts(batch_id) == {SENT: 1, FAILED: 1}
    results = await store.finish_batches(LATER, notice)
    assert [(r.batch.id, r.creator_chat, r.counts) for r in results] == [
        (batch_id, C, {SENT: 1, FAILED: 1})
    ]
    assert seen == results
    finished = await store.batch(batch_id)
    assert finished is not None and finished.finished_at == LATER
    assert [m.chat_id for m in await store.due(LATER, 10)] == [C]
    assert await store.finish_batches(LATER, notice) == []
