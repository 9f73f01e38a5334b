"""Time and randomness, injected so that logic and tests stay deterministic."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from bot.limits import START_TOKEN_BYTES

Clock = Callable[[], datetime]
TokenFactory = Callable[[], str]


def system_clock() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    """An unguessable, URL- and deep-link-safe token (128 bits, base64url, 22 characters)."""
    return secrets.token_urlsafe(START_TOKEN_BYTES)


def new_respondent_id() -> str:
    """A random respondent id: it links answers to nothing outside the answers table."""
    return secrets.token_hex(12)
