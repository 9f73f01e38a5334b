"""Sounds made ahead of time: a repair question's sound is synthesised in the background while
the rejection goes out. Its own room because it owns state (the tasks in flight) that the
application's shutdown must drop, which the replies and the step do not.
"""

from __future__ import annotations

import asyncio
import logging

from bot.flow_model import Flow
from bot.tg.deps import Deps

log = logging.getLogger(__name__)

PREPARING: set[asyncio.Task[None]] = set()  # sounds synthesised ahead (kept from the GC)
PREPARING_GRACE = 5.0  # seconds a cancelled synthesis may take to kill its tools at shutdown


def prepare_sound(
    deps: Deps, flow: Flow, question_id: str, language: str, topic: str | None = None
) -> None:
    """Synthesise a question's sound in the background, so the repair question that may follow
    sends it from the cache instead of waiting ~1.4 s for espeak and ffmpeg (with the round's
    `topic` where the question names it: the sound that will be sent)."""
    audio = deps.audio
    if audio is None:
        return

    async def synthesise() -> None:
        from bot.audio import AudioError  # bot.audio imports this package (its /voorlezen)

        try:
            await audio.ensure(audio.clip(flow, question_id, language, topic))
        except (AudioError, OSError) as exc:  # send_question will say so, if it comes to that
            log.info("preparing a sound failed: %s", type(exc).__name__)

    task = asyncio.create_task(synthesise())
    PREPARING.add(task)
    task.add_done_callback(PREPARING.discard)


async def drop_preparing() -> None:
    """Cancel this event loop's sounds in preparation and wait until they are gone (shutdown)."""
    loop = asyncio.get_running_loop()
    mine = [task for task in PREPARING if task.get_loop() is loop]
    for task in mine:
        task.cancel()
    if mine:
        await asyncio.wait(mine, timeout=PREPARING_GRACE)
