"""The dashboard's HTTP side: the page, its static files, and a JSON API behind initData.

    GET  /                 the page (index.html with its Dutch texts filled in)
    GET  /static/...       app.js, app.css (no third-party code, nothing from a CDN)
    POST /api/session      the schools and rounds this person may read, and whether an overview
    POST /api/report       {"round_id"}: one round as a page (views.report_page) and its model
    POST /api/overview     the person's schools side by side, or their centre
    POST /api/send         {"round_id", "format"}: the PDF, XLSX or CSV sent into their chat

Every API call carries Telegram's initData in `Authorization: tma <initData>`, checked on every
call (auth.validate: signature, at most an hour old), then the same role and school check as the
chat (`bot.staff.authorize` on an `Access` read fresh from the store). Nothing identifying travels
in a URL (ids go in POST bodies, initData in a header), no cookie is set, every answer is
`no-store`. Refusals: 401 for missing, forged or stale initData; 403 for a school or round the
person may not read, a missing round alike (the page shows the message it is given).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import AccessDenied
from bot.reports.model import ReportOptions
from bot.staff import Access, Action, Grant, authorize, named_schools, schools_for
from bot.texts import dashboard as T
from bot.texts.staff import say
from bot.web.dashboard import auth, views

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
AUTH_SCHEME = "tma "  # Authorization: tma <initData>, as Telegram's own examples send it
MAX_BODY = 1024  # an API body is a round id and a format
ROUNDS_SHOWN = 8  # the latest rounds per school, as /rapport offers them
FILE_FORMATS = views.DOWNLOADS
# Telegram Web shows a Mini App in an iframe of these origins; the apps show it in a web view.
FRAME_ANCESTORS = "https://web.telegram.org https://*.telegram.org"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {FRAME_ANCESTORS}"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)

SendDocument = Callable[[int, bytes, str], Awaitable[None]]
PAGE_TEXTS = {
    "loading": T.LOADING,
    "school": T.PICK_SCHOOL,
    "round": T.PICK_ROUND,
    "overview": T.OVERVIEW_CHOICE,
    "skip": T.SKIP_TO,
    "nothing": T.NOTHING,
    "failed": T.FAILED,
    "not_from_telegram": T.NOT_FROM_TELEGRAM,
    "no_rounds": T.NO_ROUNDS,
    "sent": T.DOWNLOAD_SENT,
}


class SecurityHeaders:
    """Adds the CSP and the other security headers to every answer of the dashboard."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class Refused(Exception):
    def __init__(self, status: int, text: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.text, self.reason = status, text, reason


class Dashboard:
    """The API's handlers around the store, the settings and the clock of the bot's Deps."""

    def __init__(
        self,
        store: Any,
        token: str,
        options: Callable[[Grant], ReportOptions],
        clock: Callable[[], datetime],
        send_document: SendDocument | None = None,
    ) -> None:
        self.store, self.token, self.options, self.clock = store, token, options, clock
        self.send_document = send_document

    # ---- the checks every call runs ------------------------------------------------------

    def user(self, request: Request) -> auth.WebAppUser:
        header = request.headers.get("authorization", "")
        if not header.startswith(AUTH_SCHEME):
            raise Refused(401, say(T.NOT_FROM_TELEGRAM), "no initData")
        try:
            return auth.validate(header[len(AUTH_SCHEME) :], self.token, self.clock())
        except auth.InitDataError as exc:
            text = T.EXPIRED if exc.reason == "expired" else T.NOT_FROM_TELEGRAM
            raise Refused(401, say(text), exc.reason) from None

    async def access(self, request: Request) -> tuple[auth.WebAppUser, Access]:
        """Who asks (initData) and what they may do, read fresh from the store on every call."""
        user = self.user(request)
        return user, await self.store.access(user.id)

    async def body(self, request: Request) -> dict[str, Any]:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise Refused(413, say(T.FAILED), "body too large")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise Refused(413, say(T.FAILED), "body too large")
        try:
            data = json.loads(bytes(raw) or b"{}")
        except ValueError:
            raise Refused(400, say(T.FAILED), "not JSON") from None
        if not isinstance(data, dict):
            raise Refused(400, say(T.FAILED), "not an object")
        return data

    async def readable_round(self, request: Request) -> tuple[Any, Grant, dict[str, Any], int]:
        """The round in the body and the grant that lets this person read it; 403 otherwise."""
        user, access = await self.access(request)
        data = await self.body(request)
        round_id = data.get("round_id")
        found = await self.store.round(round_id) if type(round_id) is int else None
        try:
            grant = authorize(access, Action.REPORT, found.school_id if found else None)
        except AccessDenied:
            raise Refused(403, say(T.FORBIDDEN), "round") from None
        return found, grant, data, user.id

    async def report(self, found: Any, grant: Grant) -> Any:
        from bot.reports.build import build_round_report

        return await build_round_report(self.store, found.id, self.options(grant))

    # ---- handlers ------------------------------------------------------------------------

    async def session(self, request: Request) -> Response:
        """The schools (by name) and their latest rounds this person may read."""
        from bot.tg.school.common import round_label

        _user, access = await self.access(request)
        schools = schools_for(access, Action.REPORT)
        overview = bool(schools_for(access, Action.OVERVIEW)) and (
            len(schools) != 1 or bool(set(schools_for(access, Action.OVERVIEW)) - set(schools))
        )
        if not schools and not overview:
            raise Refused(403, say(T.NOTHING), "no role")
        names = await self.store.school_names(schools)
        listed = []
        for school_id in schools:
            rounds = list(reversed(await self.store.rounds(school_id)))[:ROUNDS_SHOWN]
            listed.append(
                {
                    "id": school_id,
                    "name": names.get(school_id, str(school_id)),
                    "rounds": [
                        {
                            "id": r.id,
                            "label": say(T.ROUND_OPTION, label=round_label(r), number=r.id),
                            "audience": r.audience,
                        }
                        for r in rounds
                    ],
                }
            )
        return JSONResponse({"schools": listed, "overview": overview})

    async def report_json(self, request: Request) -> Response:
        found, grant, _data, _user = await self.readable_round(request)
        report = await self.report(found, grant)
        page = views.report_page(report, say)
        log.info("a report was shown in the dashboard")
        return JSONResponse({"page": page, "report": report.model_dump(mode="json")})

    async def overview_json(self, request: Request) -> Response:
        from bot.reports.overview import build_overview

        _user, access = await self.access(request)
        schools = schools_for(access, Action.OVERVIEW)
        if not schools:
            raise Refused(403, say(T.FORBIDDEN), "overview")
        grant = authorize(access, Action.OVERVIEW, schools[0])
        named = named_schools(access, schools)
        overview = await build_overview(self.store, schools, self.options(grant), named=named)
        return JSONResponse(
            {
                "page": views.overview_page(overview, say),
                "overview": overview.model_dump(mode="json"),
            }
        )

    async def send(self, request: Request) -> Response:
        """A report file into the person's chat with the bot, as /rapport sends it."""
        from bot.reports.exports import export
        from bot.tg.report_handlers import rendered

        found, grant, data, user_id = await self.readable_round(request)
        fmt = data.get("format")
        if fmt not in FILE_FORMATS or self.send_document is None:
            raise Refused(400, say(T.FAILED), "format")
        report = await self.report(found, grant)
        content = await rendered(lambda: export(report, fmt))
        await self.send_document(user_id, content, f"ouderstem-ronde-{found.id}.{fmt}")
        return JSONResponse({"sent": True, "message": say(T.DOWNLOAD_SENT)})

    async def page(self, request: Request) -> Response:
        template = (STATIC / "index.html").read_text(encoding="utf-8")
        texts = {key: say(text) for key, text in PAGE_TEXTS.items()}
        data = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
        html = template.replace("{{title}}", say(T.PAGE_TITLE)).replace("{{texts}}", data)
        return HTMLResponse(html)


def error_code(refused: Refused) -> str:
    """What the page is told: auth | expired | forbidden | bad (never the check that failed)."""
    if refused.status == 401:
        return "expired" if refused.reason == "expired" else "auth"
    return "forbidden" if refused.status == 403 else "bad"


def _guarded(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            log.info("a dashboard call was refused (%s)", refused.reason)
            return JSONResponse(
                {"error": error_code(refused), "message": refused.text},
                status_code=refused.status,
            )

    return run


def dashboard_app(dashboard: Dashboard) -> Starlette:
    """The Mini App as an ASGI app (mounted under DASHBOARD_PATH by bot.web.app)."""
    routes = [
        Route("/", dashboard.page, methods=["GET"]),
        Route("/api/session", _guarded(dashboard.session), methods=["POST"]),
        Route("/api/report", _guarded(dashboard.report_json), methods=["POST"]),
        Route("/api/overview", _guarded(dashboard.overview_json), methods=["POST"]),
        Route("/api/send", _guarded(dashboard.send), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeaders)
    return app
