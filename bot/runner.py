"""Run the bot for real: open the store, wire the application, poll, shut down cleanly.

Before polling starts, the database file is checked (bot.store.files) and the Bot API is asked
`getMe`: an unreachable server, a refused token (401) or a wrong base URL (404) ends `run` with
one line and exit 1 instead of a traceback. Then every chat that is owed its next question
(a crash came between an answer's commit and the reply) gets it. Polling is our own
(bot.tg.polling: an update is confirmed to Telegram only once handled); a failed poll is retried
with a growing pause (1 s, x1.5, at most 30 s) and logged as one warning line.

SIGTERM and SIGINT stop polling, let the updates in hand finish, then close the store, so a
deploy or `kill` loses nothing that was acknowledged.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import traceback
from http import HTTPStatus

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.config import Settings
from bot.errors import BotApiError
from bot.store import open_store as open_store_at
from bot.store.files import check_database, check_pages
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.parent import deliver_owed_at_start
from bot.tg.polling import Poller, serve

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite")


class NetworkTrouble(logging.Filter):
    """A failed poll (retried by PTB with backoff) logs one warning line, not a traceback.

    Failures while handling an update keep their traceback: those are ours to look into.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NetworkError) and _while_polling(record, error):  # TimedOut too
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error}); retrying"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _while_polling(record: logging.LogRecord, error: BaseException) -> bool:
    """Logged by PTB's network loop, or raised by `getUpdates`."""
    if record.name.startswith("telegram.ext"):
        return True
    return any(
        frame.f_code.co_name == "get_updates" for frame, _ in traceback.walk_tb(error.__traceback__)
    )


def configure_logging(level: str) -> None:
    """Our logs at the chosen level; libraries that may log tokens, URLs or texts stay quiet."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(NetworkTrouble())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


async def check_bot_api(settings: Settings) -> str:
    """Ask the Bot API who we are (`getMe`); its refusal becomes one BotApiError line."""
    bot = Bot(settings.require_token(), base_url=settings.api_url, base_file_url=settings.file_url)
    try:
        async with bot:  # initialize() calls getMe; leaving shuts the HTTP client down
            return bot.username
    except TelegramError as exc:
        raise api_error(exc, settings) from None


def api_error(exc: TelegramError, settings: Settings) -> BotApiError:
    """What the Bot API's refusal means for the operator: one line, never the token."""
    where = settings.base_url
    if isinstance(exc, InvalidToken):
        if _status(exc) == HTTPStatus.NOT_FOUND:
            return BotApiError(
                f"the Bot API at {where} answered 404 Not Found: check TELEGRAM_BASE_URL "
                "(the server root, without /bot) and TELEGRAM_BOT_TOKEN"
            )
        return BotApiError(
            f"the Bot API at {where} refused the token (401 Unauthorized): put the token from "
            "@BotFather in TELEGRAM_BOT_TOKEN"
        )
    reason = _clean(exc, settings.require_token())
    if isinstance(exc, NetworkError):  # connection refused, no DNS, timed out
        return BotApiError(
            f"cannot reach the Bot API at {where} ({reason}): check the network and "
            "TELEGRAM_BASE_URL"
        )
    return BotApiError(f"the Bot API at {where} answered with an error ({reason}): try again later")


def _status(exc: BaseException) -> HTTPStatus:
    """401 or 404: PTB raises InvalidToken for both; the server's text is in the cause."""
    seen: BaseException | None = exc
    while seen is not None:
        if "Not Found" in str(seen) or "(404)" in str(seen):
            return HTTPStatus.NOT_FOUND
        seen = seen.__cause__
    return HTTPStatus.UNAUTHORIZED


def _clean(exc: BaseException, token: str) -> str:
    """The error's first line, never the token (PTB and httpx may put it in URLs)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.replace(token, "<token>")


async def poll(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Our own polling loop (bot.tg.polling): an update is confirmed to Telegram only once it
    is handled. SIGTERM and SIGINT stop fetching; the updates in hand finish first."""
    poller = Poller(
        application, poll_interval=settings.poll_interval, allowed_updates=Update.ALL_TYPES
    )
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, poller.stop)
    web = None
    if settings.web_port is not None:  # the dashboard; starlette and uvicorn load only then
        from bot.web.dashboard.beside import Beside

        web = Beside(settings)

    previous_stop = application.post_stop

    async def before_polling(app: Application) -> None:  # type: ignore[type-arg]
        await deliver_owed_at_start(app)
        if web is not None:
            await web.start(app)

    async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
        if web is not None:
            await web.stop()  # before the store closes
        if previous_stop is not None:
            await previous_stop(app)

    application.post_stop = post_stop
    await serve(application, poller, before_polling=before_polling)


def run_polling(settings: Settings) -> None:
    settings.require_token()
    configure_logging(settings.log_level)
    if settings.database_file is not None:
        check_database(settings.database_file)
        check_pages(settings.database_file)  # a damaged page stops the bot before it meets a parent
    username = asyncio.run(check_bot_api(settings))
    if username.lower() != settings.bot_username.lower():
        log.warning(
            "the token belongs to @%s but TELEGRAM_BOT_USERNAME is %s: round links will be wrong",
            username,
            settings.bot_username,
        )
    store = open_store_at(settings.database)
    deps = Deps(settings=settings, store=store)
    application = build_application(deps)

    async def open_store(app: Application) -> None:  # type: ignore[type-arg]
        await store.open()

    async def close_store(app: Application) -> None:  # type: ignore[type-arg]
        await store.close()

    previous_init = application.post_init

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        await open_store(app)
        if previous_init is not None:
            await previous_init(app)

    previous_shutdown = application.post_shutdown  # bot.tg.app's: drop sounds being prepared

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        if previous_shutdown is not None:
            await previous_shutdown(app)
        await close_store(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown
    log.info("Ouderstem is running (database %s)", settings.database_label)
    # Everything loaded so far lives for the whole run: keep the collector from walking it again
    # and again (a 65-97 ms pause every ~600 answers showed in the p99, bench P1).
    gc.collect()
    gc.freeze()
    try:
        asyncio.run(poll(application, settings))
    except (InvalidToken, NetworkError) as exc:  # the network went between getMe and polling
        raise api_error(exc, settings) from None
    finally:
        # The event loop's handlers are gone: a second stop request (systemd, a supervisor)
        # must not turn this clean stop into a kill while the process finishes exiting.
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
    log.info("Ouderstem stopped")
