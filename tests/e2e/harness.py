"""End-to-end harness: the Bot API emulator, emulated users, the bot as a subprocess, its CLI.

Pieces (see tests/e2e/README.md):

- ``Emulator``: ``node launcher.js`` (telegram-test-api plus patches) on a free loopback port.
- ``EmulatedUser``: one Telegram user in one chat; talks to the emulator's client API.
- ``BotProcess``: ``python -m bot run`` as a real subprocess against the emulator, with its log.
- ``run_cli`` / ``BotProcess.cli``: ``python -m bot ... --json`` with the same environment.

Everything talks to 127.0.0.1 only, and every wait is bounded by a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import html
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
LAUNCHER = E2E_DIR / "launcher.js"
HOST = "127.0.0.1"

# What the emulator's getMe answers (launcher.js BOT_USER).
BOT_USER: dict[str, Any] = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}
BOT_USERNAME = BOT_USER["username"]

POLL_STEP = 0.05  # seconds between client-side polls of the emulator
NPM_INSTALL_TIMEOUT = 300.0
MEDIA_FIELDS = ("photo", "document", "voice", "audio", "video", "sticker")
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")

_ids = itertools.count(700_001)  # user ids; group chats get negative ids


class HarnessError(AssertionError):
    """The harness could not do what a test asked (timeout, missing button, crashed process)."""


def new_token() -> str:
    """A fresh bot token in Telegram's shape; each bot under test gets its own."""
    return f"{next(_ids)}:E2E{uuid.uuid4().hex}"


def _deadline(timeout: float) -> float:
    return time.monotonic() + timeout


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------------------------


def node_missing_reason() -> str | None:
    """Why the e2e suite cannot run here (no `node`), or None."""
    if shutil.which("node") is None:
        return "e2e tests need Node.js (`node` not found on PATH); CI installs it"
    return None


def ensure_node_modules(timeout: float = NPM_INSTALL_TIMEOUT) -> None:
    """Run `npm install` in tests/e2e once, when node_modules lacks the emulator."""
    if (E2E_DIR / "node_modules" / "telegram-test-api" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise HarnessError("node is installed but npm is not: cannot install telegram-test-api")
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund"],
        cwd=E2E_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"npm install failed in {E2E_DIR}:\n{result.stdout}\n{result.stderr}")


class Emulator:
    """A running launcher.js: the Bot API at ``/bot<token>/<method>``, the client API beside it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.log_path = log_path
        self.base_url = f"http://{HOST}:{port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=15.0, trust_env=False)

    @classmethod
    def start(
        cls,
        log_dir: Path,
        *,
        no_patch: Iterable[str] = (),
        extra_args: Sequence[str] = (),
        timeout: float = 30.0,
    ) -> Emulator:
        """Start the launcher on a free port (``--port 0``) and wait for ``READY <port>``."""
        ensure_node_modules()
        log_dir.mkdir(parents=True, exist_ok=True)
        stem = f"emulator-{uuid.uuid4().hex[:8]}"
        out_path = log_dir / f"{stem}.stdout"
        log_path = log_dir / f"{stem}.log"
        args = ["node", str(LAUNCHER), "--port", "0", "--exit-with-stdin", *extra_args]
        patches = list(no_patch)
        if patches:
            args.append("--no-patch=" + ",".join(patches))
        with out_path.open("wb") as out, log_path.open("wb") as err:
            process = subprocess.Popen(
                args, cwd=E2E_DIR, stdin=subprocess.PIPE, stdout=out, stderr=err
            )
        end = _deadline(timeout)
        while time.monotonic() < end:
            match = re.search(r"^READY (\d+)$", out_path.read_text(), re.MULTILINE)
            if match:
                return cls(process, int(match.group(1)), log_path)
            if process.poll() is not None:
                break
            time.sleep(POLL_STEP)
        _stop_process(process, timeout=5.0)
        raise HarnessError(f"emulator did not get ready: {_tail(log_path)}")

    # -- plumbing --------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        """Stop the launcher (SIGTERM, then SIGKILL) and close its client."""
        self.http.close()
        _stop_process(self.process, timeout=timeout)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def api(self, token: str, method: str, **params: Any) -> httpx.Response:
        """Call a Bot API method as a bot would (JSON body); returns the raw response."""
        return self.http.post(f"/bot{token}/{method}", json=params)

    def client(self, path: str, payload: dict[str, Any]) -> Any:
        """Call the client API (``/sendMessage``, ``/sendCallback``, ...); returns ``result``."""
        response = self.http.post(path, json=payload)
        if response.status_code != 200:
            raise HarnessError(f"client API {path} -> {response.status_code}: {response.text}")
        return response.json().get("result")

    def calls(self, token: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Bot API calls the launcher saw (``{token, method, time, status}``), oldest first."""
        found: list[dict[str, Any]] = self.client("/_e2e/calls", {"token": token} if token else {})
        return [c for c in found if method is None or c["method"] == method]

    def history(self, token: str) -> list[dict[str, Any]]:
        """Every stored update for a bot, bot messages in their current (edited) state."""
        result: list[dict[str, Any]] = self.client("/getUpdatesHistory", {"token": token})
        return result


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM the child when the test process dies, so no bot outlives a crashed run."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_process(process: subprocess.Popen[bytes], timeout: float) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    if process.stdin is not None:
        process.stdin.close()
    return process.returncode


