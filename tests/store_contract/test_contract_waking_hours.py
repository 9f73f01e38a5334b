"""A school's own waking hours (issue 15): written, cleared, and read by the outbox's `due` with
every message that belongs to the school (through its round, or its batch)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.store import Store
from bot.store.records import GO, HELD, PENDING, SENT, NewMessage
from store_contract.builders import AT, school_and_round

PARENT, OTHER, STAFF = 810_001, 810_002, 810_003


async def test_a_school_sets_and_clears_its_waking_hours(store: Store) -> None:
    link = await school_and_round(store)
    school = link.round.school_id
    assert await store.waking_hours(school) is None  # a new school follows the setting
    assert await store.set_waking_hours(school, "07:30-19:00", held_until=AT)
    assert await store.waking_hours(school) == "07:30-19:00"
    assert await store.set_waking_hours(school, None, held_until=AT)
    assert await store.waking_hours(school) is None
    assert not await store.set_waking_hours(
        school + 1000, "07:30-19:00", held_until=AT
    )  # no such school
    assert await store.waking_hours(school + 1000) is None


async def test_due_messages_carry_their_schools_waking_hours(store: Store) -> None:
    early = await school_and_round(store, name="De Vroege Vogel")
    plain = await school_and_round(store, name="Het Anker")
    await store.set_waking_hours(early.round.school_id, "07:30-19:00", held_until=AT)
    await store.enqueue(  # a feedback batch: its messages name the round
        [NewMessage(PARENT, "feedback", "nl", "Bedankt", round_id=early.round.id)],
        at=AT,
        batch_kind="feedback",
        school_id=early.round.school_id,
        round_id=early.round.id,
    )
    await store.enqueue(  # a batch that knows only its school
        [NewMessage(OTHER, "feedback", "nl", "Ook bedankt")],
        at=AT,
        batch_kind="feedback",
        school_id=early.round.school_id,
    )
    await store.enqueue(
        [
            NewMessage(PARENT + 10, "reminder", "nl", "Nog even", round_id=plain.round.id),
            NewMessage(STAFF, "notice", "nl", "Klaar"),  # no school: the setting
        ],
        at=AT,
    )
    due = {m.chat_id: m.waking_hours for m in await store.due(AT, 10)}
    assert due == {PARENT: "07:30-19:00", OTHER: "07:30-19:00", PARENT + 10: None, STAFF: None}


async def test_changed_hours_re_time_the_school_s_held_messages_only(store: Store) -> None:
    """Held for waking hours (error HELD) and of this school: moved to `held_until`, earlier or
    later. A retry's backoff, another school's held message and a fresh one keep their time."""
    school = await school_and_round(store, name="De Vroege Vogel")
    other = await school_and_round(store, name="Het Anker")
    morning, backoff = AT + timedelta(hours=10), AT + timedelta(hours=3)
    await store.enqueue(
        [
            NewMessage(PARENT, "feedback", "nl", "Bedankt", round_id=school.round.id),
            NewMessage(PARENT + 11, "reminder", "nl", "Nog even", round_id=school.round.id),
            NewMessage(OTHER, "feedback", "nl", "Ook bedankt", round_id=other.round.id),
        ],
        at=AT,
        batch_kind="feedback",
        school_id=school.round.school_id,  # the round names the school of each message
    )
    await store.enqueue(  # a batch that knows only its school: held too
        [NewMessage(PARENT + 12, "feedback", "nl", "Bedankt")],
        at=AT,
        batch_kind="feedback",
        school_id=school.round.school_id,
    )
    ids = {m.chat_id: m.id for m in await store.due(AT, 10)}
    for chat, error, until in [
        (PARENT, HELD, morning),
        (PARENT + 11, "TimedOut", backoff),  # a network retry, not held
        (OTHER, HELD, morning),
        (PARENT + 12, HELD, morning),
    ]:
        assert await store.claim(ids[chat], AT) == GO
        await store.settle(
            ids[chat], PENDING, AT, error=error, next_attempt_at=until, refund_attempt=True
        )
    await store.enqueue([NewMessage(STAFF, "notice", "nl", "Klaar")], at=AT)  # fresh, due now

    async def due_at(moment: object) -> set[int]:
        return {m.chat_id for m in await store.due(moment, 10)}  # type: ignore[arg-type]

    earlier = AT + timedelta(hours=1)
    assert await store.set_waking_hours(school.round.school_id, "07:00-19:00", held_until=earlier)
    assert await due_at(AT) == {STAFF}  # nothing moved before `held_until`, the fresh one stays
    assert await due_at(earlier) == {STAFF, PARENT, PARENT + 12}
    assert await due_at(backoff) == {STAFF, PARENT, PARENT + 12, PARENT + 11}
    assert await due_at(morning) == {STAFF, PARENT, PARENT + 12, PARENT + 11, OTHER}

    later = AT + timedelta(hours=20)
    assert await store.set_waking_hours(school.round.school_id, "09:00-20:00", held_until=later)
    assert await due_at(morning) == {STAFF, PARENT + 11, OTHER}  # held back longer
    assert await due_at(later) == {STAFF, PARENT + 11, OTHER, PARENT, PARENT + 12}

    # sent, a message is held no more: later changes leave it alone
    assert await store.claim(ids[PARENT], later) == GO
    await store.settle(ids[PARENT], SENT, later)
    assert await store.set_waking_hours(school.round.school_id, None, held_until=AT)
    assert await due_at(AT) == {STAFF, PARENT + 12}
    assert not await store.set_waking_hours(school.round.school_id + 1000, None, held_until=AT)


async def test_at_start_up_every_held_message_follows_the_hours_of_now(store: Store) -> None:
    """`retime_every_held`: each school's held messages go at `moment(its own hours or None)`;
    a retry's backoff and a message due now keep their time."""
    own = await school_and_round(store, name="De Vroege Vogel")
    plain = await school_and_round(store, name="Het Anker")
    await store.set_waking_hours(own.round.school_id, "07:30-19:00", held_until=AT)
    morning, backoff = AT + timedelta(hours=10), AT + timedelta(hours=3)
    await store.enqueue(
        [
            NewMessage(PARENT, "feedback", "nl", "Bedankt", round_id=own.round.id),
            NewMessage(OTHER, "reminder", "nl", "Nog even", round_id=plain.round.id),
            NewMessage(PARENT + 11, "reminder", "nl", "Nog even", round_id=plain.round.id),
        ],
        at=AT,
    )
    ids = {m.chat_id: m.id for m in await store.due(AT, 10)}
    for chat, error, until in [
        (PARENT, HELD, morning),
        (OTHER, HELD, morning),
        (PARENT + 11, "TimedOut", backoff),
    ]:
        assert await store.claim(ids[chat], AT) == GO
        await store.settle(
            ids[chat], PENDING, AT, error=error, next_attempt_at=until, refund_attempt=True
        )
    await store.enqueue([NewMessage(STAFF, "notice", "nl", "Klaar")], at=AT)
    asked: list[str | None] = []
    starts = {"07:30-19:00": AT + timedelta(hours=2), None: AT + timedelta(hours=12)}

    def moment(hours: str | None) -> datetime:
        asked.append(hours)
        return starts[hours]

    assert await store.retime_every_held(moment) == 2
    assert sorted(asked, key=str) == ["07:30-19:00", None]  # once per school with held messages

    async def due_at(at: datetime) -> set[int]:
        return {m.chat_id for m in await store.due(at, 10)}

    assert await due_at(AT) == {STAFF}
    assert await due_at(AT + timedelta(hours=2)) == {STAFF, PARENT}  # earlier than the morning
    assert await due_at(morning) == {STAFF, PARENT, PARENT + 11}  # the plain school's: later
    assert await due_at(AT + timedelta(hours=12)) == {STAFF, PARENT, PARENT + 11, OTHER}
