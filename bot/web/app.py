"""The ASGI application of `ouderstem serve`, after PTB's custom-webhook example
(`examples/customwebhookbot/starlettebot.py`): Starlette receives the update, PTB handles it.

    POST /telegram   the webhook. The secret header must match (401 otherwise); a body over
                     MAX_UPDATE_BYTES is refused (413), one that is not an update too (400). The
                     answer 200 comes only after the update was handled (PTB's `process_update`,
                     one parent's updates in order through the app's ChatOrderedProcessor, whose
                     chat turn holds across workers on PostgreSQL), so an
                     update lost to a crash is one Telegram delivers again; the update id claimed
                     in the store makes the second delivery a no-op. With `reply_in_response`
                     the parent's next question is that answer's body (`{"method": "sendMessage",
                     ...}`, one Bot API call Telegram makes for us: a round trip saved), still only
                     after the commit. It is written inside the chat's turn and its owed note
                     settled there (`_Webhook`), so a new leader delivering owed replies never
                     sends it again; `bot.tg.deps.WebhookReply` says why.
    GET /healthz     the process is alive
    GET /readyz      the database answers and its schema is this release's (503 otherwise)
    GET /metrics     Prometheus text (bot/web/metrics.py)

The lifespan opens the store, then initializes and starts the PTB application (with its post_init
and post_stop hooks, which `run_polling` would otherwise call), and undoes it all in reverse.
While it runs, the worker that leads delivers the replies a crash left owed (polling does that
before it starts; `bot.tg.parent.owed.deliver_owed_when_leading`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.store import SqliteStore
from bot.store.postgres import PostgresStore
from bot.store.postgres_database import migrations
from bot.tg.deps import WEBHOOK_REPLY, ChatOrderedProcessor, WebhookReply
from bot.tg.intake import Pending
from bot.tg.parent import deliver_owed_when_leading
from bot.web import dashboard
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = (
    1 << 20
)  # 1 MiB: an update is metadata (files stay at Telegram); far larger is abuse
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")


def update_kind(update: Update) -> str:
    """Which kind of update this is, for the metrics' label."""
    return next((k for k in UPDATE_KINDS if getattr(update, k, None) is not None), "other")


class _NotAnUpdate(Exception):
    """The body, parsed when its turn came, is not an update PTB accepts: answered 400."""


def _parsed(pending: Pending, application: Application) -> Update:  # type: ignore[type-arg]
    try:
        return pending.parse(application.bot)
    except Exception as exc:  # PTB raises what the malformed field makes it raise
        raise _NotAnUpdate from exc


def _after(slot: WebhookReply | None, *, release: bool = False) -> BackgroundTask | None:
    """What runs once the response is sent: the side calls of a reply held in it (and, after a
    failure, the held message itself: a 500 carries no method)."""
    if slot is None or (not slot.after and not (release and slot.send)):
        return None

    async def run() -> None:
        if release:
            with contextlib.suppress(Exception):
                await slot.release()
        await slot.finish()

    return BackgroundTask(run)


class _Webhook:
    """POST /telegram, one update from Telegram, handled before the answer.

    A plain ASGI app rather than a `Request -> Response` endpoint: a reply held for the response
    is written from inside the update's handling, while the chat's turn (the app's
    ChatOrderedProcessor: this process's chat lock and, on PostgreSQL, the advisory lock every
    worker takes) is still held, and its owed note is settled there (`WebhookReply.out`). So no
    other update of the chat and no leader delivering owed replies (which takes the same turn)
    ever sees the note of a reply that is on its way: the leader re-sends only what a worker
    could not write before it died."""

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        expected: bytes,
        metrics: Metrics,
        reply_in_response: bool,
    ) -> None:
        self.application = application
        self.expected = expected
        self.metrics = metrics
        self.reply_in_response = reply_in_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        metrics = self.metrics
        pending = await _checked_update(request, self.expected, self.application, metrics)
        if isinstance(pending, Response):
            await pending(scope, receive, send)
            return
        started: float | None = time.perf_counter()
        handled: float | None = None
        slot = WebhookReply() if self.reply_in_response else None
        answered = False
        update: Update | None = None

        async def handle_and_answer() -> None:
            """Parsed now that it is due; the handlers; then, still in the chat's turn, the held
            reply as the answer."""
            nonlocal handled, answered, update
            if update is None:
                update = _parsed(pending, self.application)
            await self.application.process_update(update)
            handled = time.perf_counter()
            if slot is not None and slot.body is not None:
                answered = True
                await _answer(request, slot, scope, receive, send)

        token = WEBHOOK_REPLY.set(slot)
        try:
            # Through the app's processor: the chat's turn (across workers too), then handlers;
            # the body waits unparsed for its turn (`process_when_due`).
            processor = self.application.update_processor
            if isinstance(processor, ChatOrderedProcessor):
                await processor.process_when_due(pending.chat_id, handle_and_answer)
            else:
                update = _parsed(pending, self.application)
                await processor.process_update(update, handle_and_answer())
        except _NotAnUpdate:
            started = None
            metrics.rejected.labels(reason="not_an_update").inc()
            await Response(status_code=400)(scope, receive, send)
            return
        except Exception as exc:  # not handled: Telegram delivers it again
            metrics.errors.labels(kind=type(exc).__name__).inc()
            log.error("update %s not handled: %s", pending.update_id, type(exc).__name__)
            if not answered:  # else the answer is written already: nothing more can go
                await Response(status_code=500, background=_after(slot, release=True))(
                    scope, receive, send
                )
            return
        except BaseException:  # cancelled: nothing more goes
            if slot is not None:
                slot.drop()
            raise
        finally:
            WEBHOOK_REPLY.reset(token)
            if started is not None:  # not for a body refused once parsed
                metrics.latency.observe((handled or time.perf_counter()) - started)
        assert update is not None
        metrics.updates.labels(kind=update_kind(update)).inc()
        if answered:
            assert slot is not None
            await slot.finish()  # the side calls, once the chat's turn is let go
            return
        await Response(status_code=200, background=_after(slot))(scope, receive, send)


