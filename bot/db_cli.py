"""`ouderstem db migrate`: apply the migrations of OUDERSTEM_DB (as `init`), once, before workers.
`ouderstem db copy SRC DST`: move a pilot's SQLite database to PostgreSQL, or back
(`bot/store/copy.py`). SRC and DST are each a SQLite file or a `postgresql://` URL; OUDERSTEM_DB
is not read, so neither end is ever taken by mistake."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli_common import emit, init_database
from bot.config import Settings, load_settings
from bot.store import is_postgresql_url
from bot.store.files import check_database


def _label(database: str) -> str:
    """A database as a message may name it: never the password of a URL."""
    if not is_postgresql_url(database):
        return database
    return Settings.model_validate({"OUDERSTEM_DB": database}).database_label


async def cmd_db_copy(args: argparse.Namespace) -> None:
    from bot.store.copy import copy_database

    if not is_postgresql_url(args.source):
        check_database(Path(args.source), must_exist=True)
    if not is_postgresql_url(args.destination):
        check_database(Path(args.destination))
    copied = await copy_database(args.source, args.destination)
    emit(
        args,
        {"source": _label(args.source), "destination": _label(args.destination), **copied.counts},
        f"Copied {copied.rows} rows from {_label(args.source)} to {_label(args.destination)}, "
        "counts checked per table: "
        + ", ".join(f"{table} {n}" for table, n in copied.counts.items()),
    )


def _migrate(args: argparse.Namespace) -> Any:
    return init_database(args, load_settings())


def register(sub: Any) -> None:
    """Add `db copy` to the `ouderstem` parser."""
    db = sub.add_parser("db", help="the database itself").add_subparsers(
        dest="action", required=True
    )
    copy = db.add_parser(
        "copy", help="copy every row of SRC into the empty DST (SQLite file or postgresql:// URL)"
    )
    copy.add_argument("source", metavar="SRC")
    copy.add_argument("destination", metavar="DST")
    copy.add_argument("--json", action="store_true", help="print JSON")
    copy.set_defaults(run_async_plain=cmd_db_copy)
    # Upgrades at city scale: one process migrates before the workers start (README); the same as
    # `ouderstem init`, named for what it does (workers starting at once still take turns).
    migrate = db.add_parser(
        "migrate", help="apply the schema migrations once, before workers start"
    )
    migrate.add_argument("--json", action="store_true", help="print JSON")
    migrate.set_defaults(run_async_plain=_migrate)
