"""`python -m bot` as an operator runs it: in a subprocess, configured by the environment only.

The JSON printed with --json is a contract for scripts: `school add` -> {"id", ...},
`round open` -> {"id", "token", "link", ...}. Errors a person can fix print one line naming
what to change and exit 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.sqlite import migrations

ROOT = Path(__file__).resolve().parent.parent
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "OUDERSTEM_"))}

BROKEN_FLOW = """\
id: kapot
format: 1
version: 1
audience: parents
title: Kapot
intro: Een kapotte vragenlijst.
closing: "Bedankt! {feedback_when}"
questions:
  - id: vervoer
    type: choice
    text: Hoe komt uw kind naar school?
    options:
      - {id: bus, text: Bus}
      - {id: bus, text: Met de bus van de gemeente}
      - {id: fiets, text: Met de fiets of te voet of met de step of de auto}
  - id: vraag_met_een_heel_lange_naam_xy
    type: choice
    text: Lange ids.
    options:
      - {id: een_optie_met_een_lange_naam_xyz, text: Een}
      - {id: twee, text: Twee}
  - id: uren
    type: scale
    text: Veel uren.
    skip_if: {question: werk, any_of: ["no"]}
"""


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    return {**CLEAN_ENV, "OUDERSTEM_DB": str(tmp_path / "cli.db"), "PYTHONPATH": str(ROOT), **env}


def ouderstem(
    tmp_path: Path, *args: str, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the command line with a fresh environment, from tmp_path (so no .env is read)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environment(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Started:
    """A command started in the background; `result()` waits for it."""

    def __init__(self, tmp_path: Path, *args: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=environment(tmp_path, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(f"did not exit within {timeout} s: {err}") from None
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, out, err)


@pytest.fixture(scope="module")
def background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Started]]:
    """The commands that depend on nothing, started at once (each takes a second to start)."""
    folders = {
        name: tmp_path_factory.mktemp(name.replace(" ", "-"))
        for name in ("no token", "poll", "newer", "check")
    }
    (folders["check"] / "kapot.yaml").write_text(BROKEN_FLOW, encoding="utf-8")
    (folders["check"] / "stuk.yaml").write_text(
        "id: stuk\nversion: 1\nquestions: []\n", encoding="utf-8"
    )
    with sqlite3.connect(folders["newer"] / "cli.db") as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    started = {
        "no token": Started(folders["no token"], "run"),
        "poll": Started(
            folders["poll"], "run", OUDERSTEM_POLL_INTERVAL="abc", TELEGRAM_BOT_TOKEN="123:ABC"
        ),
        "newer": Started(folders["newer"], "init"),
        "check": Started(folders["check"], "flows", "check", "kapot.yaml", "stuk.yaml"),
    }
    yield started
    for command in started.values():
        if command.process.poll() is None:
            command.process.kill()
        command.result()


def test_init_school_round_and_list(tmp_path: Path, background: dict[str, Started]) -> None:
    del background  # started now, so the other commands run while this chain does
    init = ouderstem(tmp_path, "init", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout) == {
        "database": str(tmp_path / "cli.db"),
        "schema_version": len(migrations()),
    }

    added = ouderstem(tmp_path, "school", "add", "Basisschool De Regenboog", "--json")
    assert added.returncode == 0, added.stderr
    school = json.loads(added.stdout)
    assert isinstance(school["id"], int) and school["name"] == "Basisschool De Regenboog"

    opened = ouderstem(
        tmp_path,
        "round",
        "open",
        "--school",
        str(school["id"]),
        "--flow",
        "barometer-ouders",
        "--closes",
        "2030-06-30",
        "--expected",
        "120",
        "--json",
    )
    assert opened.returncode == 0, opened.stderr
    round_ = json.loads(opened.stdout)
    assert {"id", "token", "link"} <= set(round_)
    assert len(round_["token"]) >= 22
    assert round_["link"] == f"https://t.me/OuderstemBot?start={round_['token']}"
    assert round_["closes_at"].startswith("2030-06-30 23:59:59")

    listed = ouderstem(tmp_path, "round", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rounds = json.loads(listed.stdout)["rounds"]
    assert [(r["id"], r["school_id"], r["flow"], r["status"]) for r in rounds] == [
        (round_["id"], school["id"], "barometer-ouders", "open")
    ]

    with sqlite3.connect(tmp_path / "cli.db") as conn:  # what the commands stored
        assert conn.execute("SELECT start_token, expected, status FROM rounds").fetchall() == [
            (round_["token"], 120, "open")
        ]
    conn.close()


def test_run_without_a_token(background: dict[str, Started]) -> None:
    result = background["no token"].result()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        lines[0].startswith("ouderstem: TELEGRAM_BOT_TOKEN is not set")
        and "Traceback" not in result.stderr
    )


def test_a_bad_poll_interval(background: dict[str, Started]) -> None:
    result = background["poll"].result()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ouderstem: OUDERSTEM_POLL_INTERVAL: "), (
        result.stderr
    )
    assert "valid number" in lines[0]


def test_a_database_from_a_newer_release_is_refused_in_one_line(
    background: dict[str, Started],
) -> None:
    result = background["newer"].result(timeout=30)  # must exit, not hang on an open connection
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"ouderstem: the database is at version 999, newer than this Ouderstem ({len(migrations())}): "
        "upgrade Ouderstem"
    ]


def test_flows_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In-process: `flows schema` reads no settings and no database."""
    from bot.cli import main

    assert main(["flows", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Ouderstem flow"
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"id", "version", "audience", "questions"} <= set(schema["properties"])
    assert main(["flows", "schema", "--out", str(tmp_path / "schema.json")]) == 0
    assert json.loads((tmp_path / "schema.json").read_text(encoding="utf-8")) == schema


def test_flows_check_reports_file_and_question(background: dict[str, Started]) -> None:
    result = background["check"].result()
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()

    def reported(question: str, *words: str) -> bool:
        return any(
            line.startswith(f"kapot.yaml: {question}: error: ") and all(w in line for w in words)
            for line in lines
        )

    assert reported("uren", "skip_if refers to 'werk'")
    assert reported("vervoer", "duplicate option id 'bus'")
    assert reported(
        "vraag_met_een_heel_lange_naam_xy", "over 64", "een_optie_met_een_lange_naam_xyz"
    )
    assert reported("vervoer", "option 'fiets' label", "40")
    assert lines[-1].endswith("error(s), 0 warning(s)")
    assert "Traceback" not in result.stderr


def test_flows_check_on_a_file_that_does_not_load(background: dict[str, Started]) -> None:
    result = background["check"].result()
    assert result.returncode == 1
    assert any(
        line.startswith("stuk.yaml: flow: error: cannot be loaded: audience: Field required")
        for line in result.stdout.splitlines()
    ), result.stdout


def test_mistakes_in_round_open_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process (the subprocess path is covered above): unknown school, unknown topic."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUDERSTEM_DB", str(tmp_path / "inproc.db"))
    assert main(["round", "open", "--school", "99", "--flow", "barometer-ouders", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "ouderstem: no school with id 99 (see `ouderstem school list`)"
    ]
    assert main(["school", "add", "X", "--json"]) == 0
    assert {"id": 1, "name": "X"}.items() <= json.loads(capsys.readouterr().out).items()
    assert main(["round", "open", "--school", "1", "--flow", "dialoog", "--topic", "zwemmen"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "unknown topic 'zwemmen'" in err and "huiswerk" in err
    assert main(["round", "open", "--school", "1", "--flow", "bestaat-niet"]) == 2
    assert capsys.readouterr().err.strip() == (
        "ouderstem: unknown flow 'bestaat-niet'; choose from "
        "barometer-leerlingen, barometer-ouders, barometer-team, dialoog, dialoog-team"
    )