# ---------------------------------------------------------------------------------------------
# What the bot sent, seen from the client side
# ---------------------------------------------------------------------------------------------


@dataclass
class BotMessage:
    """A message the bot sent to a chat, as the emulator stores it (current state)."""

    message_id: int
    chat_id: int
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None
    media: str | None  # "photo", "document", "voice", ... or None
    time_ms: int
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> BotMessage:
        message = stored["message"]
        markup = message.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return cls(
            message_id=int(stored["messageId"]),
            chat_id=int(message["chat_id"]),
            text=message.get("text"),
            caption=message.get("caption"),
            reply_markup=markup,
            media=next((f for f in MEDIA_FIELDS if f in message), None),
            time_ms=int(stored["time"]),
            raw=stored,
        )

    @property
    def body(self) -> str:
        """Text, or caption for media, as sent (may contain HTML markup)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def plain_text(self) -> str:
        """``body`` with HTML tags removed when the bot used parse_mode HTML."""
        if str(self.raw["message"].get("parse_mode", "")).upper() == "HTML":
            return html.unescape(re.sub(r"<[^>]+>", "", self.body))
        return self.body

    @property
    def edited(self) -> bool:
        return "edit_date" in self.raw["message"]

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    @property
    def buttons(self) -> list[str]:
        """Texts of the inline buttons, row by row."""
        return [button["text"] for row in self.inline_keyboard for button in row]

    def button(self, text: str) -> dict[str, Any] | None:
        """The inline button with this text (exact, then ignoring case and spaces)."""
        flat = [b for row in self.inline_keyboard for b in row]
        exact = [b for b in flat if b["text"] == text]
        loose = [b for b in flat if b["text"].strip().casefold() == text.strip().casefold()]
        return exact[0] if exact else (loose[0] if loose else None)

    def as_api_message(self, chat: dict[str, Any]) -> dict[str, Any]:
        """This message as a Bot API Message object (for a callback_query's ``message``)."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": BOT_USER,
            "chat": chat,
            "date": self.time_ms // 1000,
        }
        for key in ("text", "caption", *MEDIA_FIELDS):
            if key in self.raw["message"]:
                message[key] = self.raw["message"][key]
        if self.inline_keyboard:
            message["reply_markup"] = self.reply_markup
        return message


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


def group_chat(title: str = "Groep") -> dict[str, Any]:
    """A new group chat object; pass it as ``chat=`` to several users."""
    return {"id": -next(_ids), "type": "group", "title": title}


