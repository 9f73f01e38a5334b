"""The `ouderstem` command line: set up schools and rounds, check flows, run the bot, demo.

Each subcommand is one small function; `--json` prints what a script reads. The settings are
read before any command runs. Mistakes an operator can fix print one line on stderr, never a
traceback, and write nothing:

    exit 2   a bad setting, an unusable database file, impossible input (a closing date in the
             past, an unknown round, flow or member, ...)
    exit 1   `run` cannot reach the Bot API, or it refuses the token
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import db_cli, i18n_tools, staff_cli
from bot.cli_common import emit, init_database, open_store, required_name
from bot.clock import new_token, system_clock
from bot.config import Settings, load_settings
from bot.errors import BotApiError, OuderstemError, UnknownFlow
from bot.flow_model import Flow, flow_library, get_flow, json_schema
from bot.reports import cli as reports_cli
from bot.store.files import check_database, database_error
from bot.web import cli as web_cli

if TYPE_CHECKING:
    pass

Registrar = Callable[[Any], None]


def round_link(settings: Settings, token: str) -> str:
    return f"https://t.me/{settings.bot_username}?start={token}"


def parse_date(value: str) -> datetime:
    """A closing date: YYYY-MM-DD (end of that day, UTC) or a full ISO timestamp."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from None
    if len(value) == 10:
        parsed = datetime.combine(parsed.date(), time(23, 59, 59))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def known_flow(flow_id: str) -> Flow:
    try:
        return get_flow(flow_id)
    except UnknownFlow:
        raise OuderstemError(
            f"unknown flow {flow_id!r}; choose from {', '.join(sorted(flow_library()))}"
        ) from None


# ---- commands --------------------------------------------------------------------------------


async def cmd_school_add(args: argparse.Namespace, settings: Settings) -> None:
    name = required_name(args.name, "school")
    async with open_store(settings) as store:
        school = await store.add_school(name, system_clock())
        extra = await staff_cli.admin_invite(store, settings, school.id)
    data = {"id": school.id, "name": school.name, **extra}
    human = f"School {school.id}: {school.name}"
    if "admin_invite_link" in extra:
        human += f"\nAdmin invite (one use): {extra['admin_invite_link']}"
    emit(args, data, human)


