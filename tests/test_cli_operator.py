"""Every mistake an operator can make: one line on stderr, a non-zero exit, nothing written.

Each case runs the real command line in a subprocess with a timeout (a command that hangs on a
thread left open fails here), configured by the environment only, from an empty folder (no
.env). The cases that need no server are started by a module fixture, a few at a time (one per
CPU), so their start-ups overlap; each test then reads its own result.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.flow_model import flow_library
from bot.limits import MIN_GROUP_CLOSED
from bot.store.sqlite import migrations
from tests.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUDERSTEM_"))}
TIMEOUT = 60  # seconds; every refusal comes within a few, but a loaded CI machine is slow
TOKEN = "123456:ABC-not-a-real-token"
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens there
DB_COMMANDS = {
    "init": ["init"],
    "school list": ["school", "list"],
    "round list": ["round", "list"],
    "report": ["report", "--round", "1"],
    "run": ["run"],
}
FIX_NOT_SQLITE = (
    "is not an SQLite database: set OUDERSTEM_DB to the Ouderstem database file "
    "(or move this file away and run `ouderstem init` for a new one)"
)
RESTORE = "restore it from a backup (README: Backup and restore)"


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def environment(database: Path, **env: str) -> dict[str, str]:
    return {
        **CLEAN_ENV,
        "PYTHONPATH": str(ROOT),
        "OUDERSTEM_DB": str(database),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": CLOSED_PORT_URL,  # a refusal must come before any network
        **env,
    }


def ouderstem(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one command; a hang (no exit within TIMEOUT) fails the test that reads it."""
    try:
        return subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"hung: no exit within {TIMEOUT} s: {' '.join(argv[3:])}") from None


def the_one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line on stderr (asserted single, and no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


# ---- databases -------------------------------------------------------------------------------


def make_database(path: Path, schools: int = 1) -> None:
    """A database as `ouderstem init` leaves it, with a school and one open round."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    for version, _, sql in migrations():
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;")
    for number in range(1, schools + 1):
        conn.execute(
            "INSERT INTO schools (name, created_at) VALUES (?, '2026-01-01T00:00:00+00:00')",
            (f"School {number}",),
        )
    conn.execute(
        "INSERT INTO rounds (school_id, flow_id, flow_version, audience, start_token, status, "
        "opens_at, created_at) VALUES (1, 'barometer-ouders', 1, 'parents', 'tok-1', 'open', "
        "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file under `folder`, by relative path, with its bytes (None for a folder)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def dump(path: Path) -> list[str]:
    """The database's content as SQL, and its schema version."""
    conn = sqlite3.connect(path)
    try:
        return [*conn.iterdump(), f"user_version={conn.execute('PRAGMA user_version').fetchone()}"]
    finally:
        conn.close()


@dataclass(frozen=True)
class BadFile:
    """An OUDERSTEM_DB that cannot be used, and the line that says so."""

    make: Callable[[Path], Path]  # folder -> the OUDERSTEM_DB path
    line: Callable[[Path], str]  # the OUDERSTEM_DB path -> the expected line


def _text(folder: Path) -> Path:
    path = folder / "notes.db"
    path.write_text("school names\nDe Wilg\n", encoding="utf-8")
    return path


def _truncated(folder: Path) -> Path:
    good = folder / "whole.db"
    make_database(good, schools=200)
    path = folder / "cut.db"
    path.write_bytes(good.read_bytes()[:5000])
    good.unlink()
    return path


def _damaged_inside(folder: Path) -> Path:
    """Header intact, every other page overwritten: only SQLite itself can tell."""
    path = folder / "damaged.db"
    make_database(path, schools=200)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)
    path.write_bytes(bytes(data))
    return path


def _folder(folder: Path) -> Path:
    path = folder / "ouderstem.db"
    path.mkdir()
    return path


def _missing_folder(folder: Path) -> Path:
    return folder / "no-such-folder" / "ouderstem.db"


