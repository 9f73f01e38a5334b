"""A consistent copy of a live database, with SQLite's online backup API.

The bot may keep running: the copy is taken in one step under a read transaction, so it is the
database as it was at one commit (WAL lets parents keep answering meanwhile). It is written to a
hidden file beside the target, checked with `PRAGMA integrity_check`, switched to a single-file
journal and only then given its name, so a half-written backup never carries the target's name.
Restore: stop the bot, copy the backup over the database (removing its -wal and -shm), start.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DatabaseFileError
from bot.store.files import check_database, database_error

BUSY_TIMEOUT_S = 30.0  # how long the copy waits for a writer's lock before giving up


@dataclass(frozen=True)
class BackupResult:
    target: Path
    bytes: int
    answers: int
    integrity: str


def backup_database(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy `source` to `target`; refuses an existing target unless `force`."""
    check_database(source, must_exist=True)
    if target.is_dir():
        raise DatabaseFileError(f"{target} is a folder: give the backup a file name")
    if not target.parent.is_dir():
        raise DatabaseFileError(f"the folder of {target} does not exist: create it first")
    if target.exists() and not force:
        raise DatabaseFileError(f"{target} exists already: choose another name, or add --force")
    if target.exists() and target.resolve() == source.resolve():
        raise DatabaseFileError(f"{target} is the database itself: choose another name")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        answers = _copy(source, partial)
        integrity = _finish(partial)
        if integrity != "ok":
            raise DatabaseFileError(
                f"the copy of {source} fails its integrity check ({integrity}): "
                "the database itself may be damaged; run `ouderstem init` on a copy to see"
            )
        size = partial.stat().st_size
        _fsync(partial)
        os.replace(partial, target)
        _fsync_folder(target.parent)
    except OSError as exc:
        raise DatabaseFileError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(target, size, answers, integrity)


def _copy(source: Path, partial: Path) -> int:
    """The online backup, all pages in one step (one snapshot); the answers in that snapshot."""
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise database_error(source, exc) from None
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            return int(dst.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise database_error(source, exc) from None
    finally:
        src.close()


def _finish(partial: Path) -> str:
    """Check the copy and make it one self-contained file (the store turns WAL back on)."""
    conn = sqlite3.connect(partial)
    try:
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        conn.execute("PRAGMA journal_mode=DELETE")
        return integrity
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    with path.open("rb+") as file:
        os.fsync(file.fileno())


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
