"""Another process holding an SQLite database's write lock (`BEGIN IMMEDIATE`) until released."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("LOCKED", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
"""


class DatabaseLocker:
    """`with DatabaseLocker(path):` the database is write-locked by a separate process."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.process: subprocess.Popen[str] | None = None

    def lock(self) -> DatabaseLocker:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if line != "LOCKED":
            self.process.kill()
            raise RuntimeError(f"the locking process did not lock: {line!r}")
        return self

    def release(self) -> None:
        if self.process is None:
            return
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        self.process.wait(timeout=30)
        self.process.stdin.close()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def __enter__(self) -> DatabaseLocker:
        return self.lock()

    def __exit__(self, *exc: object) -> None:
        self.release()
