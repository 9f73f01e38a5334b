"""ChatStore: chats, processed updates, respondents, sessions, answers and /vergeet."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot import engine
from bot.flow_model import get_flow
from bot.store import DuplicateUpdate, Store, Turn
from bot.store.records import Chat, Dialogue, NewMessage, RoundLink
from store_contract.builders import (
    AT,
    LATER,
    admin_of,
    answer,
    answer_turn,
    join,
    member,
    school_and_round,
)

CHAT, OTHER = 424_001, 424_002


async def test_a_new_chat_has_the_defaults_and_keeps_its_changes(store: Store) -> None:
    assert await store.chat(CHAT) is None
    created = await store.save_chat(CHAT, AT)
    assert created == Chat(CHAT, None, False, False, None, None, False, False)
    changed = await store.save_chat(
        CHAT, LATER, language="tr", language_confirmed=True, always_audio=True, pending_token="t"
    )
    assert changed == Chat(CHAT, "tr", True, True, None, "t", False, False)
    again = await store.save_chat(CHAT, LATER, no_reminders=True, blocked=True, pending_token=None)
    assert again == Chat(CHAT, "tr", True, True, None, None, True, True)
    assert await store.chat(CHAT) == again
    with pytest.raises(ValueError, match="unknown chat fields"):
        await store.save_chat(CHAT, AT, created_at="2020")


async def test_an_update_id_is_processed_once(store: Store) -> None:
    assert not await store.is_processed(7001)
    await store.mark_processed(7001, AT)
    assert await store.is_processed(7001)
    with pytest.raises(DuplicateUpdate):
        await store.mark_processed(7001, LATER)


async def test_a_chat_is_read_with_whether_the_update_was_handled(store: Store) -> None:
    assert await store.chat_for_update(7201, CHAT) == (False, None)
    chat = await store.save_chat(CHAT, AT, language="ar", always_audio=True)
    assert await store.chat_for_update(7201, CHAT) == (False, chat)
    await store.mark_processed(7201, AT)
    assert await store.chat_for_update(7201, CHAT) == (True, chat)
    assert await store.chat_for_update(7201, OTHER) == (True, None)
    assert await store.chat_for_update(7202, CHAT) == (False, await store.chat(CHAT))


async def test_pruning_processed_updates_keeps_the_newest_ones(store: Store) -> None:
    for update_id in range(7101, 7111):
        await store.mark_processed(update_id, AT)
    assert await store.prune_processed(keep=4) == 6
    assert [u for u in range(7101, 7111) if await store.is_processed(u)] == [7107, 7108, 7109, 7110]
    assert await store.prune_processed(keep=4) == 0
    assert await store.prune_processed(keep=100) == 0
    with pytest.raises(DuplicateUpdate):  # a kept id still refuses a redelivery
        await store.mark_processed(7110, LATER)


async def test_joining_a_round_makes_respondent_session_and_active_chat(store: Store) -> None:
    link = await school_and_round(store)
    await store.save_chat(CHAT, AT, pending_token=link.round.start_token)
    await join(store, link, CHAT, "resp-a", language="tr")
    respondent = await store.respondent("resp-a")
    assert respondent is not None
    assert (respondent.id, respondent.round_id, respondent.group_id, respondent.language) == (
        "resp-a",
        link.round.id,
        None,
        "tr",
    )
    assert (respondent.status, respondent.started_at, respondent.updated_at) == ("waiting", AT, AT)
    assert respondent.completed_at is None
    assert await store.respondent_in_round(CHAT, link.round.id) == respondent
    assert await store.respondent_in_round(OTHER, link.round.id) is None
    assert await store.respondent("nobody") is None
    chat = await store.chat(CHAT)
    assert chat is not None and (chat.active_respondent, chat.pending_token) == ("resp-a", None)
    state = await store.session("resp-a")
    started, _ = engine.start(get_flow(link.round.flow_id))
    assert state == started
    assert await store.session("nobody") is None


async def test_an_active_session_is_respondent_session_and_round_in_one_read(
    store: Store,
) -> None:
    assert await store.active_session("nobody") is None
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a", language="tr")
    found = await store.active_session("resp-a")
    assert found == (
        await store.respondent("resp-a"),
        await store.session("resp-a"),
        await store.round(link.round.id),
    )
    state = await store.session("resp-a")
    await answer(store, link, "resp-a", at=LATER)
    again = await store.active_session("resp-a")
    assert again is not None and again[1] == await store.session("resp-a") != state
    assert again[0] == await store.respondent("resp-a")


async def test_a_turn_is_written_whole(store: Store) -> None:
    """Answers, removals, session and respondent status change together."""
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a")
    state = await store.session("resp-a")
    assert state is not None
    turn = answer_turn(state, link, "2", respondent_id="resp-a", update_id=77)
    await store.record_turn(turn)
    assert [(a.question_id, a.value) for a in await store.answers_of("resp-a")] == [
        ("welkom_1", "2")
    ]
    assert await store.session("resp-a") == turn.state
    done = Turn(
        update_id=78,
        respondent_id="resp-a",
        state=turn.state,
        status="completed",
        round_id=link.round.id,
        language="tr",
        at=LATER,
        removals=["welkom_1"],
        completed=True,
    )
    await store.record_turn(done)
    assert await store.answers_of("resp-a") == []
    respondent = await store.respondent("resp-a")
    assert respondent is not None
    assert (respondent.status, respondent.language, respondent.completed_at) == (
        "completed",
        "tr",
        LATER,
    )
    assert respondent.updated_at == LATER


async def test_every_answer_field_round_trips(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a")
    state = await store.session("resp-a")
    assert state is not None
    answers = [
        engine.Answer(question_id="q_scale", value="4"),
        engine.Answer(question_id="q_multi", values=("b", "a")),
        engine.Answer(question_id="q_text", text="Meer contact a.u.b.", truncated=True),
        engine.Answer(question_id="q_voice", voice_file_id="AwACAgQ", voice_seconds=12),
        engine.Answer(question_id="q_skip", skipped=True),
    ]
    await store.record_turn(
        Turn(None, "resp-a", state, "waiting", link.round.id, "nl", AT, upserts=answers)
    )
    stored = {a.question_id: a for a in await store.answers_of("resp-a")}
    assert stored == {a.question_id: a for a in answers}
    # an answer given again replaces the first
    again = engine.Answer(question_id="q_scale", value="1")
    await store.record_turn(
        Turn(None, "resp-a", state, "waiting", link.round.id, "nl", LATER, upserts=[again])
    )
    assert {a.question_id: a for a in await store.answers_of("resp-a")}["q_scale"] == again


async def test_a_duplicate_update_id_is_refused_without_writing(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a")
    state = await store.session("resp-a")
    assert state is not None
    await store.record_turn(answer_turn(state, link, "4", respondent_id="resp-a", update_id=5001))
    again = answer_turn(state, link, "1", respondent_id="resp-a", update_id=5001)
    with pytest.raises(DuplicateUpdate):
        await store.record_turn(again)
    assert [(a.question_id, a.value) for a in await store.answers_of("resp-a")] == [
        ("welkom_1", "4")
    ]
    stored = await store.session("resp-a")
    assert stored is not None and stored.current == "welkom_2"
    with pytest.raises(DuplicateUpdate):
        await store.save_chat(CHAT, AT, update_id=5001, language="tr")
    chat = await store.chat(CHAT)
    assert chat is not None and chat.language is None
    with pytest.raises(DuplicateUpdate):
        await store.set_status("resp-a", "paused", AT, update_id=5001)
    respondent = await store.respondent("resp-a")
    assert respondent is not None and respondent.status == "waiting"
    with pytest.raises(DuplicateUpdate):
        await join(store, link, OTHER, "resp-b", update_id=5001)
    assert await store.respondent("resp-b") is None
    assert await store.chat(OTHER) is None
    assert await store.count_respondents(link.round.id) == {"waiting": 1}
    assert await store.is_processed(5001)


async def test_set_status_changes_status_and_time(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a")
    await store.set_status("resp-a", "paused", LATER, update_id=6001)
    respondent = await store.respondent("resp-a")
    assert respondent is not None
    assert (respondent.status, respondent.updated_at) == ("paused", LATER)
    assert await store.is_processed(6001)


async def test_forget_chat_removes_every_row_of_that_chat_and_only_those(store: Store) -> None:
    link = await school_and_round(store)
    second = await school_and_round(store, name="Het Anker")
    for round_link, respondent in ((link, "mine-1"), (second, "mine-2")):
        await join(store, round_link, CHAT, respondent)
        await answer(store, round_link, respondent)
    for round_link, respondent in ((link, "theirs-1"), (second, "theirs-2")):
        await join(store, round_link, OTHER, respondent)
        await answer(store, round_link, respondent)
    await store.save_chat(CHAT, AT, language="tr", language_confirmed=True)
    admin = await member(store, CHAT, admin_of(link.round.school_id))
    await store.save_dialogue(Dialogue(CHAT, admin.member_id, "ronde", "n1", "names"), AT)
    await store.enqueue(
        [
            NewMessage(CHAT, "reminder", "nl", "Herinnering"),
            NewMessage(OTHER, "notice", "nl", "Hoi"),
        ],
        at=AT,
    )

    removed = await store.forget_chat(CHAT, update_id=9100, at=AT)

    assert removed == 2
    assert await store.chat(CHAT) is None
    for round_link, respondent in ((link, "mine-1"), (second, "mine-2")):
        assert await store.respondent_in_round(CHAT, round_link.round.id) is None
        assert await store.respondent(respondent) is None
        assert await store.session(respondent) is None
        assert await store.answers_of(respondent) == []
    assert await store.member(CHAT) is None
    assert (await store.access(CHAT)).member_id is None
    assert await store.dialogue(CHAT) is None
    assert [m.chat_id for m in await store.due(LATER, 10)] == [OTHER]
    # the other parent keeps everything, and so do the schools and their rounds
    assert await store.chat(OTHER) is not None
    assert len(await store.answers_of("theirs-1")) == 1
    assert await store.respondent_in_round(OTHER, second.round.id) is not None
    assert len(await store.rounds()) == 2
    # the request itself is remembered (by update id only), so a redelivery does nothing
    assert await store.is_processed(9100)
    with pytest.raises(DuplicateUpdate):
        await store.forget_chat(OTHER, update_id=9100, at=AT)
    assert await store.chat(OTHER) is not None


async def test_forgetting_an_unknown_chat_is_harmless(store: Store) -> None:
    assert await store.forget_chat(12345, update_id=None, at=AT) == 0
    assert await store.chat(12345) is None


async def test_answers_come_back_in_the_order_given(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, CHAT, "resp-a")
    await answer(store, link, "resp-a", "3", at=AT)
    await answer(store, link, "resp-a", "5", at=AT + timedelta(minutes=1))
    assert [a.question_id for a in await store.answers_of("resp-a")] == ["welkom_1", "welkom_2"]


async def joined(store: Store, respondent_id: str) -> tuple[RoundLink, engine.SessionState]:
    link = await school_and_round(store)
    await join(store, link, CHAT, respondent_id)
    state = await store.session(respondent_id)
    assert state is not None
    return link, state


async def test_a_turn_that_owes_a_reply_records_it_with_the_answer_until_settled(
    store: Store,
) -> None:
    link, state = await joined(store, "resp-owed")
    turn = answer_turn(state, link, "4", respondent_id="resp-owed", update_id=9101)
    await store.record_turn(replace(turn, owed_chat=CHAT))
    owed = await store.owed(CHAT)
    assert owed is not None and (owed.chat_id, owed.respondent_id) == (CHAT, "resp-owed")
    assert [o.chat_id for o in await store.all_owed()] == [CHAT]
    assert await store.owed(OTHER) is None
    await store.settle_owed(CHAT)
    assert await store.owed(CHAT) is None
    assert await store.all_owed() == []


async def test_a_turn_that_is_refused_owes_nothing(store: Store) -> None:
    link, state = await joined(store, "resp-dup")
    turn = answer_turn(state, link, "4", respondent_id="resp-dup", update_id=9201)
    await store.record_turn(replace(turn, owed_chat=CHAT))
    await store.settle_owed(CHAT)
    with pytest.raises(DuplicateUpdate):
        await store.record_turn(replace(turn, owed_chat=CHAT))  # a redelivery: rolled back whole
    assert await store.owed(CHAT) is None


async def test_a_later_turn_replaces_what_is_owed_and_forgetting_removes_it(store: Store) -> None:
    link, state = await joined(store, "resp-later")
    first = replace(answer_turn(state, link, "4", respondent_id="resp-later"), owed_chat=CHAT)
    await store.record_turn(first)
    second = answer_turn(first.state, link, "5", respondent_id="resp-later", at=LATER)
    await store.record_turn(replace(second, owed_chat=CHAT))
    owed = await store.all_owed()
    assert len(owed) == 1 and owed[0].since == LATER
    await store.forget_chat(CHAT, None, LATER)
    assert await store.owed(CHAT) is None


async def test_forwarded_voice_copies_are_listed_for_their_parent_and_go_with_a_forget(
    store: Store,
) -> None:
    link = await school_and_round(store)
    for chat, respondent, file_id in ((CHAT, "resp-a", "voice-a"), (OTHER, "resp-b", "voice-b")):
        await join(store, link, chat, respondent)
        state = await store.session(respondent)
        assert state is not None
        voice = engine.Answer(question_id="q_voice", voice_file_id=file_id, voice_seconds=3)
        await store.record_turn(
            Turn(None, respondent, state, "waiting", link.round.id, "nl", AT, upserts=[voice])
        )
    brugfiguur, other_brugfiguur = 424_900, 424_901
    await store.record_forwarded("voice-a", brugfiguur, 71, AT)
    await store.record_forwarded("voice-a", other_brugfiguur, 12, AT)
    await store.record_forwarded("voice-b", brugfiguur, 72, AT)
    assert await store.forwarded_copies(CHAT) == [(brugfiguur, 71), (other_brugfiguur, 12)]
    assert await store.forwarded_copies(OTHER) == [(brugfiguur, 72)]
    assert await store.forwarded_copies(424_999) == []
    await store.forget_chat(CHAT, update_id=None, at=LATER)
    assert await store.forwarded_copies(CHAT) == []
    assert await store.forwarded_copies(OTHER) == [(brugfiguur, 72)]
    # A brugfiguur who is forgotten takes the records of what they received along.
    await store.forget_chat(brugfiguur, update_id=None, at=LATER)
    assert await store.forwarded_copies(OTHER) == []


async def test_scrubbing_after_a_forget_keeps_everyone_else(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, CHAT, "mine-1")
    await answer(store, link, "mine-1")
    await join(store, link, OTHER, "theirs-1")
    await answer(store, link, "theirs-1")
    await store.forget_chat(CHAT, update_id=None, at=AT)

    await store.scrub_forgotten()  # PostgreSQL: VACUUM; SQLite: done at the forget already
    assert await store.scrub_forgotten() == 0  # nothing forgotten since: nothing to do

    assert await store.chat(CHAT) is None
    assert len(await store.answers_of("theirs-1")) == 1
