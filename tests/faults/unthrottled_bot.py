"""``python -m bot`` for load through the emulator: rate limiter raised, keep-alive shortened.

Usage (what the kill -9 test runs, with ``PYTHONPATH`` holding the repository root):
    python -m tests.faults.unthrottled_bot run

Everything else is the real bot: the same CLI, runner, application, handlers and store. Two
settings of the HTTP side differ, both about the emulator rather than the bot:

- PTB's rate limiter allows 2,000 requests a second instead of Telegram's 30. The emulator has
  no flood limits, and at 30 messages a second a hundred parents answering 22 questions (an
  edit and a new message per answer) would wait minutes, which proves nothing about durability.
  The limiter stays in the path, only wider.
- Idle connections are dropped after 2 s instead of httpx's 5 s. The emulator (Node) closes an
  idle keep-alive connection after exactly 5 s too; on a busy machine httpx then reuses a
  connection at the moment Node closes it and the request fails with `httpx.ReadError`.
"""

from __future__ import annotations

import functools
import sys

import httpx
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

import bot.tg.app
from bot.cli import main

KEEPALIVE_SECONDS = 2.0

bot.tg.app.AIORateLimiter = functools.partial(  # type: ignore[misc]
    AIORateLimiter, overall_max_rate=2000, overall_time_period=1
)

_build_client = HTTPXRequest._build_client


def _short_keepalive(self: HTTPXRequest) -> httpx.AsyncClient:
    limits = self._client_kwargs["limits"]
    self._client_kwargs["limits"] = httpx.Limits(
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=KEEPALIVE_SECONDS,
    )
    return _build_client(self)


HTTPXRequest._build_client = _short_keepalive  # type: ignore[method-assign]

if __name__ == "__main__":
    from tests.faults import trace

    trace.install()  # only with OUDERSTEM_E2E_TRACE set
    sys.exit(main())
