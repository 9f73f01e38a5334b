"""A throwaway PostgreSQL server for the tests: Debian's `initdb` and `pg_ctl` in a temporary
folder, listening only on a Unix socket in that folder, stopped and removed at the end.

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
`postgres` system user (or `nobody`) through `runuser`. Without the binaries the tests that need
the server are skipped with the reason; `scripts/test.sh` installs Debian's `postgresql`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

SUPERUSER = "ouderstem"
START_TIMEOUT_S = 60


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL bin folder, or `pg_ctl` on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def _run_as() -> list[str]:
    """The command prefix that runs the server as a non-root user (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root, and no postgres or nobody user to run PostgreSQL as")


@dataclass
class Server:
    """A running server: `url(name)` is a database's URL; `create()` makes a fresh database."""

    folder: Path
    bindir: Path
    _names: Iterator[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.folder), "-U", SUPERUSER, "-d", database, "-c", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def create(self) -> str:
        """A new empty database; its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)


@contextlib.contextmanager
def running_server(*, fsync: bool = False) -> Iterator[Server]:
    """The server; `fsync=True` (the benchmark) makes commits as durable as in production."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    folder = Path(tempfile.mkdtemp(prefix="ouderstem-pg-"))  # short: a socket path has a limit
    run_as = _run_as()
    if run_as:
        user = pwd.getpwnam(run_as[2])
        os.chown(folder, user.pw_uid, user.pw_gid)
    data = folder / "data"
    try:
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER,
             "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        durable = "on" if fsync else "off"
        options = f"-k {folder} -c listen_addresses='' -c fsync={durable} -c max_connections=200"
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
             "-l", str(folder / "server.log"), "-w", "-t", str(START_TIMEOUT_S), "start"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        try:
            yield Server(folder, bindir, count(1))
        finally:
            subprocess.run(
                [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                check=False, capture_output=True,
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
