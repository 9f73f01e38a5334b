"""What every scenario shares: a lean stub Bot API that times replies, the real bot and a bare
baseline bot around it, seeded parents, and a way to feed updates the way PTB's own update loop
does (through the application's update processor, so `concurrent_updates(256)` applies).

Nothing here reaches the network: PTB talks to `BenchBotApi`, a `StubBotApi` through an httpx
`MockTransport`, with the real Bot API wire format.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
import httpx
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import engine
from bot.clock import new_token
from bot.config import Settings
from bot.engine import Choose, QuestionAsked
from bot.flow_model import Flow, QuestionType, get_flow
from bot.store import SqliteStore, open_store
from bot.store.records import Round
from bot.tg import render
from bot.tg.app import build_application
from bot.tg.deps import _HOLDING, DEPS_KEY, Deps
from bot.tg.intake import parse_update
from bot.tg.requests import LeanRequest
from bot.tg.stub_api import StubBotApi

if TYPE_CHECKING:  # psycopg (~10 MB resident) loads only where PostgreSQL is used (P6)
    from bot.store.postgres import PostgresStore

TOKEN = "123456:BENCH-TOKEN"
FLOW_ID = "barometer-ouders"
# The language mix of the demo school (bot.demo.LANGUAGE_MIX), so translations and the extra
# "🇳🇱 NL" button are on the path as they are in a real Ghent school.
LANGUAGES = ("nl", "nl", "nl", "tr", "bg", "ar", "pl", "sk", "ro", "nl")
CHAT_BASE = 5_000_000_000  # chat ids of seeded parents: far from the stub's ids and the tests'

# Set by the scenario around one update; the stub appends the time each message is handed to it.
_SENT: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "bench_sent", default=None
)

_update_ids = itertools.count(10_000_001)  # unique across every scenario of one run


# ---- the stub Bot API ----------------------------------------------------------------------


@dataclass
class BenchBotApi(StubBotApi):
    """`StubBotApi` that keeps only each chat's latest keyboard message, and times replies.

    The stock stub keeps every message forever (tests read them back); over tens of thousands
    of answers that is the stub's memory, not the bot's, so the benchmark keeps only what the
    next tap needs. Editing a message it no longer holds succeeds, as Telegram would.
    """

    record_calls: bool = False
    keep_keyboards: bool = True
    keyboards: dict[int, dict[str, Any]] = field(default_factory=dict)  # chat id -> message
    sent: int = 0  # messages sent (sendMessage)
    counts: dict[str, int] = field(default_factory=dict)  # Bot API calls by method
    cpu_s: float = 0.0  # CPU time spent in the stub itself (both sides of P1 pay their own)

    def handle(self, request: Any) -> Any:
        began = time.thread_time()
        method = request.url.path.rsplit("/", 1)[-1]
        self.counts[method] = self.counts.get(method, 0) + 1
        response = super().handle(request)
        self.cpu_s += time.thread_time() - began
        if method == "sendMessage":
            self.sent += 1
            stamps = _SENT.get()
            if stamps is not None:
                stamps.append(time.perf_counter())
        return response

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": int(self.clock()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.me(),
            **{k: v for k, v in content.items() if v is not None},
        }
        markup = content.get("reply_markup") or {}
        if self.keep_keyboards and markup.get("inline_keyboard"):
            self.keyboards[chat_id] = message
        return message

    def _find(self, params: dict[str, Any]) -> dict[str, Any] | None:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        kept = self.keyboards.get(chat_id)
        if kept is not None and kept["message_id"] == message_id:
            return kept
        return {  # gone from the stub's memory; Telegram still has it
            "message_id": message_id,
            "date": int(self.clock()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.me(),
            "text": "",
        }


# ---- updates -------------------------------------------------------------------------------


def _user(chat_id: int, language: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Ouder", "language_code": language}


def tap_update(chat_id: int, language: str, message: dict[str, Any], data: str) -> dict[str, Any]:
    """The JSON Telegram sends when a parent taps a button of `message`."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": _user(chat_id, language),
            "chat_instance": str(chat_id),
            "message": message,
            "data": data,
        },
    }


def first_button(message: dict[str, Any], value: str = "4") -> str:
    """Callback data of the answer button with `value` (a face), else the first answer button."""
    buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
    answers = [b["callback_data"] for b in buttons if b.get("callback_data", "").startswith("a|")]
    for data in answers:
        if data.endswith(f"|{value}"):
            return data
    return answers[0]


