"""`ouderstem report`: one round's report from the command line, for staff and scripts.

Usage:
    ouderstem report --round 12                       # the summary and every view, as text
    ouderstem report --round 12 --format json         # the stable JSON (bot/reports/README.md)
    ouderstem report --round 12 --format xlsx --out rapport.xlsx
    ouderstem report --round 12 --format png --out grafieken/   # one PNG per chart

The database is the one at $OUDERSTEM_DB (default ./ouderstem.db). The same privacy rules as in
the chat apply: the command shows nothing a staff member could not see in Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.config import load_settings
from bot.errors import DatabaseFileError, NotFound, OuderstemError, UnknownFlow
from bot.limits import MIN_GROUP_CLOSED, MIN_GROUP_OPEN
from bot.reports.model import ReportOptions, RoundReport

CLI_FORMATS = ("text", "json", "csv", "xlsx", "pdf", "png")
BINARY = {"xlsx", "pdf"}


def register(subparsers: Any) -> None:
    """Add the `report` subcommand to the main CLI's argparse subparsers."""
    parser = subparsers.add_parser(
        "report",
        help="report of one round (text, json, csv, xlsx, pdf or png)",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("--round", dest="round_id", type=int, required=True, help="round id")
    parser.add_argument("--format", dest="fmt", choices=CLI_FORMATS, default="text")
    parser.add_argument(
        "--out",
        type=Path,
        help="file to write (a folder for png); default: standard output for text, json and csv, "
        "ouderstem-rapport-<round>.<ext> for xlsx and pdf, ./ouderstem-rapport-<round>/ for png",
    )
    parser.add_argument(
        "--viewer",
        choices=("team", "brugfiguur", "coordinator"),
        default="team",
        help="who reads it (voice answers only for a brugfiguur with --voice)",
    )
    parser.add_argument("--voice", action="store_true", help="list voice file ids (brugfiguur)")
    parser.add_argument(
        "--min-closed",
        type=int,
        default=MIN_GROUP_CLOSED,
        help=f"minimum answers per figure (at least {MIN_GROUP_CLOSED})",
    )
    parser.add_argument(
        "--min-open",
        type=int,
        default=MIN_GROUP_OPEN,
        help=f"minimum respondents before open answers (at least {MIN_GROUP_OPEN})",
    )
    parser.set_defaults(func=run, handler=run)


def run(args: argparse.Namespace) -> int:
    """The handler: build the report and write it; returns the exit code."""
    from bot.store.files import check_database

    if args.min_closed < MIN_GROUP_CLOSED or args.min_open < MIN_GROUP_OPEN:
        floor, name = (
            (MIN_GROUP_CLOSED, "--min-closed")
            if args.min_closed < MIN_GROUP_CLOSED
            else (MIN_GROUP_OPEN, "--min-open")
        )
        raise OuderstemError(f"{name} may only be raised, not below {floor} (privacy floor)")
    path = load_settings().database
    try:
        if not isinstance(path, str):  # a SQLite file; a PostgreSQL URL is checked by connecting
            check_database(path, must_exist=True)
    except DatabaseFileError as exc:
        print(f"ouderstem: {exc}", file=sys.stderr)
        return 2
    options = ReportOptions(
        viewer=args.viewer,
        include_voice=args.voice,
        min_closed=args.min_closed,
        min_open=args.min_open,
    )
    try:
        report = asyncio.run(_build(path, args.round_id, options))
    except NotFound:
        print(f"no round {args.round_id} in {load_settings().database_label}", file=sys.stderr)
        return 1
    except UnknownFlow as exc:
        print(
            f"round {args.round_id} uses {exc.flow_id!r}, which is not in bot/flows/",
            file=sys.stderr,
        )
        return 1
    return _write(report, args.fmt, args.out)


async def _build(path: Path | str, round_id: int, options: ReportOptions) -> RoundReport:
    from bot.store import open_store

    async with open_store(path) as store:
        from bot.reports.build import build_round_report

        return await build_round_report(store, round_id, options)


def _write(report: RoundReport, fmt: str, out: Path | None) -> int:
    from bot.reports.charts import charts
    from bot.reports.exports import export
    from bot.reports.text import VIEWS, detail_text, summary_text

    rid = report.round.id
    if fmt == "png":
        folder = out or Path(f"ouderstem-rapport-{rid}")
        folder.mkdir(parents=True, exist_ok=True)
        for name, png in charts(report):
            (folder / name).write_bytes(png)
            print(folder / name)
        return 0
    if fmt == "text":
        parts = [summary_text(report)] + [detail_text(report, view) for view in VIEWS]
        data = ("\n\n" + "─" * 40 + "\n\n").join(parts).encode("utf-8") + b"\n"
    else:
        data = export(report, fmt)
    if out is None and fmt in BINARY:
        out = Path(f"ouderstem-rapport-{rid}.{fmt}")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        print(out)
    return 0
