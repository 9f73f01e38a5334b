"""Webhook-reply mode end to end (issue 16): `ouderstem serve` with OUDERSTEM_WEBHOOK_REPLY=true
answers each tap's webhook POST with the parent's next question as its body, and the Bot API
emulator makes that call as Telegram does (launcher.js, patch `webhook_delivery`).

A crowd of parents answers the whole barometer through the real bot on SQLite: every parent
finishes, every answer is stored once with the value given, and most next questions travelled in
the webhook's answer (the round trip the mode saves) rather than as a call of their own.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from faults.crowd import CrowdParent, emulator_client, run_crowd
from harness import REPO_ROOT, BotProcess, Emulator
from test_workers_e2e import Worker, free_port, plan_for

from bot.flow_model import get_flow

pytestmark = [pytest.mark.e2e]

PARENTS = 12
SEED = 20261216
SECRET = "e2e-webhook-reply-secret"
TIME_LIMIT = 300.0


def test_the_next_question_travels_in_the_webhooks_answer(
    emulator: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "bot" / "ouderstem.sqlite3"
    bot = BotProcess(
        emulator,
        tmp_path / "bot",
        db_path=db,
        module="tests.faults.unthrottled_bot",
        extra_env={
            "PYTHONPATH": str(REPO_ROOT),
            "OUDERSTEM_WEBHOOK_SECRET": SECRET,
            "OUDERSTEM_WEBHOOK_REPLY": "true",
            "OUDERSTEM_WAKING_HOURS": "always",
            "OUDERSTEM_AUDIO_CACHE": str(tmp_path / "audio-cache"),
        },
    )
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    flow = get_flow("barometer-ouders")
    worker = Worker(bot, free_port(), tmp_path)
    try:
        worker.wait_ready()
        hook = emulator.api(
            bot.token,
            "setWebhook",
            url=f"http://127.0.0.1:{worker.port}/telegram",
            secret_token=SECRET,
        )
        assert hook.status_code == 200
        before = emulator.client("/_e2e/webhook", {})

        async def scenario() -> tuple[list[CrowdParent], list[BaseException]]:
            async with emulator_client(emulator.base_url) as client:
                parents = [
                    CrowdParent(client, bot.token, opened["token"], flow, plan_for(rng))
                    for _ in range(PARENTS)
                ]
                failures = await run_crowd(parents, time.monotonic() + TIME_LIMIT)
                return parents, failures

        parents, failures = asyncio.run(scenario())
        after = emulator.client("/_e2e/webhook", {})
        emulator.api(bot.token, "deleteWebhook")
    finally:
        code = worker.stop()

    assert failures == [], failures[:3]
    assert all(p.completed for p in parents)
    assert [r for p in parents for r in p.regressions] == []
    assert code in (0, -15), worker.log()[-2000:]  # uvicorn re-raises SIGTERM
    assert worker.errors() == [], worker.errors()[:5]

    # Every answer stored once, with the value the parent gave.
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT c.chat_id, a.question_id, a.value, a.text FROM answers a "
            "JOIN contacts c ON c.respondent_id = a.respondent_id"
        ).fetchall()
    stored: dict[tuple[int, str], tuple[object, object]] = {}
    for chat_id, question_id, value, text in rows:
        key = (int(chat_id), str(question_id))
        assert key not in stored, f"an answer stored twice: {question_id}"
        stored[key] = (value, text)
    for parent in parents:
        for question_id, given in parent.acked.items():
            assert given in stored[(parent.user_id, question_id)], "acknowledged answer lost"
        assert len([k for k in stored if k[0] == parent.user_id]) == len(flow.questions)

    # The saved round trips: most taps' next question came back in the webhook's answer.
    taps = sum(len(p.acked) for p in parents)
    replied = after["replied"] - before["replied"]
    assert replied >= taps // 2, (replied, taps)
    print(f"{replied} next questions in webhook answers for {taps} answers", file=sys.stderr)
