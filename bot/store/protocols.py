"""The store's contract, one `Protocol` per aggregate: every read and write the rest of Ouderstem
needs, with no SQL in sight. Callers type against these, never against an implementation.

    RoundStore     schools, rounds and their groups, launch, status cells, participants, reminders
    ChatStore      chats, processed updates, respondents, sessions, answers, /vergeet
    StaffStore     staff members and roles, invites, centres, staff dialogues
    OutboxStore    the outbox queue: enqueue, claim, settle, recover, batches
    RecordingStore staff recordings of questions, approved by a second person
    AggregateReads the report layer's aggregate queries (`bot/reports/queries.py`)
    Coordination   several workers on one database: a chat's turn, the elected leader
    Store          all of the above, plus open/close and the database's own checks

`bot.store.sqlite.SqliteStore` implements `Store`; a PostgreSQL store implements the same, and
`tests/store_contract/` is the suite both must pass.

Writes that a Telegram update causes take its id (`update_id`), so a redelivered update is
refused in the same transaction (`DuplicateUpdate`) and never applied twice.

Imports go one way: `bot.store` imports the engine, the staff domain (`bot.staff`) and its own
records; it never imports telegram, `bot.tg` or `bot.reports`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.engine import Answer, SessionState
from bot.errors import StoreError
from bot.staff import Access, Grant
from bot.store.records import (
    Accepted,
    Batch,
    BatchResult,
    Chat,
    Dialogue,
    Member,
    NewMessage,
    Owed,
    Queued,
    Recipient,
    Recording,
    Respondent,
    Round,
    RoundGroup,
    RoundLink,
    RoundPlan,
    School,
    StatusCell,
    Turn,
)


class DuplicateUpdate(StoreError):
    """This update id was handled before; nothing was written."""


class RoundStore(Protocol):
    """Schools, rounds and their groups; what staff see of a round (status, participants)."""

    async def add_school(self, name: str, at: datetime) -> School: ...
    async def school(self, school_id: int) -> School | None: ...
    async def schools(self) -> list[School]: ...
    async def school_names(self, school_ids: Sequence[int]) -> dict[int, str]: ...
    async def set_waking_hours(
        self, school_id: int, hours: str | None, *, held_until: datetime
    ) -> bool: ...
    async def waking_hours(self, school_id: int) -> str | None: ...
    async def open_round(
        self,
        *,
        school_id: int,
        flow_id: str,
        flow_version: int,
        audience: str,
        token: str,
        at: datetime,
        closes_at: datetime | None = None,
        expected: int | None = None,
        topic: str | None = None,
    ) -> Round: ...
    async def launch_round(
        self, plan: RoundPlan, *, chat_id: int, at: datetime, update_id: int | None
    ) -> int: ...
    async def add_round_group(
        self, round_id: int, name: str, token: str, expected: int | None
    ) -> RoundGroup: ...
    async def round(self, round_id: int) -> Round | None: ...
    async def rounds(self, school_id: int | None = None) -> list[Round]: ...
    async def open_rounds(self) -> list[int]: ...
    async def round_groups(self, round_id: int) -> list[RoundGroup]: ...
    async def previous_groups(self, school_id: int) -> list[tuple[str, int | None]]: ...
    async def round_by_token(self, token: str) -> RoundLink | None: ...
    async def close_round(self, round_id: int, at: datetime) -> bool: ...
    async def close_due_rounds(self, now: datetime) -> list[Round]: ...
    async def count_respondents(self, round_id: int) -> dict[str, int]: ...
    async def status_cells(self, round_id: int) -> list[StatusCell]: ...
    async def language_counts(self, school_id: int) -> dict[str, int]: ...
    async def participants(self, round_id: int) -> list[Recipient]: ...
    async def reminder_candidates(
        self, round_id: int, *, paused_since: datetime, active_since: datetime
    ) -> list[Recipient]: ...
    async def team_not_started(self, round_id: int, school_id: int) -> list[Recipient]: ...


class ChatStore(Protocol):
    """Chats (the only place a chat id lives, with contacts), respondents and their sessions."""

    async def chat(self, chat_id: int) -> Chat | None: ...
    async def save_chat(
        self, chat_id: int, at: datetime, update_id: int | None = None, **changes: object
    ) -> Chat: ...
    async def mark_processed(self, update_id: int, at: datetime) -> None: ...
    async def is_processed(self, update_id: int) -> bool: ...
    # `is_processed` and `chat` in one query: the guard's first read of a parent's tap.
    async def chat_for_update(self, update_id: int, chat_id: int) -> tuple[bool, Chat | None]: ...
    async def prune_processed(self, keep: int) -> int: ...
    async def respondent_in_round(self, chat_id: int, round_id: int) -> Respondent | None: ...
    async def respondent(self, respondent_id: str) -> Respondent | None: ...
    async def join_round(
        self,
        *,
        chat_id: int,
        respondent_id: str,
        link: RoundLink,
        language: str,
        first: Turn,
    ) -> None: ...
    async def session(self, respondent_id: str) -> SessionState | None: ...
    # `respondent`, `session` and the respondent's `round` in one query.
    async def active_session(
        self, respondent_id: str
    ) -> tuple[Respondent, SessionState | None, Round] | None: ...
    async def record_turn(self, turn: Turn) -> None: ...
    async def set_status(
        self, respondent_id: str, status: str, at: datetime, update_id: int | None = None
    ) -> None: ...
    async def forget_chat(self, chat_id: int, update_id: int | None, at: datetime) -> int: ...
    # Housekeeping after /vergeet: what the engine must still do so deleted rows leave the
    # files (PostgreSQL: VACUUM); how many tables it scrubbed.
    async def scrub_forgotten(self) -> int: ...
    async def record_forwarded(
        self, voice_file_id: str, chat_id: int, message_id: int, at: datetime
    ) -> None: ...
    async def forwarded_copies(self, chat_id: int) -> list[tuple[int, int]]: ...
    async def answers_of(self, respondent_id: str) -> list[Answer]: ...
    # What a chat is owed: set by a Turn's `owed_chat` in its own transaction, settled once the
    # Bot API confirmed the reply; what is left after a crash is delivered again.
    async def owed(self, chat_id: int) -> Owed | None: ...
    async def all_owed(self) -> list[Owed]: ...
    async def settle_owed(self, chat_id: int) -> None: ...


class StaffStore(Protocol):
    """Staff members and their roles, one-time invites, centres, staff dialogues."""

    async def access(self, chat_id: int) -> Access: ...
    async def member(self, chat_id: int) -> Member | None: ...
    async def member_by_id(self, member_id: int) -> Member | None: ...
    async def members(self, school_id: int | None = None) -> list[tuple[Member, list[Grant]]]: ...
    async def team_chats(self, school_id: int) -> list[int]: ...
    async def revoke(self, member_id: int, school_id: int | None = None) -> int: ...
    async def create_invite(
        self,
        token: str,
        grant: Grant,
        *,
        created_by: int | None,
        at: datetime,
        expires_at: datetime,
        update_id: int | None = None,
    ) -> None: ...
    async def accept_invite(
        self, token: str, *, chat_id: int, name: str, at: datetime, update_id: int | None
    ) -> Accepted | None: ...
    async def add_centre(self, name: str, at: datetime) -> int: ...
    async def centres(self) -> list[tuple[int, str, int]]: ...
    async def centre_exists(self, centre_id: int) -> bool: ...
    async def join_centre(self, school_id: int, centre_id: int | None) -> bool: ...
    async def dialogue(self, chat_id: int) -> Dialogue | None: ...
    async def save_dialogue(
        self, dialogue: Dialogue, at: datetime, update_id: int | None = None
    ) -> None: ...
    async def end_dialogue(
        self, chat_id: int, at: datetime, update_id: int | None = None
    ) -> None: ...


class OutboxStore(Protocol):
    """The outbox: messages written first, sent later, each at most once."""

    async def enqueue(
        self,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
        batch_kind: str | None = None,
        school_id: int | None = None,
        round_id: int | None = None,
        title: str = "",
        created_by: int | None = None,
        update_id: int | None = None,
        end_dialogue_of: int | None = None,
    ) -> tuple[int | None, int]: ...
    async def due(self, now: datetime, limit: int) -> list[Queued]: ...
    async def next_due(self) -> datetime | None: ...
    async def claim(self, message_id: int, now: datetime) -> str: ...
    async def settle(
        self,
        message_id: int,
        status: str,
        at: datetime,
        *,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
        refund_attempt: bool = False,
    ) -> None: ...
    async def mark_blocked(self, message_id: int, chat_id: int, at: datetime) -> int: ...
    async def recover(self, at: datetime) -> int: ...
    async def retime_every_held(self, moment: Callable[[str | None], datetime]) -> int: ...
    async def finish_batches(
        self, at: datetime, notice: Callable[[BatchResult], NewMessage | None]
    ) -> list[BatchResult]: ...
    async def batch(self, batch_id: int) -> Batch | None: ...
    async def batch_counts(self, batch_id: int) -> dict[str, int]: ...
    async def outbox_counts(self) -> dict[str, dict[str, int]]: ...


class RecordingStore(Protocol):
    """Recordings of questions by staff (issue 15): pending until a second person approves."""

    async def add_recording(
        self,
        school_id: int,
        flow_id: str,
        language: str,
        question_id: str,
        recorded_by: int,
        sound: bytes,
        at: datetime,
        update_id: int | None = None,
    ) -> int:
        """A pending recording; its id."""
        ...

    async def recording(self, recording_id: int) -> Recording | None: ...
    async def recording_sound(self, recording_id: int) -> bytes | None:
        """The OGG/Opus of a recording, whatever its status (for the approver to hear)."""
        ...

    async def pending_recordings(self, school_id: int) -> list[Recording]:
        """The school's recordings waiting for approval, oldest first."""
        ...

    async def decide_recording(
        self,
        recording_id: int,
        approve: bool,
        decided_by: int,
        at: datetime,
        update_id: int | None = None,
    ) -> bool:
        """Approve or reject a pending recording; False when it was not pending (any more)."""
        ...

    async def recorded_sound(
        self, flow_id: str, language: str, question_id: str
    ) -> tuple[int, bytes] | None:
        """(id, OGG/Opus) of the newest approved recording of a question, or None."""
        ...

    async def recorded_questions(self, flow_id: str, language: str) -> set[str]:
        """The questions of a flow with an approved recording in `language`."""
        ...

    async def recording_counts(self) -> dict[str, int]:
        """Per language: (flow, question) pairs with an approved recording."""
        ...


class AggregateReads(Protocol):
    """The report layer's GROUP BY queries (kept in `bot/reports/queries.py`)."""

    async def run_read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


class Coordination(Protocol):
    """What several workers on one database agree through it (issue 13). SQLite is one process:
    it always leads and its chat turns are the caller's in-memory locks. PostgreSQL uses advisory
    locks (`bot/store/postgres_coordination.py` says why one elected leader sends the outbox)."""

    def chat_turn(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Hold this chat's turn, across every worker, while one of its updates is handled."""
        ...

    async def lead(self) -> bool:
        """Whether this worker leads now (it sends the outbox and keeps house); takes the lead
        when nobody holds it."""
        ...

    async def resign(self) -> None:
        """Let go of the lead, so another worker takes it at its next try."""
        ...


class ReportSource(RoundStore, AggregateReads, Protocol):
    """What building a report reads: rounds and their groups, and the aggregate queries."""


class Store(
    RoundStore,
    ChatStore,
    StaffStore,
    OutboxStore,
    RecordingStore,
    AggregateReads,
    Coordination,
    Protocol,
):
    """Every aggregate, plus the lifecycle and the database's own checks."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def schema_version(self) -> int: ...
    async def integrity_check(self) -> str: ...