class EmulatedUser:
    """One Telegram user writing to the bot in one chat (private by default)."""

    def __init__(
        self,
        emulator: Emulator,
        token: str,
        *,
        user_id: int | None = None,
        first_name: str = "Ouder",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
        chat: dict[str, Any] | None = None,
        bot: BotProcess | None = None,
    ) -> None:
        self.emulator = emulator
        self.token = token
        self.bot = bot
        self.user_id = user_id if user_id is not None else next(_ids)
        self.user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        self.chat: dict[str, Any] = chat or {
            "id": self.user_id,
            "type": "private",
            "first_name": first_name,
            **({"username": username} if username else {}),
        }
        self.chat_id: int = int(self.chat["id"])

    # -- sending ---------------------------------------------------------------------------
    def _message(self, fields: dict[str, Any]) -> dict[str, Any]:
        message = {"from": self.user, "chat": self.chat, "date": int(time.time())}
        message.update(fields)
        message["botToken"] = self.token
        return message

    def send_text(self, text: str) -> None:
        """Send a plain text message."""
        self.emulator.client("/sendMessage", self._message({"text": text}))

    def send_command(self, command: str, *args: str, mention: bool = False) -> None:
        """Send ``/command arg ...`` with a bot_command entity covering ``/command``.

        ``send_command("start", TOKEN)`` reaches PTB with ``context.args == [TOKEN]``;
        ``mention=True`` writes ``/command@BotName`` as users do in groups.
        """
        head = "/" + command.lstrip("/") + (f"@{BOT_USERNAME}" if mention else "")
        text = " ".join([head, *args])
        entity = {"type": "bot_command", "offset": 0, "length": len(head)}
        self.emulator.client("/sendCommand", self._message({"text": text, "entities": [entity]}))

    def send_message(self, message: dict[str, Any]) -> None:
        """Send a complete message object (sticker, photo, voice, location, ...).

        ``from``, ``chat`` and ``date`` are filled in unless given. Send complete objects: PTB
        drops the whole batch of fetched updates when one fails to parse.
        """
        self.emulator.client("/sendMessage", self._message(message))

    # -- reading ---------------------------------------------------------------------------
    def wait_for_replies(
        self, min_count: int = 1, timeout: float = 10.0, settle: float = 0.2
    ) -> list[BotMessage]:
        """New bot messages in this chat: at least ``min_count``, then until ``settle`` s quiet."""
        found: list[BotMessage] = []
        end = _deadline(timeout)
        quiet_since = time.monotonic()
        while True:
            batch = self.emulator.client(
                "/getUpdates", {"token": self.token, "chatId": self.chat_id}
            )
            if batch:
                found.extend(BotMessage.from_stored(s) for s in batch)
                quiet_since = time.monotonic()
            now = time.monotonic()
            if len(found) >= min_count and now - quiet_since >= settle:
                return found
            if now >= end:
                if len(found) >= min_count:
                    return found
                raise HarnessError(
                    f"expected at least {min_count} bot message(s) in chat {self.chat_id} within "
                    f"{timeout}s, got {[m.body for m in found]}{self._bot_context()}"
                )
            time.sleep(POLL_STEP)

    def expect_no_reply(self, wait: float = 0.5) -> None:
        """Assert the bot sends nothing new to this chat for ``wait`` seconds."""
        end = _deadline(wait)
        while time.monotonic() < end:
            batch = self.emulator.client(
                "/getUpdates", {"token": self.token, "chatId": self.chat_id}
            )
            if batch:
                texts = [BotMessage.from_stored(s).body for s in batch]
                raise HarnessError(f"expected no reply in chat {self.chat_id}, got {texts}")
            time.sleep(POLL_STEP)

    def history(self) -> list[BotMessage]:
        """All bot messages in this chat in their current state (edits show only here)."""
        return [
            BotMessage.from_stored(s)
            for s in self.emulator.history(self.token)
            if "message" in s
            and "chat_id" in s["message"]
            and str(s["message"]["chat_id"]) == str(self.chat_id)
        ]

    def wait_for_history(
        self, predicate: Callable[[BotMessage], bool], timeout: float = 10.0
    ) -> BotMessage:
        """The newest bot message in the history matching ``predicate`` (e.g. an edit)."""
        end = _deadline(timeout)
        while True:
            matching = [m for m in self.history() if predicate(m)]
            if matching:
                return max(matching, key=lambda m: m.message_id)
            if time.monotonic() >= end:
                bodies = [m.body for m in self.history()]
                raise HarnessError(
                    f"no matching bot message in chat {self.chat_id} within {timeout}s; "
                    f"history: {bodies}{self._bot_context()}"
                )
            time.sleep(POLL_STEP)

    def latest_keyboard_message(self) -> BotMessage | None:
        """The newest bot message in this chat that still carries an inline keyboard."""
        with_keyboard = [m for m in self.history() if m.inline_keyboard]
        return max(with_keyboard, key=lambda m: m.message_id) if with_keyboard else None

    # -- buttons ---------------------------------------------------------------------------
    def press(self, button_text: str, timeout: float = 5.0) -> str:
        """Press the inline button with this text on the latest keyboard; returns its data."""
        end = _deadline(timeout)
        seen: list[str] = []
        while True:
            message = self.latest_keyboard_message()
            if message is not None:
                button = message.button(button_text)
                if button is not None and "callback_data" in button:
                    self.press_data(button["callback_data"], message)
                    return str(button["callback_data"])
                seen = message.buttons
            if time.monotonic() >= end:
                raise HarnessError(
                    f"no inline button {button_text!r} on the latest keyboard in chat "
                    f"{self.chat_id}; buttons there: {seen}{self._bot_context()}"
                )
            time.sleep(POLL_STEP)

    def press_data(self, data: str, message: BotMessage | dict[str, Any] | None = None) -> None:
        """Send a callback query with any data (forged or stale) from ``message``.

        ``message`` is a BotMessage, a Bot API Message dict, or None for the newest bot message.
        """
        if message is None:
            history = self.history()
            if not history:
                raise HarnessError(f"no bot message in chat {self.chat_id} to press on")
            message = max(history, key=lambda m: m.message_id)
        api_message = (
            message.as_api_message(self.chat) if isinstance(message, BotMessage) else message
        )
        payload = {"botToken": self.token, "from": self.user, "message": api_message, "data": data}
        self.emulator.client("/sendCallback", payload)

    def _bot_context(self) -> str:
        if self.bot is None:
            return ""
        return f"\n--- bot log tail ({self.bot.log_path}) ---\n{_tail(self.bot.log_path)}"


