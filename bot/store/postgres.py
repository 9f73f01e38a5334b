"""`PostgresStore`: the city-scale store, one object that implements every protocol of
`bot.store.protocols` over one PostgreSQL database (issue 13). It mirrors `SqliteStore` module by
module, so a method added to one aggregate has its twin beside it:

    postgres_database.py  the pool, migrations (migrations/postgresql/), transactions, qmark SQL
    postgres_rounds.py    RoundStore     mirrors sqlite_rounds.py
    postgres_chats.py     ChatStore      mirrors sqlite_chats.py
    postgres_staff.py     StaffStore     mirrors sqlite_staff.py
    postgres_outbox.py    OutboxStore    mirrors sqlite_outbox.py
    postgres_coordination.py  Coordination  chat turns and the leader, by advisory locks

Chosen by `OUDERSTEM_DB=postgresql://...` (`bot.store.open_store`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.postgres_chats import PostgresChats
from bot.store.postgres_coordination import PostgresCoordination
from bot.store.postgres_database import PostgresDatabase, migrations
from bot.store.postgres_outbox import PostgresOutbox
from bot.store.postgres_recordings import PostgresRecordings
from bot.store.postgres_rounds import PostgresRounds
from bot.store.postgres_staff import PostgresStaff

if TYPE_CHECKING:
    from bot.store.protocols import Store

__all__ = ["PostgresDatabase", "PostgresStore", "migrations"]


class PostgresStore(
    PostgresCoordination,
    PostgresRounds,
    PostgresChats,
    PostgresStaff,
    PostgresOutbox,
    PostgresRecordings,
):
    """`bot.store.protocols.Store` on PostgreSQL. Open it once per process; close it on shutdown."""


if TYPE_CHECKING:
    _implements: type[Store] = PostgresStore  # mypy checks that PostgresStore keeps the contract