BAD_FILES = {
    "a text file": BadFile(_text, lambda p: f"ouderstem: {p} {FIX_NOT_SQLITE}"),
    "a truncated database": BadFile(
        _truncated, lambda p: f"ouderstem: {p} is damaged (cut short: 5000 of "
    ),
    "a damaged database": BadFile(
        _damaged_inside,
        lambda p: f"ouderstem: {p} is damaged (database disk image is malformed): {RESTORE}",
    ),
    "a folder": BadFile(
        _folder,
        lambda p: (
            f"ouderstem: {p} is a folder, not a database file: set OUDERSTEM_DB to a "
            f"file such as {p / 'ouderstem.db'}"
        ),
    ),
    "a folder that does not exist": BadFile(
        _missing_folder,
        lambda p: (
            f"ouderstem: the folder of {p} does not exist: create {p.parent} or set "
            "OUDERSTEM_DB to a file in an existing folder"
        ),
    ),
}


# ---- impossible input ------------------------------------------------------------------------

REFUSALS = {
    "a closing date in the past": (
        ["round", "open", "--school", "1", "--flow", "barometer-ouders", "--closes", "2020-01-31"],
        "ouderstem: --closes 2020-01-31 is in the past: give a date after today",
    ),
    "--expected below 1": (
        ["round", "open", "--school", "1", "--flow", "barometer-ouders", "--expected", "0"],
        "ouderstem: --expected must be at least 1 (the families the school hopes to reach), not 0",
    ),
    "an empty school name": (
        ["school", "add", ""],
        'ouderstem: a school needs a name: ouderstem school add "Name of the school"',
    ),
    "a blank school name": (
        ["school", "add", "   "],
        'ouderstem: a school needs a name: ouderstem school add "Name of the school"',
    ),
    "a blank centre name": (
        ["centre", "add", " \t "],
        'ouderstem: a centre needs a name: ouderstem centre add "Name of the centre"',
    ),
    "closing a round that does not exist": (
        ["round", "close", "--round", "99"],
        "ouderstem: no round with id 99 (see `ouderstem round list`)",
    ),
    "revoking an unknown member": (
        ["staff", "revoke", "--member", "99"],
        "ouderstem: no staff member with id 99 (see `ouderstem staff list`)",
    ),
    "--min-closed below the floor": (
        ["report", "--round", "1", "--min-closed", str(MIN_GROUP_CLOSED - 1)],
        f"ouderstem: --min-closed may only be raised, not below {MIN_GROUP_CLOSED} (privacy floor)",
    ),
    "waking hours that end before they start": (
        ["school", "set-hours", "--school", "1", "19:00-07:30"],
        "ouderstem: '19:00-07:30': waking hours must start before they end, on the same day",
    ),
    "waking hours for a school that does not exist": (
        ["school", "set-hours", "--school", "99", "07:30-19:00"],
        "ouderstem: no school with id 99 (see `ouderstem school list`)",
    ),
    "an unknown flow": (
        ["round", "open", "--school", "1", "--flow", "barometer-ouderz"],
        "ouderstem: unknown flow 'barometer-ouderz'; choose from "
        + ", ".join(sorted(flow_library())),
    ),
}

LOUD_COMMANDS = {
    "init": ["init"],
    "school list": ["school", "list"],
    "report": ["report", "--round", "1"],
    "run": ["run"],
    "flows schema": ["flows", "schema"],
    "backup": ["backup", "copy.db"],
    "demo": ["demo", "--parents", "1"],
}


