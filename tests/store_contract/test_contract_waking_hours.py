"""A school's own waking hours (issue 15): written, cleared, and read by the outbox's `due` with
every message that belongs to the school (through its round, or its batch)."""

from __future__ import annotations

from bot.store import Store
from bot.store.records import NewMessage
from store_contract.builders import AT, school_and_round

PARENT, OTHER, STAFF = 810_001, 810_002, 810_003


async def test_a_school_sets_and_clears_its_waking_hours(store: Store) -> None:
    link = await school_and_round(store)
    school = link.round.school_id
    assert await store.waking_hours(school) is None  # a new school follows the setting
    assert await store.set_waking_hours(school, "07:30-19:00")
    assert await store.waking_hours(school) == "07:30-19:00"
    assert await store.set_waking_hours(school, None)
    assert await store.waking_hours(school) is None
    assert not await store.set_waking_hours(school + 1000, "07:30-19:00")  # no such school
    assert await store.waking_hours(school + 1000) is None


async def test_due_messages_carry_their_schools_waking_hours(store: Store) -> None:
    early = await school_and_round(store, name="De Vroege Vogel")
    plain = await school_and_round(store, name="Het Anker")
    await store.set_waking_hours(early.round.school_id, "07:30-19:00")
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
