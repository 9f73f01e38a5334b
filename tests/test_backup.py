"""`ouderstem backup FILE`: a consistent copy of a live database, while answers keep arriving.

A writer thread stands in for parents answering: each transaction adds one respondent with all
its answers, so a copy taken between two commits holds every respondent whole. The copy is made
by the real command line in a subprocess, then restored and checked.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.store.sqlite import migrations

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUDERSTEM_"))}
QUESTIONS = 12  # answers per respondent, written in one transaction
PREFILLED = 3000  # respondents before the backup starts: a copy that takes a moment
TIMEOUT = 60


def ouderstem(folder: Path, database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=folder,
        env={**CLEAN_ENV, "PYTHONPATH": str(ROOT), "OUDERSTEM_DB": str(database)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def make_database(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for version, _, sql in migrations():
        conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version={version};\nCOMMIT;")
    conn.execute("INSERT INTO schools (name, created_at) VALUES ('De Wilg', '2026-01-01')")
    conn.execute(
        "INSERT INTO rounds (school_id, flow_id, flow_version, audience, start_token, status, "
        "opens_at, created_at) VALUES (1, 'barometer-ouders', 1, 'parents', 't', 'open', "
        "'2026-01-01', '2026-01-01')"
    )
    conn.execute("BEGIN")
    for number in range(PREFILLED):
        answer(conn, number)
    conn.execute("COMMIT")
    conn.close()


def answer(conn: sqlite3.Connection, number: int) -> None:
    """One respondent and all their answers (the caller holds the transaction)."""
    respondent = f"r{number:07d}"
    conn.execute(
        "INSERT INTO respondents (id, round_id, language, status, started_at, updated_at) "
        "VALUES (?, 1, 'nl', 'completed', '2026-01-02', '2026-01-02')",
        (respondent,),
    )
    conn.executemany(
        "INSERT INTO answers (respondent_id, round_id, question_id, value, answered_at) "
        "VALUES (?, 1, ?, '4', '2026-01-02')",
        [(respondent, f"q{q}") for q in range(QUESTIONS)],
    )


class Parents(threading.Thread):
    """Answers arriving, one respondent per commit, until stopped."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.written = PREFILLED

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA synchronous=FULL")
        try:
            while not self.stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                answer(conn, self.written)
                conn.execute("COMMIT")
                self.written += 1
        finally:
            conn.close()


def counts(path: Path) -> tuple[str, int, int, list[tuple[str, int]]]:
    """integrity_check, answers, respondents, and any respondent not whole."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        respondents = conn.execute("SELECT COUNT(*) FROM respondents").fetchone()[0]
        torn = conn.execute(
            "SELECT respondent_id, COUNT(*) FROM answers GROUP BY respondent_id HAVING COUNT(*) != ?",
            (QUESTIONS,),
        ).fetchall()
        return integrity, answers, respondents, torn
    finally:
        conn.close()


def test_a_backup_while_parents_answer_restores_whole(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    make_database(live)
    parents = Parents(live)
    parents.start()
    while parents.written < PREFILLED + 20:  # answers are arriving
        time.sleep(0.01)
    before = parents.written
    made = ouderstem(tmp_path, live, "backup", "copy.db", "--json")
    after = parents.written
    parents.stop.set()
    parents.join(timeout=30)
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    assert after > before, "no answer arrived during the backup: the test proves nothing"

    # restore: the bot is stopped, the copy goes in place of the database
    restored = tmp_path / "restored" / "ouderstem.db"
    restored.parent.mkdir()
    shutil.copyfile(tmp_path / "copy.db", restored)
    integrity, answers, respondents, torn = counts(restored)
    assert integrity == "ok"
    assert torn == []  # one snapshot: no respondent half copied
    assert before <= respondents <= after
    assert answers == respondents * QUESTIONS
    assert f'"answers": {answers}' in made.stdout and '"integrity": "ok"' in made.stdout
    assert not list(tmp_path.glob(".copy.db.partial-*"))

    # the restored copy opens as an Ouderstem database
    opened = ouderstem(restored.parent, restored, "init")
    assert opened.returncode == 0, opened.stderr
    assert counts(restored)[1] == answers


def test_a_backup_never_overwrites_without_force(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    make_database(live)
    existing = tmp_path / "copy.db"
    existing.write_bytes(b"yesterday's backup")
    refused = ouderstem(tmp_path, live, "backup", "copy.db")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "ouderstem: copy.db exists already: choose another name, or add --force"
    ]
    assert existing.read_bytes() == b"yesterday's backup"

    forced = ouderstem(tmp_path, live, "backup", "copy.db", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith(f"Backup of {live} written to copy.db (")
    assert counts(existing)[:3] == ("ok", PREFILLED * QUESTIONS, PREFILLED)


def test_a_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    refused = ouderstem(tmp_path, tmp_path / "nothing.db", "backup", "copy.db")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"ouderstem: no database at {tmp_path / 'nothing.db'}: run `ouderstem init` or set "
        "OUDERSTEM_DB to the Ouderstem database file"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
