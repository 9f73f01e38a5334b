"""A tiny stand-in for ``python -m bot``, used only to test the e2e harness itself.

Usage (what the harness runs, with cwd tests/e2e):
    python -m stub_bot init
    python -m stub_bot school add NAME --json
    python -m stub_bot round open --school ID --flow FLOW --json
    python -m stub_bot run

It speaks the same contract as the real bot: TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL (server
root), OUDERSTEM_DB and OUDERSTEM_POLL_INTERVAL from the environment.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

LOGGER = logging.getLogger("stub_bot")
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the deep-link arguments and a two-button keyboard."""
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="yes"),
                InlineKeyboardButton("Nee", callback_data="no"),
            ]
        ]
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"start args={context.args}", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit the message (which drops its keyboard)."""
    query = update.callback_query
    assert query is not None
    answered = await query.answer()
    edited = await query.edit_message_text(f"pressed {query.data} answered={answered}")
    LOGGER.info("edited message %s", getattr(edited, "message_id", None))


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Upload a photo and a document (multipart), then show a chat action."""
    assert update.effective_chat is not None
    chat = update.effective_chat
    await context.bot.send_chat_action(chat.id, "upload_photo")
    await context.bot.send_photo(chat.id, PNG_BYTES, caption="foto", filename="plaatje.png")
    await context.bot.send_document(chat.id, b"%PDF-1.4 test", filename="brief.pdf", caption="pdf")


async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fail on purpose, so the harness can show it sees errors in the log."""
    raise RuntimeError("boom on purpose")


async def media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Name the kind of message received."""
    message = update.effective_message
    assert message is not None
    kind = next(
        k
        for k in ("sticker", "photo", "voice", "location", "document", "text")
        if getattr(message, k)
    )
    await message.reply_text(f"got {kind}: {message.text or ''}".strip())


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error at ERROR level."""
    LOGGER.error("handler failed", exc_info=context.error)


async def post_init(application: Application) -> None:  # type: ignore[type-arg]
    """Register commands, as a real bot does at start-up."""
    await application.bot.set_my_commands([BotCommand("start", "Begin")])


def run() -> None:
    """Poll the Bot API at TELEGRAM_BASE_URL until SIGTERM."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_BASE_URL"] + "/bot")
        .base_file_url(os.environ["TELEGRAM_BASE_URL"] + "/file/bot")
        .post_init(post_init)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("photo", photo))
    application.add_handler(CommandHandler("boom", boom))
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.ALL, media))
    application.add_error_handler(on_error)
    application.run_polling(poll_interval=float(os.environ.get("OUDERSTEM_POLL_INTERVAL", "0")))
    LOGGER.info("stopped")


def cli(argv: list[str]) -> int:
    """The administrative commands, storing schools in a JSON file at OUDERSTEM_DB."""
    db = Path(os.environ["OUDERSTEM_DB"])
    args = [a for a in argv if a != "--json"]
    if args == ["init"]:
        db.write_text(json.dumps({"schools": []}))
        print("initialised", db)
        return 0
    state = json.loads(db.read_text())
    if args[:2] == ["school", "add"]:
        school = {"id": len(state["schools"]) + 1, "name": args[2]}
        state["schools"].append(school)
        db.write_text(json.dumps(state))
        print(json.dumps(school))
        return 0
    if args[:2] == ["round", "open"]:
        school_id = int(args[args.index("--school") + 1])
        token = f"r{school_id}x{len(state['schools'])}"
        print(
            json.dumps({"id": 1, "token": token, "link": f"https://t.me/TestNameBot?start={token}"})
        )
        return 0
    print(f"unknown command: {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    if sys.argv[1:] == ["run"]:
        run()
    else:
        sys.exit(cli(sys.argv[1:]))
