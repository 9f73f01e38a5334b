"""`ouderstem db copy SRC DST`: a pilot's SQLite database to PostgreSQL and back, every row and
id kept, counts checked per table, a non-empty destination refused. Against the session's
throwaway PostgreSQL server (skipped with the reason when PostgreSQL is missing)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.reports import build_round_report
from bot.store import open_store
from bot.store.copy import IDENTITY_TABLES, TABLES, counts, tables_of
from bot.store.postgres import migrations as pg_migrations
from bot.store.records import NewMessage
from tests.postgresql_server import Server
from tests.reports_fixtures import library
from tests.test_store_postgresql import _pilot

AT = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


async def _fill(database: str | Path) -> int:
    """A pilot: a closed round with answers, a staff member, an outbox batch; the round id."""
    async with open_store(database) as store:
        round_id = await _pilot(store)
        centre = await store.add_centre("Onderwijscentrum Gent", AT)
        await store.join_centre(1, centre)
        await store.save_chat(9001, AT, update_id=5, language="tr", always_audio=True)
        await store.enqueue(
            [NewMessage(9001, "feedback", "tr", "Teşekkürler", round_id=round_id)],
            at=AT,
            batch_kind="feedback",
            school_id=1,
            round_id=round_id,
            title="Bedankt",
        )
        return round_id


def _copy(source: str | Path, destination: str | Path, capsys: pytest.CaptureFixture[str]) -> dict:
    code = main(["db", "copy", str(source), str(destination), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


async def _report(database: str | Path, round_id: int) -> object:
    async with open_store(database) as store:
        return await build_round_report(store, round_id, flows=library())


def test_sqlite_to_postgresql_and_back_keeps_every_row(
    postgresql_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pilot = tmp_path / "pilot.db"
    round_id = asyncio.run(_fill(pilot))
    city = postgresql_server.create()
    there = _copy(pilot, city, capsys)
    assert there["answers"] > 100 and there["respondents"] == 13 and there["outbox"] == 1
    assert "ouderstem@" not in json.dumps(there)  # the URL's user (or password) is not printed
    back = tmp_path / "back.db"
    again = _copy(city, back, capsys)
    assert {k: again[k] for k in TABLES} == {k: there[k] for k in TABLES}

    async def check() -> None:
        expected = await _report(pilot, round_id)
        assert await _report(city, round_id) == expected
        assert await _report(back, round_id) == expected
        for database in (city, back):
            async with open_store(database) as store:
                chat = await store.chat(9001)
                assert chat is not None and chat.language == "tr" and chat.always_audio
                assert await store.is_processed(5)
                # new rows get new ids after the copied ones (PostgreSQL's sequences moved on)
                school = await store.add_school("Nieuwe school", AT + timedelta(days=1))
                assert school.id == 2

    asyncio.run(check())


def test_a_destination_with_rows_is_refused_and_left_alone(
    postgresql_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pilot = tmp_path / "pilot.db"
    asyncio.run(_fill(pilot))
    city = postgresql_server.create()

    async def one_school() -> dict[str, int]:
        async with open_store(city) as store:
            await store.add_school("Al bestaand", AT)
            return await counts(store)

    before = asyncio.run(one_school())
    assert main(["db", "copy", str(pilot), city]) == 2
    assert "not empty (schools: 1)" in capsys.readouterr().err

    async def after() -> dict[str, int]:
        async with open_store(city) as store:
            return await counts(store)

    assert asyncio.run(after()) == before


def test_the_copy_knows_every_table_of_both_schemas(
    postgresql_server: Server, tmp_path: Path
) -> None:
    async def check() -> None:
        for database in (tmp_path / "schema.db", postgresql_server.create()):
            async with open_store(database) as store:
                assert await tables_of(store) == set(TABLES)
        async with open_store(postgresql_server.create()) as pg:
            rows = await pg.run_read(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
            assert {r[0] for r in rows} == set(IDENTITY_TABLES)

    asyncio.run(check())


def test_commands_use_postgresql_when_the_setting_is_a_url(
    postgresql_server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    city = postgresql_server.create()
    monkeypatch.setenv("OUDERSTEM_DB", city)
    assert main(["init", "--json"]) == 0
    ready = json.loads(capsys.readouterr().out)
    assert ready["schema_version"] == len(pg_migrations())
    assert ready["database"].startswith("PostgreSQL t") and "ouderstem@" not in ready["database"]
    assert main(["school", "add", "Basisschool De Linde", "--json"]) == 0
    capsys.readouterr()
    assert main(["school", "list", "--json"]) == 0
    assert "De Linde" in capsys.readouterr().out
    assert main(["backup", "x.db"]) == 2
    assert "pg_dump" in capsys.readouterr().err
