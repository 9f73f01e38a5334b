"""Forward-only migrations: from an empty database, and from every earlier schema version.

A database "at version k" is built the way an older Ouderstem left it: only the first k
migrations applied, `user_version = k`, and rows written in the foundation tables. Opening it
with today's `SqliteStore` must bring it to the latest version with every row intact and the
same schema as a database created fresh.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import MigrationError
from bot.store import SqliteStore
from bot.store import sqlite_database as store_module
from bot.store.sqlite import migrations

LATEST = len(migrations())
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def build_at_version(path: Path, k: int) -> None:
    """An old database: the first k migrations, applied as an older release did."""
    conn = sqlite3.connect(path, isolation_level=None)
    for version, _name, sql in migrations()[:k]:
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;")
    if k >= 1:  # rows in the foundation tables, which every later version keeps
        at = AT.isoformat()
        conn.executescript(
            f"""
            BEGIN;
            INSERT INTO schools(id, name, created_at) VALUES (7, 'De Regenboog', '{at}');
            INSERT INTO rounds(id, school_id, flow_id, flow_version, audience, start_token, status,
                               opens_at, created_at)
                VALUES (3, 7, 'barometer-ouders', 1, 'parents', 'TOKEN_old_round_0001', 'open', '{at}', '{at}');
            INSERT INTO respondents(id, round_id, language, status, started_at, updated_at)
                VALUES ('resp-old', 3, 'tr', 'waiting', '{at}', '{at}');
            INSERT INTO contacts(respondent_id, chat_id) VALUES ('resp-old', 555001);
            INSERT INTO chats(chat_id, language, language_confirmed, active_respondent, created_at, updated_at)
                VALUES (555001, 'tr', 1, 'resp-old', '{at}', '{at}');
            INSERT INTO sessions(respondent_id, state, updated_at)
                VALUES ('resp-old', '{{"flow_key": "barometer-ouders@1", "current": "welkom_2", "path": ["welkom_1", "welkom_2"], "answers": {{"welkom_1": {{"question_id": "welkom_1", "value": "4"}}}}}}', '{at}');
            INSERT INTO answers(respondent_id, round_id, question_id, value, answered_at)
                VALUES ('resp-old', 3, 'welkom_1', '4', '{at}');
            INSERT INTO processed_updates(update_id, processed_at) VALUES (91, '{at}');
            COMMIT;
            """
        )
    conn.close()


def schema(path: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1, 2"
    ).fetchall()
    conn.close()
    return set(rows)


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    conn.close()
    return int(version)


def test_migrations_are_numbered_without_gaps() -> None:
    found = migrations()
    assert [v for v, _, _ in found] == list(range(1, LATEST + 1))
    assert all(name.startswith(f"{v:03d}_") and name.endswith(".sql") for v, name, _ in found)


async def test_an_empty_database_gets_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    async with SqliteStore(path) as store:
        assert await store.schema_version() == LATEST
        tables = {
            r[0] for r in await store.run_read("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {
            "schools",
            "rounds",
            "respondents",
            "contacts",
            "chats",
            "sessions",
            "answers",
            "processed_updates",
        } <= tables
    assert user_version(path) == LATEST
    async with SqliteStore(path) as again:  # opening a current database changes nothing
        assert await again.schema_version() == LATEST
    assert user_version(path) == LATEST


@pytest.mark.parametrize("k", range(LATEST + 1), ids=lambda k: f"from-v{k}")
async def test_every_earlier_version_migrates_with_its_data(tmp_path: Path, k: int) -> None:
    fresh = tmp_path / "fresh.db"
    async with SqliteStore(fresh):
        pass
    path = tmp_path / f"v{k}.db"
    build_at_version(path, k)
    assert user_version(path) == k

    async with SqliteStore(path) as store:
        assert await store.schema_version() == LATEST
        if k >= 1:
            school = await store.school(7)
            assert school is not None and school.name == "De Regenboog"
            link = await store.round_by_token("TOKEN_old_round_0001")
            assert (
                link is not None and link.round.id == 3 and link.round.flow_id == "barometer-ouders"
            )
            respondent = await store.respondent_in_round(555001, 3)
            assert (
                respondent is not None
                and respondent.id == "resp-old"
                and respondent.language == "tr"
            )
            chat = await store.chat(555001)
            assert (
                chat is not None and chat.active_respondent == "resp-old" and chat.language == "tr"
            )
            state = await store.session("resp-old")
            assert state is not None and state.current == "welkom_2"
            assert [(a.question_id, a.value) for a in await store.answers_of("resp-old")] == [
                ("welkom_1", "4")
            ]
            # migration 010: the report's cells on the answer row, whatever the version before
            assert await store.run_read(
                "SELECT respondent_language, respondent_group FROM answers"
            ) == [("tr", 0)]
            assert await store.is_processed(91)
        # and the migrated database takes new writes
        added = await store.add_school("Na de migratie", AT)
        assert (await store.school(added.id)) is not None
    assert user_version(path) == LATEST
    assert schema(path) == schema(fresh), "a migrated database must look like a fresh one"


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    build_at_version(path, LATEST)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={LATEST + 1}")
    conn.close()
    store = SqliteStore(path)
    with pytest.raises(MigrationError, match="newer than this Ouderstem"):
        await store.open()
    await store.close()
    assert user_version(path) == LATEST + 1


async def test_a_failing_migration_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    build_at_version(path, LATEST)
    broken = (
        LATEST + 1,
        f"{LATEST + 1:03d}_broken.sql",
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    monkeypatch.setattr(store_module, "migrations", lambda: [*migrations(), broken])
    store = SqliteStore(path)
    with pytest.raises(MigrationError, match=r"broken\.sql"):
        await store.open()
    await store.close()
    assert user_version(path) == LATEST
    assert ("table", "half_done") not in schema(path)
    monkeypatch.undo()
    async with SqliteStore(path) as again:  # the fixed release opens it normally
        assert (await again.school(7)) is not None
