"""`PostgresStore`: the city-scale store, one object that implements every protocol of
`bot.store.protocols` over one PostgreSQL database (issue 13).

Where a query lives: once, in its aggregate's module, shared with `SqliteStore` (`rounds.py`,
`chats.py`, `staff.py`, `outbox.py`, `recordings.py`, written against `database.py`). A query
that must differ between the engines asks the dialect for its fragment; what is PostgreSQL's own:

    postgres_database.py  the pool, migrations (migrations/postgresql/), one transaction per
                          write, qmark SQL turned into psycopg's, VACUUM after /vergeet, and
                          `POSTGRESQL`: the dialect (RETURNING id, ::timestamptz,
                          IS NOT DISTINCT FROM, GREATEST, FOR UPDATE OF)
    postgres_coordination.py  Coordination  chat turns and the leader, by advisory locks

Chosen by `OUDERSTEM_DB=postgresql://...` (`bot.store.open_store`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.chats import Chats
from bot.store.outbox import Outbox
from bot.store.postgres_coordination import PostgresCoordination
from bot.store.postgres_database import PostgresDatabase, migrations
from bot.store.recordings import Recordings
from bot.store.rounds import Rounds
from bot.store.staff import Staff

if TYPE_CHECKING:
    from bot.store.protocols import Store

__all__ = ["PostgresDatabase", "PostgresStore", "migrations"]


class PostgresStore(PostgresCoordination, Rounds, Chats, Staff, Outbox, Recordings):
    """`bot.store.protocols.Store` on PostgreSQL. Open it once per process; close it on shutdown."""


if TYPE_CHECKING:
    _implements: type[Store] = PostgresStore  # mypy checks that PostgresStore keeps the contract