async def feed(
    application: Application,  # type: ignore[type-arg]
    raw: dict[str, Any],
    parse: Callable[[dict[str, Any], Any], Update] = Update.de_json,
) -> list[float]:
    """Hand one update to the application as its update loop would; return reply times.
    `parse`: PTB's own, or the webhook's (`bot.tg.intake.parse_update`)."""
    stamps: list[float] = []
    token = _SENT.set(stamps)
    try:
        update = parse(raw, application.bot)
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
    finally:
        _SENT.reset(token)
    return stamps


class ErrorCounter(logging.Handler):
    """Counts ERROR records (a failed handler, a failed write) while a scenario runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = f"{record.name}: {record.getMessage()}"

    def __enter__(self) -> ErrorCounter:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


# ---- the real bot, and the bare baseline ---------------------------------------------------


def bench_settings(path: Path | str) -> Settings:
    """Settings for a bot on `path`, whatever the environment or a `.env` says."""
    return Settings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OUDERSTEM_DB": str(path),
            "OUDERSTEM_WAKING_HOURS": "always",  # throughput at any hour the bench runs
        }
    )


def lean_request(api: BenchBotApi | httpx.AsyncBaseTransport) -> LeanRequest:
    """The request object production's bot uses (`bot.tg.app`), over the stub's transport (or
    another), as `StubBotApi.request` makes PTB's plain one for the baselines."""
    transport = api.transport() if isinstance(api, StubBotApi) else api
    return LeanRequest(connection_pool_size=512, httpx_kwargs={"transport": transport})


@dataclass
class RealBot:
    store: SqliteStore | PostgresStore
    api: BenchBotApi
    application: Any
    round: Round
    flow: Flow
    # how an update's JSON becomes an `Update`: as production's poller and webhook do
    parse: Callable[[dict[str, Any], Any], Update] = parse_update

    async def close(self) -> None:
        await self.application.shutdown()
        await self.store.close()


async def start_real_bot(
    path: Path | str, api: BenchBotApi | None = None, request: Any = None
) -> RealBot:
    """The full stack: real Application, engine, store with durable group commits (SQLite), or
    on PostgreSQL when `path` is a postgresql:// URL (P6).

    On a database that has a round already (seeded by an earlier run), that round is used."""
    store = open_store(path)
    await store.open()
    api = api or BenchBotApi()
    deps = Deps(settings=bench_settings(path), store=store)
    application = build_application(deps, request=request or lean_request(api), rate_limit=False)
    await application.initialize()
    flow = get_flow(FLOW_ID)
    existing = await store.rounds()
    if existing:
        return RealBot(store, api, application, existing[0], flow)
    now = datetime.now(UTC)
    school = await store.add_school("Basisschool De Regenboog (bench)", now)
    opened = await store.open_round(
        school_id=school.id,
        flow_id=flow.id,
        flow_version=flow.version,
        audience=flow.audience.value,
        token=new_token(),
        at=now,
        closes_at=now + timedelta(days=14),
    )
    return RealBot(store, api, application, opened, flow)


@dataclass
class Parent:
    chat_id: int
    language: str
    message: dict[str, Any]  # the question message the next tap belongs to


def _state_after(flow: Flow, answered: int) -> tuple[engine.SessionState, list[Any], QuestionAsked]:
    state, events = engine.start(flow)
    recorded: list[Any] = []
    for _ in range(answered):
        assert state.current is not None
        state, events = engine.resume(flow, state, Choose(question_id=state.current, value="4"))
        recorded += [e.answer for e in events if isinstance(e, engine.AnswerRecorded)]
    asked = next(e for e in events if isinstance(e, QuestionAsked))
    return state, recorded, asked


def question_view(bot: RealBot, language: str, asked: QuestionAsked) -> dict[str, Any]:
    """Text and keyboard of the message the bot sends to ask `asked`, as Bot API JSON."""
    ctx = render.Context(language=language, flow=bot.flow, round_id=bot.round.id)
    view = render.ask(ctx, asked)
    assert view.keyboard is not None
    return {"text": view.text, "reply_markup": view.keyboard.to_dict()}


