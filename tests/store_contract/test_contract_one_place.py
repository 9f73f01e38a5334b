"""Store: every aggregate query lives in one place for both engines (issue 10).

`SqliteStore` and `PostgresStore` must reach each method of the aggregate protocols through the
same function, written once in `bot/store/<aggregate>.py`; what differs between the engines is
asked of the dialect, never written twice. A method added to one engine only fails here.
"""

from __future__ import annotations

import inspect

import pytest

from bot.store import protocols
from bot.store.database import Database
from bot.store.postgres import PostgresStore
from bot.store.postgres_database import POSTGRESQL
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_database import SQLITE

AGGREGATES = {
    protocols.RoundStore: "bot.store.rounds",
    protocols.ChatStore: "bot.store.chats",
    protocols.StaffStore: "bot.store.staff",
    protocols.OutboxStore: "bot.store.outbox",
    protocols.RecordingStore: "bot.store.recordings",
}


def _methods(protocol: type) -> list[str]:
    return [
        name
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    ]


@pytest.mark.parametrize("protocol", list(AGGREGATES), ids=lambda p: p.__name__)
def test_each_aggregate_method_is_one_function_on_both_engines(protocol: type) -> None:
    names = _methods(protocol)
    assert names
    for name in names:
        on_sqlite, on_postgresql = getattr(SqliteStore, name), getattr(PostgresStore, name)
        assert on_sqlite is on_postgresql, f"{protocol.__name__}.{name} is written twice"
        assert on_sqlite.__module__ == AGGREGATES[protocol], name


def test_each_engine_speaks_its_own_dialect() -> None:
    assert SqliteStore.dialect is SQLITE
    assert PostgresStore.dialect is POSTGRESQL
    assert issubclass(SqliteStore, Database) and issubclass(PostgresStore, Database)


def test_the_dialect_fragments() -> None:
    assert SQLITE.moment("p.updated_at") == "julianday(p.updated_at)"
    assert POSTGRESQL.moment("?") == "?::timestamptz"
    assert SQLITE.lock("o") == ""
    assert POSTGRESQL.lock("o") == " FOR UPDATE OF o"
