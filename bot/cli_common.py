"""What every `ouderstem` command group shares: its output, the store it opens, the names it
takes, and making the database. `bot/cli.py` builds the parser; `bot/staff_cli.py`,
`bot/db_cli.py` and `bot/web/cli.py` add their groups to it and import only from here."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.errors import OuderstemError
from bot.store import SqliteStore
from bot.store import open_store as store_at
from bot.store.files import check_database, check_pages

if TYPE_CHECKING:
    from bot.store.postgres import PostgresStore


def emit(args: argparse.Namespace, data: dict[str, Any], human: str) -> None:
    print(
        json.dumps(data, ensure_ascii=False, default=str) if getattr(args, "json", False) else human
    )


def open_store(settings: Settings, *, must_exist: bool = False) -> SqliteStore | PostgresStore:
    """The store at OUDERSTEM_DB (bot.store.open_store), a SQLite file once it is known to be
    usable (bot.store.files); a PostgreSQL URL is checked by connecting.

    `must_exist`: a command that only reads refuses a missing file rather than creating one.
    """
    if settings.database_file is not None:
        check_database(settings.database_file, must_exist=must_exist)
    return store_at(settings.database)


def required_name(value: str, what: str) -> str:
    """A school or centre name: refused when empty or blank, stored without outer spaces."""
    name = value.strip()
    if not name:
        raise OuderstemError(f'a {what} needs a name: ouderstem {what} add "Name of the {what}"')
    return name


async def init_database(args: argparse.Namespace, settings: Settings) -> None:
    """`ouderstem init` and `ouderstem db migrate`: create the database or bring it up to date."""
    if settings.database_file is not None:
        check_database(settings.database_file)
        check_pages(settings.database_file)  # init also says when an existing database is damaged
    async with open_store(settings) as store:
        version = await store.schema_version()
    emit(
        args,
        {"database": settings.database_label, "schema_version": version},
        f"Database ready: {settings.database_label} (schema version {version})",
    )
