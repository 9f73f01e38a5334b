"""`ouderstem serve` (the webhook app under uvicorn) and `ouderstem webhook set|info|delete`
(Telegram's side of it). Settings: OUDERSTEM_WEBHOOK_URL (the public https URL that reaches
`/telegram` through the proxy) and OUDERSTEM_WEBHOOK_SECRET (Telegram sends it with every update).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest

from bot.cli_common import emit
from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.runner import configure_logging

DEFAULT_HOST = "127.0.0.1"  # behind a proxy on the same host; 0.0.0.0 in a container
DEFAULT_PORT = 8080
DEFAULT_MAX_CONNECTIONS = 40  # Telegram's default; its range is 1-100
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")  # what the handlers read


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from bot.store import open_store
    from bot.store.files import check_database
    from bot.tg.app import build_application
    from bot.tg.deps import Deps
    from bot.web.app import create_app

    settings.require_token()
    secret = settings.require_webhook_secret()
    configure_logging(settings.log_level)
    if settings.database_file is not None:
        check_database(settings.database_file)
    store = open_store(settings.database)
    application = build_application(Deps(settings=settings, store=store))
    app = create_app(application, store, secret, reply_in_response=settings.webhook_reply)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=False,  # the access log would hold nothing useful and grow fast
        proxy_headers=True,
        timeout_graceful_shutdown=30,
    )
    asyncio.run(uvicorn.Server(config).serve())


def _bot(settings: Settings, request: BaseRequest | None = None) -> Bot:
    return Bot(
        settings.require_token(),
        base_url=settings.api_url,
        base_file_url=settings.file_url,
        request=request,
    )


async def webhook_set(
    settings: Settings, max_connections: int, request: BaseRequest | None = None
) -> dict[str, Any]:
    if settings.webhook_url is None:
        raise ConfigError(
            "OUDERSTEM_WEBHOOK_URL is not set: the public https URL that reaches /telegram"
        )
    async with _bot(settings, request) as bot:
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.require_webhook_secret(),
            max_connections=max_connections,
            allowed_updates=list(ALLOWED_UPDATES),
        )
        return await webhook_info(settings, request, bot=bot)


async def webhook_info(
    settings: Settings, request: BaseRequest | None = None, *, bot: Bot | None = None
) -> dict[str, Any]:
    if bot is None:
        async with _bot(settings, request) as opened:
            return await webhook_info(settings, request, bot=opened)
    info = await bot.get_webhook_info()
    return {
        "url": info.url,
        "pending_update_count": info.pending_update_count,
        "max_connections": info.max_connections,
        "allowed_updates": list(info.allowed_updates or ()),
        "last_error_message": info.last_error_message,
    }


async def webhook_delete(settings: Settings, request: BaseRequest | None = None) -> dict[str, Any]:
    async with _bot(settings, request) as bot:
        await bot.delete_webhook(drop_pending_updates=False)
    return {"deleted": True}


def _show(args: argparse.Namespace, data: dict[str, Any]) -> None:
    emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items()))


def cmd_webhook(args: argparse.Namespace) -> None:
    settings = load_settings()
    if args.action == "set":
        if not 1 <= args.max_connections <= 100:
            raise ConfigError("--max-connections must be 1-100 (Telegram's range)")
        data = asyncio.run(webhook_set(settings, args.max_connections))
    elif args.action == "info":
        data = asyncio.run(webhook_info(settings))
    else:
        data = asyncio.run(webhook_delete(settings))
    _show(args, data)


def register(sub: Any) -> None:
    """Add `serve` and `webhook set|info|delete` to the `ouderstem` parser."""
    serve = sub.add_parser("serve", help="run the bot as a webhook server (several workers)")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.set_defaults(run_sync=cmd_serve)
    webhook = sub.add_parser("webhook", help="Telegram's webhook for this bot").add_subparsers(
        dest="action", required=True
    )
    setting = webhook.add_parser("set", help="point Telegram at OUDERSTEM_WEBHOOK_URL")
    setting.add_argument("--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS)
    for name, parser in (
        ("set", setting),
        ("info", webhook.add_parser("info", help="what Telegram knows of the webhook")),
        ("delete", webhook.add_parser("delete", help="back to polling (ouderstem run)")),
    ):
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.set_defaults(func=cmd_webhook, action=name)
