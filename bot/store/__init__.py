"""Persistence: the store's contract (`bot.store.protocols`, one Protocol per aggregate), its
records (`bot.store.records`), the SQLite implementation (`bot.store.sqlite`, the embedded
default) and the PostgreSQL one (`bot.store.postgres`, for a city); `open_store(url)` picks one. All SQL lives in
this package (and in `bot/reports/queries.py` for the aggregate report queries).

Imports go one way: the store imports the engine, the staff domain and its records; it never
imports telegram, `bot.tg` or `bot.reports`. Callers type against the protocols, never against
`SqliteStore`, so a second store (PostgreSQL) is a drop-in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.store.protocols import (
    ChatStore,
    DuplicateUpdate,
    OutboxStore,
    ReportSource,
    RoundStore,
    StaffStore,
    Store,
)
from bot.store.records import Turn
from bot.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from bot.store.postgres import PostgresStore

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")  # as bot/config.py: libpq's URL schemes


def is_postgresql_url(database: str | Path) -> bool:
    """True for a PostgreSQL URL; anything else is the path of a SQLite file."""
    return str(database).startswith(POSTGRESQL_SCHEMES)


def open_store(database: str | Path) -> SqliteStore | PostgresStore:
    """The store at `database` (OUDERSTEM_DB), not yet opened: PostgreSQL for a
    `postgresql://` URL, else SQLite at that path. Use it as `async with open_store(...)`."""
    if is_postgresql_url(database):
        from bot.store.postgres import PostgresStore  # psycopg loads only when it is used

        return PostgresStore(str(database))
    return SqliteStore(database)


__all__ = [
    "ChatStore",
    "DuplicateUpdate",
    "OutboxStore",
    "ReportSource",
    "RoundStore",
    "SqliteStore",
    "StaffStore",
    "Store",
    "Turn",
    "is_postgresql_url",
    "open_store",
]
