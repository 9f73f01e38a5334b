"""Many parents at once through the Bot API emulator, each an asyncio task.

A `CrowdParent` plays one parent in a private chat with the bot: it opens the round's deep
link, picks the language the bot proposes, answers every question of the flow with its own
planned answer (the open question with its planned text) and reads what the bot sends through
the emulator's client API. It keeps a ledger for the checks afterwards:

- ``acked``: answers the bot acknowledged, i.e. the parent received the NEXT question (or the
  closing message) after giving them. These must be stored, exactly once.
- ``regressions``: the bot asked again a question whose answer it had acknowledged (an
  acknowledged answer was lost, or applied twice).

When the bot goes quiet (killed, restarting, an update lost) the parent does what a person
does: after ``stall`` seconds it opens the link again (``/start <token>``), which resumes the
conversation where the bot has it (and waits twice as long before the next time). Every wait is bounded by the deadline given to `run`.

With ``reopen=False`` (issue 12) the parent never types anything to get the bot going again: it
reads each question for a moment (``reading``), and when it waits for the bot with nothing to
tap for ``silence_limit`` seconds while the bot is up (``bot_up``), that is a **silence**: it is
counted, and only then does the parent open the link again so the run can finish. ``asked``
counts how often each question reached the parent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.flow_model import Flow
from bot.i18n import flow_text, t
from bot.texts import parents as texts

_ids = itertools.count(880_000_001)  # user ids of crowd parents (harness users start at 700001)


def question_of(stored: dict[str, Any]) -> str | None:
    """The question id a bot message asks, read from its buttons' callback data."""
    for data in button_data(stored):
        parts = data.split("|")
        if parts[0] in ("a", "s", "d", "o", "h") and len(parts) >= 4:
            return parts[3]
    return None


def button_data(stored: dict[str, Any]) -> list[str]:
    markup = stored["message"].get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class BotUp:
    """Since when the bot polls again (None while it is down), set by the test that kills it."""

    ready_at: float | None = None
    starts: list[float] = field(default_factory=list)  # seconds each start took, for the report


