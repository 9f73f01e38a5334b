"""`ouderstem demo`: a whole round offline through the real bot, then what was stored."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_with_eight_parents(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUDERSTEM_"))}
    database = tmp_path / "demo.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "demo",
            "--parents",
            "8",
            "--database",
            str(database),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "8 parents and 15 team members took part through the real bot" in out
    stored = re.search(
        r"Stored for the parents' round: (\d+) answers; respondents by status: (\{.*\})", out
    )
    assert stored, out[:1500]
    printed_answers = int(stored.group(1))
    assert printed_answers > 0
    assert f"Database: {database} (integrity: ok)" in out
    # what was printed is what is in the database
    with sqlite3.connect(database) as conn:
        (round_id,) = conn.execute(
            "SELECT id FROM rounds WHERE flow_id = 'barometer-ouders'"
        ).fetchone()
        (answers,) = conn.execute(
            "SELECT COUNT(*) FROM answers WHERE round_id = ?", (round_id,)
        ).fetchone()
        respondents = conn.execute(
            "SELECT COUNT(*) FROM respondents WHERE round_id = ?", (round_id,)
        ).fetchone()[0]
        completed = conn.execute(
            "SELECT COUNT(*) FROM respondents WHERE round_id = ? AND status = 'completed'",
            (round_id,),
        ).fetchone()[0]
        team = conn.execute(
            "SELECT COUNT(*) FROM respondents r JOIN rounds o ON o.id = r.round_id WHERE o.flow_id = 'barometer-team'"
        ).fetchone()[0]
    conn.close()
    assert answers == printed_answers
    assert respondents == 8 and team == 15
    assert f"'completed': {completed}" in stored.group(2)
    assert completed >= 1


def test_the_demo_removes_its_temporary_database_and_counts_its_languages(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUDERSTEM_"))}
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--parents", "6", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(temporary)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    languages = re.search(r"Respondents in (\d+) languages: (.*)", result.stdout)
    assert languages, result.stdout[:1500]
    listed = languages.group(2).split(", ")
    assert int(languages.group(1)) == len(listed) == len({item.split()[0] for item in listed})
    assert sum(int(item.split()[1]) for item in listed) == 6
    assert "temporary: removed at the end" in result.stdout
    assert list(temporary.iterdir()) == []  # the database, its -wal and -shm: all gone
    assert not list(tmp_path.glob("*.db*"))
