"""The store's contract: every read and write the rest of Ouderstem needs, with no SQL in sight.

`SqliteStore` implements it; a PostgreSQL store can implement it later without touching callers.
Writes take the id of the Telegram update that caused them, so a redelivered update is refused
in the same transaction (`DuplicateUpdate`) and never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.engine import Answer, SessionState
from bot.errors import StoreError
from bot.store.records import Chat, Respondent, Round, RoundGroup, RoundLink, School


class DuplicateUpdate(StoreError):
    """This update id was handled before; nothing was written."""


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


class Store(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # schools and rounds
    async def add_school(self, name: str, at: datetime) -> School: ...
    async def school(self, school_id: int) -> School | None: ...
    async def schools(self) -> list[School]: ...
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
    async def add_round_group(
        self, round_id: int, name: str, token: str, expected: int | None
    ) -> RoundGroup: ...
    async def round(self, round_id: int) -> Round | None: ...
    async def rounds(self, school_id: int | None = None) -> list[Round]: ...
    async def round_groups(self, round_id: int) -> list[RoundGroup]: ...
    async def round_by_token(self, token: str) -> RoundLink | None: ...
    async def close_round(self, round_id: int, at: datetime) -> bool: ...
    async def close_due_rounds(self, now: datetime) -> list[Round]: ...

    # chats (the only place a chat id lives, with contacts)
    async def chat(self, chat_id: int) -> Chat | None: ...
    async def save_chat(
        self, chat_id: int, at: datetime, update_id: int | None = None, **changes: object
    ) -> Chat: ...
    async def mark_processed(self, update_id: int, at: datetime) -> None: ...
    async def is_processed(self, update_id: int) -> bool: ...

    # respondents and their sessions
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
    async def record_turn(self, turn: Turn) -> None: ...
    async def set_status(
        self, respondent_id: str, status: str, at: datetime, update_id: int | None = None
    ) -> None: ...
    async def forget_chat(self, chat_id: int, update_id: int | None, at: datetime) -> int: ...

    # reading answers (reports aggregate in SQL; see bot.reports)
    async def answers_of(self, respondent_id: str) -> list[Answer]: ...
    async def count_respondents(self, round_id: int) -> dict[str, int]: ...
