"""Is this path a database file Ouderstem can use? One line that says what to do, if not.

Checked before SQLite opens anything, so a mistake in `OUDERSTEM_DB` never creates a stray
file, never leaves a connection thread behind and never ends in a traceback:

    the path is a folder / not a regular file         -> point OUDERSTEM_DB at a file
    its folder does not exist                          -> create the folder or fix the path
    the file is missing (where it must exist)          -> run `ouderstem init`
    the file is not SQLite, or shorter than its header says -> restore it from a backup
    the file or its folder cannot be read or written  -> fix the permissions or move it

`check_pages` reads every page (for `run`); `database_error` turns what SQLite itself raises later (a page damaged in the middle of a file
whose header looked fine, a lock held too long) into the same kind of one line.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from bot.errors import DatabaseFileError

SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite 3 database
HEADER_BYTES = 100  # the database header at the start of page 1
SETTING = "OUDERSTEM_DB"
RESTORE_HINT = "restore it from a backup (README: Backup and restore)"


def check_database(path: Path, *, must_exist: bool = False) -> None:
    """Raise DatabaseFileError if `path` cannot be (or become) the Ouderstem database.

    A missing file in an existing, writable folder is fine unless `must_exist`: opening the
    store creates it.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise DatabaseFileError(
            f"cannot look at {path} ({exc.strerror}): check {SETTING}"
        ) from None
    if mode is None:
        if not folder.is_dir():
            raise DatabaseFileError(
                f"the folder of {path} does not exist: create {folder} or set {SETTING} "
                "to a file in an existing folder"
            )
        if must_exist:
            raise DatabaseFileError(
                f"no database at {path}: run `ouderstem init` or set {SETTING} to the "
                "Ouderstem database file"
            )
        _check_writable_folder(path, folder)
        return
    if stat.S_ISDIR(mode):
        raise DatabaseFileError(
            f"{path} is a folder, not a database file: set {SETTING} to a file such as "
            f"{path / 'ouderstem.db'}"
        )
    if not stat.S_ISREG(mode):
        raise DatabaseFileError(
            f"{path} is not a regular file: set {SETTING} to the Ouderstem database file"
        )
    if not os.access(path, os.R_OK):
        raise DatabaseFileError(
            f"cannot read {path} (no permission): run ouderstem as the user that owns it"
        )
    _check_header(path)
    if not os.access(path, os.W_OK):
        raise DatabaseFileError(
            f"cannot write {path} (read-only file system or no permission): "
            "make it writable for this user or copy it somewhere writable"
        )
    _check_writable_folder(path, folder)


def _check_writable_folder(path: Path, folder: Path) -> None:
    """SQLite writes the journal (-wal, -shm) beside the database: the folder must be writable."""
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseFileError(
            f"cannot write in {folder} for {path} (read-only file system or no permission): "
            f"SQLite keeps its -wal and -shm files there; make the folder writable or move {SETTING}"
        )


def _check_header(path: Path) -> None:
    """Not SQLite at all, or cut short (the header's page count promises more bytes)."""
    size = path.stat().st_size
    if size == 0:
        return  # SQLite treats an empty file as an empty database
    with path.open("rb") as file:
        header = file.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise DatabaseFileError(
            f"{path} is not an SQLite database: set {SETTING} to the Ouderstem database file "
            "(or move this file away and run `ouderstem init` for a new one)"
        )
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = int.from_bytes(header[24:28], "big")
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    expected = pages * page_size
    if pages and valid_for == change_counter and size < expected:
        raise DatabaseFileError(
            f"{path} is damaged (cut short: {size} of {expected} bytes): {RESTORE_HINT}"
        )


def check_pages(path: Path) -> None:
    """`PRAGMA quick_check` on an existing database: damage inside a file whose header is fine.

    Reads every page once (a second or less for a school's database): for `run`, not for every
    command.
    """
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
        try:
            found = str(conn.execute("PRAGMA quick_check").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise database_error(path, exc) from None
    if found != "ok":
        raise DatabaseFileError(f"{path} is damaged ({found}): {RESTORE_HINT}")


def database_error(path: Path | str, exc: sqlite3.Error) -> DatabaseFileError:
    """What SQLite raised about the database file, as one line that says what to do."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return DatabaseFileError(f"{path} is damaged ({text}): {RESTORE_HINT}")
    if "readonly" in text or "read-only" in text:
        return DatabaseFileError(
            f"cannot write {path} (read-only file system or no permission): "
            "make it and its folder writable for this user"
        )
    if "locked" in text or "busy" in text:
        return DatabaseFileError(
            f"{path} is locked by another process: try again, or stop the other one first"
        )
    if "unable to open" in text:
        return DatabaseFileError(
            f"cannot open {path}: check that {SETTING} names a file in a folder this user may write"
        )
    return DatabaseFileError(f"{path}: {text} (check {SETTING})")
