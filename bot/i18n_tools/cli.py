"""`ouderstem i18n extract|update|compile|status|check`: plain synchronous commands."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.i18n_tools import catalogs
from bot.i18n_tools.catalogs import (
    LOCALES_SUBDIR,
    show,
)
from bot.i18n_tools.check import ERROR, WARNING, Problem, check
from bot.i18n_tools.extract import extract, write_templates
from bot.i18n_tools.merge import compile_catalogs, update
from bot.i18n_tools.status import audio_coverage, status


def register(subparsers: Any) -> None:
    """`ouderstem i18n ...`: plain synchronous commands, no settings needed."""
    i18n = subparsers.add_parser("i18n", help="translation catalogs (locales/README.md)")
    actions = i18n.add_subparsers(dest="action", required=True)
    actions.add_parser("extract", help="write locales/*.pot from the sources").set_defaults(
        run_plain=cmd_extract
    )
    actions.add_parser("update", help="extract, then merge into every language's .po").set_defaults(
        run_plain=cmd_update
    )
    actions.add_parser("compile", help="write .mo files (not committed)").set_defaults(
        run_plain=cmd_compile
    )
    for name, run, text in (
        ("status", cmd_status, "per language: translated, reviewed, stale, missing, audio"),
        ("check", cmd_check, "exit 1 on any incomplete or inconsistent catalog"),
    ):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        if name == "status":
            parser.add_argument(
                "--db",
                metavar="DATABASE",
                help="also count the staff recordings approved in this database (OUDERSTEM_DB)",
            )
        parser.set_defaults(run_plain=run)


def _locales() -> Path:
    """The catalogs of the checkout the tools work on (`catalogs.ROOT`, which tests move)."""
    return catalogs.ROOT / LOCALES_SUBDIR


def cmd_extract(args: argparse.Namespace) -> None:
    templates = extract(catalogs.ROOT)
    changed = write_templates(templates, _locales())
    for domain, template in templates.items():
        print(f"{domain}: {sum(1 for m in template if m.id)} texts")
    print(f"{len(changed)} template(s) changed")


def cmd_update(args: argparse.Namespace) -> None:
    templates = extract(catalogs.ROOT)
    write_templates(templates, _locales())
    changed = update(templates, _locales())
    for path, carried in changed.items():
        note = f": {carried} translation(s) to review, the Dutch changed" if carried else ""
        print(f"{show(path)}{note}")
    print(f"{len(changed)} catalog(s) changed")


def cmd_compile(args: argparse.Namespace) -> None:
    print(f"{len(compile_catalogs(_locales()))} .mo file(s) written")


def _recording_counts(database: str) -> dict[str, int]:
    """Per language, questions with a staff recording approved in `database` (/opnemen)."""
    import asyncio

    from bot.store import open_store

    async def counts() -> dict[str, int]:
        async with open_store(database) as store:
            return await store.recording_counts()

    return asyncio.run(counts())


def cmd_status(args: argparse.Namespace) -> None:
    database = getattr(args, "db", None)
    recorded = _recording_counts(database) if database else None
    rows = status(extract(catalogs.ROOT), _locales(), audio=lambda: audio_coverage(recorded))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    print(
        f"{'language':<20} {'translated':>10} {'native':>7} {'machine':>8} {'stale':>6} {'missing':>8}  audio"
    )
    for row in rows:
        label = f"{row['language']} {row['name']}"
        audio = row["audio"]
        heard = (
            f"{audio['kind']} ({audio['engine'] or 'no voice'}"
            f", {audio['recorded']}/{audio['questions']} recorded)"
            if audio
            else "-"
        )
        if row["source"]:
            print(f"{label:<20} {'source':>10} {'':>7} {'':>8} {'':>6} {'':>8}  {heard}")
            continue
        print(
            f"{label:<20} {row['translated_pct']:>9}% {row['native_pct']:>6}% {row['machine']:>8} "
            f"{row['fuzzy']:>6} {row['missing']:>8}  {heard}"
        )
    print(
        f"{rows[0]['total'] if rows else 0} parent-facing texts per language (bot texts and flows)"
    )


def cmd_check(args: argparse.Namespace) -> None:
    found = check(extract(catalogs.ROOT), _locales())
    problems = [p for p in found if p.severity == ERROR]
    warnings = [p for p in found if p.severity == WARNING]
    if args.json:
        print(json.dumps([asdict(p) for p in found], ensure_ascii=False))
    else:
        groups: dict[tuple[str, str, str], list[Problem]] = defaultdict(list)
        for problem in found:
            groups[(problem.file, problem.kind, problem.severity)].append(problem)
        for (file, kind, severity), same in groups.items():
            if len(same) == 1:
                print(same[0])
            else:
                note = "warning: " if severity == WARNING else ""
                shown = ", ".join(p.where for p in same[:3])
                print(f"{file}: {len(same)} x {kind}: {note}{same[0].message} ({shown}, ...)")
        note = f", {len(warnings)} warning(s) (they fail nothing)" if warnings else ""
        print(f"{len(problems)} problem(s){note}")
    if problems:
        raise SystemExit(1)
