"""Plain records the store takes and hands out: no SQL, no connection, safe to pass anywhere.

Grouped by aggregate as in `bot.store.protocols`: rounds, chats and respondents, staff, outbox.
Imports only the engine and the staff domain (`bot.staff`), never telegram or reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.engine import Answer, SessionState
from bot.staff import Grant

# Outbox statuses (see migrations/003_outbox.sql for who sets which).
PENDING, SENDING, SENT = "pending", "sending", "sent"
BLOCKED, FAILED, UNKNOWN, CANCELLED = "blocked", "failed", "unknown", "cancelled"
SETTLED = (SENT, BLOCKED, FAILED, UNKNOWN, CANCELLED)
GONE = "gone"  # claim(): the message is no longer pending (another sender took it, or /vergeet)
GO = "go"  # claim(): marked sending; call Telegram now
# outbox.error of a pending reminder or feedback message held back until waking hours: such rows
# follow their school's hours when those change (`set_waking_hours`), unlike a retry's backoff.
HELD = "waking hours"

# ---- rounds ----------------------------------------------------------------------------------


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


# ---- chats and respondents -------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class Turn:
    """One parent's step through a flow: written whole, or not at all."""

    update_id: int | None
    respondent_id: str
    state: SessionState
    status: str
    round_id: int
    language: str
    at: datetime
    upserts: list[Answer] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    completed: bool = False
    owed_chat: int | None = None  # this chat is owed the reply (the next question) until settled


@dataclass(frozen=True, slots=True)
class Owed:
    """A reply committed but not yet confirmed by the Bot API (a crash may have swallowed it)."""

    chat_id: int
    respondent_id: str
    since: datetime


# ---- staff, round launch and status ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    chat_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Accepted:
    """An invite accepted: the member and the grant it gave."""

    member_id: int
    grant: Grant


@dataclass(frozen=True, slots=True)
class Recording:
    """A staff member's recording of one question in one language (without its sound).

    `status`: pending (waiting for a second person), approved (read to parents), rejected."""

    id: int
    school_id: int
    flow_id: str
    language: str
    question_id: str
    recorded_by: int | None
    status: str
    created_at: datetime | None
    decided_by: int | None = None


@dataclass
class Dialogue:
    """A staff dialogue in progress; `data` holds the choices so far (JSON in the database)."""

    chat_id: int
    member_id: int
    kind: str
    nonce: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None  # set when read back


@dataclass(frozen=True, slots=True)
class GroupPlan:
    name: str
    token: str
    expected: int | None


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """A round as the /ronde dialogue decided it, ready to be written in one transaction."""

    school_id: int
    flow_id: str
    flow_version: int
    audience: str
    topic: str | None
    token: str
    closes_at: datetime
    expected: int | None
    groups: tuple[GroupPlan, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int
    language: str
    respondent_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusCell:
    """Respondents of a round with one (group, language, status)."""

    group_id: int | None
    language: str
    status: str
    count: int


# ---- outbox ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to put in the outbox."""

    chat_id: int
    kind: str
    language: str
    text: str
    markup: str | None = None  # InlineKeyboardMarkup.to_json()
    round_id: int | None = None
    respondent_id: str | None = None
    dedupe_key: str | None = None


@dataclass(frozen=True, slots=True)
class Queued:
    """A message of the outbox, as the sender reads it."""

    id: int
    chat_id: int
    kind: str
    batch_id: int | None
    text: str
    markup: str | None
    attempts: int
    waking_hours: str | None = None  # its school's own (schools.waking_hours); None: the setting


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    kind: str
    school_id: int | None
    round_id: int | None
    title: str
    created_by: int | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A batch whose messages are all settled, with its counts per status."""

    batch: Batch
    creator_chat: int | None
    counts: dict[str, int]