@dataclass
class CrowdParent:
    """One parent in a private chat; see the module docstring."""

    client: httpx.AsyncClient
    bot_token: str
    round_token: str
    flow: Flow
    plan: dict[str, str]  # question id -> value to press, or the text for an open question
    language_code: str | None = "nl"
    user_id: int = field(default_factory=lambda: next(_ids))
    stall: float = 6.0
    poll_min: float = 0.1  # seconds between polls right after acting; doubles while quiet
    poll_max: float = 1.2
    settle: float = 2.0  # quiet seconds after the last answer's reply before calling it done

    acked: dict[str, str] = field(default_factory=dict)
    regressions: list[str] = field(default_factory=list)
    completed: bool = False
    recoveries: int = 0
    received: int = 0
    language: str | None = None  # the language the parent chose
    reopen: bool = True  # False: never /start to get going again, count silences instead
    reading: tuple[float, float] = (0.0, 0.0)  # seconds spent reading a question before acting
    rng: random.Random | None = None
    bot_up: BotUp | None = None
    silence_limit: float = 6.0
    asked: Counter[str] = field(default_factory=Counter)
    silences: int = 0
    # What the parent saw and did, in order (wall time, what): read when a check fails.
    timeline: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.user = {"id": self.user_id, "is_bot": False, "first_name": "Ouder"}
        if self.language_code:
            self.user["language_code"] = self.language_code
        self.chat = {"id": self.user_id, "type": "private", "first_name": "Ouder"}
        self._order = [q.id for q in self.flow.questions]
        self._open = {q.id for q in self.flow.questions if q.type.value == "open"}
        self._last = self.flow.answerable_questions[-1].id

    # ---- talking to the emulator -------------------------------------------------------------

    async def _post(self, path: str, payload: dict[str, Any]) -> Any:
        for attempt in range(5):
            try:
                response = await self.client.post(path, json=payload)
                response.raise_for_status()
                return response.json().get("result")
            except httpx.TransportError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2)
        return None

    def _message(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            **fields,
            "botToken": self.bot_token,
        }

    async def command(self, command: str, *args: str) -> None:
        text = " ".join([f"/{command}", *args])
        self._note(f"/{command}")
        entity = {"type": "bot_command", "offset": 0, "length": len(command) + 1}
        await self._post("/sendCommand", self._message({"text": text, "entities": [entity]}))

    async def text(self, text: str) -> None:
        self._note("typed")
        await self._post("/sendMessage", self._message({"text": text}))

    async def press(self, stored: dict[str, Any], data: str) -> None:
        message = stored["message"]
        self._note(f"pressed #{stored['messageId']} {data}")
        markup = message.get("reply_markup")
        api_message = {
            "message_id": int(stored["messageId"]),
            "from": {
                "id": 666,
                "is_bot": True,
                "first_name": "Test First name",
                "username": "TestNameBot",
            },
            "chat": self.chat,
            "date": int(stored["time"]) // 1000,
            "text": message.get("text", ""),
            **(
                {"reply_markup": json.loads(markup) if isinstance(markup, str) else markup}
                if markup
                else {}
            ),
        }
        payload = {
            "botToken": self.bot_token,
            "from": self.user,
            "message": api_message,
            "data": data,
        }
        await self._post("/sendCallback", payload)

    async def poll(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            await self._post("/getUpdates", {"token": self.bot_token, "chatId": self.user_id}) or []
        )
        self.received += len(found)
        for stored in found:
            text = str(stored["message"].get("text", ""))[:24]
            self._note(f"got #{stored['messageId']} {question_of(stored) or '-'} {text!r}")
        return found

    def _note(self, what: str) -> None:
        self.timeline.append((time.time(), what))

    # ---- the conversation --------------------------------------------------------------------

    def _index(self, question_id: str) -> int:
        return self._order.index(question_id)

    def _is(self, stored: dict[str, Any], text: str) -> bool:
        return self.language is not None and stored["message"].get("text", "").startswith(
            t(self.language, text).split("{")[0]
        )

    def _closing(self, stored: dict[str, Any]) -> bool:
        if self.language is None:
            return False
        closing = flow_text(self.language, self.flow.id, "closing", self.flow.closing)
        return stored["message"].get("text", "").startswith(closing.split("{")[0])

    async def run(self, deadline: float) -> None:
        """Answer the whole flow, recovering from silence, until done or the deadline."""
        await self.command("start", self.round_token)
        last_progress = time.monotonic()
        current: dict[str, Any] | None = None  # the newest question message
        acted_on: int | None = None  # message id of the question last answered
        pending: tuple[str, str] | None = None  # answered, not yet acknowledged
        step = self.poll_min
        act_after = 0.0  # the parent reads the newest question until then
        maybe_done: float | None = None  # when a text, not a question, followed the last answer
        patience = self.stall  # seconds of silence before opening the link again
        while not self.completed:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"parent {self.user_id} did not finish: acked {len(self.acked)}, "
                    f"pending {pending}, recoveries {self.recoveries}"
                )
            batch = await self.poll()
            step = self.poll_min if batch else min(step * 2, self.poll_max)
            for stored in batch:
                data = button_data(stored)
                question = question_of(stored)
                if any(d.startswith("l|") and d != "l|*" for d in data):
                    choice = next(d for d in data if d.startswith("l|") and d != "l|*")
                    self.language = choice.split("|", 1)[1]
                    await self.press(stored, choice)
                    last_progress = time.monotonic()
                elif question is not None:
                    index = self._index(question)
                    if pending is not None and index > self._index(pending[0]):
                        self.acked[pending[0]] = pending[1]
                        pending = None
                    elif pending is not None and question == pending[0]:
                        pending = None  # asked again: that answer did not arrive; give it again
                    if self.acked and index <= max(self._index(q) for q in self.acked):
                        self.regressions.append(f"{question} asked again after it was acknowledged")
                        self._note(f"REGRESSION {question}")
                    self.asked[question] += 1
                    act_after = time.monotonic() + self._reading_pause()
                    current = stored
                    maybe_done = None
                    patience = self.stall
                    last_progress = time.monotonic()
                elif self._closing(stored) or self._is(stored, texts.ALREADY_DONE):
                    if pending is not None:
                        self.acked[pending[0]] = pending[1]
                        pending = None
                    self.completed = True
                elif pending is not None and pending[0] == self._last:
                    maybe_done = time.monotonic()  # a closing text in words we did not expect?
            quiet = maybe_done is not None and time.monotonic() - maybe_done > self.settle
            if pending is not None and pending[0] == self._last and quiet:
                # Only texts and no question since the last answer: done. The database check
                # decides; the answer is not counted as acknowledged.
                self.completed = True
            if self.completed:
                break
            reading = time.monotonic() < act_after
            if (
                current is not None
                and pending is None
                and int(current["messageId"]) != acted_on
                and not reading
            ):
                question = question_of(current)
                assert question is not None
                value = self.plan[question]
                if question in self._open:
                    await self.text(value)
                else:
                    data = next(
                        d
                        for d in button_data(current)
                        if d.startswith("a|") and d.endswith(f"|{value}")
                    )
                    await self.press(current, data)
                acted_on = int(current["messageId"])
                pending = (question, value)
                last_progress = time.monotonic()
                step = self.poll_min
            elif not self.reopen:
                if not reading and self._silent_since(last_progress) > self.silence_limit:
                    self.silences += 1  # nothing to tap while the bot is up: a person would leave
                    self.recoveries += 1
                    await self.command("start", self.round_token)
                    last_progress = time.monotonic()
            elif time.monotonic() - last_progress > patience:
                # Silence: open the link again, as a person would; the bot resumes where it is.
                # Waiting twice as long each time keeps a slow bot from drowning in reopenings.
                self.recoveries += 1
                await self.command("start", self.round_token)
                last_progress = time.monotonic()
                patience = min(patience * 2, 8 * self.stall)
            await asyncio.sleep(step)

    def _reading_pause(self) -> float:
        low, high = self.reading
        return self.rng.uniform(low, high) if self.rng is not None and high > 0 else low

    def _silent_since(self, last_progress: float) -> float:
        """Seconds without news while the bot is up (0 while it is down)."""
        if self.bot_up is None:
            return time.monotonic() - last_progress
        if self.bot_up.ready_at is None:
            return 0.0
        return time.monotonic() - max(last_progress, self.bot_up.ready_at)


def emulator_client(base_url: str, connections: int = 8) -> httpx.AsyncClient:
    """An async client for the emulator's client API, loopback only, no proxies."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=30.0,
        trust_env=False,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


async def run_crowd(parents: list[CrowdParent], deadline: float) -> list[BaseException]:
    """Run every parent concurrently; return the failures (timeouts) instead of raising."""
    results = await asyncio.gather(*(p.run(deadline) for p in parents), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]