def question_message(bot: RealBot, chat_id: int, language: str, answered: int) -> dict[str, Any]:
    """The message asking the question after `answered` ones, as if the bot had sent it."""
    return {
        "message_id": next(bot.api._ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Ouder"},
        "from": bot.api.me(),
        **question_view(bot, language, _state_after(bot.flow, answered)[2]),
    }


def seeded_chats(count: int, first_chat: int = 0) -> list[tuple[int, str]]:
    """(chat id, language) of the parents `seed_parents` wrote, without reading them back."""
    return [(CHAT_BASE + first_chat + i, LANGUAGES[i % len(LANGUAGES)]) for i in range(count)]


async def seed_parents(
    bot: RealBot, count: int, answered: int = 0, first_chat: int = 0
) -> list[Parent]:
    """`count` parents mid-survey, written straight into the schema in one transaction.

    The rows are what the bot itself writes when a parent follows the link, picks a language
    and answers `answered` questions (the session state is computed by the real engine). Each
    parent gets the question message the bot would have sent, so their first tap is genuine.
    """
    flow, rnd = bot.flow, bot.round
    assert flow.questions[answered].type == QuestionType.SCALE
    state, recorded, asked = _state_after(flow, answered)
    state_json = state.to_json()
    at = datetime.now(UTC).isoformat()
    parents = []
    chats, respondents, contacts, sessions, answers = [], [], [], [], []
    views: dict[str, dict[str, Any]] = {}
    for i in range(count):
        chat_id = CHAT_BASE + first_chat + i
        language = LANGUAGES[i % len(LANGUAGES)]
        rid = f"bench{chat_id:016d}"
        chats.append((chat_id, language, rid, at, at))
        respondents.append((rid, rnd.id, language, "waiting", at, at))
        contacts.append((rid, chat_id))
        sessions.append((rid, state_json, at))
        answers += [(rid, rnd.id, a.question_id, a.value, at) for a in recorded]
        if language not in views:
            views[language] = question_view(bot, language, asked)
        message = {
            "message_id": next(bot.api._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Ouder"},
            "from": bot.api.me(),
            **views[language],
        }
        parents.append(Parent(chat_id, language, message))

    async def op(conn: aiosqlite.Connection) -> None:
        await conn.executemany(
            "INSERT INTO respondents(id, round_id, group_id, language, status, started_at, "
            "updated_at) VALUES (?, ?, NULL, ?, ?, ?, ?)",
            respondents,
        )
        await conn.executemany(
            "INSERT INTO chats(chat_id, language, language_confirmed, active_respondent, "
            "created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?)",
            chats,
        )
        await conn.executemany(
            "INSERT INTO contacts(respondent_id, chat_id) VALUES (?, ?)", contacts
        )
        await conn.executemany(
            "INSERT INTO sessions(respondent_id, state, updated_at) VALUES (?, ?, ?)", sessions
        )
        await conn.executemany(
            "INSERT INTO answers(respondent_id, round_id, question_id, value, answered_at) "
            "VALUES (?, ?, ?, ?, ?)",
            answers,
        )

    await bot.store.run_write(op)
    return parents


def answer(bot: RealBot, parent: Parent) -> Awaitable[list[float]]:
    """The parent's next tap handed to the full stack, parsed as production parses updates."""
    return feed(bot.application, next_tap(bot.api, parent), bot.parse)


def next_tap(api: BenchBotApi, parent: Parent) -> dict[str, Any]:
    """The parent taps 🙂 on the latest question the bot sent them."""
    message = api.keyboards.get(parent.chat_id, parent.message)
    parent.message = message
    return tap_update(parent.chat_id, parent.language, message, first_button(message))


@dataclass
class BareBot:
    """The baseline: a bare PTB application that replies once and does one fsync'd INSERT per
    update (same stub transport, same WAL + synchronous=FULL SQLite, a single connection in
    autocommit mode, so one commit, one fsync, per update)."""

    conn: aiosqlite.Connection
    api: BenchBotApi
    application: Any

    async def close(self) -> None:
        await self.application.shutdown()
        await self.conn.close()


async def start_bare_bot(path: Path, api: BenchBotApi | None = None) -> BareBot:
    api = api or BenchBotApi(keep_keyboards=False)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA busy_timeout=5000")
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS taps(update_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, "
        "data TEXT, at TEXT NOT NULL)"
    )

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        data = update.callback_query.data if update.callback_query else None
        await conn.execute(
            "INSERT INTO taps(update_id, chat_id, data, at) VALUES (?, ?, ?, ?)",
            (update.update_id, chat.id, data, datetime.now(UTC).isoformat()),
        )
        await context.bot.send_message(chat.id, "Bedankt, je antwoord is bewaard.")

    application = (
        Application.builder()
        .token(TOKEN)
        .request(api.request())
        .get_updates_request(api.request())
        .concurrent_updates(256)
        .build()
    )
    application.add_handler(TypeHandler(Update, on_update))
    await application.initialize()
    return BareBot(conn, api, application)


BARE_MESSAGE: dict[str, Any] = {
    "message_id": 1,
    "date": 0,
    "chat": {"id": 1, "type": "private"},
    "from": {"id": 1, "is_bot": True, "first_name": "Ouderstem"},
    "text": "Vraag 1 van 22",
    "reply_markup": {"inline_keyboard": [[{"text": "🙂", "callback_data": "a|1|1|welkom_1|4"}]]},
}


def bare_parents(offset: int, count: int, message: dict[str, Any] | None = None) -> list[Parent]:
    """Parents of a baseline bot, each with `message` (default `BARE_MESSAGE`) to tap."""
    first = 6_000_000_000 + offset
    shown = message or BARE_MESSAGE
    return [
        Parent(first + i, "nl", {**shown, "chat": {"id": first + i, "type": "private"}})
        for i in range(count)
    ]


@dataclass
class ThreeCallBot:
    """The baseline of issue 16's P1 CPU and P1NET rows: a bare PTB bot that does one fsync'd
    INSERT, then answers the tap, edits the tapped message and sends the next question with its
    keyboard, one call after another, as a plain PTB bot would (replies parsed)."""

    conn: aiosqlite.Connection
    api: BenchBotApi
    application: Any

    def send(self, p: Parent) -> Awaitable[list[float]]:
        data = first_button(p.message)
        return feed(self.application, tap_update(p.chat_id, p.language, p.message, data))

    async def close(self) -> None:
        await self.application.shutdown()
        await self.conn.close()


async def start_three_call_bot(
    path: Path,
    api: BenchBotApi | None = None,
    request: Callable[[], Any] | None = None,
    next_question: dict[str, Any] | None = None,
) -> ThreeCallBot:
    """`request` makes a PTB request object (default: the stub's, no network); `next_question`
    is the text and keyboard it sends (default: `BARE_MESSAGE`'s)."""
    api = api or BenchBotApi(keep_keyboards=False)
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS taps(update_id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL, "
        "data TEXT, at TEXT NOT NULL)"
    )
    asked = next_question or BARE_MESSAGE
    text, keyboard = asked["text"], asked["reply_markup"]

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        chat_id = query.message.chat.id
        await conn.execute(
            "INSERT INTO taps(update_id, chat_id, data, at) VALUES (?, ?, ?, ?)",
            (update.update_id, chat_id, query.data, datetime.now(UTC).isoformat()),
        )
        await query.answer()
        tapped = getattr(query.message, "text", None) or ""
        await context.bot.edit_message_text(
            f"{tapped}\n\n✅ 🙂", chat_id=chat_id, message_id=query.message.message_id
        )
        await context.bot.send_message(chat_id, text, reply_markup=keyboard)

    make = request or api.request
    application = (
        Application.builder()
        .token(TOKEN)
        .request(make())
        .get_updates_request(make())
        .concurrent_updates(256)
        .build()
    )
    application.add_handler(TypeHandler(Update, on_update))
    await application.initialize()
    return ThreeCallBot(conn, api, application)


@dataclass
class Tally:
    """What the full stack asked of the store and of the chat locks while `counting` was on."""

    reads: dict[str, int] = field(default_factory=dict)  # store method -> queries it ran
    writes: dict[str, int] = field(default_factory=dict)  # store method -> transactions
    locks: dict[str, int] = field(default_factory=dict)  # which lock -> times taken

    def per(self, answers: int) -> dict[str, Any]:
        def each(counts: dict[str, int]) -> dict[str, float]:
            return {k: round(v / max(1, answers), 2) for k, v in sorted(counts.items())}

        return {
            "answers": answers,
            "reads_per_answer": round(sum(self.reads.values()) / max(1, answers), 2),
            "writes_per_answer": round(sum(self.writes.values()) / max(1, answers), 2),
            "chat_locks_per_answer": round(sum(self.locks.values()) / max(1, answers), 2),
            "reads": each(self.reads),
            "writes": each(self.writes),
            "locks": each(self.locks),
        }


def chat_lock_held() -> tuple[int, int] | None:
    """The chat lock the running code holds (bot.tg.deps), as (id of its ChatLocks, chat id)."""
    return _HOLDING.get()


_CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("bench_store_call", default="?")


@contextmanager
def counting(bot: RealBot) -> Iterator[Tally]:
    """Count the store's queries and transactions (by the public method that made them) and the
    chat locks taken, by wrapping this bot's objects for a while (bench only: nothing in `bot/`
    counts). Costs CPU: never around a timed segment."""
    tally = Tally()
    store, deps = bot.store, bot.application.bot_data[DEPS_KEY]
    undo: list[tuple[Any, str]] = []

    def patch(obj: Any, name: str, wrapper: Any) -> None:
        setattr(obj, name, wrapper)
        undo.append((obj, name))

    def bump(counts: dict[str, int], key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    def public(name: str, method: Any) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            token = _CALLER.set(name)
            try:
                return await method(*args, **kwargs)
            finally:
                _CALLER.reset(token)

        return call

    for name in dir(type(store)):
        method = getattr(store, name, None)
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            patch(store, name, public(name, method))
    fetch, submit = store._fetch, store._submit

    async def counted_fetch(*args: Any, **kwargs: Any) -> Any:
        bump(tally.reads, _CALLER.get())
        return await fetch(*args, **kwargs)

    async def counted_submit(*args: Any, **kwargs: Any) -> Any:
        bump(tally.writes, _CALLER.get())
        return await submit(*args, **kwargs)

    patch(store, "_fetch", counted_fetch)
    patch(store, "_submit", counted_submit)
    processor = bot.application.update_processor
    turns = getattr(processor, "turns", None)
    if turns is deps.locks:  # one lock: the update's turn is the guard's (bot.tg.app)
        holders = [("chat lock (the update's turn, also the guard's)", deps.locks)]
    else:
        holders = [("guard (deps.locks)", deps.locks)]
        if turns is not None:
            holders.append(("chat turn (update processor)", turns))
    for label, locks in holders:
        hold = locks.hold

        def counted_hold(
            chat_id: int | None, _hold: Any = hold, _label: str = label, _locks: Any = locks
        ) -> Any:
            # a hold inside the same chat's hold takes no lock (bot.tg.deps.ChatLocks)
            if chat_id is not None and chat_lock_held() != (id(_locks), chat_id):
                bump(tally.locks, _label)
            return _hold(chat_id)

        patch(locks, "hold", counted_hold)
    try:
        yield tally
    finally:
        for obj, name in reversed(undo):
            delattr(obj, name)


# ---- load shapes ---------------------------------------------------------------------------


async def closed_loop(
    parents: Sequence[Parent], answers_each: int, send: Callable[[Parent], Awaitable[list[float]]]
) -> tuple[float, int]:
    """Every parent at once, each answering `answers_each` questions one after the other.

    Returns (seconds, updates handled)."""

    async def one(parent: Parent) -> int:
        for _ in range(answers_each):
            await send(parent)
        return answers_each

    began = time.perf_counter()
    done = await asyncio.gather(*(one(p) for p in parents))
    return time.perf_counter() - began, sum(done)


@dataclass
class OpenLoopResult:
    offered: int
    seconds: float
    latencies_ms: list[float]  # from the start of handling to the last reply handed to the stub
    delays_ms: list[float]  # from the moment the update was due (includes the generator's lag)
    missing: int  # updates that sent no reply


async def open_loop(
    parents: Sequence[Parent],
    rate: float,
    seconds: float,
    send: Callable[[Parent], Awaitable[list[float]]],
) -> OpenLoopResult:
    """Offer `rate` updates per second for `seconds`, whatever the bot's pace (open loop).

    Update i is due at t0 + i / rate and goes to parent i mod len(parents)."""
    total = max(1, int(rate * seconds))
    latencies: list[float] = []
    delays: list[float] = []
    missing = 0

    async def one(parent: Parent, due: float) -> None:
        nonlocal missing
        began = time.perf_counter()
        stamps = await send(parent)
        if not stamps:
            missing += 1
            return
        latencies.append((stamps[-1] - began) * 1000)
        delays.append((stamps[-1] - due) * 1000)

    tasks = []
    t0 = time.perf_counter() + 0.01
    for i in range(total):
        due = t0 + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(parents[i % len(parents)], due)))
    await asyncio.gather(*tasks)
    return OpenLoopResult(total, time.perf_counter() - t0, latencies, delays, missing)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank), 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
