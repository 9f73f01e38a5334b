"""Telegram's `initData`, checked: who opened the Mini App, signed by Telegram with our token.

Telegram's algorithm (core.telegram.org/bots/webapps, "Validating data received via the Mini
App"): every field of the query string except `hash`, as `key=value` sorted by key and joined by
a line feed, is the data-check-string; `secret = HMAC_SHA256(key="WebAppData", msg=bot token)`;
the data is genuine when `hex(HMAC_SHA256(key=secret, msg=data-check-string))` equals `hash`.
We compare in constant time, refuse a field given twice, and refuse data older than
`MAX_AGE` (or dated in the future beyond `CLOCK_SKEW`): a copied initData stops working.

Pure: no Starlette, no store, the clock is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=1)  # a Mini App opened longer ago must be opened again
CLOCK_SKEW = timedelta(minutes=5)  # Telegram's clock may run a little ahead of ours
MAX_INIT_DATA = 4096  # bytes; Telegram's initData is a few hundred, far more is not initData
SECRET_LABEL = b"WebAppData"


class InitDataError(ValueError):
    """initData that does not prove who sent it; `.reason` is for logs and metrics only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The Telegram user who opened the Mini App (their private chat with the bot has this id)."""

    id: int
    auth_date: datetime


def secret_key(token: str) -> bytes:
    return hmac.new(SECRET_LABEL, token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")


def sign(fields: dict[str, str], token: str) -> str:
    """The `hash` Telegram would give these fields (tests and the demo make initData with it)."""
    check = data_check_string(fields).encode()
    return hmac.new(secret_key(token), check, hashlib.sha256).hexdigest()


def make_init_data(fields: dict[str, str], token: str) -> str:
    """A signed initData query string, as Telegram would hand it to the page."""
    from urllib.parse import urlencode

    return urlencode({**fields, "hash": sign(fields, token)})


def validate(init_data: str, token: str, now: datetime) -> WebAppUser:
    """The user of genuine, fresh initData; InitDataError otherwise."""
    if not init_data or len(init_data.encode()) > MAX_INIT_DATA:
        raise InitDataError("missing or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field given twice")
    given = fields.get("hash", "")
    if not hmac.compare_digest(given.encode(), sign(fields, token).encode()):
        raise InitDataError("signature")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id = user["id"]
    except (KeyError, ValueError, TypeError, OverflowError):
        raise InitDataError("no user or date") from None
    if type(user_id) is not int or user_id <= 0:
        raise InitDataError("no user or date")
    if now - signed_at > MAX_AGE:
        raise InitDataError("expired")
    if signed_at - now > CLOCK_SKEW:
        raise InitDataError("from the future")
    return WebAppUser(id=user_id, auth_date=signed_at)
