"""The PostgreSQL store beyond the contract suite: its migrations (the same numbers as SQLite's,
from empty and from every earlier version), the report queries giving the same report on both
engines, and what real concurrent transactions must still guarantee.

Runs against the session's throwaway server (`postgresql_server`, tests/conftest.py); skipped
with the reason when PostgreSQL is not installed. No mocks of the database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bot.errors import MigrationError
from bot.reports import build_round_report
from bot.store import DuplicateUpdate, SqliteStore, is_postgresql_url, open_store
from bot.store import postgres_database as pg_module
from bot.store.postgres import PostgresStore
from bot.store.postgres_database import migrations as pg_migrations
from bot.store.postgres_database import qmark
from bot.store.records import School
from bot.store.sqlite_database import migrations as sqlite_migrations
from tests.postgresql_server import Server
from tests.reports_fixtures import Builder, library, scale_answers

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FLOWS = library()


# ---- without a server -------------------------------------------------------------------------


def test_both_engines_ship_the_same_migration_numbers_and_names() -> None:
    sqlite = [(v, name) for v, name, _ in sqlite_migrations()]
    postgresql = [(v, name) for v, name, _ in pg_migrations()]
    assert postgresql == sqlite, "every SQLite migration needs its twin in migrations/postgresql/"


def test_qmark_placeholders_become_psycopg_ones_outside_quotes() -> None:
    assert qmark("SELECT a FROM t WHERE b = ? AND c LIKE '%?%'") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '%%?%%'"
    )
    assert qmark('SELECT "odd?name" FROM t WHERE x IN (?, ?)') == (
        'SELECT "odd?name" FROM t WHERE x IN (%s, %s)'
    )


def test_the_database_setting_picks_the_engine(tmp_path: Path) -> None:
    assert is_postgresql_url("postgresql://user@host/db")
    assert is_postgresql_url("postgres://user@host/db")
    assert not is_postgresql_url(tmp_path / "ouderstem.db")
    assert isinstance(open_store("postgresql://user@host/db"), PostgresStore)
    assert isinstance(open_store(tmp_path / "ouderstem.db"), SqliteStore)


# ---- migrations -------------------------------------------------------------------------------


def _build_at_version(url: str, k: int) -> None:
    """An old PostgreSQL database: the first k migrations, as an older release left it, and rows
    written in the foundation tables."""
    at = AT.isoformat()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for version, name, sql in pg_migrations()[:k]:
            conn.execute(sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name)
            )
        if k >= 1:
            conn.execute(
                f"""
                INSERT INTO schools(id, name, created_at) VALUES (7, 'De Regenboog', '{at}');
                INSERT INTO rounds(id, school_id, flow_id, flow_version, audience, start_token,
                                   status, opens_at, created_at)
                    VALUES (3, 7, 'barometer-ouders', 1, 'parents', 'TOKEN_old', 'open', '{at}',
                            '{at}');
                INSERT INTO respondents(id, round_id, language, status, started_at, updated_at,
                                        completed_at)
                    VALUES ('resp-old', 3, 'tr', 'completed', '{at}', '{at}', '{at}');
                INSERT INTO contacts(respondent_id, chat_id) VALUES ('resp-old', 5550010001);
                INSERT INTO chats(chat_id, language, created_at, updated_at)
                    VALUES (5550010001, 'tr', '{at}', '{at}');
                INSERT INTO answers(respondent_id, round_id, question_id, value, answered_at)
                    VALUES ('resp-old', 3, 'welkom_1', '4', '{at}');
                INSERT INTO processed_updates(update_id, processed_at) VALUES (91, '{at}');
                """.encode()
            )


def _schema(url: str) -> set[tuple[str, ...]]:
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
        triggers = conn.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()
    return {tuple(map(str, r)) for r in [*columns, *indexes, *triggers]}


async def test_an_empty_database_migrates_to_the_latest_version(
    postgresql_server: Server,
) -> None:
    url = postgresql_server.create()
    async with PostgresStore(url) as store:
        assert await store.schema_version() == len(pg_migrations())
    async with PostgresStore(url) as again:  # opening twice changes nothing
        assert await again.schema_version() == len(pg_migrations())


@pytest.mark.parametrize("k", range(1, len(pg_migrations())))
async def test_every_earlier_version_migrates_with_its_rows(
    postgresql_server: Server, k: int
) -> None:
    old = postgresql_server.create()
    _build_at_version(old, k)
    async with PostgresStore(old) as store:
        assert await store.schema_version() == len(pg_migrations())
        chat = await store.chat(5550010001)
        assert chat is not None and chat.language == "tr"
        assert await store.is_processed(91)
        answers = await store.answers_of("resp-old")
        assert [(a.question_id, a.value) for a in answers] == [("welkom_1", "4")]
        cells = await store.run_read("SELECT respondent_language, respondent_group FROM answers")
        assert [tuple(r) for r in cells] == [("tr", 0)]  # migration 010, from any version
        # the completed respondent of an older release holds place 1 (migration 004's backfill)
        rows = await store.run_read("SELECT place FROM respondents WHERE id = ?", ["resp-old"])
        assert rows == [(1,)]
    fresh = postgresql_server.create()
    async with PostgresStore(fresh):
        pass
    assert _schema(old) == _schema(fresh)


async def test_a_database_newer_than_this_release_is_refused(postgresql_server: Server) -> None:
    url = postgresql_server.create()
    async with PostgresStore(url):
        pass
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations(version, name) VALUES (99, '099_future.sql')")
    with pytest.raises(MigrationError, match="newer than this Ouderstem"):
        async with PostgresStore(url):
            pass


async def test_a_failing_migration_leaves_the_database_as_it_was(
    postgresql_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgresql_server.create()
    broken = (len(pg_migrations()) + 1, "999_broken.sql", "CREATE TABLE x (; ")
    monkeypatch.setattr(pg_module, "migrations", lambda: [*pg_migrations(), broken])
    with pytest.raises(MigrationError, match=r"999_broken\.sql"):
        async with PostgresStore(url):
            pass
    monkeypatch.undo()
    with psycopg.connect(url) as conn:  # all or nothing: not even the first migrations stayed
        (tables,) = conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()  # type: ignore[misc]
    assert tables == 0


# ---- the same report on both engines ----------------------------------------------------------


class PortableBuilder(Builder):
    """The report tests' builder, with schools made through the store protocol only."""

    async def school(
        self, name: str, *, share_named: bool = False, centre: str | None = None
    ) -> School:
        assert not share_named and centre is None
        return await self.store.add_school(name, self.tick())


