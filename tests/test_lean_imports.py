"""What a running bot does not load (bench P5, issue 16): every module is resident for the whole
run, so what only a staff action or a tool needs is imported where it is used."""

from __future__ import annotations

import subprocess
import sys

# Loaded only when used: the QR code of an invitation (segno), httpx's command line (and the
# click it drags in), which the bot never runs, babel's .po parser (catalogs are read by
# bot.i18n's own), the dashboard's web server beside polling (starlette, uvicorn).
NOT_AT_START = ("segno", "httpx._main", "click", "babel.messages", "starlette", "uvicorn")


def test_a_polling_bot_loads_none_of_what_it_does_not_use_at_start() -> None:
    script = (
        "import sys, bot.runner, bot.tg.app, bot.tg.polling, bot.tg.intake; "
        f"print(sorted(m for m in {NOT_AT_START!r} if sys.modules.get(m) is not None))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_an_invitation_still_draws_its_qr_code() -> None:
    from bot.invitation import qr_png

    assert qr_png("https://t.me/ouderstem_bot?start=x").startswith(b"\x89PNG")
