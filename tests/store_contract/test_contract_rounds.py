"""RoundStore: schools, rounds and groups, launch, closing, status cells, participants, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.staff import Grant, Role
from bot.store import DuplicateUpdate, Store
from bot.store.records import (
    Dialogue,
    GroupPlan,
    NewMessage,
    Recipient,
    RoundLink,
    RoundPlan,
    StatusCell,
)
from store_contract.builders import (
    AT,
    FLOW,
    LATER,
    admin_of,
    answer,
    join,
    member,
    school_and_round,
    token,
)


async def test_a_school_reads_back_as_written(store: Store) -> None:
    first = await store.add_school("De Regenboog", AT)
    second = await store.add_school("Het Anker", AT)
    assert (first.name, first.created_at) == ("De Regenboog", AT)
    assert first.id != second.id
    assert await store.school(first.id) == first
    assert await store.school(second.id + 1000) is None
    assert await store.schools() == [first, second]
    assert await store.school_names([second.id, first.id]) == {
        first.id: "De Regenboog",
        second.id: "Het Anker",
    }
    assert await store.school_names([]) == {}


async def test_a_round_reads_back_as_written(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    start = token()
    opened = await store.open_round(
        school_id=school.id,
        flow_id=FLOW.id,
        flow_version=FLOW.version,
        audience="parents",
        token=start,
        at=AT,
        closes_at=LATER,
        expected=120,
        topic="huiswerk",
    )
    assert (opened.school_id, opened.flow_id, opened.flow_version, opened.audience) == (
        school.id,
        FLOW.id,
        FLOW.version,
        "parents",
    )
    assert (opened.topic, opened.start_token, opened.status, opened.expected) == (
        "huiswerk",
        start,
        "open",
        120,
    )
    assert (opened.opens_at, opened.closes_at, opened.closed_at, opened.created_at) == (
        AT,
        LATER,
        None,
        AT,
    )
    assert opened.is_open(AT) and not opened.is_open(LATER)
    assert await store.round(opened.id) == opened
    assert await store.round(opened.id + 1000) is None
    assert await store.round_by_token(start) == RoundLink(opened, None)
    assert await store.round_by_token("no-such-token-at-all") is None


async def test_rounds_are_listed_in_order_and_per_school(store: Store) -> None:
    a = await school_and_round(store, name="A")
    b = await school_and_round(store, name="B")
    a2 = await store.open_round(
        school_id=a.round.school_id,
        flow_id=FLOW.id,
        flow_version=FLOW.version,
        audience="parents",
        token=token(),
        at=AT,
    )
    assert [r.id for r in await store.rounds()] == [a.round.id, b.round.id, a2.id]
    assert [r.id for r in await store.rounds(a.round.school_id)] == [a.round.id, a2.id]
    assert await store.open_rounds() == [a.round.id, b.round.id, a2.id]


async def test_a_group_link_opens_its_round_with_the_group(store: Store) -> None:
    link = await school_and_round(store)
    group_token = token("grp")
    group = await store.add_round_group(link.round.id, "3A", group_token, 24)
    other = await store.add_round_group(link.round.id, "3B", token("grp"), None)
    assert (group.round_id, group.name, group.token, group.expected) == (
        link.round.id,
        "3A",
        group_token,
        24,
    )
    assert await store.round_groups(link.round.id) == [group, other]
    assert await store.round_by_token(group_token) == RoundLink(link.round, group)


async def test_a_round_closes_once(store: Store) -> None:
    link = await school_and_round(store)
    assert await store.close_round(link.round.id, LATER) is True
    assert await store.close_round(link.round.id, LATER + timedelta(1)) is False
    closed = await store.round(link.round.id)
    assert closed is not None
    assert (closed.status, closed.closed_at) == ("closed", LATER)
    assert await store.open_rounds() == []
    assert await store.close_round(link.round.id + 1000, LATER) is False


async def test_only_rounds_past_their_date_close_when_due(store: Store) -> None:
    due = await school_and_round(store, closes_at=AT + timedelta(hours=1))
    later = await school_and_round(store, closes_at=AT + timedelta(days=5))
    endless = await school_and_round(store)
    closed = await store.close_due_rounds(AT + timedelta(hours=2))
    assert [r.id for r in closed] == [due.round.id]
    assert await store.open_rounds() == [later.round.id, endless.round.id]
    assert await store.close_due_rounds(AT + timedelta(hours=2)) == []


def plan(school_id: int, *groups: GroupPlan) -> RoundPlan:
    return RoundPlan(
        school_id=school_id,
        flow_id=FLOW.id,
        flow_version=FLOW.version,
        audience="parents",
        topic=None,
        token=token(),
        closes_at=LATER,
        expected=40,
        groups=groups,
    )


async def test_launch_writes_round_and_groups_and_ends_the_dialogue(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    admin = await member(store, 5001, admin_of(school.id))
    await store.save_dialogue(Dialogue(5001, admin.member_id, "ronde", "n1", "date"), AT)
    launched = plan(school.id, GroupPlan("1A", token("g"), 20), GroupPlan("1B", token("g"), None))
    round_id = await store.launch_round(launched, chat_id=5001, at=AT, update_id=901)
    stored = await store.round(round_id)
    assert stored is not None
    assert (stored.school_id, stored.start_token, stored.closes_at, stored.expected) == (
        school.id,
        launched.token,
        LATER,
        40,
    )
    groups = await store.round_groups(round_id)
    assert [(g.name, g.token, g.expected) for g in groups] == [
        (g.name, g.token, g.expected) for g in launched.groups
    ]
    assert await store.dialogue(5001) is None
    assert await store.previous_groups(school.id) == [("1A", 20), ("1B", None)]


async def test_a_redelivered_launch_writes_nothing(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    await store.launch_round(plan(school.id), chat_id=5001, at=AT, update_id=902)
    with pytest.raises(DuplicateUpdate):
        await store.launch_round(
            plan(school.id, GroupPlan("2A", token("g"), 3)), chat_id=5001, at=AT, update_id=902
        )
    assert len(await store.rounds()) == 1
    assert await store.previous_groups(school.id) == []


async def test_status_counts_per_status_group_and_language(store: Store) -> None:
    link = await school_and_round(store)
    group = await store.add_round_group(link.round.id, "3A", token("grp"), 10)
    grouped = RoundLink(link.round, group)
    await join(store, link, 1, "r1", language="nl")
    await join(store, link, 2, "r2", language="tr")
    await join(store, grouped, 3, "r3", language="tr")
    await store.set_status("r2", "completed", AT)
    assert await store.count_respondents(link.round.id) == {"waiting": 2, "completed": 1}
    cells = sorted(
        await store.status_cells(link.round.id),
        key=lambda c: (c.group_id or 0, c.language, c.status),
    )
    assert cells == [
        StatusCell(None, "nl", "waiting", 1),
        StatusCell(None, "tr", "completed", 1),
        StatusCell(group.id, "tr", "waiting", 1),
    ]
    assert await store.language_counts(link.round.school_id) == {"nl": 1, "tr": 2}
    assert await store.count_respondents(link.round.id + 1000) == {}


async def test_participants_are_those_who_answered_and_can_be_reached(store: Store) -> None:
    link = await school_and_round(store)
    await join(store, link, 11, "answered")
    await answer(store, link, "answered")
    await join(store, link, 12, "only-started")
    await join(store, link, 13, "finished")
    await store.set_status("finished", "completed", AT)  # status alone is not completion
    await join(store, link, 14, "blocked")
    await answer(store, link, "blocked")
    await store.save_chat(14, AT, blocked=True)
    await store.save_chat(11, AT, language="ar")
    assert await store.participants(link.round.id) == [Recipient(11, "ar", "answered")]


async def test_reminder_candidates_follow_the_reminder_rules(store: Store) -> None:
    link = await school_and_round(store)
    for chat, respondent in ((21, "waiting"), (22, "paused-long"), (23, "no-reminders")):
        await join(store, link, chat, respondent)
    await join(store, link, 24, "done")
    await store.set_status("done", "completed", AT)
    await join(store, link, 25, "blocked")
    await store.save_chat(25, AT, blocked=True)
    await store.set_status("paused-long", "paused", AT)
    await store.save_chat(23, AT, no_reminders=True)
    await join(store, link, 26, "reminded")
    await store.enqueue(
        [NewMessage(26, "reminder", "nl", "?", dedupe_key=f"reminder:{link.round.id}:26")], at=AT
    )
    now = AT + timedelta(days=2)
    found = await store.reminder_candidates(
        link.round.id, paused_since=now - timedelta(hours=24), active_since=now - timedelta(hours=1)
    )
    assert sorted((r.chat_id, r.respondent_id) for r in found) == [
        (21, "waiting"),
        (22, "paused-long"),
    ]
    # a pause of less than a day is respected, and someone answering right now is left alone
    recent = await store.reminder_candidates(
        link.round.id, paused_since=AT - timedelta(hours=1), active_since=AT - timedelta(hours=1)
    )
    assert recent == []


async def test_team_members_who_did_not_start_are_found_once(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    team_round = await store.open_round(
        school_id=school.id,
        flow_id="barometer-team",
        flow_version=1,
        audience="team",
        token=token(),
        at=AT,
    )
    await member(store, 31, Grant(Role.TEAM, school_id=school.id), name="Meester Jan")
    await member(store, 32, admin_of(school.id), name="Directeur")
    await member(store, 33, Grant(Role.BRUGFIGUUR, school_id=school.id), name="Brug")
    await member(store, 34, Grant(Role.TEAM, school_id=school.id), name="Started")
    await join(store, RoundLink(team_round, None), 34, "team-34")
    assert await store.team_chats(school.id) == [31, 32, 34]
    found = await store.team_not_started(team_round.id, school.id)
    assert found == [Recipient(31, "nl"), Recipient(32, "nl")]
    await store.enqueue(
        [NewMessage(31, "reminder", "nl", "?", dedupe_key=f"reminder:{team_round.id}:31")], at=AT
    )
    assert await store.team_not_started(team_round.id, school.id) == [Recipient(32, "nl")]
