"""P5 before and after session 6's levers, in one run, each lever on its own (issue 16).

`python -m bench.p5_before_after [--respondents N] [--in-flight N] [--rounds N] [--workdir DIR]
[--main REF]` seeds N parents mid-survey once (as `bench.p5_memory` does; a `DIR/p5.db` from an
earlier run is reused), then runs the P5 child (`python -m bench.p5_memory --child`: a fresh
process, the heap frozen after start-up, test-only packages hidden) once per variant, each on a
fresh copy of the same parents, same in-flight count, alternating the variants for `--rounds`
rounds. Every child is fed webhook bodies (JSON bytes):

- `main`: the bot and bench of git REF (default `main`; `git archive` into DIR), its headline;
- `intake-body+oldlocks+imports`: today's code with every lever off (≈ main);
- `intake-body`: the body parsed on arrival and the update held while it waits (lever 1 off);
- `body+oldlocks`: an `asyncio.Lock` per chat in a generator context manager (lever 2 off);
- `body+imports`: httpx's command line (click), segno and babel.messages loaded at start
  (the idle levers off);
- `body`: every lever on, the headline of `python -m bench`.

Prints one JSON object: every child's figures, the load average before and after, and per
variant the median peak RSS. Peak RSS is a property of the process, not a rate: load slows the
children but moves their peaks little; the alternation guards against what it does move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.p5_memory import DATABASE

ROOT = Path(__file__).resolve().parent.parent
MAIN = "main"  # the variant run from a checkout of --main
VARIANTS = (
    MAIN,
    "intake-body+oldlocks+imports",
    "intake-body",
    "body+oldlocks",
    "body+imports",
    "body",
)
KEPT = ("idle_rss_mb", "peak_rss_mb", "delta_mb", "burst_peak_rss_mb", "steady_seconds")


async def seed(workdir: Path, respondents: int) -> Path:
    seeded = workdir / DATABASE
    if seeded.exists():
        return seeded
    from bench.harness import seed_parents, start_real_bot

    bot = await start_real_bot(seeded)
    try:
        await seed_parents(bot, respondents, answered=10)
    finally:
        await bot.close()
    return seeded


def checkout(ref: str, workdir: Path) -> Path:
    """The tree of git `ref` (bot and bench), extracted beside the seeded parents."""
    tree = workdir / "main-tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def child(
    seeded: Path, variant: str, respondents: int, in_flight: int, main_tree: Path
) -> dict[str, Any]:
    folder = seeded.parent / variant
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copyfile(seeded, folder / DATABASE)
    command = [sys.executable, "-m", "bench.p5_memory", "--child", str(respondents)]
    command += [str(folder), str(in_flight)]
    command += [] if variant == MAIN else [variant]  # main's own headline
    cwd = main_tree if variant == MAIN else ROOT  # its `bot` and `bench` come first on the path
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    shutil.rmtree(folder, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"{variant}: {done.stderr.strip().splitlines()[-1:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data.pop("test_only_packages_hidden", None)
    data["load_average"] = os.getloadavg()
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--main", default="main", help="git ref of the `main` variant")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="p5-before-after-"))
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    seeded = asyncio.run(seed(workdir, args.respondents))
    main_tree = checkout(args.main, workdir)
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    for _ in range(args.rounds):
        for variant in VARIANTS:
            runs[variant].append(
                child(seeded, variant, args.respondents, args.in_flight, main_tree)
            )
            print(variant, {k: runs[variant][-1][k] for k in KEPT}, file=sys.stderr)
    medians = {
        variant: {k: statistics.median(run[k] for run in done) for k in KEPT}
        for variant, done in runs.items()
    }
    print(
        json.dumps(
            {
                "respondents": args.respondents,
                "in_flight": args.in_flight,
                "main": args.main,
                "load_average_before": load_before,
                "load_average_after": os.getloadavg(),
                "medians": medians,
                "runs": runs,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
