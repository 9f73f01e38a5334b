"""The unthrottled bot (tests.faults.unthrottled_bot) that SIGKILLs itself at a chosen moment.

Usage (what the crash test runs, with ``PYTHONPATH`` holding the repository root):
    OUDERSTEM_KILL_AT=after_commit:37 python -m tests.faults.killable_bot run

``OUDERSTEM_KILL_AT=<moment>:<n>`` kills the process (``kill -9`` on itself: no shutdown code
runs) the n-th time the moment comes in this life:

    during_poll    a getUpdates returned updates, before any of them is handed to a handler
    before_commit  a parent's step is about to be written (the handler runs, nothing stored)
    after_commit   a parent's step is written, before any reply goes out
    mid_reply      a tapped question was edited (✅), before the next question is sent
    after_send     a message was sent and confirmed, before anything is marked delivered

Random moments come from the test itself (it kills from outside at a seeded time).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.request import BaseRequest

import tests.faults.unthrottled_bot  # noqa: F401  (its patches: a wide rate limiter)
from bot.cli import main
from bot.store.chats import Chats
from bot.tg.intake import Pending
from bot.tg.polling import Poller

KILL_ENV = "OUDERSTEM_KILL_AT"
MOMENTS = ("during_poll", "before_commit", "after_commit", "mid_reply", "after_send")


class Trigger:
    def __init__(self, spec: str) -> None:
        moment, _, count = spec.partition(":")
        if moment not in MOMENTS:
            raise SystemExit(f"{KILL_ENV}: unknown moment {moment!r}")
        self.moment = moment
        self.left = int(count or 1)

    def reached(self, moment: str) -> None:
        if moment != self.moment:
            return
        self.left -= 1
        if self.left <= 0:
            sys.stderr.write(f"killable_bot: kill -9 at {moment}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)


def install(trigger: Trigger) -> None:
    record_turn = Chats.record_turn

    async def killing_record_turn(self: Chats, turn: Any) -> None:
        trigger.reached("before_commit")
        await record_turn(self, turn)
        trigger.reached("after_commit")

    Chats.record_turn = killing_record_turn  # type: ignore[method-assign]

    # The poller's own getUpdates (it fetches the raw JSON and keeps each update lean; it no
    # longer calls ExtBot.get_updates, so a hook there never fires).
    get_updates = Poller._get_updates

    async def killing_get_updates(self: Poller, waiting: float) -> tuple[Pending, ...]:
        updates = await get_updates(self, waiting)
        if updates:
            trigger.reached("during_poll")
        return updates

    Poller._get_updates = killing_get_updates  # type: ignore[method-assign]

    # Below every request class (PTB's HTTPXRequest and the bot's own LeanRequest alike): the
    # one method every Bot API call passes once it has its answer.
    request_wrapper: Callable[..., Awaitable[Any]] = BaseRequest._request_wrapper

    async def killing_request(self: BaseRequest, url: str, *args: Any, **kwargs: Any) -> Any:
        result = await request_wrapper(self, url, *args, **kwargs)
        if url.endswith("/editMessageText"):
            trigger.reached("mid_reply")
        elif url.endswith("/sendMessage"):
            trigger.reached("after_send")
        return result

    BaseRequest._request_wrapper = killing_request  # type: ignore[method-assign]


if os.environ.get(KILL_ENV):
    install(Trigger(os.environ[KILL_ENV]))

if __name__ == "__main__":
    sys.exit(main())
