"""A tiny Bot API on 127.0.0.1 for `ouderstem run` in a subprocess: it answers `getMe`, and
`getUpdates` with nothing, or with an HTTP error for the first `failures` polls."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USERNAME = "OuderstemBot"


class FakeBotApi:
    """`status` answers every call (401, 404, ...); `failures` polls fail with 502 first."""

    def __init__(self, status: int = HTTPStatus.OK, failures: int = 0) -> None:
        self.status = status
        self.failures = failures
        self.calls: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                api.calls.append(method)
                code, body = api.answer(method)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, method: str) -> tuple[int, dict[str, Any]]:
        if self.status != HTTPStatus.OK:
            phrase = HTTPStatus(self.status).phrase
            return self.status, {"ok": False, "error_code": self.status, "description": phrase}
        if method == "getMe":
            me = {"id": 1, "is_bot": True, "first_name": "Ouderstem", "username": USERNAME}
            return HTTPStatus.OK, {"ok": True, "result": me}
        if method == "getUpdates" and self.failures > 0:
            self.failures -= 1
            return HTTPStatus.BAD_GATEWAY, {
                "ok": False,
                "error_code": 502,
                "description": "Bad Gateway",
            }
        return HTTPStatus.OK, {"ok": True, "result": [] if method == "getUpdates" else True}

    def __enter__(self) -> FakeBotApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
