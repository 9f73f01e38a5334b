"""`SqliteStore`: the embedded store, one object that implements every protocol of
`bot.store.protocols` over one SQLite database.

Where a query lives: once, in its aggregate's module, shared with `PostgresStore`:

    rounds.py           RoundStore     schools, rounds, groups, launch, status, participants
    chats.py            ChatStore      chats, processed updates, respondents, sessions, answers
    staff.py            StaffStore     members, invites, centres, staff dialogues
    outbox.py           OutboxStore    the outbox queue and its batches
    recordings.py       RecordingStore staff recordings of questions, approved by a second person
    database.py         what they are written against: `Connection`, `Dialect`, `Database`

What is SQLite's own:

    sqlite_database.py  connections, WAL and synchronous=FULL, migrations, the group-commit
                        writer, and `SQLITE`: the dialect (lastrowid, julianday(), IS, MAX)
    sqlite_coordination.py Coordination one process: always the leader, no shared turns

Each aggregate is a class over `Database`; `SqliteStore` joins them over `SqliteDatabase`, so
every write of every aggregate goes through the one writer and shares its commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.chats import Chats
from bot.store.outbox import Outbox
from bot.store.recordings import Recordings
from bot.store.rounds import Rounds
from bot.store.sqlite_coordination import SqliteCoordination
from bot.store.sqlite_database import BUSY_TIMEOUT_MS, SqliteDatabase, migrations
from bot.store.staff import Staff

if TYPE_CHECKING:
    from bot.store.protocols import Store

__all__ = ["BUSY_TIMEOUT_MS", "SqliteDatabase", "SqliteStore", "migrations"]


class SqliteStore(SqliteCoordination, Rounds, Chats, Staff, Outbox, Recordings):
    """`bot.store.protocols.Store` on SQLite. Open it once per process; close it on shutdown."""


if TYPE_CHECKING:
    _implements: type[Store] = SqliteStore  # mypy checks that SqliteStore keeps the contract