async def cmd_school_list(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        schools = await store.schools()
    emit(
        args,
        {"schools": [{"id": s.id, "name": s.name} for s in schools]},
        "\n".join(f"{s.id}\t{s.name}" for s in schools) or "No schools yet.",
    )


async def cmd_round_open(args: argparse.Namespace, settings: Settings) -> None:
    flow = known_flow(args.flow)
    if args.expected is not None and args.expected < 1:
        raise OuderstemError(
            f"--expected must be at least 1 (the families the school hopes to reach), not "
            f"{args.expected}"
        )
    if args.closes is not None and args.closes <= system_clock():
        raise OuderstemError(
            f"--closes {args.closes.date().isoformat()} is in the past: give a date after today"
        )
    if args.topic and args.topic not in {t.id for t in flow.topics}:
        raise OuderstemError(
            f"unknown topic {args.topic!r} for flow {flow.id}; choose from "
            f"{', '.join(t.id for t in flow.topics) or 'none'}"
        )
    async with open_store(settings) as store:
        if await store.school(args.school) is None:
            raise OuderstemError(f"no school with id {args.school} (see `ouderstem school list`)")
        opened = await store.open_round(
            school_id=args.school,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=new_token(),
            at=system_clock(),
            closes_at=args.closes,
            expected=args.expected,
            topic=args.topic,
        )
    link = round_link(settings, opened.start_token)
    emit(
        args,
        {
            "id": opened.id,
            "school_id": opened.school_id,
            "flow": flow.id,
            "token": opened.start_token,
            "link": link,
            "closes_at": opened.closes_at,
        },
        f"Round {opened.id} open for {flow.id}.\nStart token: {opened.start_token}\nLink: {link}",
    )


async def cmd_round_close(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        if await store.round(args.round) is None:
            raise OuderstemError(f"no round with id {args.round} (see `ouderstem round list`)")
        closed = await store.close_round(args.round, system_clock())
    emit(
        args,
        {"id": args.round, "closed": closed},
        f"Round {args.round} closed." if closed else f"Round {args.round} was not open.",
    )


async def cmd_round_list(args: argparse.Namespace, settings: Settings) -> None:
    async with open_store(settings, must_exist=True) as store:
        rounds = await store.rounds(args.school)
        counts = {r.id: await store.count_respondents(r.id) for r in rounds}
    rows = [
        {
            "id": r.id,
            "school_id": r.school_id,
            "flow": r.flow_id,
            "status": r.status,
            "closes_at": r.closes_at,
            "respondents": counts[r.id],
        }
        for r in rounds
    ]
    human = "\n".join(
        f"{r.id}\tschool {r.school_id}\t{r.flow_id}\t{r.status}\t"
        f"{sum(counts[r.id].values())} respondents"
        for r in rounds
    )
    emit(args, {"rounds": rows}, human or "No rounds yet.")


async def cmd_flows_check(args: argparse.Namespace, settings: Settings) -> None:
    from bot.flow_check import check_files

    issues = check_files([Path(p) for p in args.files] if args.files else None)
    if getattr(args, "json", False):
        print(json.dumps([i.as_dict() for i in issues], ensure_ascii=False))
    else:
        for issue in issues:
            print(issue)
        errors = sum(1 for i in issues if i.severity == "error")
        print(f"{errors} error(s), {len(issues) - errors} warning(s)")
    if any(i.severity == "error" for i in issues):
        raise SystemExit(1)


def cmd_flows_schema(args: argparse.Namespace) -> None:
    text = json_schema()
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def cmd_run(args: argparse.Namespace, settings: Settings) -> None:
    from bot.runner import run_polling

    run_polling(settings)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    from bot.demo import run_demo

    if args.parents < 1:
        raise OuderstemError(f"--parents must be at least 1, not {args.parents}")
    if args.database:
        check_database(Path(args.database))
    asyncio.run(
        run_demo(parents=args.parents, database=args.database, out=Path(args.out), seed=args.seed)
    )


def cmd_backup(args: argparse.Namespace, settings: Settings) -> None:
    from bot.store.backup import backup_database

    if settings.database_file is None:
        raise OuderstemError("backup copies a SQLite file; for PostgreSQL use pg_dump")
    made = backup_database(settings.database_file, Path(args.file), force=args.force)
    emit(
        args,
        {
            "database": str(settings.database),
            "backup": str(made.target),
            "bytes": made.bytes,
            "answers": made.answers,
            "integrity": made.integrity,
        },
        f"Backup of {settings.database} written to {made.target} "
        f"({made.bytes} bytes, {made.answers} answers, integrity {made.integrity})",
    )


# ---- wiring ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ouderstem", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_json(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--json", action="store_true", help="print JSON for scripts")
        return p

    with_json(sub.add_parser("init", help="create or upgrade the database")).set_defaults(
        run=init_database
    )

    school = sub.add_parser("school", help="schools").add_subparsers(dest="action", required=True)
    add = with_json(school.add_parser("add", help="add a school"))
    add.add_argument("name")
    add.set_defaults(run=cmd_school_add)
    with_json(school.add_parser("list", help="list schools")).set_defaults(run=cmd_school_list)

    rounds = sub.add_parser("round", help="survey rounds").add_subparsers(
        dest="action", required=True
    )
    opening = with_json(rounds.add_parser("open", help="open a round and print its link"))
    opening.add_argument("--school", type=int, required=True, help="school id")
    opening.add_argument("--flow", required=True, help="flow id, e.g. barometer-ouders")
    opening.add_argument("--closes", type=parse_date, help="closing date, YYYY-MM-DD")
    opening.add_argument(
        "--expected", type=int, help="number of families the school hopes to reach"
    )
    opening.add_argument("--topic", help="topic of a dialogue round (see the flow's topics)")
    opening.set_defaults(run=cmd_round_open)
    closing = with_json(rounds.add_parser("close", help="close a round now"))
    closing.add_argument("--round", type=int, required=True)
    closing.set_defaults(run=cmd_round_close)
    listing = with_json(rounds.add_parser("list", help="list rounds"))
    listing.add_argument("--school", type=int)
    listing.set_defaults(run=cmd_round_list)

    flows = sub.add_parser("flows", help="question flows").add_subparsers(
        dest="action", required=True
    )
    check = with_json(flows.add_parser("check", help="check flows before they run"))
    check.add_argument("files", nargs="*", help="flow files (default: all in bot/flows/)")
    check.set_defaults(run=cmd_flows_check)
    schema = flows.add_parser("schema", help="print the JSON Schema of a flow file")
    schema.add_argument("--out", help="write to this file")
    schema.set_defaults(run_plain=cmd_flows_schema)

    run = sub.add_parser("run", help="run the bot (long polling)")
    run.set_defaults(run_sync=cmd_run)

    demo = sub.add_parser("demo", help="a whole round offline: simulated parents, no token")
    demo.add_argument("--parents", type=int, default=40)
    demo.add_argument("--database", help="keep the demo database here (default: a temporary file)")
    demo.add_argument("--out", default="demo-output", help="folder for the report files")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(run_sync=cmd_demo)

    backup = with_json(
        sub.add_parser("backup", help="copy the live database to FILE (safe while running)")
    )
    backup.add_argument("file", help="the copy to write, e.g. ouderstem-2026-06-30.db")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    backup.set_defaults(run_sync=cmd_backup)

    for register in REGISTRARS:
        register(sub)
    return parser


# The subcommands of other modules, in this order (every one is added whenever the parser is
# built, so importing them here costs nothing extra).
REGISTRARS: tuple[Registrar, ...] = (
    reports_cli.register,
    i18n_tools.register,
    staff_cli.register,
    db_cli.register,
    web_cli.register,
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    database: Path | str = "OUDERSTEM_DB"
    try:
        settings = load_settings()  # every command: a bad setting stops it before it starts
        database = getattr(args, "database", None) or settings.database
        if hasattr(args, "run_plain"):
            args.run_plain(args)
            return 0
        if hasattr(args, "func"):
            return int(args.func(args) or 0)
        if hasattr(args, "run_sync"):
            args.run_sync(args, settings)
        elif hasattr(args, "run_async_plain"):
            asyncio.run(args.run_async_plain(args))
        else:
            asyncio.run(args.run(args, settings))
    except BotApiError as exc:
        return fail(exc, 1)
    except OuderstemError as exc:
        return fail(exc, 2)
    except sqlite3.Error as exc:  # the file passed the checks but SQLite found it damaged
        return fail(database_error(database, exc), 2)
    except OSError as exc:  # e.g. --out in a folder that cannot be written
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}", 2)
    except KeyboardInterrupt:
        return 130
    return 0


def fail(error: object, code: int) -> int:
    """One line on stderr, and the exit code."""
    print(f"ouderstem: {error}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
