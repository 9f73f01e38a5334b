"""Persistence: the store's contract (`bot.store.protocols`, one Protocol per aggregate), its
records (`bot.store.records`) and the SQLite implementation (`bot.store.sqlite`). All SQL lives in
this package (and in `bot/reports/queries.py` for the aggregate report queries).

Imports go one way: the store imports the engine, the staff domain and its records; it never
imports telegram, `bot.tg` or `bot.reports`. Callers type against the protocols, never against
`SqliteStore`, so a second store (PostgreSQL) is a drop-in.
"""

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
]
