"""`python -m bench`: run the scenarios in one process run and print the table of ratios."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import json
import logging
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import DEFAULT, FULL, QUICK, SCENARIOS, Sizes
from bench.results import Result, table


async def run_all(names: list[str], sizes: Sizes, workdir: Path, echo: bool = True) -> list[Result]:
    """Run the named scenarios one after the other, each in its own folder of `workdir`."""
    results: list[Result] = []
    for name in names:
        module = importlib.import_module(SCENARIOS[name])
        folder = workdir / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        # As production does once the application is built (`bot.runner`): what is loaded so far
        # lives for the whole run, so the collector stops walking it (both sides of a comparison
        # run in this same process, so both get it).
        gc.collect()
        gc.freeze()
        began = time.perf_counter()
        if echo:
            print(f"{name} ...", end=" ", flush=True, file=sys.stderr)
        found = await module.run(sizes, folder)
        if echo:
            print(f"{time.perf_counter() - began:.0f} s", file=sys.stderr)
        results += found
    return results


VERSIONED = (
    "python-telegram-bot",
    "aiosqlite",
    "httpx",
    "pydantic",
    "psycopg",
    "babel",
    "matplotlib",
    "fpdf2",
    "starlette",
)


def _read(path: str, prefix: str) -> str | None:
    """The value of the first `prefix: value` line of a /proc file, if there is one."""
    with contextlib.suppress(OSError):
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return None


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"sqlite": sqlite3.sqlite_version}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": _read("/proc/cpuinfo", "model name"),
        "memory": _read("/proc/meminfo", "MemTotal"),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "versions": versions(),
        "gc_freeze": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    size.add_argument(
        "--full", action="store_true", help="P4 at 10,000 messages (333 s) and longer P1"
    )
    parser.add_argument("--only", default="", help="comma-separated scenarios, e.g. P1,P3")
    parser.add_argument("--json", type=Path, help="write every result, with details, to this file")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where the databases go (default: a fresh folder under /tmp/bench, removed after); "
        "use a real disk: fsync on tmpfs is free and would flatter the baseline",
    )
    args = parser.parse_args(argv)
    names = [n.strip().upper() for n in args.only.split(",") if n.strip()] or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    sizes = QUICK if args.quick else FULL if args.full else DEFAULT
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    keep = args.workdir is not None
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        workdir = args.workdir
    else:
        Path("/tmp/bench").mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="run-", dir="/tmp/bench"))
    before = machine()
    try:
        results = asyncio.run(run_all(names, sizes, workdir))
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    after = os.getloadavg()
    print(table(results))
    print(
        f"\nPython {before['python']}, {before['cpus']} CPUs, load average {before['load_average'][0]:.2f} "
        f"before and {after[0]:.2f} after; sizes: {'quick' if args.quick else 'full' if args.full else 'default'}"
    )
    print(
        "versions: "
        + ", ".join(f"{name} {version}" for name, version in before["versions"].items() if version)
    )
    if args.json:
        payload = {
            "machine": {**before, "load_average_after": after},
            "sizes": asdict(sizes),
            "results": [r.to_dict() for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
