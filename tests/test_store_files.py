"""Opening a database that cannot be used leaves nothing running (the root of the old hangs).

Before, a failed PRAGMA in `SqliteStore._connect` left its aiosqlite thread alive, so `ouderstem
init` on a text file printed a traceback and never exited. The command line now checks the file
first (bot.store.files), so this is tested on the store directly.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.errors import DatabaseFileError
from bot.store import SqliteStore
from bot.store.files import check_database, check_pages


def threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


async def test_a_store_that_fails_to_open_leaves_no_thread(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, but long enough to have a header " * 4, "utf-8")
    before = threads()
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        await SqliteStore(text).open()
    for thread in threads() - before:
        thread.join(timeout=5)  # a closed connection's thread ends on its own, at once
    assert threads() - before == set()


def test_an_empty_file_is_a_database_to_be(tmp_path: Path) -> None:
    empty = tmp_path / "new.db"
    empty.touch()
    check_database(empty, must_exist=True)
    check_pages(empty)


def test_a_fifo_is_not_a_database(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    with pytest.raises(DatabaseFileError, match="is not a regular file"):
        check_database(fifo)