async def _pilot(store: object) -> int:
    b = PortableBuilder(store)  # type: ignore[arg-type]
    school = await b.school("Basisschool De Linde")
    rnd, groups = await b.round(school, expected=30, groups={"1A": 12, "1B": 14})
    languages = ["nl", "tr", "ar", "nl", "tr", "nl", "ar", "nl", "tr", "nl", "nl", "tr"]
    for i, language in enumerate(languages):
        answers = scale_answers(
            str(1 + i % 5),
            str(1 + (i * 2) % 5),
            "dontknow" if i % 4 == 0 else str(1 + i % 3),
            str(2 + i % 4),
            str(1 + (i * 3) % 5),
            kanaal=["brief", "app", "gesprek"][i % 3],
            thuis=[("lezen",), ("lezen", "spelen"), ("huiswerk",)][i % 3],
            tolk=["yes", "no"][i % 2],
            opmerking=f"Opmerking {i}" if i < 5 else ({"voice": f"VOICE{i}"} if i == 5 else None),
        )
        await b.respond(rnd, answers, language=language, group=[groups["1A"], groups["1B"]][i % 2])
    await b.respond(rnd, {"w1": "2"}, language="nl")  # started, never finished
    closed = await b.close(rnd)
    return closed.id


async def test_the_report_is_the_same_on_both_engines(
    postgresql_server: Server, tmp_path: Path
) -> None:
    async with SqliteStore(tmp_path / "pilot.db") as sqlite:
        expected = await build_round_report(sqlite, await _pilot(sqlite), flows=FLOWS)
    async with PostgresStore(postgresql_server.create()) as pg:
        found = await build_round_report(pg, await _pilot(pg), flows=FLOWS)
    assert found.participation.counted == 10  # 13 final, released in whole blocks of 5
    assert found.statement("thuis").figure.counts == expected.statement("thuis").figure.counts
    assert found == expected


# ---- concurrent transactions ------------------------------------------------------------------


async def test_a_duplicate_update_id_sent_concurrently_is_applied_once(
    postgresql_server: Server,
) -> None:
    async with PostgresStore(postgresql_server.create()) as store:
        results = await asyncio.gather(
            *(store.save_chat(4242, AT, update_id=77, language="nl") for _ in range(8)),
            return_exceptions=True,
        )
        assert sum(not isinstance(r, BaseException) for r in results) == 1
        assert all(isinstance(r, DuplicateUpdate) for r in results if isinstance(r, BaseException))


async def test_concurrent_completions_get_distinct_places(postgresql_server: Server) -> None:
    async with PostgresStore(postgresql_server.create()) as store:
        b = PortableBuilder(store)  # type: ignore[arg-type]
        rnd, _ = await b.round(await b.school("De Linde"))
        answers = scale_answers("4", "4", "4", "4", "4", kanaal="app", thuis=("lezen",), tolk="no")
        await asyncio.gather(*(b.respond(rnd, answers) for _ in range(20)))
        rows = await store.run_read(
            "SELECT place FROM respondents WHERE round_id = ? ORDER BY place", [rnd.id]
        )
        assert [r[0] for r in rows] == list(range(1, 21))
