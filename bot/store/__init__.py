"""Persistence: the `Store` contract and its SQLite implementation. All SQL lives in this package
(and in `bot/reports/queries.py` for the aggregate report queries)."""

from bot.store.base import DuplicateUpdate, Store, Turn
from bot.store.sqlite import SqliteStore

__all__ = ["DuplicateUpdate", "SqliteStore", "Store", "Turn"]
