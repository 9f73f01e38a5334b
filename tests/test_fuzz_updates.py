"""Fuzz: thousands of random and malformed updates through the real Application.

Hypothesis builds lists of actions by eight people: deep links (real, closed, junk), real and
forged button presses (random bytes, over 64 bytes, other rounds, inaccessible and inline
messages), text of every shape (5,000+ characters, empty, RTL marks, zero-width, ZWJ emoji,
random unicode), commands (known, unknown, for another bot, with odd arguments), every message
kind (sticker, photo, document, voice, audio, video, video note, animation, location, venue,
contact, poll, dice), edited and forwarded messages; and in groups, supergroups and channels:
messages, commands, button presses, channel posts, edits; plus member, inline-query, poll-answer
and reaction updates. One long-lived bot and database take them all. After every example:

- nothing reached the application's error handler (a spy counts);
- every private message got at least one reply;
- the database is consistent: integrity_check, foreign keys, every answer of an existing
  respondent and a question of its round's flow, every session JSON a valid engine state.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from faults import checks
from faults.inproc import ErrorSpy, InprocBot, button_data, make_bot
from faults.updates import (
    BOT,
    FORWARD_ORIGINS,
    Action,
    actions,
    chat_json,
    command_text,
    media,
    message,
    update,
    user_json,
)
from hypothesis import HealthCheck, Phase, given, settings

from bot.store import SqliteStore
from bot.store.records import Round

LANGUAGES = ["nl", "tr", "ar", "fr", "uk", None, "en-GB", "xx"]
MAX_EXAMPLES = 400


@dataclass
class World:
    runner: asyncio.Runner
    bot: InprocBot
    spy: ErrorSpy
    rounds: dict[str, Round]
    path: Path
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # The database lives in memory-backed /dev/shm where there is one: the fuzz is about input,
    # not durability, and an fsync per answer would cost most of its time budget.
    shm = Path("/dev/shm")
    base = (
        Path(tempfile.mkdtemp(prefix="ouderstem-fuzz-", dir=shm))
        if shm.is_dir()
        else tmp_path_factory.mktemp("fuzz")
    )
    path = base / "fuzz.db"
    runner = asyncio.Runner()
    store = SqliteStore(path)

    async def setup() -> tuple[InprocBot, dict[str, Round]]:
        await store.open()
        bot = await make_bot(store, rate_limit=False)
        rounds = {
            "main": await bot.open_round(),
            "dialog": await bot.open_round("dialoog"),
            "closed": await bot.open_round(),
        }
        await store.close_round(rounds["closed"].id, bot.deps.clock())
        return bot, rounds

    bot, rounds = runner.run(setup())
    spy = ErrorSpy().install(bot.application)
    world = World(runner, bot, spy, rounds, path)
    yield world
    world_counts = dict(world.counts)

    async def teardown() -> None:
        await bot.application.shutdown()
        await store.close()

    runner.run(teardown())
    runner.close()
    if base.parent == shm:
        shutil.rmtree(base, ignore_errors=True)
    print(f"fuzz: {sum(world_counts.values())} updates:", dict(sorted(world_counts.items())))


def private_update(world: World, who: int, act: Action) -> dict[str, Any] | None:
    text, forged, command, args, kind, n, mention = act.payload
    user = user_json(900_000 + who, LANGUAGES[who])
    chat = chat_json(900_000 + who, "private")
    sent = world.bot.api.messages.get(chat["id"], [])
    match act.kind:
        case "start_real" | "start_other" | "start_closed":
            token = world.rounds[
                {"start_real": "main", "start_other": "dialog", "start_closed": "closed"}[act.kind]
            ]
            body, entities = command_text("start", [token.start_token], None)
            return update(message=message(chat, user, text=body, entities=entities))
        case "start_junk":
            body, entities = command_text("start", [*text.split()[:1], *args[:1]], mention)
            return update(message=message(chat, user, text=body, entities=entities))
        case "press_real":
            keyboards = [m for m in sent if button_data(m)]
            if not keyboards:
                return update(message=message(chat, user, text=text or "hallo"))
            pressed = keyboards[
                -1 - n % min(3, len(keyboards))
            ]  # mostly the newest, sometimes older
            data = button_data(pressed)
            return update(
                callback_query={
                    "id": str(n),
                    "from": user,
                    "chat_instance": "ci",
                    "message": pressed,
                    "data": data[n % len(data)],
                }
            )
        case "press_forged":
            target = sent[-1] if sent else message(chat, BOT, text="?")
            return update(
                callback_query={
                    "id": str(n),
                    "from": user,
                    "chat_instance": "ci",
                    "message": target,
                    "data": forged,
                }
            )
        case "press_inaccessible":
            return update(
                callback_query={
                    "id": str(n),
                    "from": user,
                    "chat_instance": "ci",
                    "message": {"chat": chat, "message_id": 1, "date": 0},
                    "data": forged,
                }
            )
        case "press_inline":
            return update(
                callback_query={
                    "id": str(n),
                    "from": user,
                    "chat_instance": "ci",
                    "inline_message_id": f"in{n}",
                    "data": forged,
                }
            )
        case "text":
            return update(message=message(chat, user, text=text))
        case "face":
            return update(message=message(chat, user, text=args[0] if args else text))
        case "command":
            body, entities = command_text(command, args, mention)
            return update(message=message(chat, user, text=body, entities=entities))
        case "media":
            return update(message=message(chat, user, **media(kind, n)))
        case "edited":
            return update(edited_message={**message(chat, user, text=text or "x"), "edit_date": 2})
        case "forwarded":
            origin = FORWARD_ORIGINS[n % len(FORWARD_ORIGINS)]
            return update(
                message=message(chat, user, text=text or "doorgestuurd", forward_origin=origin)
            )
        case "reply_markup_text":
            return update(
                message=message(chat, user, text="/" + text)
            )  # a slash, no command entity
    raise AssertionError(act.kind)


def other_update(world: World, who: int, act: Action) -> dict[str, Any]:
    text, forged, command, args, kind, n, mention = act.payload
    user = user_json(900_000 + who, LANGUAGES[who])
    group = chat_json(-4_000_000 - who % 2, "group")
    supergroup = chat_json(-1_000_000_000_000 - who % 2, "supergroup")
    channel = chat_json(-1_000_000_000_100, "channel")
    match act.kind:
        case "group_text":
            return update(message=message(group, user, text=text or "hoi"))
        case "group_command":
            token = world.rounds["main"].start_token
            body, entities = command_text(command or "start", args or [token], mention)
            return update(message=message(group, user, text=body, entities=entities))
        case "group_media":
            return update(message=message(group, user, **media(kind, n)))
        case "supergroup_text":
            return update(message=message(supergroup, user, text=text or "hoi"))
        case "channel_post":
            return update(channel_post=message(channel, None, text=text or "nieuws"))
        case "edited_channel_post":
            return update(
                edited_channel_post={
                    **message(channel, None, text=text or "nieuws"),
                    "edit_date": 3,
                }
            )
        case "edited_group":
            return update(edited_message={**message(group, user, text=text or "x"), "edit_date": 2})
        case "group_press":
            target = message(group, BOT, text="Vraag 1 van 30")
            return update(
                callback_query={
                    "id": str(n),
                    "from": user,
                    "chat_instance": "cg",
                    "message": target,
                    "data": forged,
                }
            )
        case "my_chat_member":
            chat = chat_json(900_000 + who, "private")
            return update(
                my_chat_member={
                    "chat": chat,
                    "from": user,
                    "date": 1,
                    "old_chat_member": {"status": "member", "user": BOT},
                    "new_chat_member": {"status": "kicked", "user": BOT, "until_date": 0},
                }
            )
        case "inline_query":
            return update(
                inline_query={"id": str(n), "from": user, "query": text[:256], "offset": ""}
            )
        case "poll_answer":
            return update(
                poll_answer={
                    "poll_id": f"p{n}",
                    "user": user,
                    "option_ids": [0],
                    "option_persistent_ids": ["o1"],
                }
            )
        case "reaction":
            chat = chat_json(900_000 + who, "private")
            return update(
                message_reaction={
                    "chat": chat,
                    "message_id": 1,
                    "date": 1,
                    "user": user,
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                }
            )
    raise AssertionError(act.kind)


async def play(world: World, script: list[Action]) -> list[str]:
    """Each person's actions in order, the people concurrently; returns unanswered messages."""
    from telegram import Update

    application = world.bot.application
    unanswered: list[str] = []
    by_person: dict[int, list[Action]] = defaultdict(list)
    for act in script:
        by_person[act.actor].append(act)

    async def person(who: int, acts: list[Action]) -> None:
        for act in acts:
            private = act.kind in {
                "start_real",
                "start_other",
                "start_closed",
                "start_junk",
                "press_real",
                "press_forged",
                "press_inaccessible",
                "press_inline",
                "text",
                "face",
                "command",
                "media",
                "edited",
                "forwarded",
                "reply_markup_text",
            }
            raw = private_update(world, who, act) if private else other_update(world, who, act)
            assert raw is not None
            world.counts[act.kind] += 1
            chat_id = 900_000 + who
            before = len(world.bot.api.messages.get(chat_id, []))
            await application.process_update(Update.de_json(raw, application.bot))
            is_message = "message" in raw or "edited_message" in raw
            if private and is_message and len(world.bot.api.messages.get(chat_id, [])) == before:
                body = (raw.get("message") or raw.get("edited_message") or {}).get(
                    "text", "<media>"
                )
                unanswered.append(f"{act.kind}: {str(body)[:60]!r}")

    results = await asyncio.gather(
        *(person(who, acts) for who, acts in by_person.items()), return_exceptions=True
    )
    for result in results:  # every person finished (or failed) before anything is reported
        if isinstance(result, BaseException):
            raise result
    return unanswered


@pytest.mark.filterwarnings(
    "ignore:Generating overly large repr"
)  # huge texts in a failing example
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: each replay costs a whole script
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(script=actions(min_size=4, max_size=24))
def test_random_updates_never_break_the_bot(world: World, script: list[Action]) -> None:
    errors_before = len(world.spy.errors)
    unanswered = world.runner.run(play(world, script))
    new_errors = world.spy.errors[errors_before:]
    assert new_errors == [], [f"{type(e).__name__}: {e}" for e in new_errors]
    assert unanswered == []
    assert checks.problems(world.path) == []


def test_the_fuzz_reached_every_kind_and_real_answers(world: World) -> None:
    """Runs after the fuzz (same module, same database): it must have exercised the flow."""
    kinds = set(world.counts)
    assert {"press_real", "media", "edited", "forwarded", "channel_post", "group_press"} <= kinds
    assert sum(world.counts.values()) >= 2000
    stored = checks.rows(world.path, "SELECT COUNT(*), COUNT(DISTINCT respondent_id) FROM answers")
    assert stored[0][0] >= 50 and stored[0][1] >= 4