# Complete message bodies for send_message (PTB rejects incomplete ones).
def sticker_message(emoji: str = "👍") -> dict[str, Any]:
    return {
        "sticker": {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
    }


def photo_message(caption: str | None = None) -> dict[str, Any]:
    sizes = [
        {
            "file_id": f"photo-{w}",
            "file_unique_id": f"p{w}",
            "width": w,
            "height": w,
            "file_size": w * 10,
        }
        for w in (90, 320)
    ]
    return {"photo": sizes, **({"caption": caption} if caption else {})}


def voice_message(duration: int = 3) -> dict[str, Any]:
    return {
        "voice": {
            "file_id": "voice-1",
            "file_unique_id": "v1",
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4000,
        }
    }


def location_message(latitude: float = 52.37, longitude: float = 4.89) -> dict[str, Any]:
    return {"location": {"latitude": latitude, "longitude": longitude}}


def document_message(file_name: str = "brief.pdf") -> dict[str, Any]:
    return {
        "document": {
            "file_id": "doc-1",
            "file_unique_id": "d1",
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": 1234,
        }
    }


# ---------------------------------------------------------------------------------------------
# The bot as a subprocess, and its CLI
# ---------------------------------------------------------------------------------------------


def bot_env(
    emulator: Emulator, token: str, db_path: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment for ``python -m bot ...``: inherited, minus stray bot settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUDERSTEM_", "TELEGRAM_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": token,
            "TELEGRAM_BASE_URL": emulator.base_url,
            "OUDERSTEM_DB": str(db_path),
            "OUDERSTEM_POLL_INTERVAL": "0.05",
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": HOST + ",localhost",
            "no_proxy": HOST + ",localhost",
        }
    )
    env.update(extra or {})
    return env


