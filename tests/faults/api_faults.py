"""Bot API faults for `StubBotApi.fault`: 429 with retry_after, 403, 5xx, timeouts.

`Faults()` is a fault function built from rules (`fail(method, outcome, times=, when=)`), and
by default it also answers like Telegram where the stub is lenient: a callback query answered
a second time gets 400 "query is too old ... or query ID is invalid".
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.tg.stub_api import error_response

Outcome = Callable[[], httpx.Response]
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def retry_after(seconds: int = 1) -> Outcome:
    return lambda: error_response(
        429, f"Too Many Requests: retry after {seconds}", retry_after=seconds
    )


def server_error(code: int = 502) -> Outcome:
    names = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return lambda: error_response(code, names.get(code, "Server Error"))


def forbidden() -> Outcome:
    return lambda: error_response(403, "Forbidden: bot was blocked by the user")


def timeout() -> Outcome:
    def raise_timeout() -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    return raise_timeout


@dataclass
class Rule:
    method: str | None  # None: any method except getMe/getUpdates
    outcome: Outcome
    times: int
    when: Callable[[dict[str, Any]], bool] | None = None


@dataclass
class Faults:
    """Rules applied in order; `injected` lists (method, description) of every fault given."""

    telegram_like: bool = True
    rules: list[Rule] = field(default_factory=list)
    injected: list[tuple[str, str]] = field(default_factory=list)
    answered: set[str] = field(default_factory=set)
    rng: random.Random | None = None
    chaos: float = 0.0  # with `rng`: chance of a random fault on any send/edit/answer call
    chaos_outcomes: tuple[Outcome, ...] = ()

    def fail(
        self,
        method: str | None,
        outcome: Outcome,
        *,
        times: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Faults:
        self.rules.append(Rule(method, outcome, times, when))
        return self

    def clear(self) -> None:
        self.rules.clear()
        self.chaos = 0.0

    def __call__(self, method: str, params: dict[str, Any]) -> httpx.Response | None:
        if method in ("getMe", "getUpdates"):
            return None
        for rule in self.rules:
            if (
                rule.times > 0
                and rule.method in (None, method)
                and (rule.when is None or rule.when(params))
            ):
                rule.times -= 1
                return self._inject(method, rule.outcome)
        chaotic = (
            self.rng is not None and self.chaos and method.startswith(("send", "edit", "answer"))
        )
        if chaotic and self.rng is not None and self.rng.random() < self.chaos:
            return self._inject(method, self.rng.choice(self.chaos_outcomes))
        if self.telegram_like and method == "answerCallbackQuery":
            query_id = str(params.get("callback_query_id"))
            if query_id in self.answered:
                self.injected.append((method, "answered twice"))
                return error_response(400, QUERY_TOO_OLD)
            self.answered.add(query_id)
        return None

    def _inject(self, method: str, outcome: Outcome) -> httpx.Response:
        try:
            response = outcome()
        except httpx.TimeoutException:
            self.injected.append((method, "timeout"))
            raise
        self.injected.append((method, str(response.status_code)))
        return response


def to_chat(chat_id: int) -> Callable[[dict[str, Any]], bool]:
    return lambda params: str(params.get("chat_id")) == str(chat_id)
