"""Fixtures for the end-to-end tests: the emulator, the bot as a subprocess, emulated users."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import harness` in any import mode

import harness
from harness import BotFactory, BotProcess, EmulatedUser, Emulator


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end test against the Bot API emulator (needs Node.js)"
    )


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One patched emulator for the session; bots are kept apart by their tokens."""
    reason = harness.node_missing_reason()
    if reason:
        pytest.skip(reason)
    server = Emulator.start(tmp_path_factory.mktemp("emulator"))
    yield server
    server.stop()


@pytest.fixture
def bot_process(emulator: Emulator, tmp_path: Path) -> Iterator[BotFactory]:
    """Factory: ``bot_process(start=True, init_db=True, **BotProcess kwargs) -> BotProcess``.

    Each call makes a bot with a fresh token and database under tmp_path; by default the
    database is initialised with ``python -m bot init`` and the bot is started and polling.
    All are stopped at teardown. Tests still assert ``bot.errors() == []`` themselves.
    """
    factory = BotFactory(emulator, tmp_path)
    yield factory
    factory.stop_all()


@pytest.fixture
def make_user(emulator: Emulator, bot_process: BotFactory) -> Callable[..., EmulatedUser]:
    """Factory: ``make_user(bot=None, **EmulatedUser kwargs) -> EmulatedUser``.

    ``bot`` is a BotProcess or a token (default: the last bot made by ``bot_process``);
    ``chat=harness.group_chat("Klas 5B")`` puts the user in a shared group chat.
    """

    def make(bot: BotProcess | str | None = None, **kwargs: Any) -> EmulatedUser:
        if bot is None:
            if not bot_process.made:
                raise harness.HarnessError("make_user() needs a bot: call bot_process() first")
            bot = bot_process.made[-1]
        if isinstance(bot, BotProcess):
            return bot.user(**kwargs)
        return EmulatedUser(emulator, bot, **kwargs)

    return make
