"""Plain records the store hands out: no SQL, no connection, safe to pass anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class School:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    school_id: int
    flow_id: str
    flow_version: int
    audience: str
    topic: str | None
    start_token: str
    status: str  # open | closed
    expected: int | None
    opens_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    created_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.status == "open" and (self.closes_at is None or now < self.closes_at)


@dataclass(frozen=True, slots=True)
class RoundGroup:
    id: int
    round_id: int
    name: str
    token: str
    expected: int | None


@dataclass(frozen=True, slots=True)
class RoundLink:
    """What a start token opens: a round, and the group the link was made for (if any)."""

    round: Round
    group: RoundGroup | None


@dataclass(frozen=True, slots=True)
class Chat:
    chat_id: int
    language: str | None
    language_confirmed: bool
    always_audio: bool
    active_respondent: str | None
    pending_token: str | None
    no_reminders: bool
    blocked: bool


@dataclass(frozen=True, slots=True)
class Respondent:
    id: str
    round_id: int
    group_id: int | None
    language: str
    status: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