async def _answer(
    request: Request, slot: WebhookReply, scope: Scope, receive: Receive, send: Send
) -> None:
    """Write the held reply as the webhook's answer and settle what it carried. When the
    connection is gone (Telegram, or nginx, stopped waiting) or the write fails, the reply goes
    through the Bot API instead; if that fails too, the owed note stays for the next leader or
    the update's redelivery."""
    written = False
    if not await request.is_disconnected():
        try:
            await JSONResponse(slot.body)(scope, receive, send)
            written = True
        except Exception as exc:  # a server that says so: the answer did not go
            log.info("the webhook answer could not be written: %s", type(exc).__name__)
    try:
        if written:
            await slot.out()
        else:
            await slot.release()  # through the Bot API, then settled (`WebhookReply.release`)
    except Exception as exc:  # the note stays: delivered later, never lost
        log.warning("a reply in the webhook answer is still owed: %s", type(exc).__name__)


async def _checked_update(
    request: Request,
    expected: bytes,
    application: Application,  # type: ignore[type-arg]
    metrics: Metrics,
) -> Pending | Response:
    """The update a webhook POST carries (parsed when due), or the refusal: 401 without the secret, 413 over
    MAX_UPDATE_BYTES (declared or streamed), 400 for a body that is not an update."""
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, expected):
        metrics.rejected.labels(reason="secret").inc()
        return Response(status_code=401)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        metrics.rejected.labels(reason="too_large").inc()
        return Response(status_code=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            metrics.rejected.labels(reason="too_large").inc()
            return Response(status_code=413)
    pending = Pending.of_body(bytes(body), application.bot)
    if pending is None:
        metrics.rejected.labels(reason="not_an_update").inc()
        return Response(status_code=400)
    return pending


def create_app(
    application: Application,  # type: ignore[type-arg]
    store: SqliteStore | PostgresStore,
    secret: str,
    *,
    metrics: Metrics | None = None,
    reply_in_response: bool = False,
) -> Starlette:
    """The webhook app around a built (not yet initialized) PTB application and an unopened store.

    `reply_in_response`: the next question goes back as the webhook's HTTP response."""
    metrics = metrics or Metrics()
    expected = secret.encode()
    reply = reply_in_response

    async def count_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every error PTB's handlers raise, counted by class (the app's own handler logs it)."""
        metrics.errors.labels(kind=type(context.error).__name__).inc()

    application.add_error_handler(count_error)

    async def healthz(request: Request) -> Response:
        """Alive: the process answers."""
        return PlainTextResponse("ok")

    async def readyz(request: Request) -> Response:
        """Ready: the database answers and its schema is this release's."""
        try:
            version = await store.schema_version()
        except Exception as exc:
            return PlainTextResponse(f"database: {type(exc).__name__}", status_code=503)
        shipped = len(migrations())  # the same numbers on both engines (tests check it)
        if version != shipped:
            return PlainTextResponse(f"schema {version}, expected {shipped}", status_code=503)
        return PlainTextResponse("ready")

    async def prometheus(request: Request) -> Response:
        """The metrics, in Prometheus's text format."""
        return Response(await metrics.render(store), media_type=METRICS_TYPE)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        try:
            await application.initialize()
            try:
                if application.post_init is not None:
                    await application.post_init(application)
                await application.start()
                owed = asyncio.create_task(deliver_owed_when_leading(application))
                try:
                    yield
                finally:
                    owed.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await owed
                    await application.stop()
                    if application.post_stop is not None:
                        await application.post_stop(application)
            finally:
                await application.shutdown()
        finally:
            await store.close()

    routes = [
        Route(WEBHOOK_PATH, _Webhook(application, expected, metrics, reply), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
        dashboard.mount(application),  # the Mini App under /app (bot/web/dashboard/)
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.metrics = metrics
    app.state.store = store
    return app


__all__ = ["MAX_UPDATE_BYTES", "SECRET_HEADER", "WEBHOOK_PATH", "create_app"]