@dataclass
class Case:
    folder: Path
    database: Path
    before: dict[str, bytes | None]
    content: list[str]  # dump() of a usable database before the command ran
    started: Future[subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Case]]:
    """Every case that needs no server, started at once."""
    found: dict[str, Case] = {}
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)

    def start(name: str, folder: Path, database: Path, argv: list[str], **env: str) -> None:
        before = snapshot(folder)
        content = dump(database) if name.startswith("refusal/") else []
        started = pool.submit(ouderstem, command(*argv), folder, environment(database, **env))
        found[name] = Case(folder, database, before, content, started)

    for kind, bad in BAD_FILES.items():
        for label, argv in DB_COMMANDS.items():
            folder = tmp_path_factory.mktemp("db")
            start(f"{kind}/{label}", folder, bad.make(folder), argv)
    for label in ("school list", "round list", "report"):
        folder = tmp_path_factory.mktemp("missing")
        start(f"missing/{label}", folder, folder / "ouderstem.db", DB_COMMANDS[label])
    for name, (argv, _) in REFUSALS.items():
        folder = tmp_path_factory.mktemp("refusal")
        database = folder / "ouderstem.db"
        make_database(database)
        start(f"refusal/{name}", folder, database, argv)
    for label, argv in LOUD_COMMANDS.items():
        folder = tmp_path_factory.mktemp("loud")
        start(f"loud/{label}", folder, folder / "ouderstem.db", argv, OUDERSTEM_LOG_LEVEL="LOUD")
    yield found
    pool.shutdown(wait=True)


def nothing_written(case: Case) -> None:
    assert snapshot(case.folder) == case.before, "a refused command changed files"


@pytest.mark.parametrize("label", list(DB_COMMANDS))
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_an_unusable_database_is_one_line(cases: dict[str, Case], kind: str, label: str) -> None:
    case = cases[f"{kind}/{label}"]
    result = case.started.result()
    assert result.returncode == 2, result.stderr[-2000:]
    assert the_one_line(result).startswith(BAD_FILES[kind].line(case.database))
    nothing_written(case)


@pytest.mark.parametrize("label", ["school list", "round list", "report"])
def test_a_command_that_reads_does_not_create_a_database(
    cases: dict[str, Case], label: str
) -> None:
    case = cases[f"missing/{label}"]
    result = case.started.result()
    assert result.returncode == 2
    assert the_one_line(result) == (
        f"ouderstem: no database at {case.database}: run `ouderstem init` or set OUDERSTEM_DB to "
        "the Ouderstem database file"
    )
    nothing_written(case)


@pytest.mark.parametrize("name", list(REFUSALS))
def test_impossible_input_is_refused(cases: dict[str, Case], name: str) -> None:
    case = cases[f"refusal/{name}"]
    result = case.started.result()
    assert result.returncode == 2, result.stderr[-2000:]
    assert the_one_line(result) == REFUSALS[name][1]
    assert dump(case.database) == case.content
    assert result.stdout == ""


@pytest.mark.parametrize("label", list(LOUD_COMMANDS))
def test_a_bad_log_level_stops_every_command(cases: dict[str, Case], label: str) -> None:
    case = cases[f"loud/{label}"]
    result = case.started.result()
    assert result.returncode == 2
    assert the_one_line(result) == (
        "ouderstem: OUDERSTEM_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' "
        "or 'CRITICAL'"
    )
    nothing_written(case)
    assert not case.database.exists()


