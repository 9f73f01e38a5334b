"""The staff subcommands of `ouderstem`: invites, centres, school join-centre, staff list/revoke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import SqliteStore
from tests.conftest import start_bot
from tests.test_staff_support import texts_of


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("OUDERSTEM_DB", str(path))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "SchoolBot")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_school_add_prints_a_one_time_admin_invite(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "school", "add", "Basisschool De Regenboog")
    assert code == 0
    assert "Admin invite (one use): https://t.me/SchoolBot?start=inv-" in out
    data = run_json(capsys, "school", "add", "GO! Atheneum")
    assert data["admin_invite_link"].startswith("https://t.me/SchoolBot?start=inv-")
    assert data["admin_invite_link"] not in out  # a new token every time


def test_invites_per_role(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school = run_json(capsys, "school", "add", "Basisschool De Regenboog")["id"]
    team = run_json(
        capsys, "staff", "invite", "--school", str(school), "--role", "team", "--reports"
    )
    assert team["role"] == "team" and "start=inv-" in team["link"]
    centre = run_json(capsys, "centre", "add", "Onderwijscentrum Gent")["id"]
    coordinator = run_json(
        capsys, "staff", "invite", "--centre", str(centre), "--role", "coordinator"
    )
    assert coordinator["centre_id"] == centre
    for argv, message in [
        (["--school", str(school), "--role", "coordinator"], "a coordinator belongs to a centre"),
        (["--centre", str(centre), "--role", "admin"], "a admin belongs to a school"),
        (["--school", "99", "--role", "admin"], "no school with id 99"),
        (["--centre", "99", "--role", "coordinator"], "no centre with id 99"),
        (
            ["--school", str(school), "--role", "team", "--days", "90"],
            "--days must be between 1 and 30",
        ),
    ]:
        code, _, err = run(capsys, "staff", "invite", *argv)
        assert code == 2 and message in err, argv


def test_centres_and_schools(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school = run_json(capsys, "school", "add", "Basisschool De Regenboog")["id"]
    centre = run_json(capsys, "centre", "add", "Onderwijscentrum Gent")["id"]
    code, _, err = run(capsys, "centre", "add", "Onderwijscentrum Gent")
    assert code == 2 and "exists already" in err
    assert run_json(
        capsys, "school", "join-centre", "--school", str(school), "--centre", str(centre)
    ) == {
        "school_id": school,
        "centre_id": centre,
    }
    assert run_json(capsys, "centre", "list") == {
        "centres": [{"id": centre, "name": "Onderwijscentrum Gent", "schools": 1}]
    }
    run_json(capsys, "school", "join-centre", "--school", str(school), "--centre", "none")
    assert run_json(capsys, "centre", "list")["centres"][0]["schools"] == 0
    code, _, err = run(capsys, "school", "join-centre", "--school", "42", "--centre", str(centre))
    assert code == 2 and "no school with id 42" in err
    code, out, _ = run(capsys, "school", "list")  # bot.cli's own subcommand still works
    assert "Basisschool De Regenboog" in out


async def test_an_invite_from_the_command_line_works_in_the_chat(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    school = (
        await asyncio.to_thread(run_json, capsys, "school", "add", "Basisschool De Regenboog")
    )["id"]
    made = await asyncio.to_thread(
        run_json, capsys, "staff", "invite", "--school", str(school), "--role", "brugfiguur"
    )
    async with SqliteStore(db) as store:
        harness = await start_bot(store)
        brug = harness.user(first_name="Sofie")
        replies = await brug.command("/start", made["link"].split("start=")[1])
        assert "brugfiguur bij Basisschool De Regenboog" in texts_of(replies)
        await harness.application.shutdown()
    listing = await asyncio.to_thread(run_json, capsys, "staff", "list")
    assert listing["members"] == [
        {
            "member": 1,
            "name": "Sofie",
            "roles": [
                {"role": "brugfiguur", "school_id": school, "centre_id": None, "reports": False}
            ],
        }
    ]
    assert str(brug.chat_id) not in json.dumps(listing)  # no chat ids on screen
    assert (await asyncio.to_thread(run_json, capsys, "staff", "revoke", "--member", "1"))[
        "roles_removed"
    ] == 1
    assert (await asyncio.to_thread(run_json, capsys, "staff", "list"))["members"] == []
