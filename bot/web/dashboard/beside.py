"""The dashboard beside polling: `ouderstem run` with OUDERSTEM_WEB_PORT set serves the Mini App
(and /healthz) from the same process and event loop as the poller, over the same store.

`ouderstem serve` (webhooks) needs none of this: its Starlette app mounts the dashboard itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.web import dashboard

log = logging.getLogger(__name__)

STOP_WAIT = 10.0  # seconds the web server gets to finish its requests when polling stops


def web_app(application: Any) -> Starlette:
    """The Mini App and a liveness check, for a built PTB application whose store is open."""

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthz", healthz), dashboard.mount(application)])


def _server(app: Starlette, settings: Settings) -> Any:
    import uvicorn

    class Quiet(uvicorn.Server):
        """A uvicorn server that leaves SIGINT and SIGTERM to the poller."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

        def install_signal_handlers(self) -> None:  # older uvicorn
            return None

    config = uvicorn.Config(
        app,
        host=settings.web_host,
        port=settings.web_port or 0,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
        lifespan="off",  # the poller opens and closes the store
    )
    return Quiet(config)


class Beside:
    """Starts the web server once the store is open; stops it when polling ends."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, application: Any) -> None:
        if self.settings.web_port is None:
            return
        self.server = _server(web_app(application), self.settings)
        self.task = asyncio.create_task(self.server.serve())
        log.info("the dashboard is served on port %s", self.settings.web_port)

    async def stop(self) -> None:
        if self.server is None or self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.task, STOP_WAIT)
