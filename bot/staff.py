"""Who may do what, and the pure rules of the staff features. No Telegram, no database, no clock.

    Role         held at     may
    admin        a school    invite, launch and close rounds, follow them, send feedback, reports,
                             set when families get reminders and feedback (/uren)
    team         a school    answer the team barometer; follow rounds and read reports only when
                             the admin allowed it (`Grant.reports`)
    brugfiguur   schools     follow rounds and read reports of every school it is linked to
    coordinator  a centre    follow the centre's schools and read their overview (aggregates,
                             never one parent); open one school's report only when that school
                             agreed to be named (`schools.share_named`, `Access.named`)

Each grant decides for its own scope only: someone who is brugfiguur at one school and
coordinator of its centre reads that one school by name, and the other schools as a coordinator
(`named_schools`). The threat model is docs/privacy.md.

Parents have no role. Every staff command calls `authorize(access, action, school_id)` on every
call (a button press too): it returns the grant that allows it or raises `AccessDenied`, whose
text is for logs only. The Telegram layer answers every refusal with the same polite sentence,
so nobody learns whether a school or round exists.

Also here: reading what a person typed in a staff dialogue (group names, numbers, dates), the
closing moment of a day, and the reminder window.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import AccessDenied

# Dates a school types and reads are days in Flanders; a round closes at the end of that day.
SCHOOL_TIMEZONE = ZoneInfo("Europe/Brussels")
INVITE_DAYS = 7  # an invite link works this long, once
MAX_GROUPS = 12  # classes or grades per round: each gets a link, a QR code and a page
MAX_GROUP_NAME_CHARS = 24  # fits a button and the invitation's heading
MAX_EXPECTED = 5000  # families per group; more is a typo
MAX_ROUND_DAYS = 120  # a round closes within this many days
PAUSE_RESPECTED = timedelta(hours=24)  # someone who paused on purpose is not reminded this soon
ACTIVE_QUIET = timedelta(hours=1)  # nor someone who is answering right now


class Role(StrEnum):
    ADMIN = "admin"
    TEAM = "team"
    BRUGFIGUUR = "brugfiguur"
    COORDINATOR = "coordinator"


SCHOOL_ROLES = (Role.ADMIN, Role.TEAM, Role.BRUGFIGUUR)
TEAM_ROLES = (Role.ADMIN, Role.TEAM)  # they answer the team barometer


class Action(StrEnum):
    INVITE = "invite"  # /uitnodigen
    LAUNCH = "launch"  # /ronde
    CLOSE = "close"  # /sluit
    FEEDBACK = "feedback"  # /terugkoppeling
    FOLLOW = "follow"  # /status
    REPORT = "report"  # /rapport of one school (bot.tg.report_handlers)
    OVERVIEW = "overview"  # /rapport: schools side by side or a centre total
    ANSWER_TEAM = "answer_team"  # receive the team barometer link and reminders
    RECORD = "record"  # /opnemen and /opnames: record questions, approve a colleague's recording
    HOURS = "hours"  # /uren: the school's waking hours for reminders and feedback (admin only)


ROLE_ACTIONS: Mapping[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.TEAM: frozenset({Action.ANSWER_TEAM, Action.RECORD}),
    Role.BRUGFIGUUR: frozenset({Action.FOLLOW, Action.REPORT, Action.OVERVIEW, Action.RECORD}),
    Role.COORDINATOR: frozenset({Action.FOLLOW, Action.REPORT, Action.OVERVIEW}),
}
# What the admin's permission adds for a team member.
TEAM_REPORT_ACTIONS = frozenset({Action.FOLLOW, Action.REPORT, Action.OVERVIEW})
# The roles an admin may hand out from the chat; coordinators are made from the command line.
INVITABLE = (Role.ADMIN, Role.TEAM, Role.BRUGFIGUUR)


@dataclass(frozen=True, slots=True)
class Grant:
    """One role of a member: at a school, or (coordinator) at a centre."""

    role: Role
    school_id: int | None = None
    centre_id: int | None = None
    reports: bool = False  # team members only: may follow rounds and read reports

    @property
    def actions(self) -> frozenset[Action]:
        extra = TEAM_REPORT_ACTIONS if self.role == Role.TEAM and self.reports else frozenset()
        return ROLE_ACTIONS[self.role] | extra


@dataclass(frozen=True)
class Access:
    """Everything `authorize` needs about one chat, loaded fresh for every call."""

    member_id: int | None
    grants: tuple[Grant, ...] = ()
    centre_of: Mapping[int, int | None] = field(default_factory=dict)  # school id -> centre id
    named: frozenset[int] = frozenset()  # schools (of centre_of) that agreed to be named

    @property
    def is_staff(self) -> bool:
        return bool(self.grants)


NOBODY = Access(member_id=None)


def permits(
    grant: Grant,
    action: Action,
    school_id: int,
    centre_of: Mapping[int, int | None],
    named: frozenset[int] = frozenset(),
) -> bool:
    """Does this one grant allow `action` at `school_id`?

    A coordinator opens one school's report, or follows its participation (/status), only when
    the school agreed to be named (`named`);
    its overview reads every school of the centre, named only where they agreed.
    """
    if action not in grant.actions:
        return False
    if grant.role == Role.COORDINATOR:
        if action in (Action.REPORT, Action.FOLLOW) and school_id not in named:
            return False
        return grant.centre_id is not None and centre_of.get(school_id) == grant.centre_id
    return grant.school_id == school_id


def authorize(access: Access, action: Action, school_id: int | None) -> Grant:
    """The grant that allows `action` at `school_id`, or AccessDenied. The one check."""
    if school_id is not None:
        for grant in access.grants:
            if permits(grant, action, school_id, access.centre_of, access.named):
                return grant
    raise AccessDenied(f"{action} refused")


def schools_for(access: Access, action: Action) -> list[int]:
    """The schools where this chat may do `action`, in id order."""
    schools = {g.school_id for g in access.grants if g.school_id is not None}
    schools |= set(access.centre_of)
    return sorted(
        s
        for s in schools
        if any(permits(g, action, s, access.centre_of, access.named) for g in access.grants)
    )


def named_schools(access: Access, school_ids: Iterable[int]) -> frozenset[int]:
    """The schools an overview may name for this chat: each grant decides for its own scope.

    A school is named when a grant that is not a coordinator's may open its report (the
    brugfiguur's, admin's or team's own school), or when it agreed to be named and a grant may
    read it in an overview. The first grant found never decides for the others.
    """
    found = set()
    for school_id in school_ids:
        for grant in access.grants:
            if grant.role == Role.COORDINATOR:
                agreed = school_id in access.named
                if agreed and permits(grant, Action.OVERVIEW, school_id, access.centre_of):
                    found.add(school_id)
            elif permits(grant, Action.REPORT, school_id, access.centre_of):
                found.add(school_id)
    return frozenset(found)


def viewer_of(grant: Grant) -> str:
    """The report viewer (bot.reports.ReportOptions.viewer) a grant reads as."""
    return {Role.COORDINATOR: "coordinator", Role.BRUGFIGUUR: "brugfiguur"}.get(grant.role, "team")


def hash_token(token: str) -> str:
    """What is stored of an invite token: its SHA-256, so a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


