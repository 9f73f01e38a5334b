"""One person's conversation with the bot through the emulator, for the synchronous e2e tests.

`Talk` wraps an `EmulatedUser` and keeps every message the bot sent to that chat, in order, so
a test can wait for "the next question" or "a message starting with this text" without losing
the messages that arrived on the way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from harness import BotMessage, EmulatedUser, HarnessError

from bot.i18n import t

QUESTION_KINDS = ("a", "s", "d", "o", "h")


def question_id(message: BotMessage) -> str | None:
    """The question a bot message asks, read from its buttons' callback data."""
    for row in message.inline_keyboard:
        for button in row:
            parts = str(button.get("callback_data", "")).split("|")
            if parts[0] in QUESTION_KINDS and len(parts) >= 4:
                return parts[3]
    return None


def starts_with(language: str, text: str) -> Callable[[BotMessage], bool]:
    """A predicate: the message begins with catalog `text` in `language` (up to a placeholder)."""
    head = t(language, text).split("{")[0].strip()
    return lambda m: m.body.startswith(head)


class Talk:
    """An emulated user and the bot's messages to their chat, in arrival order."""

    def __init__(self, user: EmulatedUser) -> None:
        self.user = user
        self.seen: list[BotMessage] = []
        self._read = 0  # index in `seen` up to which `next()` has consumed

    def _fetch(self) -> None:
        batch = self.user.emulator.client(
            "/getUpdates", {"token": self.user.token, "chatId": self.user.chat_id}
        )
        self.seen.extend(BotMessage.from_stored(s) for s in batch or [])

    def next(self, predicate: Callable[[BotMessage], bool], timeout: float = 15.0) -> BotMessage:
        """The first message not consumed yet that matches; the ones before it are consumed."""
        end = time.monotonic() + timeout
        while True:
            self._fetch()
            for index in range(self._read, len(self.seen)):
                if predicate(self.seen[index]):
                    self._read = index + 1
                    return self.seen[index]
            if time.monotonic() > end:
                bodies = [m.body[:60] for m in self.seen[self._read :]]
                raise HarnessError(
                    f"no matching message in chat {self.user.chat_id}; new: {bodies}"
                )
            time.sleep(0.05)

    def new(self, settle: float = 0.6) -> list[BotMessage]:
        """Everything not consumed yet, after `settle` quiet seconds."""
        quiet_until = time.monotonic() + settle
        count = len(self.seen)
        while time.monotonic() < quiet_until:
            time.sleep(0.05)
            self._fetch()
            if len(self.seen) != count:
                count = len(self.seen)
                quiet_until = time.monotonic() + settle
        found = self.seen[self._read :]
        self._read = len(self.seen)
        return found

    def question(self, qid: str | None = None, timeout: float = 15.0) -> BotMessage:
        """The next message asking question `qid` (any question when None)."""
        return self.next(
            lambda m: question_id(m) is not None and qid in (None, question_id(m)), timeout
        )

    def press(self, message: BotMessage, label: str) -> None:
        """Tap the button labelled `label` on `message` (a BotMessage as the bot sent it)."""
        button = message.button(label)
        if button is None or "callback_data" not in button:
            raise HarnessError(f"no button {label!r} on {message.buttons}")
        self.user.press_data(str(button["callback_data"]), message)

    def press_data(self, message: BotMessage, data: str) -> None:
        self.user.press_data(data, message)

    def edited(self, message: BotMessage, timeout: float = 10.0) -> BotMessage:
        """`message` as it is after the bot edited it (edits show only in the history)."""
        return self.user.wait_for_history(
            lambda m: m.message_id == message.message_id and m.edited, timeout=timeout
        )
