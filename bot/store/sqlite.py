"""`SqliteStore`: the embedded store, one object that implements every protocol of
`bot.store.protocols` over one SQLite database.

    sqlite_database.py  connections, WAL and synchronous=FULL, migrations, the group-commit writer
    sqlite_rounds.py    RoundStore     schools, rounds, groups, launch, status, participants
    sqlite_chats.py     ChatStore      chats, processed updates, respondents, sessions, answers
    sqlite_staff.py     StaffStore     members, invites, centres, staff dialogues
    sqlite_outbox.py    OutboxStore    the outbox queue and its batches
    sqlite_recordings.py RecordingStore staff recordings of questions, approved by a second person
    sqlite_coordination.py Coordination one process: always the leader, no shared turns

Each aggregate is a class over the shared `SqliteDatabase`; `SqliteStore` joins them, so every
write of every aggregate goes through the one writer and shares its commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.sqlite_chats import SqliteChats
from bot.store.sqlite_coordination import SqliteCoordination
from bot.store.sqlite_database import BUSY_TIMEOUT_MS, SqliteDatabase, migrations
from bot.store.sqlite_outbox import SqliteOutbox
from bot.store.sqlite_recordings import SqliteRecordings
from bot.store.sqlite_rounds import SqliteRounds
from bot.store.sqlite_staff import SqliteStaff

if TYPE_CHECKING:
    from bot.store.protocols import Store

__all__ = ["BUSY_TIMEOUT_MS", "SqliteDatabase", "SqliteStore", "migrations"]


class SqliteStore(
    SqliteCoordination, SqliteRounds, SqliteChats, SqliteStaff, SqliteOutbox, SqliteRecordings
):
    """`bot.store.protocols.Store` on SQLite. Open it once per process; close it on shutdown."""


if TYPE_CHECKING:
    _implements: type[Store] = SqliteStore  # mypy checks that SqliteStore keeps the contract