def run_cli(
    args: Sequence[str],
    env: dict[str, str],
    *,
    json_output: bool = True,
    module: str = "bot",
    cwd: Path = REPO_ROOT,
    timeout: float = 60.0,
) -> Any:
    """Run ``python -m bot ARGS [--json]``; return the parsed JSON (or stdout text).

    Raises HarnessError with stdout and stderr when the command fails or prints no JSON.
    """
    command = [sys.executable, "-m", module, *args, *(["--json"] if json_output else [])]
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise HarnessError(
            f"{' '.join(command[1:])} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    if not json_output:
        return result.stdout
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        for line in reversed(result.stdout.strip().splitlines()):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise HarnessError(
        f"{' '.join(command[1:])} printed no JSON:\n{result.stdout}\n{result.stderr}"
    )


class BotProcess:
    """``python -m bot run`` as a subprocess against the emulator; output goes to a log file."""

    def __init__(
        self,
        emulator: Emulator,
        workdir: Path,
        *,
        token: str | None = None,
        db_path: Path | None = None,
        extra_env: dict[str, str] | None = None,
        module: str = "bot",
        cwd: Path = REPO_ROOT,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.emulator = emulator
        self.token = token or new_token()
        self.db_path = db_path or workdir / "ouderstem.sqlite3"
        self.log_path = workdir / f"bot-{self.token.split(':')[0]}.log"
        self.module = module
        self.cwd = cwd
        self.env = bot_env(emulator, self.token, self.db_path, extra_env)
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, *, wait_ready: bool = True, timeout: float = 30.0) -> BotProcess:
        """Start the bot; with ``wait_ready`` wait until it polls getUpdates."""
        if self.running:
            raise HarnessError("bot process already running")
        self._closed()  # the last life may have ended by itself (a kill moment): its log file
        started_ms = time.time() * 1000  # the emulator stamps calls with the same wall clock
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "run"],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        if wait_ready:
            self.wait_polling(started_ms, timeout)
        return self

    def wait_polling(self, since_ms: float = 0.0, timeout: float = 30.0) -> None:
        """Wait until the bot has called getUpdates at or after ``since_ms`` (wall clock, ms).

        By time, not by counting calls: the emulator keeps only its last MAX_CALL_LOG calls, so
        in a long run the count of getUpdates calls stops growing while the bot polls."""
        end = _deadline(timeout)
        while time.monotonic() < end:
            polls = self.emulator.calls(self.token, "getUpdates")
            if any(call["time"] >= since_ms for call in polls):
                return
            if self.process is not None and self.process.poll() is not None:
                raise HarnessError(
                    f"bot exited with {self.process.returncode} before polling:\n{self.log_tail()}"
                )
            time.sleep(POLL_STEP)
        raise HarnessError(f"bot did not poll getUpdates within {timeout}s:\n{self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout``); returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        return self._closed()

    def kill(self, timeout: float = 15.0) -> int | None:
        """SIGKILL (a crash: no shutdown code runs); returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=timeout)
        return self._closed()

    def _closed(self) -> int | None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return self.process.returncode if self.process is not None else None

    # -- log -------------------------------------------------------------------------------
    def log(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def errors(self) -> list[str]:
        """Log lines at level ERROR/CRITICAL or containing 'Traceback'."""
        return [line for line in self.log().splitlines() if ERROR_LINE.search(line)]

    def assert_no_errors(self) -> None:
        errors = self.errors()
        assert not errors, f"bot logged errors: {errors}\n--- log tail ---\n{self.log_tail()}"

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Bot API calls made with this bot's token."""
        return self.emulator.calls(self.token, method)

    # -- users and CLI ---------------------------------------------------------------------
    def user(self, **kwargs: Any) -> EmulatedUser:
        """A new emulated user writing to this bot (``chat=group_chat()`` for a group)."""
        return EmulatedUser(self.emulator, self.token, bot=self, **kwargs)

    def cli(self, *args: str, json_output: bool = True, timeout: float = 60.0) -> Any:
        """``python -m bot ARGS --json`` with this bot's environment (same database)."""
        return run_cli(
            args,
            self.env,
            json_output=json_output,
            module=self.module,
            cwd=self.cwd,
            timeout=timeout,
        )

    def init_db(self) -> str:
        """``python -m bot init``."""
        return str(self.cli("init", json_output=False))

    def add_school(self, name: str) -> dict[str, Any]:
        """``python -m bot school add NAME --json`` -> at least ``{"id": int}``."""
        result: dict[str, Any] = self.cli("school", "add", name)
        return result

    def open_round(self, school_id: int, flow: str = "barometer-ouders") -> dict[str, Any]:
        """``python -m bot round open ...`` -> at least ``{"id", "token", "link"}``."""
        result: dict[str, Any] = self.cli(
            "round", "open", "--school", str(school_id), "--flow", flow
        )
        return result


class BotFactory:
    """Makes BotProcesses on one emulator (the ``bot_process`` fixture); stops them all."""

    def __init__(self, emulator: Emulator, workdir: Path) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.made: list[BotProcess] = []

    def __call__(self, *, start: bool = True, init_db: bool = True, **kwargs: Any) -> BotProcess:
        """A bot with a fresh token; ``init_db`` runs ``python -m bot init``; ``start`` runs it."""
        bot = BotProcess(self.emulator, self.workdir / f"bot{len(self.made)}", **kwargs)
        self.made.append(bot)
        if init_db:
            bot.init_db()
        if start:
            bot.start()
        return bot

    def stop_all(self) -> None:
        for bot in self.made:
            bot.stop()
