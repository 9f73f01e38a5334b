"""The pure rules of bot/staff.py: who may do what where, and reading what staff type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import AccessDenied
from bot.staff import (
    NOBODY,
    Access,
    Action,
    Grant,
    InputError,
    Role,
    authorize,
    closing_moment,
    common_languages,
    days_left,
    hash_token,
    named_schools,
    parse_day,
    parse_expected,
    parse_group_names,
    reminder_window,
    schools_for,
    viewer_of,
)

ADMIN_1 = Grant(Role.ADMIN, school_id=1)
TEAM_1 = Grant(Role.TEAM, school_id=1)
TEAM_1_REPORTS = Grant(Role.TEAM, school_id=1, reports=True)
BRUG_1 = Grant(Role.BRUGFIGUUR, school_id=1)
BRUG_2 = Grant(Role.BRUGFIGUUR, school_id=2)
COORD_7 = Grant(Role.COORDINATOR, centre_id=7)
CENTRES = {1: 7, 2: 7, 3: None}

# (grant, action, school) -> allowed. Every role against every action at its own school.
MATRIX = {
    Role.ADMIN: set(Action),
    # every role at a school may record questions (/opnemen) and approve a colleague's (issue 15)
    Role.TEAM: {Action.ANSWER_TEAM, Action.RECORD},
    Role.BRUGFIGUUR: {Action.FOLLOW, Action.REPORT, Action.OVERVIEW, Action.RECORD},
    # a coordinator opens one school's report, or its /status, only where the school agreed to
    # be named (below, and issue 11)
    Role.COORDINATOR: {Action.OVERVIEW},
}


def access(*grants: Grant) -> Access:
    return Access(member_id=1, grants=grants, centre_of=CENTRES)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("grant", [ADMIN_1, TEAM_1, BRUG_1, COORD_7], ids=lambda g: g.role.value)
def test_each_role_may_do_exactly_its_actions(grant: Grant, action: Action) -> None:
    allowed = action in MATRIX[grant.role]
    if allowed:
        assert authorize(access(grant), action, 1) == grant
    else:
        with pytest.raises(AccessDenied):
            authorize(access(grant), action, 1)


@pytest.mark.parametrize("action", list(Action))
def test_nobody_may_do_anything(action: Action) -> None:
    for school in (1, 2, 3, None, 999):
        with pytest.raises(AccessDenied):
            authorize(NOBODY, action, school)


def test_a_role_counts_only_at_its_own_school() -> None:
    with pytest.raises(AccessDenied):
        authorize(access(ADMIN_1), Action.CLOSE, 2)
    with pytest.raises(AccessDenied):
        authorize(access(ADMIN_1), Action.CLOSE, None)


def test_team_member_follows_only_when_the_admin_allowed_it() -> None:
    with pytest.raises(AccessDenied):
        authorize(access(TEAM_1), Action.FOLLOW, 1)
    assert authorize(access(TEAM_1_REPORTS), Action.FOLLOW, 1) == TEAM_1_REPORTS
    assert authorize(access(TEAM_1_REPORTS), Action.REPORT, 1) == TEAM_1_REPORTS
    with pytest.raises(AccessDenied):
        authorize(access(TEAM_1_REPORTS), Action.LAUNCH, 1)


def test_brugfiguur_of_two_schools_and_coordinator_of_a_centre() -> None:
    both = access(BRUG_1, BRUG_2)
    assert schools_for(both, Action.FOLLOW) == [1, 2]
    assert schools_for(both, Action.CLOSE) == []
    coordinator = access(COORD_7)
    assert schools_for(coordinator, Action.OVERVIEW) == [1, 2]  # school 3 is in no centre
    assert schools_for(coordinator, Action.FOLLOW) == []  # no school agreed to be named
    named = Access(member_id=1, grants=(COORD_7,), centre_of=CENTRES, named=frozenset({2, 3}))
    assert schools_for(named, Action.FOLLOW) == [2]
    with pytest.raises(AccessDenied):
        authorize(named, Action.FOLLOW, 3)
    with pytest.raises(AccessDenied):
        authorize(coordinator, Action.FEEDBACK, 1)


def test_report_viewer_per_role() -> None:
    assert viewer_of(ADMIN_1) == "team"
    assert viewer_of(TEAM_1_REPORTS) == "team"
    assert viewer_of(BRUG_1) == "brugfiguur"
    assert viewer_of(COORD_7) == "coordinator"


def test_only_a_hash_of_an_invite_token_is_kept() -> None:
    assert hash_token("abc") != "abc"
    assert len(hash_token("abc")) == 64
    assert hash_token("abc") == hash_token("abc")


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("1A, 1B, 2A", ["1A", "1B", "2A"]),
        ("1A;1B", ["1A", "1B"]),
        ("Kleuters\nLager\n", ["Kleuters", "Lager"]),
        (" 2de graad ,3de graad", ["2de graad", "3de graad"]),
    ],
)
def test_group_names(typed: str, names: list[str]) -> None:
    assert parse_group_names(typed) == names


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (" , ;", "groups_empty"),
        (",".join(f"K{i}" for i in range(13)), "groups_too_many"),
        ("1A, " + "x" * 25, "group_name_long"),
        ("1A, 1a", "groups_double"),
    ],
)
def test_group_names_refused(typed: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_group_names(typed)
    assert caught.value.reason == reason


def test_expected_numbers() -> None:
    assert parse_expected("22, 20", 2) == [22, 20]
    assert parse_expected("40", 1) == [40]
    for typed, count, reason in [
        ("22", 2, "expected_count"),
        ("veel", 1, "expected_count"),
        ("-3", 1, "expected_count"),
        ("0", 1, "expected_range"),
        ("99999", 1, "expected_range"),
    ]:
        with pytest.raises(InputError) as caught:
            parse_expected(typed, count)
        assert caught.value.reason == reason, typed


def test_closing_days() -> None:
    today = date(2026, 3, 2)
    assert parse_day("15-03-2026", today) == date(2026, 3, 15)
    assert parse_day("15/3", today) == date(2026, 3, 15)
    assert parse_day("2026-03-15", today) == date(2026, 3, 15)
    assert parse_day("15.3.26", today) == date(2026, 3, 15)
    assert parse_day("1/1", date(2026, 12, 20)) == date(2027, 1, 1)  # typed in December
    for typed, reason in [
        ("morgen", "date_format"),
        ("31-02-2026", "date_format"),
        ("01-03-2026", "date_past"),
        ("02-03-2026", "date_past"),
        ("01-12-2026", "date_far"),
    ]:
        with pytest.raises(InputError) as caught:
            parse_day(typed, today)
        assert caught.value.reason == reason, typed


def test_a_round_closes_at_the_end_of_its_last_day_in_flanders() -> None:
    closes = closing_moment(date(2026, 3, 15))
    assert closes.astimezone(UTC) == datetime(2026, 3, 15, 22, 59, 59, tzinfo=UTC)  # CET
    assert days_left(datetime(2026, 3, 2, 9, tzinfo=UTC), closes) == 13
    assert days_left(datetime(2026, 3, 15, 21, tzinfo=UTC), closes) == 0


def test_reminder_window() -> None:
    closes = datetime(2026, 3, 15, 22, tzinfo=UTC)
    assert not reminder_window(closes - timedelta(days=4), closes, 3)
    assert reminder_window(closes - timedelta(days=3), closes, 3)
    assert reminder_window(closes - timedelta(minutes=1), closes, 3)
    assert not reminder_window(closes, closes, 3)
    assert not reminder_window(closes - timedelta(days=1), closes, 0)  # 0 days: no reminders
    assert not reminder_window(closes - timedelta(days=1), None, 3)


def test_common_languages() -> None:
    counts = {"nl": 50, "tr": 10, "ar": 10, "bg": 3}
    assert common_languages(counts, ["fr", "en", "tr"], 4) == ["ar", "tr", "bg", "fr"]
    assert common_languages({}, ["nl", "fr", "en"], 2) == ["fr", "en"]


# ---- issue 11, item 6: coordinators ----------------------------------------------------------


def test_coordinator_opens_only_the_reports_of_schools_that_agreed_to_be_named() -> None:
    coordinator = Access(member_id=1, grants=(COORD_7,), centre_of=CENTRES, named=frozenset({2}))
    assert schools_for(coordinator, Action.REPORT) == [2]  # the picker lists only school 2
    with pytest.raises(AccessDenied):
        authorize(coordinator, Action.REPORT, 1)  # a forged button for school 1
    assert authorize(coordinator, Action.REPORT, 2) == COORD_7
    assert schools_for(coordinator, Action.OVERVIEW) == [1, 2]  # both count in the total
    assert named_schools(coordinator, [1, 2]) == {2}


def test_each_grant_names_only_its_own_scope() -> None:
    """Brugfiguur at school 1 and coordinator of its centre: school 1 by name, school 2 (which
    did not agree) never, whichever grant comes first."""
    for grants in ((BRUG_1, COORD_7), (COORD_7, BRUG_1)):
        both = Access(member_id=1, grants=grants, centre_of=CENTRES)
        assert named_schools(both, [1, 2]) == {1}
        assert schools_for(both, Action.REPORT) == [1]
        assert schools_for(both, Action.OVERVIEW) == [1, 2]
