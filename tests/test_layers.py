"""The layers: Telegram stays in bot/tg/, bot/web/ and the entry points (docs/architecture.md).

Every module of the package is read with `ast` (imports inside functions and under
TYPE_CHECKING count too); none outside the Telegram layer may import `telegram` or `bot.tg`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import bot

PACKAGE = Path(bot.__file__).resolve().parent
# The Telegram layer, the HTTP edge whose webhook feeds it, and the entry points that wire it.
TELEGRAM_SIDE = ("tg", "web")
ENTRY_POINTS = frozenset({"cli.py", "runner.py", "demo.py", "__main__.py"})
FORBIDDEN = ("telegram", "bot.tg")


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Every module a file imports, by absolute name (relative imports resolved in `package`)."""
    if package is None:
        package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def is_forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f"{f}.") for f in FORBIDDEN)


def outside_the_telegram_layer() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in TELEGRAM_SIDE
        and not (path.parent == PACKAGE and path.name in ENTRY_POINTS)
    ]


def test_no_module_outside_bot_tg_imports_telegram() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in imported_modules(path) if is_forbidden(n))
        for path in outside_the_telegram_layer()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The walker itself: plain, from, nested and relative imports are all found."""
    sample = tmp_path / "sample.py"
    text = "import telegram.ext\nfrom . import parent\ndef f():\n    from bot.tg.deps import Deps\n"
    sample.write_text(text, encoding="utf-8")
    found = imported_modules(sample, package="bot.tg")
    assert {"telegram.ext", "bot.tg.parent", "bot.tg.deps.Deps"} <= found
    assert all(is_forbidden(n) for n in ("telegram.ext", "bot.tg.parent", "bot.tg.deps"))
    assert not is_forbidden("telegramish")
    assert not is_forbidden("bot.tgx")
    assert len(outside_the_telegram_layer()) > 20
