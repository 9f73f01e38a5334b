"""Store: the database's own checks, and the aggregate reads the report layer runs."""

from __future__ import annotations

from bot.store import Store
from bot.store.sqlite_database import migrations
from store_contract.builders import school_and_round


async def test_the_store_opens_at_its_latest_schema_and_checks_itself(store: Store) -> None:
    # the same forward-only migrations for every engine (issue 13)
    assert await store.schema_version() == len(migrations())
    assert await store.integrity_check() == "ok"


async def test_aggregate_reads_take_parameters(store: Store) -> None:
    link = await school_and_round(store)
    rows = await store.run_read("SELECT id, name FROM schools WHERE id = ?", [link.round.school_id])
    assert [tuple(r) for r in rows] == [(link.round.school_id, "De Regenboog")]
