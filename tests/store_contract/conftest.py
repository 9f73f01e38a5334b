"""The store contract: one `store` fixture per implementation of `bot.store.protocols.Store`.

Every test in this folder runs once per factory in `FACTORIES`. A new implementation (the
PostgreSQL store of issue 13) joined by adding one factory: an async context manager that yields
a fresh, open, empty store and removes it afterwards. The PostgreSQL factory gets the session's
throwaway server (`postgresql_server` in tests/conftest.py; skipped when PostgreSQL is missing). The tests use only the protocols' methods,
never SQL, so they hold for any engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.store import SqliteStore, Store
from bot.store.postgres import PostgresStore
from tests.postgresql_server import Server

Factory = Callable[[Path, Any], contextlib.AbstractAsyncContextManager[Store]]


@contextlib.asynccontextmanager
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async with SqliteStore(tmp_path / "contract.db") as opened:
        yield opened


@contextlib.asynccontextmanager
async def postgresql_store(tmp_path: Path, server: Server) -> AsyncIterator[Store]:
    """A fresh database on the session's throwaway server (tests/postgresql_server.py)."""
    async with PostgresStore(server.create()) as opened:
        yield opened


FACTORIES: dict[str, Factory] = {
    "sqlite": lambda tmp_path, server: sqlite_store(tmp_path),
    "postgresql": postgresql_store,
}


@pytest.fixture(params=sorted(FACTORIES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    server = request.getfixturevalue("postgresql_server") if request.param == "postgresql" else None
    async with FACTORIES[request.param](tmp_path, server) as opened:
        yield opened
