"""`Coordination` for SQLite: one process owns the database file, so it always leads and a
chat's turn across workers is the in-process one (`bot.tg.deps.ChatLocks`); nothing to do here."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.store.sqlite_database import SqliteDatabase


class SqliteCoordination(SqliteDatabase):
    """The single-process protocol: always the leader, turns taken in memory by the caller."""

    @contextlib.asynccontextmanager
    async def chat_turn(self, chat_id: int) -> AsyncIterator[None]:
        yield

    async def lead(self) -> bool:
        return True

    async def resign(self) -> None:
        """Nothing to let go of."""
