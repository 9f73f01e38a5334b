"""StaffStore: members and roles, one-time invites, centres, staff dialogues."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.staff import Grant, Role
from bot.store import DuplicateUpdate, Store
from bot.store.records import Accepted, Dialogue, Member
from store_contract.builders import AT, LATER, admin_of, member, token

ADMIN_CHAT, TEAM_CHAT = 600_001, 600_002


async def test_an_invite_works_once(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    invite = token("inv")
    grant = Grant(Role.TEAM, school_id=school.id, reports=True)
    await store.create_invite(invite, grant, created_by=None, at=AT, expires_at=LATER)
    accepted = await store.accept_invite(
        invite, chat_id=TEAM_CHAT, name="Meester Jan", at=AT, update_id=None
    )
    assert accepted is not None and accepted.grant == grant
    assert await store.member(TEAM_CHAT) == Member(accepted.member_id, TEAM_CHAT, "Meester Jan")
    again = await store.accept_invite(invite, chat_id=ADMIN_CHAT, name="X", at=AT, update_id=None)
    assert again is None
    assert await store.member(ADMIN_CHAT) is None


async def test_an_expired_or_unknown_invite_opens_nothing(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    invite = token("inv")
    await store.create_invite(
        invite, admin_of(school.id), created_by=None, at=AT, expires_at=AT + timedelta(hours=1)
    )
    late = AT + timedelta(hours=2)
    assert await store.accept_invite(invite, chat_id=1, name="A", at=late, update_id=None) is None
    assert (
        await store.accept_invite("unknown-token-1234", chat_id=1, name="A", at=AT, update_id=None)
        is None
    )
    assert await store.member(1) is None


async def test_a_redelivered_invite_update_writes_nothing(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    invite, other = token("inv"), token("inv")
    await store.create_invite(
        invite, admin_of(school.id), created_by=None, at=AT, expires_at=LATER, update_id=801
    )
    with pytest.raises(DuplicateUpdate):
        await store.create_invite(
            other, admin_of(school.id), created_by=None, at=AT, expires_at=LATER, update_id=801
        )
    assert await store.accept_invite(other, chat_id=1, name="A", at=AT, update_id=None) is None
    await store.accept_invite(invite, chat_id=2, name="B", at=AT, update_id=802)
    with pytest.raises(DuplicateUpdate):
        await store.accept_invite(invite, chat_id=3, name="C", at=AT, update_id=802)
    assert await store.member(3) is None


async def test_access_lists_every_grant_and_the_centres_of_its_schools(store: Store) -> None:
    centre = await store.add_centre("CLB Gent", AT)
    assert await store.centre_exists(centre)
    assert not await store.centre_exists(centre + 1000)
    a = await store.add_school("A", AT)
    b = await store.add_school("B", AT)
    c = await store.add_school("C", AT)
    assert await store.join_centre(a.id, centre) is True
    assert await store.join_centre(b.id, centre) is True
    assert await store.join_centre(c.id + 1000, centre) is False
    assert await store.centres() == [(centre, "CLB Gent", 2)]
    assert await store.join_centre(b.id, None) is True
    assert await store.centres() == [(centre, "CLB Gent", 1)]

    first = await member(store, ADMIN_CHAT, admin_of(c.id))
    second = await member(store, ADMIN_CHAT, Grant(Role.COORDINATOR, centre_id=centre))
    assert first.member_id == second.member_id
    access = await store.access(ADMIN_CHAT)
    assert access.member_id == first.member_id
    assert set(access.grants) == {admin_of(c.id), Grant(Role.COORDINATOR, centre_id=centre)}
    assert dict(access.centre_of) == {a.id: centre, c.id: None}
    nobody = await store.access(999)
    assert (nobody.member_id, nobody.grants) == (None, ())


async def test_an_invite_for_a_role_held_only_widens_its_reports(store: Store) -> None:
    school = await store.add_school("De Regenboog", AT)
    plain = await member(store, TEAM_CHAT, Grant(Role.TEAM, school_id=school.id))
    widened = await member(store, TEAM_CHAT, Grant(Role.TEAM, school_id=school.id, reports=True))
    assert widened == Accepted(plain.member_id, Grant(Role.TEAM, school_id=school.id, reports=True))
    narrower = await member(store, TEAM_CHAT, Grant(Role.TEAM, school_id=school.id))
    assert narrower.member_id == plain.member_id
    assert (await store.access(TEAM_CHAT)).grants == (
        Grant(Role.TEAM, school_id=school.id, reports=True),
    )


async def test_members_are_listed_with_their_grants(store: Store) -> None:
    a = await store.add_school("A", AT)
    b = await store.add_school("B", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(a.id), name="Directeur")
    await member(store, ADMIN_CHAT, Grant(Role.TEAM, school_id=b.id), name="Directeur")
    team = await member(store, TEAM_CHAT, Grant(Role.TEAM, school_id=b.id), name="Meester Jan")
    everyone = await store.members()
    assert [(m, grants) for m, grants in everyone] == [
        (
            Member(admin.member_id, ADMIN_CHAT, "Directeur"),
            [admin_of(a.id), Grant(Role.TEAM, b.id)],
        ),
        (Member(team.member_id, TEAM_CHAT, "Meester Jan"), [Grant(Role.TEAM, b.id)]),
    ]
    assert [m.id for m, _ in await store.members(a.id)] == [admin.member_id]
    assert await store.member_by_id(team.member_id) == Member(
        team.member_id, TEAM_CHAT, "Meester Jan"
    )
    assert await store.member_by_id(team.member_id + 1000) is None
    assert await store.team_chats(b.id) == [ADMIN_CHAT, TEAM_CHAT]


async def test_revoking_the_last_role_removes_the_member(store: Store) -> None:
    a = await store.add_school("A", AT)
    b = await store.add_school("B", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(a.id))
    await member(store, ADMIN_CHAT, admin_of(b.id))
    assert await store.revoke(admin.member_id, a.id) == 1
    assert (await store.access(ADMIN_CHAT)).grants == (admin_of(b.id),)
    assert await store.member(ADMIN_CHAT) is not None
    assert await store.revoke(admin.member_id) == 1
    assert await store.member(ADMIN_CHAT) is None
    assert await store.revoke(admin.member_id) == 0


async def test_a_dialogue_reads_back_replaces_and_ends(store: Store) -> None:
    school = await store.add_school("A", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(school.id))
    assert await store.dialogue(ADMIN_CHAT) is None
    data = {"school": school.id, "names": ["1A", "1B"], "note": "één"}
    await store.save_dialogue(
        Dialogue(ADMIN_CHAT, admin.member_id, "ronde", "n1", "names", data), AT
    )
    found = await store.dialogue(ADMIN_CHAT)
    assert found is not None
    assert (found.chat_id, found.member_id, found.kind, found.nonce, found.step, found.data) == (
        ADMIN_CHAT,
        admin.member_id,
        "ronde",
        "n1",
        "names",
        data,
    )
    assert found.updated_at == AT
    await store.save_dialogue(
        Dialogue(ADMIN_CHAT, admin.member_id, "terug", "n2", "text"), LATER, update_id=701
    )
    replaced = await store.dialogue(ADMIN_CHAT)
    assert replaced is not None and (replaced.kind, replaced.step, replaced.data) == (
        "terug",
        "text",
        {},
    )
    with pytest.raises(DuplicateUpdate):
        await store.end_dialogue(ADMIN_CHAT, LATER, update_id=701)
    assert await store.dialogue(ADMIN_CHAT) is not None
    await store.end_dialogue(ADMIN_CHAT, LATER, update_id=702)
    assert await store.dialogue(ADMIN_CHAT) is None


async def test_revoking_a_member_voids_their_unused_invites(store: Store) -> None:
    a = await store.add_school("A", AT)
    b = await store.add_school("B", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(a.id))
    await member(store, ADMIN_CHAT, admin_of(b.id))
    at_a, at_b = token("inv"), token("inv")
    for invite, school in ((at_a, a), (at_b, b)):
        await store.create_invite(
            invite, admin_of(school.id), created_by=admin.member_id, at=AT, expires_at=LATER
        )
    await store.revoke(admin.member_id, a.id)
    assert await store.accept_invite(at_a, chat_id=1, name="A", at=AT, update_id=None) is None
    assert await store.accept_invite(at_b, chat_id=2, name="B", at=AT, update_id=None) is not None
    assert await store.access(1) == (await store.access(99))  # nobody


async def test_an_invite_is_refused_when_its_creator_may_no_longer_invite_there(
    store: Store,
) -> None:
    a = await store.add_school("A", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(a.id))
    invite = token("inv")
    await store.create_invite(
        invite,
        Grant(Role.TEAM, school_id=a.id),
        created_by=admin.member_id,
        at=AT,
        expires_at=LATER,
    )
    # The creator keeps a role at the school, but not one that may invite.
    await member(store, ADMIN_CHAT, Grant(Role.TEAM, school_id=a.id))
    await store.revoke(admin.member_id)
    await member(store, ADMIN_CHAT, Grant(Role.TEAM, school_id=a.id))
    assert await store.accept_invite(invite, chat_id=3, name="C", at=AT, update_id=None) is None
    assert (await store.access(3)).grants == ()


async def test_an_invite_of_a_creator_who_is_still_admin_works(store: Store) -> None:
    a = await store.add_school("A", AT)
    admin = await member(store, ADMIN_CHAT, admin_of(a.id))
    invite = token("inv")
    await store.create_invite(
        invite,
        Grant(Role.TEAM, school_id=a.id),
        created_by=admin.member_id,
        at=AT,
        expires_at=LATER,
    )
    accepted = await store.accept_invite(invite, chat_id=3, name="C", at=AT, update_id=None)
    assert accepted is not None and accepted.grant == Grant(Role.TEAM, school_id=a.id)
