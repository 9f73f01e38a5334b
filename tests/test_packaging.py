"""The package carries everything it reads at run time (issue 9: a real package).

A fast, static look at what `pip install .` puts in the wheel, from pyproject.toml: every
subpackage, and every data file the bot reads (flows, catalogs, migrations, recordings). The real
thing, a wheel installed in a clean venv and run from /tmp, is `scripts/check-wheel.sh`, which
`scripts/test.sh` runs.
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from setuptools import find_packages

import bot
from bot.flow_model import FLOWS_DIR
from bot.i18n import LOCALES_DIR
from bot.i18n_tools import ROOT

PACKAGE = Path(bot.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
# What the bot opens at run time, by suffix; anything else under bot/ is code or documentation.
DATA_SUFFIXES = {".yaml", ".po", ".mo", ".sql", ".ogg", ".pot", ".typed", ".html", ".js", ".css"}


def shipped_packages() -> set[str]:
    found = SETUPTOOLS["packages"]["find"]
    return set(find_packages(str(ROOT), include=found["include"]))


def shipped(path: Path) -> bool:
    """Whether a data file under bot/ matches a package-data pattern of the `bot` package."""
    relative = path.relative_to(PACKAGE).as_posix()
    return any(fnmatch(relative, pattern) for pattern in SETUPTOOLS["package-data"]["bot"])


def test_every_subpackage_goes_into_the_wheel() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in PACKAGE.rglob("__init__.py")
    }
    assert on_disk >= {"bot", "bot.store", "bot.tg", "bot.reports"}
    assert shipped_packages() == on_disk


def test_every_data_file_goes_into_the_wheel() -> None:
    data = [p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES]
    assert len(data) > 40  # flows, 31 catalogs, migrations, py.typed
    assert [str(p.relative_to(PACKAGE)) for p in data if not shipped(p)] == []


def test_recordings_would_go_into_the_wheel() -> None:
    assert shipped(LOCALES_DIR / "ti" / "audio" / "barometer-ouders" / "welkom_1.ogg")


def test_flows_and_catalogs_are_found_inside_the_package() -> None:
    assert FLOWS_DIR.parent == PACKAGE and sorted(FLOWS_DIR.glob("*.yaml"))
    assert LOCALES_DIR.parent == PACKAGE
    assert (LOCALES_DIR / "fr" / "LC_MESSAGES" / "ouderstem.po").is_file()


def test_no_module_reads_files_beside_the_package() -> None:
    """Only the i18n tools (which need the source checkout) may look above bot/."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if "parent.parent" in path.read_text(encoding="utf-8")
        and path.parent != PACKAGE / "i18n_tools"
    ]
    assert offenders == []
