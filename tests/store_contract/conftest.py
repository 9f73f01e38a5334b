"""The store contract: one `store` fixture per implementation of `bot.store.protocols.Store`.

Every test in this folder runs once per factory in `FACTORIES`. A new implementation (the
PostgreSQL store of issue 13) joins by adding one factory: an async context manager that yields
a fresh, open, empty store and removes it afterwards. The tests use only the protocols' methods,
never SQL, so they hold for any engine.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.store import SqliteStore, Store

Factory = Callable[[Path], contextlib.AbstractAsyncContextManager[Store]]


@contextlib.asynccontextmanager
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async with SqliteStore(tmp_path / "contract.db") as opened:
        yield opened


FACTORIES: dict[str, Factory] = {
    "sqlite": sqlite_store,
    # "postgresql": postgresql_store,  # issue 13: a server in a temporary folder, one per session
}


@pytest.fixture(params=sorted(FACTORIES))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with FACTORIES[request.param](tmp_path) as opened:
        yield opened