def test_the_log_level_is_case_insensitive(tmp_path: Path) -> None:
    result = subprocess.run(
        command("init"),
        cwd=tmp_path,
        env=environment(tmp_path / "ouderstem.db", OUDERSTEM_LOG_LEVEL="debug"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ---- a read-only file system -----------------------------------------------------------------


def read_only_mount_works(folder: Path) -> bool:
    """`unshare -rm` gives a private mount namespace where a bind mount can be made read-only."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", READ_ONLY.format(folder=folder, run="true")],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    return probe.returncode == 0


READ_ONLY = 'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && {run}'


@pytest.mark.parametrize("label", list(DB_COMMANDS))
def test_a_database_on_a_read_only_file_system(tmp_path: Path, label: str) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if not read_only_mount_works(folder):
        pytest.skip("no user namespace to mount a read-only file system in (unshare -rm)")
    database = folder / "ouderstem.db"
    make_database(database)
    before = snapshot(folder)
    argv = " ".join(f"'{a}'" for a in command(*DB_COMMANDS[label]))
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", READ_ONLY.format(folder=folder, run=f"exec {argv}")],
        cwd=tmp_path,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert the_one_line(result) == (
        f"ouderstem: cannot write {database} (read-only file system or no permission): make it "
        "writable for this user or copy it somewhere writable"
    )
    assert snapshot(folder) == before


def test_a_new_database_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if not read_only_mount_works(folder):
        pytest.skip("no user namespace to mount a read-only file system in (unshare -rm)")
    database = folder / "ouderstem.db"
    argv = " ".join(f"'{a}'" for a in command("init"))
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", READ_ONLY.format(folder=folder, run=f"exec {argv}")],
        cwd=tmp_path,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert the_one_line(result) == (
        f"ouderstem: cannot write in {folder} for {database} (read-only file system or no "
        "permission): SQLite keeps its -wal and -shm files there; make the folder writable or "
        "move OUDERSTEM_DB"
    )
    assert not database.exists()


# ---- the Bot API at start-up and while running -----------------------------------------------


def run_against(tmp_path: Path, base_url: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    database = tmp_path / "ouderstem.db"
    make_database(database)
    before = dump(database)
    result = subprocess.run(
        command("run"),
        cwd=tmp_path,
        env=environment(database, TELEGRAM_BASE_URL=base_url),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert dump(database) == before
    assert TOKEN not in result.stderr + result.stdout
    return result, database


@pytest.mark.parametrize(
    ("status", "line"),
    [
        (
            401,
            "the Bot API at {url} refused the token (401 Unauthorized): put the token from "
            "@BotFather in TELEGRAM_BOT_TOKEN",
        ),
        (
            404,
            "the Bot API at {url} answered 404 Not Found: check TELEGRAM_BASE_URL (the server "
            "root, without /bot) and TELEGRAM_BOT_TOKEN",
        ),
    ],
)
def test_run_when_the_bot_api_refuses(tmp_path: Path, status: int, line: str) -> None:
    with FakeBotApi(status=status) as api:
        result, _ = run_against(tmp_path, api.url)
        assert api.calls == ["getMe"]  # asked once, then stopped: no polling
    assert result.returncode == 1
    assert the_one_line(result) == "ouderstem: " + line.format(url=api.url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (CLOSED_PORT_URL, "httpx.ConnectError: All connection attempts failed"),
        ("http://ouderstem.invalid", "httpx.ConnectError: "),
    ],
    ids=["connection refused", "no such host"],
)
def test_run_when_the_bot_api_cannot_be_reached(tmp_path: Path, url: str, reason: str) -> None:
    result, _ = run_against(tmp_path, url)
    assert result.returncode == 1
    line = the_one_line(result)
    assert line.startswith(f"ouderstem: cannot reach the Bot API at {url} ({reason}")
    assert line.endswith("): check the network and TELEGRAM_BASE_URL")


def test_a_failed_poll_is_retried_and_logged_in_one_line(tmp_path: Path) -> None:
    database = tmp_path / "ouderstem.db"
    make_database(database)
    failures = 2
    with FakeBotApi(failures=failures) as api:
        process = subprocess.Popen(
            command("run"),
            cwd=tmp_path,
            env=environment(database, TELEGRAM_BASE_URL=api.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 40
        while api.calls.count("getUpdates") <= failures and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("did not stop on SIGTERM") from None
    assert api.calls.count("getUpdates") > failures, err[-3000:]
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    retried = [line for line in err.splitlines() if "retrying" in line]
    assert len(retried) == failures, err[-3000:]
    assert all(" WARNING " in line and "Bad Gateway" in line for line in retried)
    assert not [line for line in err.splitlines() if line.startswith(" ")], err[-3000:]
