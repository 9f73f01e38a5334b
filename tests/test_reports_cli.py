"""`ouderstem report`: the argparse subcommand, on a database made with the shipped flows."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from bot.flow_model import flow_library
from bot.reports.cli import register
from bot.store import SqliteStore
from tests.reports_fixtures import Builder, answers_for

PARENTS = "barometer-ouders"


def make_database(path: Path) -> int:
    async def build() -> int:
        flows = flow_library()
        async with SqliteStore(path) as store:
            b = Builder(store, flows=flows)
            school = await b.school("Basisschool De Wilg")
            rnd, _ = await b.round(school, PARENTS, expected=20)
            for i in range(10):
                await b.respond(rnd, answers_for(flows[PARENTS], str(1 + i % 5)))
            return (await b.close(rnd)).id

    return asyncio.run(build())


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ouderstem")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["report", *argv])


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, int]:
    if PARENTS not in flow_library():
        pytest.skip("the shipped parents' barometer is not there yet")
    path = tmp_path / "ouderstem.db"
    round_id = make_database(path)
    monkeypatch.setenv("OUDERSTEM_DB", str(path))
    monkeypatch.chdir(tmp_path)
    return path, round_id


def test_json_to_stdout(
    database: tuple[Path, int], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _, round_id = database
    args = parse("--round", str(round_id), "--format", "json")
    assert args.func(args) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert data["report_format"] == 1 and data["round"]["id"] == round_id
    assert data["participation"]["counted"] == 10


def test_text_is_the_default(
    database: tuple[Path, int], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _, round_id = database
    args = parse("--round", str(round_id))
    assert args.func(args) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert "Basisschool De Wilg" in out and "Door de kaders gelezen" in out


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_files(database: tuple[Path, int], tmp_path: Path, fmt: str) -> None:
    _, round_id = database
    out = tmp_path / f"rapport.{fmt}"
    args = parse("--round", str(round_id), "--format", fmt, "--out", str(out))
    assert args.func(args) == 0
    assert out.stat().st_size > 100


def test_binary_default_file_name(database: tuple[Path, int], tmp_path: Path) -> None:
    _, round_id = database
    args = parse("--round", str(round_id), "--format", "pdf")
    assert args.func(args) == 0
    assert (tmp_path / f"ouderstem-rapport-{round_id}.pdf").read_bytes().startswith(b"%PDF")


def test_png_folder(database: tuple[Path, int], tmp_path: Path) -> None:
    _, round_id = database
    args = parse("--round", str(round_id), "--format", "png", "--out", str(tmp_path / "charts"))
    assert args.func(args) == 0
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert "themas.png" in names and "deelname.png" in names


def test_unknown_round_and_missing_database(
    database: tuple[Path, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse("--round", "999")
    assert args.func(args) == 1
    assert "no round 999" in capsys.readouterr().err
    monkeypatch.setenv("OUDERSTEM_DB", str(tmp_path / "missing.db"))
    assert args.func(args) == 2
    assert "OUDERSTEM_DB" in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()
