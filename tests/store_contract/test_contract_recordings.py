"""RecordingStore: staff recordings of questions, used only after a second person approved them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.staff import Grant, Role
from bot.store import DuplicateUpdate, Store
from store_contract.builders import AT, LATER, admin_of, member

SOUND = b"OggS\x00\x02" + b"OpusHead" + bytes(range(256)) * 4  # bytes survive as they are
FLOW_ID, QUESTION = "barometer-ouders", "welkom_1"


async def recorder_and_school(store: Store) -> tuple[int, int, int]:
    school = await store.add_school("De Regenboog", AT)
    team = await member(store, 700_001, Grant(Role.TEAM, school_id=school.id), name="Hodan")
    admin = await member(store, 700_002, admin_of(school.id), name="Juf Anna")
    return school.id, team.member_id, admin.member_id


async def test_a_recording_is_pending_until_approved_then_read(store: Store) -> None:
    school_id, recorder, approver = await recorder_and_school(store)
    rid = await store.add_recording(school_id, FLOW_ID, "so", QUESTION, recorder, SOUND, AT)
    found = await store.recording(rid)
    assert found is not None and found.status == "pending" and found.recorded_by == recorder
    assert (found.school_id, found.flow_id, found.language, found.question_id) == (
        school_id, FLOW_ID, "so", QUESTION,
    )  # fmt: skip
    assert [r.id for r in await store.pending_recordings(school_id)] == [rid]
    assert await store.recording_sound(rid) == SOUND, "the approver hears it first"
    assert await store.recorded_sound(FLOW_ID, "so", QUESTION) is None, "not before approval"
    assert await store.recorded_questions(FLOW_ID, "so") == set()

    assert await store.decide_recording(rid, True, approver, LATER)
    assert await store.recorded_sound(FLOW_ID, "so", QUESTION) == (rid, SOUND)
    assert await store.recorded_questions(FLOW_ID, "so") == {QUESTION}
    assert await store.recording_counts() == {"so": 1}
    assert await store.pending_recordings(school_id) == []
    decided = await store.recording(rid)
    assert decided is not None and decided.status == "approved" and decided.decided_by == approver
    assert not await store.decide_recording(rid, False, approver, LATER), "decided once"


async def test_a_rejected_recording_is_never_read_and_the_newest_approved_wins(
    store: Store,
) -> None:
    school_id, recorder, approver = await recorder_and_school(store)
    first = await store.add_recording(school_id, FLOW_ID, "ps", QUESTION, recorder, b"first", AT)
    second = await store.add_recording(school_id, FLOW_ID, "ps", QUESTION, recorder, b"two", AT)
    bad = await store.add_recording(school_id, FLOW_ID, "ps", "welkom_2", recorder, b"bad", AT)
    assert await store.decide_recording(first, True, approver, AT + timedelta(minutes=1))
    assert await store.decide_recording(bad, False, approver, AT + timedelta(minutes=2))
    assert await store.decide_recording(second, True, approver, AT + timedelta(minutes=3))
    assert await store.recorded_sound(FLOW_ID, "ps", QUESTION) == (second, b"two")
    assert await store.recorded_sound(FLOW_ID, "ps", "welkom_2") is None
    assert await store.recording_counts() == {"ps": 1}
    assert await store.recording(10**9) is None


async def test_a_redelivered_recording_update_writes_nothing(store: Store) -> None:
    school_id, recorder, approver = await recorder_and_school(store)
    rid = await store.add_recording(
        school_id, FLOW_ID, "so", QUESTION, recorder, SOUND, AT, update_id=91
    )
    with pytest.raises(DuplicateUpdate):
        await store.add_recording(
            school_id, FLOW_ID, "so", QUESTION, recorder, SOUND, AT, update_id=91
        )
    assert [r.id for r in await store.pending_recordings(school_id)] == [rid]
    assert await store.decide_recording(rid, True, approver, AT, update_id=92)
    with pytest.raises(DuplicateUpdate):
        await store.decide_recording(rid, True, approver, AT, update_id=92)