# ---- what a person types in a staff dialogue -------------------------------------------------


class InputError(ValueError):
    """Typed input that cannot be used; `.reason` names the staff text that explains why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Zl", "Zp"})  # unseen in a class name


def parse_group_names(text: str) -> list[str]:
    """ "1A, 1B, 2A" (commas, semicolons or one per line) -> names, in order, unique."""
    # NFKC folds look-alikes ("１Ａ" is "1A"); a name with an invisible format character (a
    # zero-width space, a right-to-left override) or a control character is refused.
    names = [unicodedata.normalize("NFKC", n).strip() for n in re.split(r"[,;\n]", text)]
    names = [n for n in names if n]
    if any(unicodedata.category(ch) in HIDDEN_CATEGORIES for n in names for ch in n):
        raise InputError("group_name_hidden")
    if not names:
        raise InputError("groups_empty")
    if len(names) > MAX_GROUPS:
        raise InputError("groups_too_many")
    if any(len(n) > MAX_GROUP_NAME_CHARS for n in names):
        raise InputError("group_name_long")
    if len({n.casefold() for n in names}) != len(names):
        raise InputError("groups_double")
    return names


def parse_expected(text: str, count: int) -> list[int]:
    """ "22, 20, 25" -> one whole number per group (or one for the whole school)."""
    numbers = re.findall(r"\d+", text)
    if len(numbers) != count or re.search(r"[^\d\s,;.\n]", text):
        raise InputError("expected_count")
    values = [int(n) for n in numbers]
    if any(v < 1 or v > MAX_EXPECTED for v in values):
        raise InputError("expected_range")
    return values


def parse_day(text: str, today: date) -> date:
    """ "15-12-2026", "15/12", "2026-12-15" -> a day after today and within MAX_ROUND_DAYS."""
    text = text.strip()
    year_given = True
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day_ = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?", text):
        day_, month = int(m[1]), int(m[2])
        year_given = m[3] is not None
        year = int(m[3]) if m[3] else today.year
        year = year + 2000 if year < 100 else year
    else:
        raise InputError("date_format")
    try:
        day = date(year, month, day_)
        if not year_given and day <= today:  # "15/1" typed in December means next January
            day = day.replace(year=day.year + 1)
    except ValueError:
        raise InputError("date_format") from None
    if day <= today:
        raise InputError("date_past")
    if day > today + timedelta(days=MAX_ROUND_DAYS):
        raise InputError("date_far")
    return day


def local_day(moment: datetime) -> date:
    """The day a school reads for a moment."""
    return moment.astimezone(SCHOOL_TIMEZONE).date()


def closing_moment(day: date) -> datetime:
    """A round that closes "on 15 December" takes answers until the end of that day."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=SCHOOL_TIMEZONE)


def days_left(now: datetime, closes_at: datetime) -> int:
    """Whole days until the closing day (0: it closes today)."""
    return max(0, (local_day(closes_at) - local_day(now)).days)


def reminder_window(now: datetime, closes_at: datetime | None, days: int) -> bool:
    """Reminders go out during the last `days` days of a round (0 days: no reminders)."""
    if closes_at is None or days <= 0:
        return False
    return closes_at - timedelta(days=days) <= now < closes_at


def common_languages(counts: Mapping[str, int], fallback: Iterable[str], limit: int) -> list[str]:
    """The `limit` languages most used at a school (not Dutch), topped up from `fallback`."""
    ranked = [
        lang for lang, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if lang != "nl"
    ]
    for lang in fallback:
        if lang not in ranked and lang != "nl":
            ranked.append(lang)
    return ranked[:limit]
